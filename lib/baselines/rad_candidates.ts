/**
 * Candidate selection for reward-augmented decoding, on one row of next-token logits.
 *
 * Shape legend: V vocabulary. A row is V logits after temperature.
 *
 * The filter is the plain sampler's own. Top-k keeps every token whose logit reaches the k-th largest
 * (ties at the k-th value are kept). The nucleus then keeps the smallest set of the most likely of
 * those tokens whose probability, renormalised over the top-k set, reaches p. The arithmetic (float64
 * probabilities, the summation order, the comparison) repeats the sampler's step for step, so RAD with
 * beta = 0 keeps exactly the tokens plain top-p / top-k sampling keeps.
 */

/**
 * Token ids kept by top-k and then top-p, most likely first (ties in probability: lower id first).
 * `topK` = 0 disables the count limit and `topP` = 1 disables the nucleus. Tokens at -Infinity are
 * never candidates.
 */
export function selectCandidates(row: ArrayLike<number>, topP: number, topK: number): Int32Array {
  const vocab = row.length;
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`RAD top-p must be in (0, 1], got ${topP}`);
  if (!Number.isInteger(topK) || topK < 0) {
    throw new RangeError(`RAD top-k must be a non-negative integer, got ${topK}`);
  }

  // Top-k: every token at or above the k-th largest logit, in ascending id order.
  const threshold = topK > 0 && topK < vocab ? kthLargest(row, topK) : -Infinity;
  const candidates: number[] = [];
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) {
    if (row[v] >= threshold && row[v] !== -Infinity) {
      candidates.push(v);
      if (row[v] > max) max = row[v];
    }
  }
  if (candidates.length === 0) {
    throw new RangeError("RAD received a logit row with every token at -Infinity; nothing can be sampled");
  }

  // Softmax over the candidates in float64, summed in ascending id order.
  const probs = new Float64Array(candidates.length);
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    probs[i] = Math.exp(row[candidates[i]] - max);
    total += probs[i];
  }

  const order = Array.from(candidates.keys()).sort((a, b) =>
    probs[b] - probs[a] || candidates[a] - candidates[b]
  );
  let kept = order.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < order.length; i++) {
      cumulative += probs[order[i]];
      if (cumulative >= topP * total) {
        kept = i + 1;
        break;
      }
    }
  }
  return Int32Array.from(order.slice(0, kept), (i) => candidates[i]);
}

/** Find the k-th largest value of a row with a sorted buffer of the k largest seen (k is small). */
function kthLargest(row: ArrayLike<number>, k: number): number {
  const top = new Float64Array(k).fill(-Infinity);
  for (let v = 0; v < row.length; v++) {
    const value = row[v];
    if (value <= top[k - 1]) continue;
    let position = k - 1;
    while (position > 0 && value > top[position - 1]) {
      top[position] = top[position - 1];
      position -= 1;
    }
    top[position] = value;
  }
  return top[k - 1];
}
