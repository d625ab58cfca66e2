/** Prompt sets read from user files (each text of the declared column is one prompt). */

import type { PromptSet } from "../types.ts";
import { DEFAULT_TEXT_COLUMN, readUserTexts } from "./read.ts";

/** Read a prompt set from a JSONL, text, CSV, Arrow or Parquet file; `limit` 0 keeps every row. */
export async function userPromptSet(
  name: string,
  path: string,
  textColumn = DEFAULT_TEXT_COLUMN,
  limit = 0,
): Promise<PromptSet> {
  const rows = await readUserTexts(path, textColumn);
  const kept = limit > 0 ? rows.slice(0, limit) : rows;
  return { name, rows: kept.map((row) => ({ id: `file:${row.rowId}`, prompt: row.text })) };
}
