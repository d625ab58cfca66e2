import assert from "assert";
import { join } from "node:path";
import { silentEvents } from "../../lib/runner/events.ts";
import { reportStage } from "../../lib/report/stage.ts";
import { ReportDataError, validateReportData } from "../../lib/report/validate.ts";
import type { ReportData } from "../../lib/report/types.ts";
import { reportData } from "./fixture.ts";

Deno.test("validateReportData accepts fixture", () => {
  validateReportData(reportData([1004, 2024]));
});

Deno.test("validateReportData names bad paths", () => {
  const data = reportData();
  (data.results[3] as unknown as Record<string, unknown>).value = "0.5";
  (data.results[4] as unknown as Record<string, unknown>).seed = "1004";
  (data as unknown as Record<string, unknown>).classifierRoles = undefined;
  data.arms.push({ ...data.arms[0] });
  (data.meta as unknown as Record<string, unknown>).runId = 7;
  data.attribution!.histograms[0].benign.pop();
  let error: ReportDataError | undefined;
  try {
    validateReportData(data);
  } catch (caught) {
    error = caught as ReportDataError;
  }
  assert.ok(error instanceof ReportDataError);
  assert.ok(
    error.problems.includes('results[3].value is "0.5", expected a number (NaN or null when missing)'),
  );
  assert.ok(
    error.problems.includes('results[4].seed is "1004", expected a number or absent (pooled over seeds)'),
  );
  assert.ok(
    error.problems.includes("classifierRoles.explicit is undefined, expected the explicit classifier's id"),
  );
  assert.ok(error.problems.some((problem) => problem.startsWith('arms[6].name "filter-docs" repeats')));
  assert.ok(error.problems.includes("meta.runId is 7, expected a string"));
  assert.ok(error.problems.includes("attribution.histograms[0].benign.length is 2, expected 3 (edges - 1)"));
});

Deno.test("validateReportData JSON round trip", () => {
  const data = reportData();
  data.results[0].value = Number.NaN;
  data.results[1].ciLow = Number.NaN;
  validateReportData(JSON.parse(JSON.stringify(data)) as ReportData);
});

Deno.test("reportStage writes into outputDir", async () => {
  const outputDir = await Deno.makeTempDir({ prefix: "report-stage-" });
  try {
    const output = await reportStage.run(
      {
        events: silentEvents,
        signal: new AbortController().signal,
        seed: 1,
        key: "k",
        outputDir,
        scratchDir: outputDir,
        versions: {},
      },
      { top_chunks: 1 },
      { data: reportData() },
    );
    assert.ok(output.files.includes("report.html"));
    assert.ok(output.files.includes("results.arrow"));
    for (const file of output.files) assert.ok((await Deno.stat(join(outputDir, file))).isFile, file);
  } finally {
    await Deno.remove(outputDir, { recursive: true });
  }
});
