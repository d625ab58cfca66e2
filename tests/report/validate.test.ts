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
  (data.results[3] as unknown as Record<string, unknown>).value = null;
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
  assert.ok(error.problems.includes("results[3].value is null, expected a number (NaN for a missing value)"));
  assert.ok(error.problems.some((problem) => problem.startsWith('arms[6].name "filter-docs" repeats')));
  assert.ok(error.problems.includes("meta.runId is 7, expected a string"));
  assert.ok(error.problems.includes("attribution.histograms[0].benign.length is 2, expected 3 (edges - 1)"));
});

Deno.test("validateReportData null intervals allowed", () => {
  const data: ReportData = JSON.parse(JSON.stringify(reportData()));
  data.results[0].ciLow = Number.NaN;
  (data.results[1] as unknown as Record<string, unknown>).ciHigh = null;
  validateReportData(data);
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
