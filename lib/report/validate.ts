/**
 * Checks the shape of `ReportData` before rendering, so a mistake in the gathering code fails with the
 * path of the bad field instead of a wrong number in a table.
 */

import type { ReportData } from "./types.ts";

/** Problems listed in one error message before the rest are counted. */
const MAX_LISTED = 10;

/** Invalid report data. `problems` contains one line per invalid field, with its path. */
export class ReportDataError extends Error {
  constructor(readonly problems: string[]) {
    const listed = problems.slice(0, MAX_LISTED).map((problem) => `  - ${problem}`).join("\n");
    const more = problems.length > MAX_LISTED ? `\n  ... and ${problems.length - MAX_LISTED} more` : "";
    super(`invalid report data (${problems.length} problem(s)); fix the gathering code:\n${listed}${more}`);
    this.name = "ReportDataError";
  }
}

function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value);
  }
  return typeof value === "string" ? JSON.stringify(value) : typeof value;
}

/** Throw `ReportDataError` unless `data` has the fields the renderer reads, with the right types. */
export function validateReportData(data: ReportData): void {
  const problems: string[] = [];
  const expect = (ok: boolean, path: string, value: unknown, wanted: string) => {
    if (!ok) problems.push(`${path} is ${describe(value)}, expected ${wanted}`);
  };
  const isText = (value: unknown) => typeof value === "string";
  const isNumber = (value: unknown) => typeof value === "number";
  const isOptionalNumber = (value: unknown) =>
    value === undefined || value === null || typeof value === "number";
  const isOptionalText = (value: unknown) =>
    value === undefined || value === null || typeof value === "string";

  if (typeof data !== "object" || data === null) throw new ReportDataError([`data is ${describe(data)}`]);
  const meta = data.meta;
  if (typeof meta !== "object" || meta === null) {
    problems.push(`meta is ${describe(meta)}, expected an object`);
  } else {
    for (const key of ["specName", "runId", "startedAt", "endedAt"] as const) {
      expect(isText(meta[key]), `meta.${key}`, meta[key], "a string");
    }
    expect(Array.isArray(meta.plan), "meta.plan", meta.plan, "an array");
    expect(Array.isArray(meta.fingerprints), "meta.fingerprints", meta.fingerprints, "an array");
    expect(Array.isArray(meta.seeds), "meta.seeds", meta.seeds, "an array of seeds");
    expect(
      typeof meta.versions === "object" && meta.versions !== null,
      "meta.versions",
      meta.versions,
      "an object",
    );
    expect(isNumber(meta.evaluationSeed), "meta.evaluationSeed", meta.evaluationSeed, "a number");
  }

  if (!Array.isArray(data.arms)) {
    problems.push(`arms is ${describe(data.arms)}, expected an array`);
  } else {
    const names = new Set<string>();
    data.arms.forEach((arm, index) => {
      expect(isText(arm?.name), `arms[${index}].name`, arm?.name, "a string");
      if (names.has(arm?.name)) {
        problems.push(`arms[${index}].name "${arm.name}" repeats an earlier arm's name`);
      }
      names.add(arm?.name);
    });
  }

  if (!Array.isArray(data.results)) {
    problems.push(`results is ${describe(data.results)}, expected an array`);
  } else {
    data.results.forEach((row, index) => {
      const path = `results[${index}]`;
      for (const key of ["promptSet", "metric"] as const) {
        expect(isText(row?.[key]), `${path}.${key}`, row?.[key], "a string");
      }
      for (const key of ["arm", "attribute", "classifier"] as const) {
        expect(isOptionalText(row?.[key]), `${path}.${key}`, row?.[key], "a string or absent");
      }
      expect(
        isOptionalNumber(row?.seed),
        `${path}.seed`,
        row?.seed,
        "a number or absent (pooled over seeds)",
      );
      expect(
        isOptionalNumber(row?.value),
        `${path}.value`,
        row?.value,
        "a number (NaN or null when missing)",
      );
      expect(isNumber(row?.n), `${path}.n`, row?.n, "a number");
      expect(isOptionalNumber(row?.ciLow), `${path}.ciLow`, row?.ciLow, "a number or absent");
      expect(isOptionalNumber(row?.ciHigh), `${path}.ciHigh`, row?.ciHigh, "a number or absent");
    });
  }

  const roles = data.classifierRoles;
  expect(
    isText(roles?.explicit),
    "classifierRoles.explicit",
    roles?.explicit,
    "the explicit classifier's id",
  );
  expect(
    isOptionalText(roles?.implicit),
    "classifierRoles.implicit",
    roles?.implicit,
    "a classifier id or absent",
  );

  const histograms = data.attribution?.histograms ?? [];
  histograms.forEach((histogram, index) => {
    const path = `attribution.histograms[${index}]`;
    const bins = Math.max(0, (histogram.edges?.length ?? 0) - 1);
    expect(
      histogram.toxic?.length === bins,
      `${path}.toxic.length`,
      histogram.toxic?.length,
      `${bins} (edges - 1)`,
    );
    expect(
      histogram.benign?.length === bins,
      `${path}.benign.length`,
      histogram.benign?.length,
      `${bins} (edges - 1)`,
    );
  });

  if (problems.length > 0) throw new ReportDataError(problems);
}
