/** Seeded, hash-based assignment of corpus chunks to the train, validation and test splits. */

import { SPLIT_CODES, type SplitName } from "./types.ts";
import { hashUnit } from "./roles.ts";

/** Fractions of chunks per split (they sum to 1). */
export type SplitFractions = Record<SplitName, number>;

/** Largest tolerated difference between the split fractions' sum and 1. */
export const SPLIT_SUM_TOLERANCE = 1e-6;

/** Check that split fractions are non-negative and sum to 1. */
export function checkSplits(splits: SplitFractions): void {
  const values = [splits.train, splits.validation, splits.test];
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.some((v) => !(v >= 0)) || Math.abs(sum - 1) > SPLIT_SUM_TOLERANCE) {
    throw new RangeError(
      `invalid data.splits ${JSON.stringify(splits)}: fractions must be >= 0 and sum to 1 (sum is ${sum})`,
    );
  }
}

/** Split code (SPLIT_CODES) of chunk `index`, from a seeded hash of the index. */
export function chunkSplit(index: number, seed: number, splits: SplitFractions): number {
  const u = hashUnit(`chunk:${index}`, seed, "chunk-split");
  if (u < splits.train) return SPLIT_CODES.train;
  if (u < splits.train + splits.validation) return SPLIT_CODES.validation;
  return splits.test > 0
    ? SPLIT_CODES.test
    : splits.validation > 0
    ? SPLIT_CODES.validation
    : SPLIT_CODES.train;
}

/** Split name of a code. */
export function splitName(code: number): SplitName {
  const entry = Object.entries(SPLIT_CODES).find(([, value]) => value === code);
  if (!entry) {
    throw new RangeError(`invalid split code ${code}; expected 0 (train), 1 (validation) or 2 (test)`);
  }
  return entry[0] as SplitName;
}
