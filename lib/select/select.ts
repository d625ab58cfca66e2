/**
 * Toxic-token selection over token scores S[c, t]:
 * 1. tau = the global p-quantile of every score (exact, numpy `linear` convention);
 * 2. per chunk, the count and the sum of scores strictly above tau;
 * 3. both min-max normalised across all scored chunks, (v - min) / (max - min + 1e-6);
 * 4. chunks ranked by the harmonic mean 2 c s / (c + s + 1e-6), highest first, ties by chunk id;
 * 5. in rank order, each above-threshold position j (left to right) marks [j - w, j + w] clipped to
 *    the chunk, counting only unmarked positions. The whole selection stops at the first window whose
 *    new positions would exceed the budget, and no part of that window is marked.
 */

import type { SelectionSpec } from "../spec/types.ts";
import type { StageEvents } from "../runner/events.ts";
import { finishRefinement, HighHistogram, planRefinement, refineBatch } from "./quantile.ts";
import type { ChunkRanking, ScoreSource, SelectionResult, SelectionStats, StopReason } from "./types.ts";

/** Stabiliser added to the min-max range and to the harmonic-mean denominator. */
export const SELECTION_EPSILON = 1e-6;

/** Name of the quantile convention recorded in selection statistics. */
export const QUANTILE_METHOD = "linear interpolation between order statistics (numpy default), float64";

/** Budget in tokens: `budget_tokens` when positive, else floor(budget_fraction x scored tokens). */
export function resolveBudget(
  spec: Pick<SelectionSpec, "budget_tokens" | "budget_fraction">,
  scoredTokens: number,
): number {
  if (spec.budget_tokens > 0) {
    if (!Number.isInteger(spec.budget_tokens)) {
      throw new RangeError(
        `selection.budget_tokens must be a whole number of tokens, got ${spec.budget_tokens}`,
      );
    }
    return spec.budget_tokens;
  }
  if (!(spec.budget_fraction >= 0 && spec.budget_fraction <= 1)) {
    throw new RangeError(
      `selection.budget_fraction must be in [0, 1], got ${spec.budget_fraction}; write 0.02 for 2% of the scored tokens`,
    );
  }
  return Math.floor(spec.budget_fraction * scoredTokens);
}

/** Scores strictly above the threshold, sorted by (scored chunk index, position). */
export interface Candidates {
  chunkIndex: Int32Array;
  position: Int32Array;
  score: Float32Array;
  /** Candidates of scored chunk c are entries offsets[c] .. offsets[c + 1] - 1, [numChunks + 1]. */
  offsets: Int32Array;
}

/** Everything selection needs before the budget is applied; reusable for several budgets. */
export interface PreparedSelection {
  percentile: number;
  threshold: number;
  numChunks: number;
  blockSize: number;
  chunkIds: Int32Array;
  candidates: Candidates;
  ranking: ChunkRanking;
  /** Scored chunk index of each ranked chunk, in rank order. */
  rankedIndices: Int32Array;
}

interface Scan {
  chunkIds: Int32Array;
  chunkIndex: Map<number, number>;
  blockSize: number;
  histogram: HighHistogram;
}

function checkFinite(
  source: ScoreSource,
  chunkIds: Int32Array,
  positions: Int32Array,
  scores: Float32Array,
): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new RangeError(
        `${source.label}: score at chunk ${chunkIds[i]} position ${positions[i]} is ${scores[i]}; ` +
          "selection needs finite scores, so recompute the influence scores (check the damping and the query gradients)",
      );
    }
  }
}

/** First pass: validate scores, count rows per chunk, histogram the float32 keys. */
async function scan(source: ScoreSource, signal?: AbortSignal): Promise<Scan> {
  const histogram = new HighHistogram();
  const chunkIndex = new Map<number, number>();
  const rowsPerChunk: number[] = [];
  let maxPosition = -1;
  for await (const batch of source.batches()) {
    signal?.throwIfAborted();
    const { chunkIds, positions, scores } = batch;
    checkFinite(source, chunkIds, positions, scores);
    for (let i = 0; i < chunkIds.length; i++) {
      let index = chunkIndex.get(chunkIds[i]);
      if (index === undefined) {
        index = chunkIndex.size;
        chunkIndex.set(chunkIds[i], index);
        rowsPerChunk.push(0);
      }
      rowsPerChunk[index]++;
      if (positions[i] < 0) {
        throw new RangeError(`${source.label}: chunk ${chunkIds[i]} has negative position ${positions[i]}`);
      }
      if (positions[i] > maxPosition) maxPosition = positions[i];
    }
    histogram.add(scores);
  }
  if (histogram.total === 0) throw new RangeError(`${source.label}: no token scores to select from`);
  const blockSize = maxPosition + 1;
  const ids = Int32Array.from(chunkIndex.keys());
  rowsPerChunk.forEach((rows, index) => {
    if (rows === blockSize) return;
    const chunkId = ids[index];
    throw new RangeError(
      `${source.label}: chunk ${chunkId} has ${rows} scored positions, expected the block size ${blockSize}; ` +
        "every scored chunk needs exactly one score per position",
    );
  });
  return { chunkIds: ids, chunkIndex, blockSize, histogram };
}

/** Third pass: gather every score strictly above tau, sorted by (chunk index, position). */
async function gather(
  source: ScoreSource,
  found: Scan,
  tau: number,
  signal?: AbortSignal,
  events?: StageEvents,
): Promise<Candidates> {
  const chunkIndex: number[] = [];
  const position: number[] = [];
  const score: number[] = [];
  let done = 0;
  for await (const batch of source.batches()) {
    signal?.throwIfAborted();
    done += batch.scores.length;
    events?.progress(done, found.histogram.total, "tokens", "selection pass 3/3: candidates");
    for (let i = 0; i < batch.scores.length; i++) {
      if (batch.scores[i] > tau) {
        chunkIndex.push(found.chunkIndex.get(batch.chunkIds[i])!);
        position.push(batch.positions[i]);
        score.push(batch.scores[i]);
      }
    }
  }
  const order = Array.from(chunkIndex.keys()).sort((a, b) =>
    chunkIndex[a] - chunkIndex[b] || position[a] - position[b]
  );
  const numChunks = found.chunkIds.length;
  const offsets = new Int32Array(numChunks + 1);
  for (const c of chunkIndex) offsets[c + 1]++;
  for (let c = 0; c < numChunks; c++) offsets[c + 1] += offsets[c];
  return {
    chunkIndex: Int32Array.from(order, (i) => chunkIndex[i]),
    position: Int32Array.from(order, (i) => position[i]),
    score: Float32Array.from(order, (i) => score[i]),
    offsets,
  };
}

function minMax(values: Float64Array): (v: number) => number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return (v) => (v - min) / (max - min + SELECTION_EPSILON);
}

/** Rank chunks with candidates by the harmonic mean of normalised count and sum (ties by chunk id). */
export function rankChunks(
  candidates: Candidates,
  chunkIds: Int32Array,
): { ranking: ChunkRanking; rankedIndices: Int32Array } {
  const numChunks = chunkIds.length;
  const counts = new Float64Array(numChunks);
  const sums = new Float64Array(numChunks);
  for (let c = 0; c < numChunks; c++) {
    counts[c] = candidates.offsets[c + 1] - candidates.offsets[c];
    for (let k = candidates.offsets[c]; k < candidates.offsets[c + 1]; k++) sums[c] += candidates.score[k];
  }
  const normCount = minMax(counts);
  const normSum = minMax(sums);
  const harmonic = new Float64Array(numChunks);
  const ranked: number[] = [];
  for (let c = 0; c < numChunks; c++) {
    const cn = normCount(counts[c]);
    const sn = normSum(sums[c]);
    harmonic[c] = (2 * cn * sn) / (cn + sn + SELECTION_EPSILON);
    if (counts[c] > 0) ranked.push(c);
  }
  ranked.sort((a, b) => harmonic[b] - harmonic[a] || chunkIds[a] - chunkIds[b]);
  const rankedIndices = Int32Array.from(ranked);
  return {
    rankedIndices,
    ranking: {
      chunkIds: Int32Array.from(ranked, (c) => chunkIds[c]),
      rankScores: Float64Array.from(ranked, (c) => harmonic[c]),
      counts: Int32Array.from(ranked, (c) => counts[c]),
      sums: Float64Array.from(ranked, (c) => sums[c]),
    },
  };
}

/** Threshold, candidates and ranking of a score source (three streamed passes). */
export async function prepareSelection(
  source: ScoreSource,
  percentile: number,
  options: { signal?: AbortSignal; events?: StageEvents } = {},
): Promise<PreparedSelection> {
  const { signal, events } = options;
  const found = await scan(source, signal);
  const total = found.histogram.total;
  events?.log(`selection pass 1/3: ${total} scores in ${found.chunkIds.length} chunks are finite`);

  const refinement = planRefinement(found.histogram, percentile);
  let done = 0;
  for await (const batch of source.batches()) {
    signal?.throwIfAborted();
    refineBatch(refinement, batch.scores);
    done += batch.scores.length;
    events?.progress(done, total, "tokens", "selection pass 2/3: exact quantile");
  }
  const threshold = finishRefinement(refinement);

  const candidates = await gather(source, found, threshold, signal, events);
  const { ranking, rankedIndices } = rankChunks(candidates, found.chunkIds);
  return {
    percentile,
    threshold,
    numChunks: found.chunkIds.length,
    blockSize: found.blockSize,
    chunkIds: found.chunkIds,
    candidates,
    ranking,
    rankedIndices,
  };
}

/** Mark windows in rank order under a budget; returns the mask and the statistics. */
export function markWindows(
  prepared: PreparedSelection,
  window: number,
  budgetTokens: number,
): SelectionResult {
  if (!Number.isInteger(window) || window < 0) {
    throw new RangeError(`selection.window must be a whole number >= 0, got ${window}`);
  }
  if (!Number.isInteger(budgetTokens) || budgetTokens < 0) {
    throw new RangeError(`selection budget must be a whole number of tokens >= 0, got ${budgetTokens}`);
  }
  const { numChunks, blockSize, candidates, rankedIndices } = prepared;
  const mask = new Uint8Array(numChunks * blockSize);
  let selected = 0;
  let chunksTouched = 0;
  let stopReason: StopReason = candidates.score.length === 0 ? "no-candidates" : "exhausted";
  let stoppedAt: SelectionStats["stoppedAt"];

  visit: for (const c of rankedIndices) {
    const base = c * blockSize;
    let touched = false;
    for (let k = candidates.offsets[c]; k < candidates.offsets[c + 1]; k++) {
      const j = candidates.position[k];
      const lo = Math.max(0, j - window);
      const hi = Math.min(blockSize - 1, j + window);
      let fresh = 0;
      for (let t = lo; t <= hi; t++) fresh += mask[base + t] === 0 ? 1 : 0;
      if (selected + fresh > budgetTokens) {
        stopReason = "budget";
        stoppedAt = { chunkId: prepared.chunkIds[c], position: j, windowTokens: fresh };
        if (touched) chunksTouched++;
        break visit;
      }
      for (let t = lo; t <= hi; t++) mask[base + t] = 1;
      selected += fresh;
      touched ||= fresh > 0;
    }
    if (touched) chunksTouched++;
  }

  const stats: SelectionStats = {
    percentile: prepared.percentile,
    threshold: prepared.threshold,
    quantileMethod: QUANTILE_METHOD,
    window,
    blockSize,
    scoredTokens: numChunks * blockSize,
    scoredChunks: numChunks,
    candidateTokens: candidates.score.length,
    candidateChunks: rankedIndices.length,
    budgetTokens,
    tokensSelected: selected,
    budgetUsed: budgetTokens > 0 ? selected / budgetTokens : 0,
    chunksTouched,
    stopReason,
    ...(stoppedAt ? { stoppedAt } : {}),
  };
  return { numChunks, blockSize, chunkIds: prepared.chunkIds, mask, ranking: prepared.ranking, stats };
}

/** Run the whole selection over a score source with a spec's percentile, window and budget. */
export async function selectTokens(
  source: ScoreSource,
  spec: SelectionSpec,
  options: { signal?: AbortSignal; events?: StageEvents } = {},
): Promise<SelectionResult> {
  if (!(spec.percentile >= 0 && spec.percentile <= 1)) {
    throw new RangeError(
      `selection.percentile must be a quantile level in [0, 1], got ${spec.percentile}; write 0.99 for the 99th percentile`,
    );
  }
  const prepared = await prepareSelection(source, spec.percentile, options);
  const budget = resolveBudget(spec, prepared.numChunks * prepared.blockSize);
  return markWindows(prepared, spec.window, budget);
}
