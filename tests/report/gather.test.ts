import assert from "assert";
import {
  attributionFromComparison,
  classifierRowsFromReport,
  scoreHistogram,
  topChunkFromView,
} from "../../lib/report/gather.ts";
import type { ClassifierReport } from "../../lib/evaluate/train_classifier.ts";
import type { AttributionComparison } from "../../lib/select/comparison.ts";

const TOLERANCE = 1e-12;

function level(precision: number, recall: number) {
  return {
    selected: 10,
    positives: 20,
    truePositives: 5,
    precision,
    recall,
    f1: 0.3,
    baseRate: 0.1,
    auroc: 0.8,
    auprc: 0.4,
  };
}

/** Build a comparison of two methods over 1,000 scored tokens from two sources. */
function comparison(): AttributionComparison {
  const quality = (method: string, precision: number) => ({
    method,
    tokensSelected: 10,
    token: level(precision, 0.25),
    chunk: { ...level(0.9, 0.5), rule: "any" as const },
    sources: [
      {
        source: "jigsaw",
        toxic: 1,
        selectedTokens: 8,
        shareOfSelection: 0.8,
        sourceTokens: 200,
        shareOfSource: 0.04,
      },
      {
        source: "wiki",
        toxic: 0,
        selectedTokens: 2,
        shareOfSelection: 0.2,
        sourceTokens: 800,
        shareOfSource: 0.0025,
      },
    ],
    topTokens: [{ tokenId: 7, text: " idiot", count: 4, shareOfSelection: 0.4 }],
    frequentShare: 0.1,
    corpusFrequentShare: 0.3,
    toxicFrequentShare: 0.2,
    frequentTokenWarning: false,
  });
  return {
    qualities: [quality("differential", 0.5), quality("random", 0.1)],
    rows: [],
    curves: [
      {
        method: "differential",
        budgetTokens: 10,
        tokensSelected: 10,
        precision: 0.5,
        recall: 0.25,
        f1: 0.33,
      },
      { method: "differential", budgetTokens: 50, tokensSelected: 50, precision: 0.4, recall: 0.9, f1: 0.55 },
      { method: "random", budgetTokens: 10, tokensSelected: 10, precision: 0.1, recall: 0.05, f1: 0.07 },
    ],
    selections: {},
  } as unknown as AttributionComparison;
}

Deno.test("attributionFromComparison rows and curves", () => {
  const data = attributionFromComparison(comparison());
  assert.equal(data.quality.length, 2);
  assert.equal(data.quality[0].method, "differential");
  assert.equal(data.quality[0].precision, 0.5);
  assert.equal(data.quality[0].chunkPrecision, 0.9);
  assert.deepEqual(data.quality[0].budgetShare, { jigsaw: 0.8, wiki: 0.2 });
  assert.deepEqual(data.curves.map((curve) => curve.method), ["differential", "random"]);
  assert.ok(Math.abs(data.curves[0].points[1].budget - 0.05) < TOLERANCE);
  assert.deepEqual(data.topTokens, [{ token: " idiot", count: 4, share: 0.4 }]);
});

Deno.test("attributionFromComparison needs scored tokens", () => {
  const empty = comparison();
  empty.qualities = [];
  assert.throws(() => attributionFromComparison(empty), /pass extras.scoredTokens/);
  const data = attributionFromComparison(empty, { scoredTokens: 100 });
  assert.ok(Math.abs(data.curves[0].points[0].budget - 0.1) < TOLERANCE);
});

Deno.test("topChunkFromView tokens", () => {
  const chunk = topChunkFromView({
    chunkId: 3,
    rank: 0,
    rankScore: 1.5,
    tokens: ["a", " b", " c"],
    selected: Uint8Array.of(0, 1, 0),
    scores: Float32Array.of(0.1, 2, 0.5),
    toxic: Uint8Array.of(0, 1, 1),
  }, "jigsaw");
  assert.equal(chunk.score, 1.5);
  assert.equal(chunk.toxic, true);
  assert.deepEqual(chunk.tokens!.map((token) => [token.text, token.selected, token.toxic]), [
    ["a", false, false],
    [" b", true, true],
    [" c", false, true],
  ]);
  assert.equal(chunk.tokens![1].score, 2);
});

Deno.test("scoreHistogram counts every finite score", () => {
  const scores = Float32Array.from({ length: 1000 }, (_, i) => (i % 100) / 10);
  const toxic = Uint8Array.from({ length: 1000 }, (_, i) => (i % 100 >= 90 ? 1 : 0));
  scores[5] = Number.NaN;
  scores[6] = 1e6;
  const histogram = scoreHistogram("score", scores, toxic, 10);
  assert.equal(histogram.edges.length, 11);
  const total = [...histogram.toxic, ...histogram.benign].reduce((sum, count) => sum + count, 0);
  assert.equal(total, 999);
  assert.equal(histogram.toxic.reduce((sum, count) => sum + count, 0), 100);
  // The outlier lands in the last bin instead of stretching the range.
  assert.ok(histogram.edges[10] < 10);
  assert.ok(histogram.toxic[9] > 0);
});

Deno.test("scoreHistogram rejects bad input", () => {
  assert.throws(() => scoreHistogram("s", [1, 2], [0]), /2 scores but 1 labels/);
  assert.throws(() => scoreHistogram("s", [1], [0], 0), /bins is 0/);
});

Deno.test("scoreHistogram constant scores", () => {
  const histogram = scoreHistogram("s", [2, 2, 2], [1, 0, 0], 4);
  assert.equal(histogram.edges[0], 2);
  assert.equal(histogram.edges[4], 3);
  assert.equal(histogram.toxic[0] + histogram.benign[0], 3);
});

Deno.test("classifierRowsFromReport pooled first", () => {
  const quality = (source: string, auroc: number) => ({
    source,
    rows: 100,
    positives: 30,
    auroc,
    f1: 0.7,
    ece: 0.05,
    aurocInterval: [auroc - 0.02, auroc + 0.02] as [number, number],
    positiveRate: 0.25,
  });
  const rows = classifierRowsFromReport({
    id: "hashed:jigsaw",
    overall: quality("all", 0.9),
    perSource: [quality("jigsaw", 0.92), quality("wiki", 0.85)],
  } as unknown as ClassifierReport);
  assert.deepEqual(rows.map((row) => row.source), ["all", "jigsaw", "wiki"]);
  assert.equal(rows[0].classifier, "hashed:jigsaw");
  assert.equal(rows[1].aurocLow, 0.9);
  assert.equal(rows[2].positiveRate, 0.25);
  assert.equal(rows[2].spearman, undefined);
});
