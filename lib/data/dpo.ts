/**
 * Preference pairs for the DPO baseline from the `dpo` role. ParaDetox pairs have no prompt (the
 * neutral rewrite is chosen over the toxic original, one pair per rewrite); HH-RLHF pairs use the
 * dialogue up to the last `Assistant:` as the prompt and the two final answers.
 */

import { loadParadetox } from "./datasets/paradetox.ts";
import { loadHhRlhf } from "./datasets/hh_rlhf.ts";
import { roleIndex, rowsWithRole } from "./role_index.ts";
import { seededSample } from "./shuffle.ts";

/** One preference pair. */
export interface DpoPair {
  /** Empty for ParaDetox pairs. */
  prompt: string;
  chosen: string;
  rejected: string;
  /** Stable id of the source row. */
  rowId: string;
}

/** Shipped sources of preference pairs. */
export type DpoSource = "paradetox" | "hh-rlhf";

/** Up to `limit` preference pairs (0 means all) from a source, in a seeded random order. */
export async function dpoPairs(source: DpoSource, limit: number, seed: number): Promise<DpoPair[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`invalid DPO pair limit ${limit}; expected a non-negative integer (0 means all)`);
  }
  const index = await roleIndex(seed);
  let pairs: DpoPair[];
  if (source === "paradetox") {
    pairs = rowsWithRole(index, await loadParadetox(), "dpo").flatMap((row) =>
      row.neutral.map((neutral) => ({ prompt: "", chosen: neutral, rejected: row.toxic, rowId: row.rowId }))
    );
  } else if (source === "hh-rlhf") {
    pairs = rowsWithRole(index, await loadHhRlhf(), "dpo")
      .filter((row) => row.prefix !== "" && row.chosenAnswer !== row.rejectedAnswer)
      .map((row) => ({
        prompt: row.prefix,
        chosen: ` ${row.chosenAnswer}`,
        rejected: ` ${row.rejectedAnswer}`,
        rowId: row.rowId,
      }));
  } else {
    throw new RangeError(`unknown DPO pair source '${source}'; expected 'paradetox' or 'hh-rlhf'`);
  }
  return seededSample(pairs, limit === 0 ? Infinity : limit, seed, "dpo", source);
}
