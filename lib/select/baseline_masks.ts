/**
 * Masks and chunk lists of the comparison selections: the ground-truth (oracle) mask, a uniform random
 * mask, and the chunks removed by plain (non-differential) chunk-level influence.
 */

import { type Corpus, SPLIT_CODES } from "../data/types.ts";
import type { Rng } from "../util/rng.ts";
import type { TokenScores } from "./types.ts";

/**
 * 1 for every token of a ground-truth toxic document, aligned with the given chunks
 * ([chunkIds.length x blockSize]). It is the oracle arm's mask and the label vector of attribution metrics.
 */
export function toxicTokenMask(corpus: Corpus, chunkIds: Int32Array): Uint8Array {
  const { blockSize, docIds, documents } = corpus;
  const mask = new Uint8Array(chunkIds.length * blockSize);
  for (let c = 0; c < chunkIds.length; c++) {
    const chunkId = chunkIds[c];
    if (chunkId < 0 || chunkId >= corpus.numChunks) {
      const last = corpus.numChunks - 1;
      throw new RangeError(
        `chunk id ${chunkId} is outside the corpus (0..${last}); the scores belong to another corpus`,
      );
    }
    const base = chunkId * blockSize;
    for (let t = 0; t < blockSize; t++) mask[c * blockSize + t] = documents.toxic[docIds[base + t]];
  }
  return mask;
}

/** Corpus chunk ids of the training split, ascending. */
export function trainingChunkIds(corpus: Corpus): Int32Array {
  const ids: number[] = [];
  for (let c = 0; c < corpus.numChunks; c++) if (corpus.chunkSplit[c] === SPLIT_CODES.train) ids.push(c);
  return Int32Array.from(ids);
}

/** Draw a mask with exactly `count` positions set, uniformly without replacement (Floyd's algorithm). */
export function randomMask(length: number, count: number, rng: Rng): Uint8Array {
  if (!Number.isInteger(count) || count < 0 || count > length) {
    throw new RangeError(
      `cannot draw ${count} random positions out of ${length}; use a count in 0..${length}`,
    );
  }
  const mask = new Uint8Array(length);
  for (let j = length - count; j < length; j++) {
    const t = rng.int(j + 1);
    if (mask[t]) mask[j] = 1;
    else mask[t] = 1;
  }
  return mask;
}

/** Uniform random scores in [0, 1), the ranking a random selection implies. */
export function randomScores(length: number, rng: Rng): Float32Array {
  return Float32Array.from({ length }, () => rng.next());
}

/** Chunk-level score: the sum of each chunk's token scores (equal to the chunk's influence), float64. */
export function chunkScoreSums(scores: TokenScores): Float64Array {
  const sums = new Float64Array(scores.numChunks);
  for (let c = 0; c < scores.numChunks; c++) {
    for (let t = 0; t < scores.blockSize; t++) sums[c] += scores.scores[c * scores.blockSize + t];
  }
  return sums;
}

/**
 * Corpus chunk ids to remove for the plain-influence baseline: chunks with the highest chunk-level score
 * (ties by chunk id), whole chunks only, as many as fit in `budgetTokens`.
 */
export function topInfluenceChunks(scores: TokenScores, budgetTokens: number): Int32Array {
  const sums = chunkScoreSums(scores);
  const order = Array.from(sums.keys()).sort((a, b) =>
    sums[b] - sums[a] || scores.chunkIds[a] - scores.chunkIds[b]
  );
  const count = Math.min(order.length, Math.floor(budgetTokens / scores.blockSize));
  return Int32Array.from(order.slice(0, count), (c) => scores.chunkIds[c]);
}

/** Mask of whole chunks, aligned with `chunkIds` ([chunkIds.length x blockSize]). */
export function chunkMask(chunkIds: Int32Array, blockSize: number, chosen: Int32Array): Uint8Array {
  const chosenIds = new Set(chosen);
  const mask = new Uint8Array(chunkIds.length * blockSize);
  chunkIds.forEach((id, c) => {
    if (chosenIds.has(id)) mask.fill(1, c * blockSize, (c + 1) * blockSize);
  });
  return mask;
}
