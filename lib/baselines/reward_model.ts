/**
 * A small toxicity reward model over token prefixes, for reward-augmented decoding: a logistic
 * regression on hashed unigram and bigram token features, averaged over the prefix.
 *
 * For a prefix x_1..x_n the score is sigmoid(b + (1/n) sum_j (w[u(x_j)] + w[g(x_{j-1}, x_j)])), with
 * u and g hashing a token and a token pair into the weight table (x_0 is a start marker). The sum is
 * additive in tokens, so the prefix sum is kept per row and each candidate costs two table reads.
 */

import type { CandidateScorer } from "./rad_scorer.ts";
import { startsWith } from "./rad_scorer.ts";

/** Trained weights of the prefix reward model. */
export interface PrefixRewardModel {
  /** log2 of the weight-table size. */
  bucketsLog2: number;
  bias: number;
  /** Weight table, [2^bucketsLog2]. */
  weights: Float32Array;
  /** Held-out metrics recorded at training time. */
  metrics: Record<string, number>;
}

/** Marker standing for the token before the first one, outside every vocabulary. */
export const START_MARKER = -1;

/** Weight-table index of a single token. */
export function unigramBucket(token: number, mask: number): number {
  return mix(Math.imul(token + 1, 0x9e3779b1) ^ 0x51ed270b) & mask;
}

/** Weight-table index of a token following `previous`. */
export function bigramBucket(previous: number, token: number, mask: number): number {
  return mix(Math.imul(previous + 1, 0x85ebca6b) ^ Math.imul(token + 1, 0xc2b2ae35) ^ 0x27d4eb2f) & mask;
}

/** Murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Sum of the feature weights contributed by `token` after `previous`. */
export function tokenContribution(model: PrefixRewardModel, previous: number, token: number): number {
  const mask = model.weights.length - 1;
  return model.weights[unigramBucket(token, mask)] + model.weights[bigramBucket(previous, token, mask)];
}

/** Feature sum over a whole prefix (before dividing by its length). */
export function prefixSum(model: PrefixRewardModel, tokens: ArrayLike<number>): number {
  let sum = 0;
  let previous = START_MARKER;
  for (let i = 0; i < tokens.length; i++) {
    sum += tokenContribution(model, previous, tokens[i]);
    previous = tokens[i];
  }
  return sum;
}

/** Toxicity probability of a token prefix; an empty prefix scores sigmoid(bias). */
export function scorePrefix(model: PrefixRewardModel, tokens: ArrayLike<number>): number {
  const logit = model.bias + (tokens.length > 0 ? prefixSum(model, tokens) / tokens.length : 0);
  return sigmoid(logit);
}

/** The logistic function, written to stay finite for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Candidate scorer backed by a prefix reward model; keeps each row's prefix sum between steps. */
export class PrefixRewardScorer implements CandidateScorer {
  readonly id = "reward-model:hashed-prefix";
  #model: PrefixRewardModel;
  #rows: Array<{ tokens: Int32Array; sum: number } | undefined> = [];

  constructor(model: PrefixRewardModel) {
    const size = model.weights.length;
    if (size !== 2 ** model.bucketsLog2) {
      throw new RangeError(
        `reward model has ${size} weights, expected 2^${model.bucketsLog2}; the artifact is corrupt, rebuild the reward-model stage`,
      );
    }
    this.#model = model;
  }

  score(continuations: Int32Array[], candidates: Int32Array[]): Float32Array {
    let total = 0;
    for (const row of candidates) total += row.length;
    const out = new Float32Array(total);
    let offset = 0;
    continuations.forEach((continuation, row) => {
      const sum = this.#rowSum(row, continuation);
      const previous = continuation.length > 0 ? continuation[continuation.length - 1] : START_MARKER;
      const length = continuation.length + 1;
      for (const candidate of candidates[row]) {
        const logit = this.#model.bias + (sum + tokenContribution(this.#model, previous, candidate)) / length;
        out[offset++] = sigmoid(logit);
      }
    });
    return out;
  }

  #rowSum(row: number, continuation: Int32Array): number {
    const cached = this.#rows[row];
    let sum: number;
    if (
      cached && continuation.length === cached.tokens.length + 1 && startsWith(continuation, cached.tokens)
    ) {
      const previous = cached.tokens.length > 0 ? cached.tokens[cached.tokens.length - 1] : START_MARKER;
      sum = cached.sum + tokenContribution(this.#model, previous, continuation[continuation.length - 1]);
    } else if (
      cached && continuation.length === cached.tokens.length && startsWith(continuation, cached.tokens)
    ) {
      sum = cached.sum;
    } else {
      sum = prefixSum(this.#model, continuation);
    }
    this.#rows[row] = { tokens: continuation.slice(), sum };
    return sum;
  }
}
