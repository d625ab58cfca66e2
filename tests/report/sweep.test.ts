import assert from "assert";
import { join } from "node:path";
import { readArrow } from "../../lib/util/arrow.ts";
import { renderSweepReport } from "../../lib/report/sweep.ts";
import type { SweepEntry } from "../../lib/report/sweep.ts";
import { EXPLICIT, reportData } from "./fixture.ts";
import { HTML_VOID, nestingErrors } from "./markup.ts";

/** Build a 3 x 2 grid over lambda and window, where IF-Guide's values fall as lambda grows. */
function entries(): SweepEntry[] {
  const out: SweepEntry[] = [];
  for (const lambda of [2, 0.5, 1]) {
    for (const window of [1, 3]) {
      const data = reportData();
      data.meta.runId = `run-l${lambda}-w${window}`;
      data.sweep = {
        paths: ["selection.lambda", "selection.window"],
        point: { "selection.lambda": lambda, "selection.window": window },
      };
      for (const row of data.results) if (row.arm === "ifguide") row.value /= lambda * window;
      out.push({ point: data.sweep.point, data });
    }
  }
  return out;
}

Deno.test("renderSweepReport tables and plots per path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep-test-" });
  try {
    const { files } = await renderSweepReport(entries(), dir);
    const markdown = await Deno.readTextFile(join(dir, "report.md"));
    const html = await Deno.readTextFile(join(dir, "report.html"));
    assert.match(markdown, /## Swept path selection\.lambda/);
    assert.match(markdown, /## Swept path selection\.window/);
    assert.deepEqual(nestingErrors(html, HTML_VOID), []);

    // Lambda table rows run in ascending lambda order, one per point and arm.
    const section = markdown.slice(markdown.indexOf("## Swept path selection.lambda"));
    const rows = section.split("\n").filter((line) => line.startsWith("| ")).slice(1);
    const arms = reportData().arms.length;
    assert.equal(rows.slice(0, 6 * arms).length, 6 * arms);
    const lambdas = rows.slice(0, 6 * arms).map((line) => Number(line.split(" | ")[0].slice(2)));
    assert.deepEqual(lambdas, [...lambdas].sort((a, b) => a - b));

    const figures = files.filter((file) => file.endsWith(".svg"));
    assert.equal(figures.length, 2 * 8, "one figure per main metric and swept path");
    const tp = await Deno.readTextFile(figures.find((file) => file.includes("sweep-1-4-tp"))!);
    assert.ok(tp.includes("ifguide (window=3)"), "grid series label missing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep results.arrow point columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep-test-" });
  try {
    await renderSweepReport(entries(), dir, { formats: ["arrow"] });
    const table = await readArrow(join(dir, "results.arrow"));
    const names = table.schema.fields.map((field) => field.name);
    assert.ok(names.includes("run_id"));
    assert.ok(names.includes("selection.lambda"));
    assert.ok(names.includes("selection.window"));
    const rows = table.toArray();
    const pick = rows.find((row) =>
      row.run_id === "run-l2-w3" && row.arm === "ifguide" && row.metric === "tp" &&
      row.prompt_set === "rtp_toxic" && row.attribute === "toxicity" && row.classifier === EXPLICIT &&
      row.row_kind === "seed"
    )!;
    assert.equal(pick["selection.lambda"], "2");
    assert.equal(pick["selection.window"], "3");
    assert.ok(Math.abs(pick.value - 0.12 / 6) < 1e-12);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderSweepReport rejects empty sweep", async () => {
  await assert.rejects(renderSweepReport([], "/nonexistent"), /no sweep points/);
});
