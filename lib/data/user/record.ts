/** The record type shared by the user-file record readers, and dotted-path lookup in JSON values. */

/** One record of a user file. */
export interface UserRecord {
  /** Row number from 1 (data rows; a CSV header is not counted). */
  row: number;
  /** Position of the record in messages: `line 12` for JSONL, `row 12` otherwise. */
  where: string;
  /**
   * Value at a column path: undefined when the record has no such field, null for a null or empty
   * value. Numbers stay numbers (64-bit integers become numbers); CSV cells are strings.
   */
  value(path: string): unknown;
}

/** Look up a dotted path in a JSON object: a key equal to the whole path wins over nesting. */
export function lookupPath(value: unknown, path: string): unknown {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, path)) return record[path];
  let current: unknown = record;
  for (const segment of path.split(".")) {
    if (current === null) return null;
    if (typeof current !== "object" || Array.isArray(current)) return undefined;
    const object = current as Record<string, unknown>;
    if (!Object.hasOwn(object, segment)) return undefined;
    current = object[segment];
  }
  return typeof current === "bigint" ? Number(current) : current;
}
