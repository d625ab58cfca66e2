/**
 * Resampling statistics over prompts and seeds: percentile bootstrap intervals, a paired bootstrap
 * over prompts, a paired sign-flip permutation test and a paired t-test. Float64 throughout (plain
 * numbers); every draw comes from a seeded `Rng`.
 */

import { Rng } from "../util/rng.ts";

/** A point estimate with a two-sided interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

/** Coverage of the default intervals. */
export const CONFIDENCE = 0.95;

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/**
 * Percentile bootstrap interval of `statistic` over units (prompts): resample unit indices with
 * replacement `rounds` times. `statistic` receives the resampled indices and returns one number.
 */
export function bootstrapInterval(
  units: number,
  statistic: (indices: Int32Array) => number,
  rounds: number,
  seed: number,
  confidence = CONFIDENCE,
): Interval {
  const all = Int32Array.from({ length: units }, (_, i) => i);
  const value = statistic(all);
  if (units === 0 || rounds <= 0) return { value, low: NaN, high: NaN };
  const rng = Rng.derive(seed, "bootstrap");
  const draws = new Float64Array(rounds);
  const indices = new Int32Array(units);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < units; i++) indices[i] = rng.int(units);
    draws[round] = statistic(indices);
  }
  draws.sort();
  const tail = (1 - confidence) / 2;
  return { value, low: quantileSorted(draws, tail), high: quantileSorted(draws, 1 - tail) };
}

/** Mean of `values` at `indices`. */
export function meanAt(values: ArrayLike<number>, indices: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < indices.length; i++) sum += values[indices[i]];
  return sum / indices.length;
}

/** Percentile bootstrap interval of the mean of per-unit values. */
export function bootstrapMean(values: ArrayLike<number>, rounds: number, seed: number): Interval {
  return bootstrapInterval(values.length, (indices) => meanAt(values, indices), rounds, seed);
}

/** Result of a paired comparison of an arm against a reference arm. */
export interface PairedTest {
  /** Mean of (arm - reference) over pairs. */
  difference: number;
  low: number;
  high: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Number of pairs. */
  n: number;
  method: "paired-bootstrap" | "paired-permutation" | "paired-t";
}

function checkPairs(arm: ArrayLike<number>, reference: ArrayLike<number>): Float64Array {
  if (arm.length !== reference.length) {
    throw new RangeError(
      `paired test needs the same units in both arms, got ${arm.length} and ${reference.length} values`,
    );
  }
  return Float64Array.from({ length: arm.length }, (_, i) => arm[i] - reference[i]);
}

/**
 * Paired bootstrap over units (prompts): the interval of the mean difference, and a two-sided p-value
 * from the share of resamples on the other side of zero.
 */
export function pairedBootstrap(
  arm: ArrayLike<number>,
  reference: ArrayLike<number>,
  rounds: number,
  seed: number,
): PairedTest {
  const differences = checkPairs(arm, reference);
  const n = differences.length;
  const rng = Rng.derive(seed, "paired-bootstrap");
  const draws = new Float64Array(rounds);
  for (let round = 0; round < rounds; round++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[rng.int(n)];
    draws[round] = sum / n;
  }
  draws.sort();
  const difference = differences.reduce((s, d) => s + d, 0) / n;
  let below = 0;
  let above = 0;
  for (const draw of draws) {
    if (draw <= 0) below++;
    if (draw >= 0) above++;
  }
  const pValue = Math.min(1, (2 * Math.min(below, above) + 1) / (rounds + 1));
  const tail = (1 - CONFIDENCE) / 2;
  return {
    difference,
    low: quantileSorted(draws, tail),
    high: quantileSorted(draws, 1 - tail),
    pValue,
    n,
    method: "paired-bootstrap",
  };
}

/** Largest number of pairs for which the sign-flip test enumerates all 2^n flips exactly. */
const EXACT_PERMUTATION_PAIRS = 16;

/**
 * Paired sign-flip permutation test of mean(arm - reference) = 0: exact for up to 16 pairs (seeds),
 * Monte Carlo with `rounds` draws beyond that. The interval is the t interval of the mean difference.
 */
export function pairedPermutation(
  arm: ArrayLike<number>,
  reference: ArrayLike<number>,
  rounds: number,
  seed: number,
): PairedTest {
  const differences = checkPairs(arm, reference);
  const n = differences.length;
  const observed = Math.abs(differences.reduce((s, d) => s + d, 0));
  let extreme = 0;
  let total = 0;
  // Float tolerance so the observed assignment counts as at least as extreme as itself.
  const slack = 1e-12 * (1 + observed);
  if (n <= EXACT_PERMUTATION_PAIRS) {
    for (let mask = 0; mask < 1 << n; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (mask >> i) & 1 ? -differences[i] : differences[i];
      if (Math.abs(sum) >= observed - slack) extreme++;
      total++;
    }
  } else {
    const rng = Rng.derive(seed, "paired-permutation");
    for (let round = 0; round < rounds; round++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rng.next() < 0.5 ? -differences[i] : differences[i];
      if (Math.abs(sum) >= observed - slack) extreme++;
      total++;
    }
    extreme++;
    total++;
  }
  const t = pairedT(arm, reference);
  return { ...t, pValue: extreme / total, method: "paired-permutation" };
}

/** Paired t-test (two-sided) with a 95% t interval of the mean difference. Needs at least two pairs. */
export function pairedT(arm: ArrayLike<number>, reference: ArrayLike<number>): PairedTest {
  const differences = checkPairs(arm, reference);
  const n = differences.length;
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  if (n < 2) return { difference: mean, low: NaN, high: NaN, pValue: NaN, n, method: "paired-t" };
  const variance = differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(variance / n);
  const critical = studentTQuantile(1 - (1 - CONFIDENCE) / 2, n - 1);
  if (se === 0) {
    return { difference: mean, low: mean, high: mean, pValue: mean === 0 ? 1 : 0, n, method: "paired-t" };
  }
  const t = mean / se;
  return {
    difference: mean,
    low: mean - critical * se,
    high: mean + critical * se,
    pValue: 2 * (1 - studentTCdf(Math.abs(t), n - 1)),
    n,
    method: "paired-t",
  };
}

/** CDF of Student's t distribution, through the regularized incomplete beta function. */
export function studentTCdf(t: number, dof: number): number {
  const x = dof / (dof + t * t);
  const tail = 0.5 * regularizedBeta(x, dof / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t distribution by bisection on the CDF. */
export function studentTQuantile(p: number, dof: number): number {
  let low = -1e3;
  let high = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, dof) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

// Regularized incomplete beta I_x(a, b) by its continued fraction (Lentz's method).
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < tiny ? tiny : d;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (
      const numerator of [
        (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
        -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
      ]
    ) {
      d = 1 + numerator * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = 1 + numerator / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

// Lanczos approximation of log Gamma (g = 7, 9 terms), accurate to about 1e-15 for positive arguments.
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}
