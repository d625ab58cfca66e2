import assert from "assert";
import { Rng } from "../../lib/util/rng.ts";
import {
  bootstrapMean,
  pairedBootstrap,
  pairedPermutation,
  pairedT,
  studentTCdf,
  studentTQuantile,
} from "../../lib/evaluate/bootstrap.ts";
import {
  expectedMaxToxicity,
  maxPerPrompt,
  toxicityMetricRows,
  toxicityProbability,
} from "../../lib/evaluate/toxicity_metrics.ts";
import { aggregateSeeds, compareArmsOverSeeds } from "../../lib/evaluate/seeds.ts";
import type { MetricRow } from "../../lib/evaluate/types.ts";
import { seedSummaryStage } from "../../lib/evaluate/summary_stage.ts";

const EXACT = 1e-12;
// Reference values of Student's t are given to 4-5 digits in printed tables.
const TABLE_TOLERANCE = 1e-3;

Deno.test("maxPerPrompt hand example", () => {
  // 3 prompts x 2 samples, prompt-major.
  const scores = [0.1, 0.7, 0.2, 0.3, 0.9, 0.4];
  const prompt = [0, 0, 1, 1, 2, 2];
  assert.deepEqual(Array.from(maxPerPrompt(scores, prompt, 3)), [0.7, 0.3, 0.9]);
});

Deno.test("maxPerPrompt rejects prompt without samples", () => {
  assert.throws(() => maxPerPrompt([0.5], [0], 2), /prompt 1 has no scored sample/);
});

Deno.test("EMT and TP on hand scores", () => {
  const maxima = [0.7, 0.3, 0.9, 0.5];
  const { mean, std } = expectedMaxToxicity(maxima);
  assert.ok(Math.abs(mean - 0.6) < EXACT);
  // Population variance: (0.01 + 0.09 + 0.09 + 0.01) / 4 = 0.05.
  assert.ok(Math.abs(std - Math.sqrt(0.05)) < EXACT);
  // 0.5 counts as toxic: the threshold is inclusive.
  assert.equal(toxicityProbability(maxima, 0.5), 0.75);
  assert.equal(toxicityProbability(maxima, 0.95), 0);
});

Deno.test("metric rows carry intervals around the value", () => {
  const rng = new Rng(3);
  const maxima = Float64Array.from({ length: 200 }, () => rng.next());
  const rows = toxicityMetricRows(
    maxima,
    { promptSet: "rtp_toxic", attribute: "toxicity", classifier: "c" },
    0.5,
    500,
    1,
  );
  const emt = rows.find((row) => row.metric === "emt")!;
  const tp = rows.find((row) => row.metric === "tp")!;
  assert.equal(emt.n, 200);
  assert.ok(emt.ciLow! < emt.value);
  assert.ok(emt.value < emt.ciHigh!);
  assert.ok(tp.ciLow! < tp.value);
  assert.ok(tp.value < tp.ciHigh!);
  const again = toxicityMetricRows(
    maxima,
    { promptSet: "rtp_toxic", attribute: "toxicity", classifier: "c" },
    0.5,
    500,
    1,
  );
  assert.deepEqual(again, rows);
});

Deno.test("bootstrap interval coverage near 95%", () => {
  // 1,000 samples of 100 draws from an exponential distribution with mean 1 (skewed on purpose).
  const simulations = 1000;
  const size = 100;
  const rounds = 400;
  const rng = new Rng(11);
  let covered = 0;
  for (let s = 0; s < simulations; s++) {
    const values = Float64Array.from({ length: size }, () => -Math.log(1 - rng.next()));
    const interval = bootstrapMean(values, rounds, s);
    if (interval.low <= 1 && 1 <= interval.high) covered++;
  }
  const coverage = covered / simulations;
  assert.ok(coverage >= 0.93, `coverage ${coverage} below 0.93`);
  assert.ok(coverage <= 0.97, `coverage ${coverage} above 0.97`);
});

Deno.test("Student t against table values", () => {
  assert.ok(Math.abs(studentTQuantile(0.975, 4) - 2.7764) < TABLE_TOLERANCE);
  assert.ok(Math.abs(studentTQuantile(0.975, 30) - 2.0423) < TABLE_TOLERANCE);
  assert.ok(Math.abs(studentTCdf(2, 10) - 0.96331) < TABLE_TOLERANCE);
  assert.ok(Math.abs(studentTCdf(0, 3) - 0.5) < EXACT);
});

Deno.test("paired tests detect a shift", () => {
  const rng = new Rng(5);
  const reference = Array.from({ length: 300 }, () => rng.next());
  const shifted = reference.map((v) => v - 0.1 + 0.05 * rng.normal());
  const bootstrap = pairedBootstrap(shifted, reference, 2000, 1);
  assert.ok(bootstrap.high < 0);
  assert.ok(bootstrap.pValue < 0.01);
  const same = pairedBootstrap(reference, reference.map((v) => v + 0.01 * rng.normal()), 2000, 1);
  assert.ok(same.low < 0);
  assert.ok(same.high > 0);
});

Deno.test("paired permutation exact p-value", () => {
  // Three seeds, every difference negative: 2 of the 8 sign flips are as extreme (all minus, all plus).
  const test = pairedPermutation([0.1, 0.2, 0.15], [0.3, 0.4, 0.35], 0, 0);
  assert.ok(Math.abs(test.pValue - 0.25) < EXACT);
  assert.ok(Math.abs(test.difference + 0.2) < EXACT);
  const t = pairedT([0.1, 0.2, 0.15], [0.3, 0.4, 0.35]);
  // Constant differences: zero variance, the difference is certain.
  assert.equal(t.pValue, 0);
});

Deno.test("seed aggregation and arm comparison", () => {
  const rows: MetricRow[] = [];
  const seeds = [1, 2, 3, 4, 5];
  seeds.forEach((seed, i) => {
    rows.push({ arm: "none", seed, promptSet: "rtp_toxic", metric: "tp", value: 0.3 + 0.01 * i, n: 100 });
    rows.push({ arm: "ifguide", seed, promptSet: "rtp_toxic", metric: "tp", value: 0.1 + 0.012 * i, n: 100 });
  });
  const aggregates = aggregateSeeds(rows);
  const none = aggregates.find((a) => a.arm === "none")!;
  assert.ok(Math.abs(none.mean - 0.32) < EXACT);
  assert.equal(none.min, 0.3);
  assert.deepEqual(none.seeds, seeds);
  const [comparison] = compareArmsOverSeeds(rows);
  assert.equal(comparison.arm, "ifguide");
  // All five differences are negative: exact two-sided p = 2 / 32.
  assert.ok(Math.abs(comparison.permutation.pValue - 2 / 32) < EXACT);
  assert.ok(comparison.t.pValue < 1e-4);
  assert.ok(comparison.t.high < 0);
});

Deno.test("seed summary stage", async () => {
  const perArm = (arm: string, base: number) =>
    [1, 2, 3].map((seed) => ({
      arm,
      seed,
      promptSet: "rtp_all",
      metric: "emt",
      value: base + seed / 100,
      n: 50,
    }));
  const summary = await seedSummaryStage.run(
    {} as never,
    { reference: "none", rounds: 1000, seed: 1 },
    { metrics: [perArm("none", 0.5), perArm("ifguide", 0.2)] },
  );
  assert.equal(summary.aggregates.length, 2);
  const ifguide = summary.aggregates.find((row) => row.arm === "ifguide")!;
  assert.ok(Math.abs(ifguide.value - 0.22) < EXACT);
  assert.equal(ifguide.n, 3);
  assert.equal(summary.comparisons.length, 1);
  assert.ok(Math.abs(summary.comparisons[0].t.difference + 0.3) < EXACT);
});
