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
  /** Toxic sentence with the release's spaces before punctuation removed (see `detokenize`). */
  toxic: string;
  /** Toxic sentence as released (lower-cased, space before punctuation). */
  toxicRaw: string;
  /** Non-empty rewrites that differ from the toxic text. */
  neutral: string[];
}

/**
 * Undo the word tokenisation of the toxic side (" , " -> ", ", " n't" -> "n't"), which the neutral
 * side does not have; otherwise a classifier or a DPO pair can tell the classes apart by spacing alone.
 */
export function detokenize(text: string): string {
  return text
    .replace(/\s+([,.!?;:%)\]}])/g, "$1")
    .replace(/([(\[{$])\s+/g, "$1")
    .replace(/\s+(n't|'s|'re|'ve|'m|'ll|'d)\b/gi, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** Load the 11,840 ParaDetox pairs that have a rewrite differing from the toxic text (of 11,927 rows). */
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
    const toxicRaw = (record.toxic ?? "").trim();
    const toxic = detokenize(toxicRaw);
    const neutral = [record.neutral1, record.neutral2, record.neutral3]
      .map((text) => (text ?? "").trim())
      .filter((text) =>
        text !== "" && text.toLowerCase() !== toxic.toLowerCase() &&
        text.toLowerCase() !== toxicRaw.toLowerCase()
      );
    return { rowId: `paradetox:${index + 1}`, toxic, toxicRaw, neutral };
  }).filter((row) => row.toxic !== "" && row.neutral.length > 0);
});
