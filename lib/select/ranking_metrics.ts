/**
 * Exact ranking and set metrics against binary labels, in float64. Ties are handled exactly: AUROC
 * counts a tied positive-negative pair as one half (the rank-sum formula with average ranks), and
 * average precision treats each distinct score as one threshold. Both walk two sorted copies of the
 * scores (all scores and positive scores), so the cost is one sort, O(n log n).
 */

/** Precision, recall and F1 of a selection against labels, with the counts behind them. */
export interface SetMetrics {
  selected: number;
  positives: number;
  truePositives: number;
  /** NaN when nothing is selected. */
  precision: number;
  /** NaN when there are no positives. */
  recall: number;
  /** NaN when precision or recall is NaN; 0 when both are 0. */
  f1: number;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(
      `${what}: ${a.length} values but ${b.length} labels; both must cover the same tokens`,
    );
  }
}

/** Precision, recall and F1 of `selected` (1 = selected) against `labels` (1 = positive). */
export function setMetrics(selected: ArrayLike<number>, labels: ArrayLike<number>): SetMetrics {
  checkLengths(selected, labels, "set metrics");
  let chosen = 0;
  let positives = 0;
  let truePositives = 0;
  for (let i = 0; i < labels.length; i++) {
    const isSelected = selected[i] !== 0;
    const isPositive = labels[i] !== 0;
    if (isSelected) chosen++;
    if (isPositive) positives++;
    if (isSelected && isPositive) truePositives++;
  }
  const precision = chosen > 0 ? truePositives / chosen : NaN;
  const recall = positives > 0 ? truePositives / positives : NaN;
  const f1 = precision + recall > 0
    ? (2 * precision * recall) / (precision + recall)
    : precision === 0 && recall === 0
    ? 0
    : NaN;
  return { selected: chosen, positives, truePositives, precision, recall, f1 };
}

interface SortedScores {
  all: Float64Array;
  positive: Float64Array;
}

function sortScores(scores: ArrayLike<number>, labels: ArrayLike<number>): SortedScores {
  checkLengths(scores, labels, "ranking metrics");
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) positives++;
  const all = Float64Array.from(scores);
  const positive = new Float64Array(positives);
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    if (Number.isNaN(all[i])) {
      throw new RangeError(`ranking metrics: score ${i} is NaN; scores must be numbers`);
    }
    if (labels[i] !== 0) positive[k++] = all[i];
  }
  return { all: all.sort(), positive: positive.sort() };
}

/** Compute the area under the ROC curve; NaN when all labels are equal. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { all, positive } = sortScores(scores, labels);
  const nPos = positive.length;
  const nNeg = all.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let sum = 0;
  let negativesBelow = 0;
  let p = 0;
  for (let i = 0; i < all.length;) {
    const value = all[i];
    let runAll = 0;
    while (i < all.length && all[i] === value) {
      runAll++;
      i++;
    }
    let runPos = 0;
    while (p < nPos && positive[p] === value) {
      runPos++;
      p++;
    }
    const runNeg = runAll - runPos;
    sum += runPos * (negativesBelow + 0.5 * runNeg);
    negativesBelow += runNeg;
  }
  return sum / (nPos * nNeg);
}

/**
 * Compute the area under the precision-recall curve as average precision: the sum over thresholds of
 * (recall gain) x precision. Returns NaN without positives.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { all, positive } = sortScores(scores, labels);
  const nPos = positive.length;
  if (nPos === 0) return NaN;
  let truePositives = 0;
  let taken = 0;
  let sum = 0;
  let p = nPos - 1;
  for (let i = all.length - 1; i >= 0;) {
    const value = all[i];
    let runAll = 0;
    while (i >= 0 && all[i] === value) {
      runAll++;
      i--;
    }
    let runPos = 0;
    while (p >= 0 && positive[p] === value) {
      runPos++;
      p--;
    }
    truePositives += runPos;
    taken += runAll;
    if (runPos > 0) sum += (runPos / nPos) * (truePositives / taken);
  }
  return sum;
}
