import assert from "assert";
import { attributionStage } from "../../lib/select/attribution_stage.ts";
import {
  pooledScoreSource,
  poolingOf,
  type PoolingSpec,
  poolTokenScores,
  windowPoolChunk,
} from "../../lib/select/pooling.ts";
import { collectTokenScores, denseScoreSource } from "../../lib/select/score_source.ts";
import { selectionStage } from "../../lib/select/stage.ts";
import type { ScoreSource } from "../../lib/select/types.ts";
import {
  corpusFromDocuments,
  pieceTokenizer,
  scoresFromRows,
  selectionSpec,
  stageContext as context,
} from "./helpers.ts";

/** Largest absolute difference tolerated between float32 pooled means and hand values. */
const MEAN_TOLERANCE = 1e-6;

const DOCUMENT: PoolingSpec = { kind: "document", window: 0 };

function assertClose(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= MEAN_TOLERANCE,
      `position ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

// Three documents of 3, 5 and 4 tokens laid over three 4-token chunks.
const corpus = corpusFromDocuments([
  { tokens: [3, 4, 0] },
  { tokens: [5, 6, 7, 8, 0], toxic: true },
  { tokens: [9, 9, 9, 9] },
], 4);
const scores = scoresFromRows([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);

Deno.test("pooling none keeps scores", () => {
  assert.equal(poolTokenScores(scores, corpus, { kind: "none", window: 0 }), scores);
});

Deno.test("pooling document crosses chunk edges", () => {
  // Document 1 spans positions 3 of chunk 0 to 3 of chunk 1: mean of 4..8 is 6.
  const pooled = poolTokenScores(scores, corpus, DOCUMENT);
  assertClose(pooled.scores, [2, 2, 2, 6, 6, 6, 6, 6, 10.5, 10.5, 10.5, 10.5]);
});

Deno.test("pooling document uses scored tokens only", () => {
  // Only chunk 1 is scored: document 1's mean is over its four scored tokens 5..8.
  const pooled = poolTokenScores(scoresFromRows([[5, 6, 7, 8]], [1]), corpus, DOCUMENT);
  assertClose(pooled.scores, [6.5, 6.5, 6.5, 6.5]);
});

Deno.test("pooling window clips at chunk edges", () => {
  const out = new Float32Array(4);
  windowPoolChunk([1, 2, 3, 4], 1, out);
  assertClose(out, [1.5, 2, 3, 3.5]);
  const wide = new Float32Array(5);
  windowPoolChunk([4, 0, 0, 0, 8], 2, wide);
  assertClose(wide, [4 / 3, 1, 2.4, 2, 8 / 3]);
});

Deno.test("pooling streamed equals in memory", async () => {
  for (const spec of [DOCUMENT, { kind: "window", window: 1 } as PoolingSpec]) {
    const expected = poolTokenScores(scores, corpus, spec);
    // Batches of 5 rows cut chunks in two, which the streamed pooling must handle.
    const source = pooledScoreSource(denseScoreSource(scores, 5), corpus, spec);
    for (let pass = 0; pass < 2; pass++) {
      const streamed = await collectTokenScores(source);
      assert.deepEqual(Array.from(streamed.chunkIds), [0, 1, 2]);
      assertClose(streamed.scores, Array.from(expected.scores));
    }
  }
});

Deno.test("pooling window rejects rows out of order", async () => {
  const source: ScoreSource = {
    label: "hand rows",
    async *batches() {
      yield {
        chunkIds: Int32Array.from([0, 0, 1, 0]),
        positions: Int32Array.from([0, 1, 0, 2]),
        scores: new Float32Array(4),
      };
    },
  };
  await assert.rejects(
    () => collectTokenScores(pooledScoreSource(source, corpus, { kind: "window", window: 1 })),
    /chunk 1 position 0 arrives out of order \(expected chunk 0 position 2\)/,
  );
});

Deno.test("pooling rejects chunks outside the corpus", () => {
  assert.throws(
    () => poolTokenScores(scoresFromRows([[1, 2, 3, 4]], [7]), corpus, DOCUMENT),
    /scored chunk 7 is not in the corpus \(0\.\.2\)/,
  );
});

Deno.test("pooling window needs a half-width", () => {
  assert.throws(
    () => poolTokenScores(scores, corpus, { kind: "window", window: 0 }),
    /integer half-width >= 1, got 0/,
  );
  assert.deepEqual(poolingOf({ pooling: "window", pooling_window: 3 }), { kind: "window", window: 3 });
  assert.deepEqual(poolingOf({}), { kind: "none", window: 0 });
});

const twoDocuments = corpusFromDocuments([
  { tokens: [1, 1, 1, 0] },
  { tokens: [2, 2, 2, 0], toxic: true },
], 8);

Deno.test("pooling selects whole documents", async () => {
  // One high-scoring token inside the toxic document lifts all of it above every benign token.
  const config = selectionSpec({ percentile: 0.5, window: 0, budget_tokens: 8, pooling: "document" });
  const dir = await Deno.makeTempDir();
  try {
    const result = await selectionStage.run(context(dir), config, {
      scores: scoresFromRows([[0, 1, 0, 0, 0, 0, 8, 0]]),
      corpus: twoDocuments,
    });
    assert.deepEqual(Array.from(result.mask), [0, 0, 0, 0, 1, 1, 1, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(
    () => selectionStage.run(context("/nonexistent"), config, { scores: scoresFromRows([[0, 1]]) }),
    /needs the corpus/,
  );
});

Deno.test("pooling attribution keeps unpooled AUROC", async () => {
  const tokenizer = pieceTokenizer(["<eot>", " a", " b"]);
  // Unpooled, the toxic document's low tokens interleave with benign ones; pooled, they separate.
  const config = { selection: selectionSpec({ pooling: "document", budget_tokens: 4 }), seed: 1 };
  const comparison = await attributionStage.run(context("/nonexistent"), config, {
    corpus: twoDocuments,
    tokenizer,
    differential: scoresFromRows([[0, 3, 0, 0, 0, 0, 8, 0]]),
  });
  assert.equal(comparison.pooling, "document");
  const unpooled = comparison.unpooledTokenAuroc!["differential influence"];
  assert.ok(unpooled < 0.75, `unpooled AUROC ${unpooled}`);
  const pooledRow = comparison.rows.find((row) => row.method === "differential influence")!;
  assert.equal(pooledRow.tokenAuroc, 1);
});
