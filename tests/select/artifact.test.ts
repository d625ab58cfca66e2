import assert from "assert";
import { join } from "node:path";
import { tableFromColumns, writeArrowBatches } from "../../lib/util/arrow.ts";
import { Rng } from "../../lib/util/rng.ts";
import { readSelection, writeSelection } from "../../lib/select/artifact.ts";
import {
  arrowScoreSource,
  collectTokenScores,
  denseScoreSource,
  scoreSourceOf,
  tokenScoresOf,
} from "../../lib/select/score_source.ts";
import { selectTokens } from "../../lib/select/select.ts";
import type { TokenScores } from "../../lib/select/types.ts";
import { selectionSpec } from "./helpers.ts";

function randomScores(numChunks: number, blockSize: number, seed: number): TokenScores {
  const rng = Rng.derive(seed, "scores");
  return {
    numChunks,
    blockSize,
    chunkIds: Int32Array.from({ length: numChunks }, (_, c) => 3 * c + 1),
    scores: Float32Array.from({ length: numChunks * blockSize }, () => rng.normal()),
  };
}

async function writeScoreTable(path: string, scores: TokenScores, rowsPerBatch: number): Promise<void> {
  const total = scores.scores.length;
  const tables = [];
  for (let start = 0; start < total; start += rowsPerBatch) {
    const end = Math.min(total, start + rowsPerBatch);
    tables.push(tableFromColumns({
      chunk_id: Int32Array.from(
        { length: end - start },
        (_, i) => scores.chunkIds[Math.floor((start + i) / scores.blockSize)],
      ),
      position: Int32Array.from({ length: end - start }, (_, i) => (start + i) % scores.blockSize),
      score: scores.scores.slice(start, end),
    }));
  }
  await writeArrowBatches(path, tables);
}

Deno.test("arrow source equals dense source", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scores = randomScores(40, 16, 3);
    const path = join(dir, "scores.arrow");
    await writeScoreTable(path, scores, 37);
    const spec = selectionSpec({ percentile: 0.9, window: 1, budget_tokens: 50 });
    const fromArrow = await selectTokens(arrowScoreSource(path), spec);
    const fromMemory = await selectTokens(denseScoreSource(scores, 23), spec);
    assert.deepEqual(fromArrow.stats, fromMemory.stats);
    assert.deepEqual(fromArrow.mask, fromMemory.mask);
    assert.deepEqual(fromArrow.chunkIds, scores.chunkIds);

    const collected = await collectTokenScores(arrowScoreSource(path));
    assert.deepEqual(collected, scores);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("selection artifact round trip", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scores = randomScores(1100, 8, 5);
    const result = await selectTokens(denseScoreSource(scores), selectionSpec({ budget_fraction: 0.02 }));
    assert.ok(result.stats.tokensSelected > 0);
    await writeSelection(dir, result);
    const loaded = await readSelection(dir);
    assert.deepEqual(loaded, result);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("missing score column named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "bad.arrow");
    await writeArrowBatches(path, [
      tableFromColumns({ chunk_id: Int32Array.of(0), position: Int32Array.of(0) }),
    ]);
    await assert.rejects(() => selectTokens(arrowScoreSource(path), selectionSpec()), /no column 'score'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("score input forms agree", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scores = randomScores(12, 8, 9);
    const tablePath = join(dir, "scores.arrow");
    await writeScoreTable(tablePath, scores, 50);
    const spec = selectionSpec({ percentile: 0.8, budget_tokens: 20 });
    const expected = await selectTokens(denseScoreSource(scores), spec);
    for (const input of [scores, tablePath, { tablePath }, { scores, tablePath: "/nonexistent.arrow" }]) {
      const result = await selectTokens(scoreSourceOf(input), spec);
      assert.deepEqual(result.mask, expected.mask);
    }
    assert.deepEqual(await tokenScoresOf({ tablePath }), scores);
    assert.throws(() => scoreSourceOf({}), /neither in-memory token scores nor a table path/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
