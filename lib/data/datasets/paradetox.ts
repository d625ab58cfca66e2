/** ParaDetox: toxic sentences, each with one to three crowd-written neutral paraphrases. */

import { parse } from "csv-parse";
import { readShippedText } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const PARADETOX_FILE = "paradetox/paradetox.tsv.gz";

/** One toxic sentence and its neutral rewrites. */
export interface ParadetoxRow {
  /** `paradetox:<data row number, from 1>`. */
  rowId: string;
  toxic: string;
  /** Non-empty rewrites that differ from the toxic text. */
  neutral: string[];
}

/** Load the 11,927 ParaDetox pairs. */
export const loadParadetox: () => Promise<ParadetoxRow[]> = memoize(async () => {
  const records = parse(await readShippedText(PARADETOX_FILE), {
    columns: true,
    delimiter: "\t",
    bom: true,
    quote: false,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as Array<Record<string, string | undefined>>;
  return records.map((record, index) => {
    const toxic = (record.toxic ?? "").trim();
    const neutral = [record.neutral1, record.neutral2, record.neutral3]
      .map((text) => (text ?? "").trim())
      .filter((text) => text !== "" && text.toLowerCase() !== toxic.toLowerCase());
    return { rowId: `paradetox:${index + 1}`, toxic, neutral };
  }).filter((row) => row.toxic !== "" && row.neutral.length > 0);
});
