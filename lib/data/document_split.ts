/**
 * Seeded, hash-based assignment of corpus documents to the train, validation and test splits. A
 * document's split comes from its stable row id, so it does not depend on the corpus size, the
 * tokenizer or the order of the candidates, and a chunk only ever contains documents of one split.
 */

import { SPLIT_CODES, type SplitName } from "./types.ts";
import { hashUnit } from "./roles.ts";
import type { CandidateDocument } from "./documents.ts";

/** Expected fractions of documents per split (they sum to 1). */
export type SplitFractions = Record<SplitName, number>;

/** Largest tolerated difference between the split fractions' sum and 1. */
export const SPLIT_SUM_TOLERANCE = 1e-6;

/** Salt of the split hash, so it is independent of the role hashes of the same row ids. */
const SPLIT_SALT = "document-split";

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

/**
 * Split code (SPLIT_CODES) of a uniform value in [0, 1): the fractions cut [0, 1) into consecutive
 * intervals. A value past the last positive interval (rounding) goes to the last split with a
 * positive fraction, checked in the order test, validation, train.
 */
export function splitOfUnit(u: number, splits: SplitFractions): number {
  if (u < splits.train) return SPLIT_CODES.train;
  if (u < splits.train + splits.validation) return SPLIT_CODES.validation;
  return splits.test > 0
    ? SPLIT_CODES.test
    : splits.validation > 0
    ? SPLIT_CODES.validation
    : SPLIT_CODES.train;
}

/** Split code (SPLIT_CODES) of the document whose first source row is `rowId`, from a seeded hash. */
export function documentSplit(rowId: string, seed: number, splits: SplitFractions): number {
  return splitOfUnit(hashUnit(rowId, seed, SPLIT_SALT), splits);
}

/** Split code of a candidate document, keyed by its first row id. */
export function candidateSplit(doc: CandidateDocument, seed: number, splits: SplitFractions): number {
  const rowId = doc.rowIds[0];
  if (rowId === undefined || rowId === "") {
    throw new RangeError(
      `candidate document from source '${doc.source}' has no row id, so it cannot be given a split; ` +
        "every document needs the stable id of its first source row",
    );
  }
  return documentSplit(rowId, seed, splits);
}

/** Texts of the candidate documents in split `split`, in candidate order. */
export function textsInSplit(
  documents: Iterable<CandidateDocument>,
  split: SplitName,
  seed: number,
  splits: SplitFractions,
): string[] {
  checkSplits(splits);
  const code = SPLIT_CODES[split];
  const texts: string[] = [];
  for (const doc of documents) if (candidateSplit(doc, seed, splits) === code) texts.push(doc.text);
  return texts;
}

/** Split name of a code. */
export function splitName(code: number): SplitName {
  const entry = Object.entries(SPLIT_CODES).find(([, value]) => value === code);
  if (!entry) {
    throw new RangeError(`invalid split code ${code}; expected 0 (train), 1 (validation) or 2 (test)`);
  }
  return entry[0] as SplitName;
}
