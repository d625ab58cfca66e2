/** ToxiGen: distinct human-written statements (hateful or neutral) about sixteen target groups. */

import { readShippedJsonl } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const TOXIGEN_FILE = "toxigen/toxigen_prompt_statements.jsonl.gz";

/** One statement with its author-intended label. */
export interface ToxigenRow {
  /** `toxigen:<target group>:<line number, from 1>`. */
  rowId: string;
  text: string;
  targetGroup: string;
  hate: boolean;
}

/** Load the 722 ToxiGen statements. */
export const loadToxigen: () => Promise<ToxigenRow[]> = memoize(async () => {
  const raw = await readShippedJsonl<{ target_group: string; is_hate: boolean; text: string }>(TOXIGEN_FILE);
  return raw.map((row, index) => ({
    rowId: `toxigen:${row.target_group}:${index + 1}`,
    text: row.text.trim(),
    targetGroup: row.target_group,
    hate: row.is_hate === true,
  }));
});
