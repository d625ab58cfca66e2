import assert from "assert";
import { compareGroups } from "../../lib/report/verdict.ts";
import { MetricTable, orderArms, paperRowForKind } from "../../lib/report/metrics.ts";
import { paperReduction } from "../../lib/report/paper.ts";
import type { ArmInfo, MetricRow } from "../../lib/report/types.ts";

const TOLERANCE = 1e-12;
const ARMS: ArmInfo[] = [{ name: "a", kind: "none", decoding: "sample", paperRow: "none" }];

function row(seed: number, value: number, ciLow?: number, ciHigh?: number): MetricRow {
  return { arm: "a", seed, promptSet: "toxic", metric: "tp", value, ciLow, ciHigh, n: 10 };
}

Deno.test("MetricTable single seed unchanged", () => {
  const group = new MetricTable([row(1, 0.3, 0.2, 0.4)], ARMS).get("a", {
    metric: "tp",
    promptSet: "toxic",
  })!;
  assert.equal(group.value, 0.3);
  assert.equal(group.ciLow, 0.2);
  assert.equal(group.ciHigh, 0.4);
  assert.equal(group.seedSd, undefined);
  assert.equal(group.n, 10);
});

Deno.test("MetricTable seeds mean sd envelope", () => {
  const table = new MetricTable([row(1, 0.2, 0.1, 0.3), row(2, 0.4, 0.35, 0.5), row(3, 0.6, 0.5, 0.7)], ARMS);
  const group = table.get("a", { metric: "tp" })!;
  assert.ok(Math.abs(group.value - 0.4) < TOLERANCE);
  assert.ok(Math.abs(group.seedSd! - 0.2) < TOLERANCE);
  assert.equal(group.ciLow, 0.1);
  assert.equal(group.ciHigh, 0.7);
  assert.deepEqual(group.seeds, [1, 2, 3]);
  assert.equal(group.n, 30);
});

Deno.test("MetricTable interval dropped when one seed lacks it", () => {
  const group = new MetricTable([row(1, 0.2, 0.1, 0.3), row(2, 0.4)], ARMS).get("a", {
    metric: "tp",
    promptSet: "toxic",
  })!;
  assert.equal(group.ciLow, undefined);
  assert.equal(group.ciHigh, undefined);
});

Deno.test("MetricTable pooled row wins", () => {
  const pooled: MetricRow = {
    arm: "a",
    promptSet: "toxic",
    metric: "tp",
    value: 0.35,
    ciLow: 0.3,
    ciHigh: 0.45,
    n: 20,
  };
  const group = new MetricTable([row(1, 0.2, 0.1, 0.3), pooled, row(2, 0.4, 0.35, 0.5)], ARMS).get("a", {
    metric: "tp",
  })!;
  assert.equal(group.value, 0.35);
  assert.equal(group.ciLow, 0.3);
  assert.equal(group.ciHigh, 0.45);
  assert.equal(group.n, 20);
  assert.deepEqual(group.seeds, [1, 2]);
  assert.ok(Math.abs(group.seedSd! - Math.SQRT2 * 0.1) < TOLERANCE);
});

Deno.test("MetricTable null value is NaN", () => {
  const fromJson = JSON.parse(JSON.stringify([row(1, Number.NaN)])) as MetricRow[];
  const group = new MetricTable(fromJson, ARMS).get("a", { metric: "tp" })!;
  assert.ok(Number.isNaN(group.value));
});

Deno.test("MetricTable query fields", () => {
  const rows: MetricRow[] = [
    { ...row(1, 0.1), classifier: "x", attribute: "toxicity" },
    { ...row(1, 0.2), classifier: "y", attribute: "toxicity" },
    { ...row(1, 0.3), classifier: "y", attribute: "insult" },
  ];
  const table = new MetricTable(rows, ARMS);
  assert.equal(table.get("a", { metric: "tp", classifier: "y", attribute: "toxicity" })!.value, 0.2);
  assert.equal(table.get("a", { metric: "tp", attribute: "insult" })!.value, 0.3);
  assert.equal(table.get("a", { metric: "tp" })!.value, 0.1);
  assert.equal(table.get("a", { metric: "emt" }), undefined);
  assert.equal(table.select({ metric: "tp", classifier: "y" }).length, 2);
});

Deno.test("MetricTable run-level rows kept", () => {
  const table = new MetricTable([{ promptSet: "jigsaw", metric: "auroc", value: 0.9, n: 5 }], ARMS);
  assert.equal(table.groups.length, 0);
  assert.equal(table.runLevel.length, 1);
});

Deno.test("MetricTable rejects duplicate rows", () => {
  assert.throws(() => new MetricTable([row(1, 0.2), row(1, 0.3)], ARMS), /appears twice/);
});

Deno.test("compareGroups verdicts", () => {
  const group = (value: number, ciLow: number, ciHigh: number) => ({
    arm: "x",
    promptSet: "toxic",
    metric: "tp",
    value,
    ciLow,
    ciHigh,
    seeds: [1],
    n: 1,
    rows: [],
  });
  assert.equal(compareGroups(group(0.1, 0.05, 0.15), group(0.3, 0.2, 0.4)), "lower, CIs disjoint");
  assert.equal(compareGroups(group(0.1, 0.05, 0.25), group(0.3, 0.2, 0.4)), "lower, CIs overlap");
  assert.equal(compareGroups(group(0.3, 0.2, 0.4), group(0.3, 0.2, 0.4)), "equal");
  assert.equal(compareGroups(group(0.5, 0.4, 0.6), group(0.3, 0.2, 0.4)), "higher");
});

Deno.test("orderArms paper order first", () => {
  const arms: ArmInfo[] = [
    { name: "oracle", kind: "oracle", decoding: "sample" },
    { name: "ifg", kind: "ifguide", decoding: "sample", paperRow: "ifguide" },
    { name: "base", kind: "none", decoding: "sample", paperRow: "none" },
    { name: "drop", kind: "drop-tokens", decoding: "sample" },
  ];
  assert.deepEqual(orderArms(arms).map((arm) => arm.name), ["base", "ifg", "oracle", "drop"]);
});

Deno.test("paperRowForKind mapping", () => {
  assert.equal(paperRowForKind("ifguide+rad"), "ifguide+rad");
  assert.equal(paperRowForKind("dpo"), "dpo");
  assert.equal(paperRowForKind("filter-docs"), undefined);
});

Deno.test("paperReduction from table", () => {
  assert.ok(Math.abs(paperReduction("ifguide", "tpToxic")! - 0.801 / 0.085) < TOLERANCE);
  assert.ok(Math.abs(paperReduction("ifguide+rad", "tpAll")! - 0.560 / 0.017) < TOLERANCE);
  assert.equal(paperReduction("rad", "perplexity"), null);
});
