/**
 * Byte-level BPE training: count pre-tokenised pieces, then repeatedly merge the most frequent
 * adjacent symbol pair, updating pair counts only in the pieces that contain the merged pair. Ties
 * go to the pair with the smaller (left, right) ids, so training is deterministic.
 */

import { splitPieces } from "./pretokenize.ts";

/** Ids 0-255 are the bytes; merges get ids from 256 upwards. */
export const BYTE_TOKENS = 256;

/** Largest vocabulary the pair keys (left * 2^16 + right) can address. */
export const MAX_VOCAB = 65536;

/** Options of `trainBpe`. */
export interface BpeTrainOptions {
  /** Number of merges to learn (vocabulary size minus bytes and special tokens). */
  merges: number;
  /** Called every `progressEvery` merges with (merges done, merges requested). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
}

/** Count the pre-tokenisation pieces of many texts. */
export function countPieces(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitPieces(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
  return counts;
}

/** Max-heap of (count, pair key) with lazy deletion: stale entries are skipped when popped. */
class PairHeap {
  counts: number[] = [];
  keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  #before(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] ||
      (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  #swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const last = this.keys.length - 1;
    this.#swap(0, last);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < this.keys.length && this.#before(left, best)) best = left;
      if (right < this.keys.length && this.#before(right, best)) best = right;
      if (best === i) break;
      this.#swap(i, best);
      i = best;
    }
    return top;
  }
}

/**
 * Learn up to `options.merges` merges from piece counts. Returns the merges in order as
 * [left id, right id]; merge k creates token id 256 + k. Fewer merges come back when no pair
 * occurs twice.
 */
export function trainBpe(
  pieceCounts: Map<string, number>,
  options: BpeTrainOptions,
): Array<[number, number]> {
  if (BYTE_TOKENS + options.merges > MAX_VOCAB) {
    throw new RangeError(`BPE with ${options.merges} merges exceeds the maximum vocabulary of ${MAX_VOCAB}`);
  }
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const weights: number[] = [];
  // Sorting the pieces makes word indices, and so every later step, independent of Map insertion order.
  for (const piece of [...pieceCounts.keys()].sort()) {
    words.push(Array.from(encoder.encode(piece)));
    weights.push(pieceCounts.get(piece)!);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: number) => {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i] * MAX_VOCAB + word[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * weights[w]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, set = new Set());
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: Array<[number, number]> = [];
  const every = options.progressEvery ?? 256;
  while (merges.length < options.merges && heap.size > 0) {
    const [count, key] = heap.pop();
    if (pairCounts.get(key) !== count) continue; // stale heap entry
    if (count < 2) break;

    const left = Math.floor(key / MAX_VOCAB);
    const right = key % MAX_VOCAB;
    const id = BYTE_TOKENS + merges.length;
    merges.push([left, right]);

    const touched = new Set<number>();
    for (const w of pairWords.get(key) ?? []) {
      const word = words[w];
      let found = false;
      for (let i = 0; i + 1 < word.length; i++) {
        if (word[i] === left && word[i + 1] === right) {
          found = true;
          break;
        }
      }
      if (!found) continue;
      const before = new Map<number, number>();
      for (let i = 0; i + 1 < word.length; i++) {
        const k = word[i] * MAX_VOCAB + word[i + 1];
        before.set(k, (before.get(k) ?? 0) + 1);
      }
      addPairs(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          merged.push(id);
          i += 1;
        } else {
          merged.push(word[i]);
        }
      }
      words[w] = merged;
      addPairs(w, 1);
      for (const k of before.keys()) touched.add(k);
      for (let i = 0; i + 1 < merged.length; i++) touched.add(merged[i] * MAX_VOCAB + merged[i + 1]);
    }
    pairCounts.delete(key);
    pairWords.delete(key);
    for (const k of touched) {
      if (k === key) continue;
      const c = pairCounts.get(k) ?? 0;
      if (c <= 0) {
        pairCounts.delete(k);
        pairWords.delete(k);
      } else {
        heap.push(c, k);
      }
    }
    if (options.onProgress && merges.length % every === 0) options.onProgress(merges.length, options.merges);
  }
  return merges;
}
