/**
 * Record-by-record reading of user files whose rows have several fields, looked up by dotted column
 * path: `prompt.text` names a nested JSON field, a struct child in Arrow or Parquet, or a flattened
 * column literally called `prompt.text`. JSONL, CSV and TSV files (optionally `.gz`) are streamed line
 * by line, so only one batch of rows is in memory. Arrow IPC and Parquet files are read into memory
 * once (see `columnar.ts`).
 */

import { parse as parseCsv } from "csv-parse";
import { findInvalidUtf8 } from "../utf8.ts";
import { UserDataError, userFormat } from "./read.ts";
import { lookupPath, type UserRecord } from "./record.ts";
import { arrowRecords, parquetRecords } from "./columnar.ts";

export { lookupPath, type UserRecord };

/** CSV records handed to the parser at once. */
const CSV_BATCH_RECORDS = 2048;

const decoder = new TextDecoder("utf-8", { fatal: true });

function openFailed(path: string, error: unknown): UserDataError {
  return new UserDataError(
    `cannot read user file ${path}: ${(error as Error).message}; check the path in the spec`,
  );
}

function emptyFile(path: string): UserDataError {
  return new UserDataError(`user file ${path} is empty (0 bytes); point the spec at a file with rows`);
}

/** Bytes of a file, decompressed when its name ends in `.gz`. */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    throw openFailed(path, error);
  }
  if ((await file.stat()).size === 0) {
    file.close();
    throw emptyFile(path);
  }
  let stream: ReadableStream<Uint8Array> = file.readable;
  if (path.toLowerCase().endsWith(".gz")) {
    const gunzip = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
    stream = stream.pipeThrough(gunzip);
  }
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    if (error instanceof UserDataError) throw error;
    throw new UserDataError(
      `cannot read user file ${path}: ${(error as Error).message}; check that the file is complete`,
    );
  }
}

function joinBytes(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Lines of a UTF-8 file with their numbers from 1, without the `\n` (a `\r` before it stays). */
async function* utf8Lines(path: string): AsyncGenerator<{ text: string; line: number }> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let line = 0;
  let offset = 0;
  const decodeLine = (bytes: Uint8Array): string => {
    line += 1;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      const invalid = findInvalidUtf8(bytes)!;
      throw new UserDataError(
        `user file ${path} is not valid UTF-8: invalid byte 0x${
          bytes[invalid.offset].toString(16).padStart(2, "0")
        } at line ${line} (byte offset ${offset + invalid.offset}); re-encode the file as UTF-8`,
      );
    }
    offset += bytes.length + 1;
    return text;
  };
  for await (const chunk of fileChunks(path)) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, end);
      const bytes = pending.length === 0
        ? piece
        : joinBytes([...pending, piece], pendingBytes + piece.length);
      pending = [];
      pendingBytes = 0;
      yield { text: decodeLine(bytes), line: line };
      start = end + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.slice(start));
      pendingBytes += chunk.length - start;
    }
  }
  if (pendingBytes > 0) yield { text: decodeLine(joinBytes(pending, pendingBytes)), line };
}

async function* jsonlRecords(path: string): AsyncGenerator<UserRecord> {
  let row = 0;
  for await (const { text, line } of utf8Lines(path)) {
    const trimmed = (line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r$/, "");
    if (trimmed.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new UserDataError(
        `user file ${path}, line ${line}: invalid JSON (${(error as Error).message}); fix or remove the line`,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UserDataError(`user file ${path}, line ${line}: expected a JSON object per line`);
    }
    row += 1;
    yield { row, where: `line ${line}`, value: (column) => lookupPath(value, column) };
  }
}

function quoteCount(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++;
  return count;
}

/**
 * CSV or TSV records. Lines are gathered into whole records (an odd number of quotes so far means a
 * quoted field goes on), and batches of whole records go through the CSV parser.
 */
async function* delimitedRecords(
  path: string,
  delimiter: string,
  columns: readonly string[],
): AsyncGenerator<UserRecord> {
  const kind = delimiter === "\t" ? "TSV" : "CSV";
  let header: string[] | undefined;
  let index = new Map<string, number>();
  let row = 0;
  let batch: string[] = [];
  let open = "";
  let records = 0;
  const parseBatch = function* (): Generator<UserRecord> {
    if (batch.length === 0) return;
    let parsed: string[][];
    try {
      parsed = parseCsv(batch.join("\n"), {
        delimiter,
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
      }) as string[][];
    } catch (error) {
      throw new UserDataError(
        `user file ${path}: invalid ${kind} after data row ${row}: ${(error as Error).message}`,
      );
    }
    batch = [];
    records = 0;
    for (const record of parsed) {
      if (!header) {
        header = record;
        index = new Map(header.map((name, at) => [name, at]));
        const missing = columns.filter((column) => !index.has(column));
        if (missing.length > 0) {
          throw new UserDataError(
            `user file ${path} has no column ${missing.map((m) => `'${m}'`).join(", ")}; its columns are ` +
              `${header.map((h) => `'${h}'`).join(", ")}. Name the flattened columns in the spec`,
          );
        }
        continue;
      }
      row += 1;
      if (record.length !== header.length) {
        throw new UserDataError(
          `user file ${path}, row ${row}: ${record.length} fields, but the header has ${header.length}; ` +
            "quote fields that contain the delimiter",
        );
      }
      const cells = record;
      yield {
        row,
        where: `row ${row}`,
        value: (column) => {
          const at = index.get(column);
          if (at === undefined) return undefined;
          return cells[at] === "" ? null : cells[at];
        },
      };
    }
  };
  for await (const { text } of utf8Lines(path)) {
    open = open === "" ? text : `${open}\n${text}`;
    if (quoteCount(open) % 2 === 1) continue;
    batch.push(open);
    open = "";
    records += 1;
    if (records >= CSV_BATCH_RECORDS) yield* parseBatch();
  }
  if (open !== "") batch.push(open);
  yield* parseBatch();
  if (!header) {
    throw new UserDataError(`user file ${path} has no header row; add a header naming the columns`);
  }
}

/** Read a whole file into memory (decompressed when it ends in `.gz`). */
async function readWhole(path: string): Promise<Uint8Array> {
  if (!path.toLowerCase().endsWith(".gz")) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      throw openFailed(path, error);
    }
    if (bytes.length === 0) throw emptyFile(path);
    return bytes;
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of fileChunks(path)) {
    parts.push(chunk);
    total += chunk.length;
  }
  return joinBytes(parts, total);
}

/**
 * Read the records of a user file (JSONL, CSV, TSV, Arrow IPC or Parquet, by extension). `columns`
 * must exist in a file with a header or schema (JSONL rows are checked by the caller); `optional`
 * columns are read when present. Throws `UserDataError` naming the file and the fix.
 */
export async function* readUserRecords(
  path: string,
  columns: readonly string[],
  optional: readonly string[] = [],
): AsyncGenerator<UserRecord> {
  const format = userFormat(path);
  if (format === "text") {
    throw new UserDataError(
      `user file ${path} is plain text, which has no columns; use JSONL, CSV, TSV, Arrow or Parquet`,
    );
  }
  if (format === "jsonl") yield* jsonlRecords(path);
  else if (format === "csv" || format === "tsv") {
    yield* delimitedRecords(path, format === "tsv" ? "\t" : ",", columns);
  } else if (format === "arrow") yield* arrowRecords(path, await readWhole(path), columns, optional);
  else yield* parquetRecords(path, await readWhole(path), columns, optional);
}
