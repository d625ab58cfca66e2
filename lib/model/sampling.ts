/**
 * Choosing the next token of one row from its logits. Order of operations, per step:
 *
 * 1. divide the logits by the temperature (temperature 0 means greedy: no division, argmax below);
 * 2. the `LogitProcessor`, if any, rewrites the logits of the whole batch (RAD adds its reward here);
 * 3. top-k keeps the k largest logits (ties at the k-th value are kept too);
 * 4. softmax over the kept tokens, in float64;
 * 5. top-p keeps the smallest set of most likely tokens whose probability reaches p (tokens tied
 *    with the least likely kept one are kept too);
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

  // Step 3: the k-th largest logit is the cut; typed-array sorts are numeric and fast.
  let cut = -Infinity;
  if (filter.topK > 0 && filter.topK < vocab) {
    const sorted = Float64Array.from(logits).sort();
    cut = sorted[vocab - filter.topK];
  }

  // Step 4: softmax over the kept tokens (unnormalised; `total` is the normaliser).
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[i] >= cut && logits[i] > max) max = logits[i];
  if (max === -Infinity) {
    throw new Error("Every token has logit -Infinity after the logit processor; no token can be sampled.");
  }
  const probs = new Float64Array(vocab);
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    if (logits[i] >= cut) {
      probs[i] = Math.exp(logits[i] - max);
      total += probs[i];
    }
  }

  // Step 5: nucleus. Walking the sorted probabilities from the top gives the smallest probability
  // that must stay. Tokens tied with it stay too, so the kept set does not depend on index order.
  let floor = 0;
  if (filter.topP < 1) {
    const sorted = probs.slice().sort();
    let cumulative = 0;
    for (let i = vocab - 1; i >= 0; i--) {
      cumulative += sorted[i];
      if (cumulative >= filter.topP * total) {
        floor = sorted[i];
        break;
      }
    }
  }
  let keptMass = 0;
  for (let i = 0; i < vocab; i++) if (probs[i] > 0 && probs[i] >= floor) keptMass += probs[i];

  // Step 6: one draw, walking the kept tokens in id order.
  const target = rng.next() * keptMass;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < vocab; i++) {
    if (probs[i] === 0 || probs[i] < floor) continue;
    cumulative += probs[i];
    last = i;
    if (target < cumulative) return i;
  }
  return last;
}
