/** LAMBADA (OpenAI detokenised test set): passages whose last word needs the whole context. */

import { readShippedJsonl } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const LAMBADA_FILE = "lambada/lambada_test.jsonl.gz";

/** One passage split into its context and the target last word. */
export interface LambadaRow {
  /** `lambada:<line number, from 1>`. */
  rowId: string;
  text: string;
  /** Passage without the last word; ends without the separating space. */
  context: string;
  /** The last whitespace-delimited word, with the separating space removed. */
  target: string;
}

const loadAll = memoize(async (): Promise<LambadaRow[]> => {
  const raw = await readShippedJsonl<{ text: string }>(LAMBADA_FILE);
  return raw.map((row, index) => {
    const text = row.text.trimEnd();
    const cut = text.search(/\s\S+$/);
    return {
      rowId: `lambada:${index + 1}`,
      text,
      context: cut < 0 ? "" : text.slice(0, cut),
      target: cut < 0 ? text : text.slice(cut).trimStart(),
    };
  });
});

/** Load the first `limit` LAMBADA test passages in file order (all 5,153 when `limit` is 0). */
export async function loadLambada(limit = 0): Promise<LambadaRow[]> {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`invalid LAMBADA limit ${limit}; expected a non-negative integer (0 means all)`);
  }
  const rows = await loadAll();
  return limit === 0 ? rows.slice() : rows.slice(0, limit);
}
