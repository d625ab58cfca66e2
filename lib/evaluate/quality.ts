/**
 * Quality measures of a scoring classifier: AUROC, F1 at a threshold, expected calibration error and
 * Spearman rank correlation. Sums run in float64 (plain numbers), so large sets lose no precision.
 */

/** Number of equal-width probability bins used by `expectedCalibrationError` by default. */
export const ECE_BINS = 15;

/** Average ranks (1-based) of values, ties sharing the mean of their positions. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Area under the ROC curve from the Mann-Whitney statistic (ties count one half). Returns NaN when
 * either class is empty.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      rankSum += ranks[i];
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

/** F1 score of the rule `score >= threshold` against binary labels; 0 when there are no positives at all. */
export function f1AtThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (predicted && labels[i] === 1) tp++;
    else if (predicted) fp++;
    else if (labels[i] === 1) fn++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/**
 * Expected calibration error: the bin-size-weighted mean of |mean predicted - mean target| over
 * equal-width probability bins. Targets may be soft (a probability) or binary.
 */
export function expectedCalibrationError(
  probabilities: ArrayLike<number>,
  targets: ArrayLike<number>,
  bins = ECE_BINS,
): number {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const bin = Math.min(bins - 1, Math.floor(probabilities[i] * bins));
    count[bin]++;
    predicted[bin] += probabilities[i];
    observed[bin] += targets[i];
  }
  let error = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) error += Math.abs(predicted[b] - observed[b]) / probabilities.length;
  }
  return error;
}

/** Spearman rank correlation (Pearson correlation of average ranks); NaN when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`spearman needs equal lengths, got ${a.length} and ${b.length}`);
  }
  return pearson(averageRanks(a), averageRanks(b));
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] / n;
    meanB += b[i] / n;
  }
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - meanA) * (b[i] - meanB);
    varA += (a[i] - meanA) ** 2;
    varB += (b[i] - meanB) ** 2;
  }
  return varA === 0 || varB === 0 ? NaN : cov / Math.sqrt(varA * varB);
}
