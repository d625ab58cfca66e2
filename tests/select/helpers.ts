/** Shared builders for selection tests. */

import type { SelectionSpec } from "../../lib/spec/types.ts";
import type { TokenScores } from "../../lib/select/types.ts";

/** Token scores from nested rows, one array per chunk; chunk ids default to 0, 1, 2, ... */
export function scoresFromRows(rows: number[][], chunkIds?: number[]): TokenScores {
  const blockSize = rows[0].length;
  return {
    numChunks: rows.length,
    blockSize,
    chunkIds: Int32Array.from(chunkIds ?? rows.map((_, i) => i)),
    scores: Float32Array.from(rows.flat()),
  };
}

/** A selection spec with the reference defaults, overridden by `fields`. */
export function selectionSpec(fields: Partial<SelectionSpec> = {}): SelectionSpec {
  return { percentile: 0.99, window: 1, budget_fraction: 0.02, budget_tokens: 0, lambda: 1, ...fields };
}

/** Rows of a mask as arrays of 0/1, for readable comparisons. */
export function maskRows(mask: Uint8Array, blockSize: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < mask.length; start += blockSize) {
    rows.push(Array.from(mask.subarray(start, start + blockSize)));
  }
  return rows;
}
