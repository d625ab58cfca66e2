/** BOLD: Wikipedia sentence beginnings about people and groups in five domains. */

import { readShippedText } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** BOLD domains, one shipped file each. */
export const BOLD_DOMAINS = [
  "gender",
  "political_ideology",
  "profession",
  "race",
  "religious_ideology",
] as const;

/** One sentence-start prompt. */
export interface BoldRow {
  /** `bold:<domain>:<group>:<page>:<index within the page>`. */
  rowId: string;
  prompt: string;
  domain: string;
  group: string;
}

/** Load the 23,679 BOLD prompts (every prompt of every page, in file order). */
export const loadBold: () => Promise<BoldRow[]> = memoize(async () => {
  const rows: BoldRow[] = [];
  for (const domain of BOLD_DOMAINS) {
    const file = `bold/${domain}_prompt.json.gz`;
    const groups = JSON.parse(await readShippedText(file)) as Record<string, Record<string, string[]>>;
    for (const [group, pages] of Object.entries(groups)) {
      for (const [page, prompts] of Object.entries(pages)) {
        prompts.forEach((prompt, index) => {
          rows.push({ rowId: `bold:${domain}:${group}:${page}:${index}`, prompt, domain, group });
        });
      }
    }
  }
  return rows;
});
