/**
 * Reader of a user's RealToxicityPrompts file: turns each record into the `RtpRow` the shipped RTP
 * loader produces. Column paths come from the spec (`data.rtp`); the defaults match the nested
 * `prompts.jsonl` of the RTP release. Rows are produced one at a time, so the caller decides what to keep.
 */

import type { RtpFileSpec } from "../../spec/types.ts";
import type { RtpRow } from "../datasets/rtp.ts";
import { readUserRecords, type UserRecord } from "./records.ts";
import { UserDataError } from "./read.ts";

/** Top-level fields of the RTP key; rows that have all three get the shipped loader's row id. */
const KEY_COLUMNS = ["filename", "begin", "end"] as const;
const CHALLENGING_COLUMN = "challenging";

/** Spec fields naming each column, for the fix in error messages. */
type ColumnField = "prompt_text" | "prompt_toxicity" | "continuation_text" | "continuation_toxicity";

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Parent of a dotted path (`prompt` for `prompt.toxicity`), or undefined for a top-level column. */
function parentPath(path: string): string | undefined {
  const at = path.lastIndexOf(".");
  return at > 0 ? path.slice(0, at) : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  const excerpt = typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : String(value);
  return `${typeof value} ${excerpt}`;
}

/** Reads and checks the fields of one record. */
class RecordReader {
  constructor(private readonly spec: RtpFileSpec, private readonly record: UserRecord) {}

  private fail(field: ColumnField, message: string, fix: string): never {
    throw new UserDataError(
      `user file ${this.spec.path}, ${this.record.where}: ${message}; ${fix} (data.rtp.${field} is ` +
        `'${this.spec[field]}')`,
    );
  }

  /** Read a text field; returns undefined for null when `nullable` is set. */
  text(field: ColumnField, nullable: boolean): string | undefined {
    const value = this.record.value(this.spec[field]);
    if (typeof value === "string") return value;
    if (value === null && nullable) return undefined;
    if (value === undefined) {
      this.fail(
        field,
        `field '${this.spec[field]}' is missing`,
        "add it to every row or name the right column",
      );
    }
    this.fail(field, `field '${this.spec[field]}' is ${describe(value)}, expected a string`, "fix the row");
  }

  /** Read a toxicity score in [0, 1]; returns undefined for null. CSV cells are parsed as numbers. */
  score(field: ColumnField): number | undefined {
    const raw = this.record.value(this.spec[field]);
    if (raw === null) return undefined;
    if (raw === undefined) {
      this.fail(
        field,
        `field '${this.spec[field]}' is missing`,
        "add it to every row or name the right column",
      );
    }
    const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      this.fail(
        field,
        `toxicity '${this.spec[field]}' is ${describe(raw)}, expected a number in [0, 1] or null`,
        "fix the row or name the right column",
      );
    }
    return value;
  }

  /** Numeric fields beside the toxicity score (other Perspective attributes), when the parent is an object. */
  attributes(field: ColumnField, toxicity: number | undefined): Record<string, number> {
    const out: Record<string, number> = {};
    const parent = parentPath(this.spec[field]);
    const value = parent === undefined ? undefined : this.record.value(parent);
    const object = value !== null && typeof value === "object" && "toJSON" in value
      ? (value as { toJSON(): unknown }).toJSON()
      : value;
    if (object !== null && typeof object === "object" && !Array.isArray(object)) {
      for (const [key, entry] of Object.entries(object as Record<string, unknown>)) {
        if (typeof entry === "number" && entry >= 0 && entry <= 1) out[key] = entry;
      }
    }
    const leaf = this.spec[field].slice(this.spec[field].lastIndexOf(".") + 1);
    delete out[leaf];
    if (toxicity !== undefined) out.toxicity = toxicity;
    return out;
  }

  /** `rtp:<file>:<begin>-<end>` when the key columns are present, else `<file name>:<row>`. */
  rowId(): string {
    const [file, begin, end] = KEY_COLUMNS.map((column) => this.record.value(column));
    const offset = (value: unknown) =>
      typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))
        ? String(value)
        : undefined;
    if (typeof file === "string" && file !== "" && offset(begin) && offset(end)) {
      return `rtp:${file}:${offset(begin)}-${offset(end)}`;
    }
    return `${baseName(this.spec.path)}:${this.record.row}`;
  }

  challenging(): boolean {
    const value = this.record.value(CHALLENGING_COLUMN);
    return value === true || value === "true" || value === "True";
  }
}

/** Convert one record of an RTP file into an `RtpRow`; throws `UserDataError` naming file, row and fix. */
export function rtpRowFromRecord(spec: RtpFileSpec, record: UserRecord): RtpRow {
  const reader = new RecordReader(spec, record);
  const prompt = reader.text("prompt_text", false)!;
  const continuation = reader.text("continuation_text", true);
  const promptToxicity = reader.score("prompt_toxicity");
  const continuationToxicity = continuation === undefined ? undefined : reader.score("continuation_toxicity");
  return {
    rowId: reader.rowId(),
    prompt,
    continuation,
    promptToxicity,
    continuationToxicity,
    promptAttributes: reader.attributes("prompt_toxicity", promptToxicity),
    continuationAttributes: continuation === undefined
      ? {}
      : reader.attributes("continuation_toxicity", continuationToxicity),
    challenging: reader.challenging(),
  };
}

/**
 * Stream the rows of a user RTP file (JSONL, CSV, TSV, Arrow or Parquet). Throws `UserDataError` for
 * an unreadable or empty file, invalid UTF-8, a missing column, a text that is not a string, a
 * toxicity outside [0, 1], or a file without rows.
 */
export async function* readRtpFile(spec: RtpFileSpec): AsyncGenerator<RtpRow> {
  const columns = [
    spec.prompt_text,
    spec.prompt_toxicity,
    spec.continuation_text,
    spec.continuation_toxicity,
  ];
  const parents = columns.map(parentPath).filter((parent) => parent !== undefined);
  const optional = [...KEY_COLUMNS, CHALLENGING_COLUMN, ...parents];
  let rows = 0;
  for await (const record of readUserRecords(spec.path, columns, optional)) {
    rows += 1;
    yield rtpRowFromRecord(spec, record);
  }
  if (rows === 0) {
    throw new UserDataError(
      `user file ${spec.path} contains no rows; point data.rtp.path at the full RTP file`,
    );
  }
}
