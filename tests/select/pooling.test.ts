import assert from "assert";
import { silentEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import { attributionStage } from "../../lib/select/attribution_stage.ts";
import {
  poolChunk,
  pooledScoreSource,
  poolingOf,
  type PoolingSpec,
  poolTokenScores,
} from "../../lib/select/pooling.ts";
import { collectTokenScores, denseScoreSource } from "../../lib/select/score_source.ts";
import { selectionStage } from "../../lib/select/stage.ts";
import type { ScoreSource } from "../../lib/select/types.ts";
import { corpusFromDocuments, pieceTokenizer, scoresFromRows, selectionSpec } from "./helpers.ts";

/** Largest absolute difference tolerated between float32 pooled means and hand values. */
const MEAN_TOLERANCE = 1e-6;

const EOT = 0;
const DOCUMENT: PoolingSpec = { kind: "document", window: 0 };

function pooled(scores: number[], tokens: number[], spec: PoolingSpec): number[] {
  const out = new Float32Array(scores.length);
  poolChunk(scores, tokens, EOT, spec, out);
  return Array.from(out);
}

function assertClose(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= MEAN_TOLERANCE,
      `position ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("pooling none copies scores", () => {
  assert.deepEqual(pooled([1, -2, 3], [4, 0, 5], { kind: "none", window: 0 }), [1, -2, 3]);
});

Deno.test("pooling document spans end at end-of-text", () => {
  // Spans: [5, EOT] -> mean 2; [3, 4, EOT] -> mean 4; [7] runs to the chunk's edge -> 10.
  assertClose(pooled([1, 3, 2, 4, 6, 10], [5, EOT, 3, 4, EOT, 7], DOCUMENT), [2, 2, 4, 4, 4, 10]);
});

Deno.test("pooling document without end-of-text averages the chunk", () => {
  assertClose(pooled([1, 2, 3, 6], [5, 6, 7, 8], DOCUMENT), [3, 3, 3, 3]);
});

Deno.test("pooling window clips at chunk edges", () => {
  assertClose(pooled([1, 2, 3, 4], [1, 1, 1, 1], { kind: "window", window: 1 }), [1.5, 2, 3, 3.5]);
  assertClose(pooled([4, 0, 0, 0, 8], [1, 1, 1, 1, 1], { kind: "window", window: 2 }), [
    4 / 3,
    1,
    2.4,
    2,
    8 / 3,
  ]);
});

Deno.test("pooling streamed equals in memory", async () => {
  const corpus = corpusFromDocuments([
    { tokens: [3, 4, EOT] },
    { tokens: [5, 6, 7, 8, EOT], toxic: true },
    { tokens: [9, 9, 9, 9] },
  ], 4);
  const scores = scoresFromRows([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
  for (const spec of [DOCUMENT, { kind: "window", window: 1 } as PoolingSpec]) {
    const expected = poolTokenScores(scores, corpus, EOT, spec);
    // Batches of 5 rows cut chunks in two, which the streamed pooling must reassemble.
    const streamed = await collectTokenScores(
      pooledScoreSource(denseScoreSource(scores, 5), corpus, EOT, spec),
    );
    assert.deepEqual(Array.from(streamed.chunkIds), [0, 1, 2]);
    assertClose(streamed.scores, Array.from(expected.scores));
  }
});

Deno.test("pooling rejects rows out of order", async () => {
  const corpus = corpusFromDocuments([{ tokens: [1, 2, 3, 4, 5, 6, 7, 8] }], 4);
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
    () => collectTokenScores(pooledScoreSource(source, corpus, EOT, DOCUMENT)),
    /chunk 1 position 0 arrives out of order \(expected chunk 0 position 2\)/,
  );
});

Deno.test("pooling window needs a half-width", () => {
  const corpus = corpusFromDocuments([{ tokens: [1, 2] }], 2);
  assert.throws(
    () => poolTokenScores(scoresFromRows([[1, 2]]), corpus, EOT, { kind: "window", window: 0 }),
    /integer half-width >= 1, got 0/,
  );
  assert.deepEqual(poolingOf({ pooling: "window", pooling_window: 3 }), { kind: "window", window: 3 });
  assert.deepEqual(poolingOf({}), { kind: "none", window: 0 });
});

function context(outputDir: string): StageContext {
  return {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: 3,
    key: "test",
    outputDir,
    scratchDir: outputDir,
    versions: {},
  };
}

Deno.test("pooling selects whole document spans", async () => {
  // One high-scoring token inside a toxic span lifts the whole span above every benign token.
  const corpus = corpusFromDocuments([
    { tokens: [1, 1, 1, EOT] },
    { tokens: [2, 2, 2, EOT], toxic: true },
  ], 8);
  const tokenizer = pieceTokenizer(["<eot>", " a", " b"]);
  const scores = scoresFromRows([[0, 1, 0, 0, 0, 0, 8, 0]]);
  const config = selectionSpec({ percentile: 0.5, window: 0, budget_tokens: 8, pooling: "document" });
  const dir = await Deno.makeTempDir();
  try {
    const result = await selectionStage.run(context(dir), config, { scores, corpus, tokenizer });
    assert.deepEqual(Array.from(result.mask), [0, 0, 0, 0, 1, 1, 1, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(
    () => selectionStage.run(context("/nonexistent"), config, { scores }),
    /needs the corpus and tokenizer/,
  );
});

Deno.test("pooling attribution keeps unpooled AUROC", async () => {
  const corpus = corpusFromDocuments([
    { tokens: [1, 1, 1, EOT] },
    { tokens: [2, 2, 2, EOT], toxic: true },
  ], 8);
  const tokenizer = pieceTokenizer(["<eot>", " a", " b"]);
  // Unpooled, the toxic span's low tokens interleave with benign ones; pooled, the spans separate.
  const differential = scoresFromRows([[0, 3, 0, 0, 0, 0, 8, 0]]);
  const config = { selection: selectionSpec({ pooling: "document", budget_tokens: 4 }), seed: 1 };
  const comparison = await attributionStage.run(context("/nonexistent"), config, {
    corpus,
    tokenizer,
    differential,
  });
  assert.equal(comparison.pooling, "document");
  const unpooled = comparison.unpooledTokenAuroc!["differential influence"];
  assert.ok(unpooled < 0.75, `unpooled AUROC ${unpooled}`);
  const pooledRow = comparison.rows.find((row) => row.method === "differential influence")!;
  assert.equal(pooledRow.tokenAuroc, 1);
});
