/**
 * Exact quantile of float32 values streamed in batches, in two passes with bounded memory (radix
 * selection). Each float32 maps to an unsigned 32-bit key whose order is the numeric order. Pass one
 * counts keys by their high 16 bits. Pass two counts the low 16 bits, but only inside the one or two
 * high-bit buckets that contain the requested ranks. Two 65,536-bin histograms give the exact values at those ranks.
 *
 * Convention: numpy's default `linear` method. For n sorted values v and level p, h = (n - 1) p,
 * the quantile is v[floor(h)] + (h - floor(h)) (v[floor(h) + 1] - v[floor(h)]), interpolated in
 * float64 with numpy's two-sided lerp (so p = 1 returns the maximum exactly).
 */

const BUCKETS = 1 << 16;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Order-preserving unsigned key of a float32 value (negative values flip all bits). */
export function float32Key(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  return (bits & 0x80000000) !== 0 ? (~bits) >>> 0 : (bits | 0x80000000) >>> 0;
}

/** Inverse of `float32Key`. */
export function keyToFloat32(key: number): number {
  u32[0] = (key & 0x80000000) !== 0 ? (key & 0x7fffffff) >>> 0 : (~key) >>> 0;
  return f32[0];
}

/** numpy's lerp: exact at both ends of [a, b]. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Compute the two ranks (0-based, ascending order) and the weight that define the p-quantile of n values. */
export function quantileRanks(n: number, p: number): { lo: number; hi: number; fraction: number } {
  if (!(n >= 1)) throw new RangeError(`cannot take a quantile of ${n} values; at least one is needed`);
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`quantile level must be in [0, 1], got ${p}; write 0.99 for the 99th percentile`);
  }
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  return { lo, hi: Math.min(lo + 1, n - 1), fraction: h - lo };
}

/** Quantile of values already sorted ascending, with the same convention (a reference for tests). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const { lo, hi, fraction } = quantileRanks(sorted.length, p);
  return fraction === 0 ? sorted[lo] : lerp(sorted[lo], sorted[hi], fraction);
}

/** Counts by high 16 bits of the key, filled during the first pass. */
export class HighHistogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;

  add(values: Float32Array): void {
    for (let i = 0; i < values.length; i++) this.counts[float32Key(values[i]) >>> 16]++;
    this.total += values.length;
  }
}

/** Bucket holding a rank and the number of values in lower buckets. */
function locate(counts: Float64Array, rank: number): { bucket: number; below: number } {
  let below = 0;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    if (below + counts[bucket] > rank) return { bucket, below };
    below += counts[bucket];
  }
  throw new RangeError(`rank ${rank} is beyond the ${below} counted values`);
}

/** Plan for the second pass: which high buckets to refine and the ranks requested inside them. */
export interface QuantileRefinement {
  p: number;
  fraction: number;
  targets: Array<{ rank: number; bucket: number; below: number }>;
  low: Map<number, Float64Array>;
}

/** Start the second pass from the first pass's histogram. */
export function planRefinement(histogram: HighHistogram, p: number): QuantileRefinement {
  const { lo, hi, fraction } = quantileRanks(histogram.total, p);
  const targets = [lo, hi].map((rank) => ({ rank, ...locate(histogram.counts, rank) }));
  const low = new Map<number, Float64Array>();
  for (const target of targets) {
    if (!low.has(target.bucket)) low.set(target.bucket, new Float64Array(BUCKETS));
  }
  return { p, fraction, targets, low };
}

/** Second-pass update: count low 16 bits of the values whose high bucket is being refined. */
export function refineBatch(refinement: QuantileRefinement, values: Float32Array): void {
  const { low } = refinement;
  for (let i = 0; i < values.length; i++) {
    const key = float32Key(values[i]);
    const counts = low.get(key >>> 16);
    if (counts !== undefined) counts[key & 0xffff]++;
  }
}

/** Finish the second pass: the exact quantile value. */
export function finishRefinement(refinement: QuantileRefinement): number {
  const [vLo, vHi] = refinement.targets.map(({ rank, bucket, below }) => {
    const { bucket: lowBits } = locate(refinement.low.get(bucket)!, rank - below);
    return keyToFloat32(((bucket << 16) | lowBits) >>> 0);
  });
  return refinement.fraction === 0 ? vLo : lerp(vLo, vHi, refinement.fraction);
}

/** Exact p-quantile of a re-readable stream of float32 batches (two passes). */
export async function streamedQuantile(
  batches: () => AsyncIterable<Float32Array>,
  p: number,
): Promise<number> {
  const histogram = new HighHistogram();
  for await (const values of batches()) histogram.add(values);
  const refinement = planRefinement(histogram, p);
  for await (const values of batches()) refineBatch(refinement, values);
  return finishRefinement(refinement);
}
