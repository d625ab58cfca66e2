import assert from "assert";
import { Rng } from "../../lib/util/rng.ts";
import { auroc, averagePrecision, setMetrics } from "../../lib/select/ranking_metrics.ts";

const METRIC_TOLERANCE = 1e-12;

function bruteAuroc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((si, i) => {
    if (!labels[i]) return;
    scores.forEach((sj, j) => {
      if (labels[j]) return;
      pairs++;
      if (si > sj) wins += 1;
      else if (si === sj) wins += 0.5;
    });
  });
  return wins / pairs;
}

function bruteAveragePrecision(scores: number[], labels: number[]): number {
  const positives = labels.filter((l) => l).length;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let previousRecall = 0;
  let sum = 0;
  for (const threshold of thresholds) {
    const taken = scores.map((s, i) => [s >= threshold, labels[i]] as const).filter(([t]) => t);
    const hits = taken.filter(([, l]) => l).length;
    const recall = hits / positives;
    sum += (recall - previousRecall) * (hits / taken.length);
    previousRecall = recall;
  }
  return sum;
}

Deno.test("auroc matches pair counting", () => {
  const rng = Rng.derive(11, "auroc");
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + rng.int(120);
    // Few distinct score values so ties are common.
    const scores = Array.from({ length: n }, () => rng.int(trial % 2 === 0 ? 4 : 1000) / 7);
    // Index 0 is positive and index 1 negative, so both classes are present; the rest are random.
    const labels = Array.from({ length: n }, () => (rng.int(3) === 0 ? 1 : 0));
    labels[0] = 1;
    labels[1] = 0;
    assert.ok(
      Math.abs(auroc(scores, labels) - bruteAuroc(scores, labels)) < METRIC_TOLERANCE,
      `trial ${trial}`,
    );
    assert.ok(
      Math.abs(averagePrecision(scores, labels) - bruteAveragePrecision(scores, labels)) < METRIC_TOLERANCE,
      `trial ${trial}`,
    );
  }
});

Deno.test("auroc hand cases", () => {
  assert.equal(auroc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
  assert.equal(auroc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
  assert.equal(auroc([5, 5, 5, 5], [1, 0, 1, 0]), 0.5);
  assert.ok(Number.isNaN(auroc([1, 2], [1, 1])));
});

Deno.test("average precision hand case", () => {
  // Descending: 0.9 (pos), 0.8 (neg), 0.7 (pos): AP = 0.5 x 1 + 0.5 x 2/3.
  assert.ok(Math.abs(averagePrecision([0.7, 0.9, 0.8], [1, 1, 0]) - (0.5 + 1 / 3)) < METRIC_TOLERANCE);
  // All tied: one threshold, precision = base rate.
  assert.equal(averagePrecision([1, 1, 1, 1], [1, 0, 0, 0]), 0.25);
});

Deno.test("set metrics counts", () => {
  const metrics = setMetrics([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]);
  assert.deepEqual(metrics, {
    selected: 3,
    positives: 3,
    truePositives: 2,
    precision: 2 / 3,
    recall: 2 / 3,
    f1: 2 / 3,
  });
  assert.ok(Number.isNaN(setMetrics([0, 0], [1, 0]).precision));
  assert.equal(setMetrics([1, 0], [0, 1]).f1, 0);
});
