/** Arrow IPC storage of prompt sets and query sets (one row per prompt; schema in SCHEMAS.md). */

import * as arrow from "apache-arrow";
import type { PromptRow, PromptSet } from "./types.ts";
import { readArrow, writeArrow } from "../util/arrow.ts";

function nullableFloats(values: Array<number | undefined>): arrow.Vector {
  return arrow.vectorFromArray(values.map((v) => v ?? null), new arrow.Float64());
}

function nullableStrings(values: Array<string | undefined>): arrow.Vector {
  return arrow.vectorFromArray(values.map((v) => v ?? null), new arrow.Utf8());
}

/** Write named prompt sets into one Arrow file with a `set` column. */
export async function writePromptSets(path: string, sets: PromptSet[]): Promise<void> {
  const rows = sets.flatMap((set) => set.rows.map((row) => ({ set: set.name, row })));
  const table = new arrow.Table({
    set: arrow.vectorFromArray(rows.map((r) => r.set), new arrow.Utf8()),
    id: arrow.vectorFromArray(rows.map((r) => r.row.id), new arrow.Utf8()),
    prompt: arrow.vectorFromArray(rows.map((r) => r.row.prompt), new arrow.Utf8()),
    continuation: nullableStrings(rows.map((r) => r.row.continuation)),
    prompt_toxicity: nullableFloats(rows.map((r) => r.row.promptToxicity)),
    continuation_toxicity: nullableFloats(rows.map((r) => r.row.continuationToxicity)),
    group: nullableStrings(rows.map((r) => r.row.group)),
  });
  await writeArrow(path, table);
}

/** Read prompt sets written by `writePromptSets`, keyed by set name (sets keep their row order). */
export async function readPromptSets(
  path: string,
  names: readonly string[] = [],
): Promise<Record<string, PromptSet>> {
  const table = await readArrow(path);
  const out: Record<string, PromptSet> = {};
  for (const name of names) out[name] = { name, rows: [] };
  const column = (name: string) => table.getChild(name)!;
  const set = column("set");
  const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  for (let i = 0; i < table.numRows; i++) {
    const name = set.get(i) as string;
    const row: PromptRow = {
      id: column("id").get(i),
      prompt: column("prompt").get(i),
      continuation: optional(column("continuation").get(i)),
      promptToxicity: optional(column("prompt_toxicity").get(i)),
      continuationToxicity: optional(column("continuation_toxicity").get(i)),
      group: optional(column("group").get(i)),
    };
    for (const key of Object.keys(row) as Array<keyof PromptRow>) if (row[key] === undefined) delete row[key];
    (out[name] ??= { name, rows: [] }).rows.push(row);
  }
  return out;
}
