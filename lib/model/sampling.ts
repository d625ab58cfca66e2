/**
 * Choosing the next token of one row from its logits. Order of operations, per step:
 *
 * 1. divide the logits by the temperature (temperature 0 means greedy: no division, argmax below);
 * 2. the `LogitProcessor`, if any, rewrites the logits of the whole batch (RAD adds its reward here);
 * 3. top-k keeps the k largest logits (ties at the k-th value are kept too);
 * 4. softmax over the kept tokens, in float64;
 * 5. top-p keeps the smallest set of most likely tokens whose probability reaches p;
 * 6. one uniform draw from the row's own random stream picks a token from the renormalised rest.
 *
 * Steps 3-6 are plain TypeScript over Float64 values so they do not depend on the backend.
 */

import type { Rng } from "../util/rng.ts";

/** Settings of steps 3-6. */
export interface TokenFilter {
  temperature: number;
  topK: number;
  topP: number;
}

/** Index of the largest finite logit (the first one on ties). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Apply steps 3-6 to one row of logits (already divided by the temperature and processed). */
export function sampleFromLogits(logits: ArrayLike<number>, filter: TokenFilter, rng: Rng): number {
  if (filter.temperature === 0) return argmax(logits);
  const vocab = logits.length;

  // Step 3: candidate ids, all of them or the k largest.
  let candidates: number[];
  if (filter.topK > 0 && filter.topK < vocab) {
    const sorted = Array.from(logits).sort((a, b) => b - a);
    const kth = sorted[filter.topK - 1];
    candidates = [];
    for (let i = 0; i < vocab; i++) if (logits[i] >= kth) candidates.push(i);
  } else {
    candidates = Array.from({ length: vocab }, (_, i) => i);
  }

  // Step 4: softmax over the candidates.
  let max = -Infinity;
  for (const id of candidates) max = Math.max(max, logits[id]);
  if (max === -Infinity) {
    throw new Error("Every token has logit -Infinity after the logit processor; no token can be sampled.");
  }
  const probs = new Float64Array(candidates.length);
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    probs[i] = Math.exp(logits[candidates[i]] - max);
    total += probs[i];
  }

  // Step 5: nucleus. Sorting is needed only when p < 1.
  let order = Array.from({ length: candidates.length }, (_, i) => i);
  let kept = order.length;
  let keptMass = total;
  if (filter.topP < 1) {
    order = order.sort((a, b) => probs[b] - probs[a] || candidates[a] - candidates[b]);
    let cumulative = 0;
    for (let i = 0; i < order.length; i++) {
      cumulative += probs[order[i]];
      if (cumulative >= filter.topP * total) {
        kept = i + 1;
        keptMass = cumulative;
        break;
      }
    }
  }

  // Step 6: one draw.
  const target = rng.next() * keptMass;
  let cumulative = 0;
  for (let i = 0; i < kept; i++) {
    cumulative += probs[order[i]];
    if (target < cumulative) return candidates[order[i]];
  }
  return candidates[order[kept - 1]];
}
