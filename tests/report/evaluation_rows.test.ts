import assert from "assert";
import { toxicityMetricRows } from "../../lib/evaluate/toxicity_metrics.ts";
import type { MetricRow } from "../../lib/evaluate/types.ts";
import { buildReport } from "../../lib/report/render.ts";
import { renderMarkdown } from "../../lib/report/markdown.ts";
import type { ArmInfo } from "../../lib/report/types.ts";
import { reportData } from "./fixture.ts";

/** Bootstrap rounds; few are enough because only the row shape matters here. */
const ROUNDS = 20;
const THRESHOLD = 0.5;

/** Per-prompt maxima: a share `toxicShare` of 50 prompts at 0.9, the rest at 0.1. */
function maxima(toxicShare: number): Float64Array {
  return Float64Array.from({ length: 50 }, (_, i) => (i < toxicShare * 50 ? 0.9 : 0.1));
}

Deno.test("evaluation rows fill main table", () => {
  const arms: ArmInfo[] = [
    { name: "none", kind: "none", decoding: "sample", paperRow: "none" },
    { name: "ifguide", kind: "ifguide", decoding: "sample", paperRow: "ifguide" },
  ];
  const results: MetricRow[] = [];
  for (const [arm, share] of [["none", 0.6], ["ifguide", 0.1]] as const) {
    for (const promptSet of ["rtp_all", "rtp_toxic"]) {
      for (const classifier of ["explicit-model", "implicit-model"]) {
        const labels = { arm, seed: 1004, promptSet, attribute: "toxicity", classifier };
        results.push(...toxicityMetricRows(maxima(share), labels, THRESHOLD, ROUNDS, 42));
      }
    }
  }
  const data = reportData();
  data.arms = arms;
  data.results = results;
  data.classifierRoles = { explicit: "explicit-model", implicit: "implicit-model" };
  delete data.model;

  const markdown = renderMarkdown(buildReport(data).document);
  const tableStart = markdown.indexOf("| ifguide | IF-Guide |");
  const row = markdown.slice(tableStart, markdown.indexOf("\n", tableStart)).split(" | ");
  // Columns: arm, paper row, then value and CI for EMT all, TP all, EMT toxic, TP toxic, implicit EMT, implicit TP.
  assert.equal(row[2], "0.180");
  assert.equal(row[4], "0.100");
  assert.equal(row[8], "0.100");
  assert.equal(row[10], "0.180");
  assert.equal(row[12], "0.100");
  assert.match(row[5], /^\[0\.\d{3}, 0\.\d{3}\]$/);
  assert.match(markdown, /TP toxic 6\.0× lower/);
});
