import assert from "assert";
import { denseScoreSource } from "../../lib/select/score_source.ts";
import { resolveBudget, selectTokens } from "../../lib/select/select.ts";
import { maskRows, scoresFromRows, selectionSpec } from "./helpers.ts";

const RANK_TOLERANCE = 1e-5;

function select(rows: number[][], fields: Parameters<typeof selectionSpec>[0], chunkIds?: number[]) {
  return selectTokens(denseScoreSource(scoresFromRows(rows, chunkIds)), selectionSpec(fields));
}

Deno.test("threshold ties excluded", async () => {
  // 8 values; p = 0.5 gives h = 3.5 between sorted[3] = 2 and sorted[4] = 2, so tau = 2 exactly.
  const result = await select([[1, 2, 2, 2], [2, 3, 0, 1]], {
    percentile: 0.5,
    window: 0,
    budget_tokens: 100,
  });
  assert.equal(result.stats.threshold, 2);
  assert.equal(result.stats.candidateTokens, 1);
  assert.deepEqual(maskRows(result.mask, 4), [[0, 0, 0, 0], [0, 1, 0, 0]]);
});

Deno.test("windows clipped at chunk edges", async () => {
  const result = await select([[9, 0, 0, 0, 0], [0, 0, 0, 0, 9]], {
    percentile: 0.5,
    window: 1,
    budget_tokens: 100,
  });
  assert.deepEqual(maskRows(result.mask, 5), [[1, 1, 0, 0, 0], [0, 0, 0, 1, 1]]);
  assert.equal(result.stats.tokensSelected, 4);
  assert.equal(result.stats.chunksTouched, 2);
});

Deno.test("overlapping windows counted once", async () => {
  const result = await select([[0, 0, 5, 5, 0, 0, 0]], { percentile: 0.5, window: 1, budget_tokens: 100 });
  assert.deepEqual(maskRows(result.mask, 7), [[0, 1, 1, 1, 1, 0, 0]]);
  assert.equal(result.stats.tokensSelected, 4);
  assert.equal(result.stats.stopReason, "exhausted");
});

Deno.test("budget stop on one-token overflow", async () => {
  // Chunk 0 ranks first (two candidates); its windows add 3 and 3 tokens. Chunk 1's window adds 3.
  const rows = [[0, 8, 0, 0, 8, 0, 0, 0], [0, 0, 0, 5, 0, 0, 0, 0]];
  const exact = await select(rows, { percentile: 0.5, window: 1, budget_tokens: 9 });
  assert.equal(exact.stats.tokensSelected, 9);
  assert.equal(exact.stats.stopReason, "exhausted");

  const short = await select(rows, { percentile: 0.5, window: 1, budget_tokens: 8 });
  assert.equal(short.stats.tokensSelected, 6);
  assert.equal(short.stats.stopReason, "budget");
  assert.deepEqual(short.stats.stoppedAt, { chunkId: 1, position: 3, windowTokens: 3 });
  assert.deepEqual(maskRows(short.mask, 8), [[1, 1, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
});

Deno.test("budget stop ends whole selection", async () => {
  // Chunk 0's second window (3 new tokens) overflows a budget of 4; chunk 1's 2-token window
  // would fit but must not be marked, because the selection stops at the first overflow.
  const rows = [[9, 0, 0, 0, 9, 0, 0, 9], [0, 0, 0, 0, 0, 0, 0, 1]];
  const result = await select(rows, { percentile: 0.5, window: 1, budget_tokens: 4 });
  assert.equal(result.stats.stopReason, "budget");
  assert.deepEqual(result.stats.stoppedAt, { chunkId: 0, position: 4, windowTokens: 3 });
  assert.deepEqual(maskRows(result.mask, 8), [[1, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
  assert.equal(result.stats.chunksTouched, 1);
});

Deno.test("all-equal scores select nothing", async () => {
  const result = await select([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], { percentile: 0.99, budget_tokens: 4 });
  assert.equal(result.stats.threshold, 0.5);
  assert.equal(result.stats.tokensSelected, 0);
  assert.equal(result.stats.stopReason, "no-candidates");
  assert.equal(result.ranking.chunkIds.length, 0);
});

Deno.test("non-finite scores rejected", async () => {
  await assert.rejects(
    () => select([[0, 1, 2], [3, NaN, 5]], {}, [40, 41]),
    /chunk 41 position 1 is NaN/,
  );
  await assert.rejects(
    () => select([[0, Infinity, 2]], {}, [7]),
    /chunk 7 position 1 is Infinity/,
  );
});

Deno.test("ranking hand example", async () => {
  // tau = 0. Counts [1, 2, 1, 3], sums [5, 6, 4, 6]; normalised counts [0, .5, 0, 1], sums [.5, 1, 0, 1];
  // harmonic means [0, 2/3, 0, 1], so the order is 13, 11, then 10 and 12 tied at 0 (by chunk id).
  const rows = [[5, 0, 0, 0], [3, 3, 0, 0], [4, 0, 0, 0], [2, 2, 2, 0]];
  const result = await select(rows, { percentile: 0.5, window: 0, budget_tokens: 100 }, [10, 11, 12, 13]);
  assert.equal(result.stats.threshold, 0);
  assert.deepEqual(Array.from(result.ranking.chunkIds), [13, 11, 10, 12]);
  const expected = [1, 2 / 3, 0, 0];
  result.ranking.rankScores.forEach((score, i) =>
    assert.ok(Math.abs(score - expected[i]) < RANK_TOLERANCE, `rank ${i}: ${score}`)
  );
  assert.deepEqual(Array.from(result.ranking.counts), [3, 2, 1, 1]);
  assert.deepEqual(Array.from(result.ranking.sums), [6, 6, 5, 4]);
});

Deno.test("rank order decides budget", async () => {
  // Same matrix. A budget of 4 takes chunk 13's three tokens and chunk 11's first one; chunk 11's
  // second token would make 5 and stops the selection.
  const rows = [[5, 0, 0, 0], [3, 3, 0, 0], [4, 0, 0, 0], [2, 2, 2, 0]];
  const result = await select(rows, { percentile: 0.5, window: 0, budget_tokens: 4 }, [10, 11, 12, 13]);
  assert.deepEqual(maskRows(result.mask, 4), [[0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]]);
  assert.deepEqual(result.stats.stoppedAt, { chunkId: 11, position: 1, windowTokens: 1 });
});

Deno.test("budget fraction and tokens", () => {
  assert.equal(resolveBudget({ budget_tokens: 0, budget_fraction: 0.02 }, 1000), 20);
  assert.equal(resolveBudget({ budget_tokens: 7, budget_fraction: 0.02 }, 1000), 7);
  assert.throws(() => resolveBudget({ budget_tokens: 0, budget_fraction: 2 }, 1000), /budget_fraction/);
});

Deno.test("percentile out of range rejected", async () => {
  await assert.rejects(() => select([[1, 2]], { percentile: 99 }), /write 0.99/);
});
