/** Davidson et al. (2017) tweets labelled hate speech, offensive language or neither. */

import { parse } from "csv-parse";
import { readShippedText } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const DAVIDSON_FILE = "davidson/labeled_data.csv.gz";

/** Majority label of the crowd coders. */
export type DavidsonClass = "hate" | "offensive" | "neither";

/** One labelled tweet. */
export interface DavidsonRow {
  /** `davidson:<row index of the release>`. */
  rowId: string;
  /** Tweet as released (with @mentions, URLs, HTML entities). */
  tweet: string;
  /** Tweet without @mentions, URLs, retweet markers and HTML entities (see `cleanTweet`). */
  text: string;
  label: DavidsonClass;
}

const CLASS_NAMES: DavidsonClass[] = ["hate", "offensive", "neither"];

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Remove @mentions, URLs and "RT" markers, decode HTML entities and collapse whitespace. */
export function cleanTweet(tweet: string): string {
  return tweet
    .replace(/&#(\d+);/g, (_, code) => safeCodePoint(Number(code)))
    .replace(/&([a-z]+);/gi, (match, name) => ENTITIES[name.toLowerCase()] ?? match)
    .replace(/https?:\/\/\S+/gi, " ")
    .replace(/@\w+:?/g, " ")
    .replace(/(^|\s)RT(?=\s|:|$):?/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function safeCodePoint(code: number): string {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : " ";
}

/** Load the 24,783 tweets with the CSV parser (the release has quoted multi-line fields). */
export const loadDavidson: () => Promise<DavidsonRow[]> = memoize(async () => {
  const records = parse(await readShippedText(DAVIDSON_FILE), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
  }) as Array<Record<string, string>>;
  return records.map((record, index) => {
    const label = CLASS_NAMES[Number(record["class"])];
    if (!label) {
      throw new RangeError(
        `invalid class '${record["class"]}' in ${DAVIDSON_FILE} at data row ${index + 1}; expected 0, 1 or 2`,
      );
    }
    const tweet = record["tweet"];
    return { rowId: `davidson:${record[""] ?? index}`, tweet, text: cleanTweet(tweet), label };
  });
});
