/**
 * Readers for user-supplied text files: JSONL, plain text, CSV/TSV, Arrow IPC and Parquet, with the
 * text taken from a declared column (JSON field). Plain text holds one document per block of lines
 * separated by a blank line. Files ending in `.gz` are decompressed first (not Arrow or Parquet).
 * Every problem raises a `UserDataError` that names the file, the row or line, and the fix.
 */

import * as arrow from "apache-arrow";
import { parse as parseCsv } from "csv-parse";
import { parquetMetadata, parquetReadObjects, type SchemaElement } from "hyparquet";
import { gunzip } from "../shipped.ts";
import { findInvalidUtf8 } from "../utf8.ts";

/** Raised for malformed user files. */
export class UserDataError extends Error {
  override name = "UserDataError";
}

/** One text of a user file. */
export interface UserRow {
  /** `<file name>:<row number, from 1>` (block number for plain text). */
  rowId: string;
  text: string;
}

/** File formats the readers accept. */
export type UserFormat = "jsonl" | "text" | "csv" | "tsv" | "arrow" | "parquet";

/** Column read when a spec names none. */
export const DEFAULT_TEXT_COLUMN = "text";

const EXTENSIONS: Record<string, UserFormat> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  txt: "text",
  text: "text",
  csv: "csv",
  tsv: "tsv",
  arrow: "arrow",
  feather: "arrow",
  ipc: "arrow",
  parquet: "parquet",
};

/** Format of a file from its extension (a trailing `.gz` is ignored). */
export function userFormat(path: string): UserFormat {
  const name = path.toLowerCase().replace(/\.gz$/, "");
  const extension = name.slice(name.lastIndexOf(".") + 1);
  const format = EXTENSIONS[extension];
  if (!format) {
    throw new UserDataError(
      `unsupported user file ${path}: extension '.${extension}' is not one of ` +
        `${Object.keys(EXTENSIONS).map((e) => `.${e}`).join(", ")}; rename or convert the file`,
    );
  }
  return format;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

async function readBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new UserDataError(
      `cannot read user file ${path}: ${(error as Error).message}; check the path in the spec`,
    );
  }
  if (bytes.length === 0) {
    throw new UserDataError(`user file ${path} is empty (0 bytes); point the spec at a file with rows`);
  }
  if (path.toLowerCase().endsWith(".gz")) {
    try {
      bytes = await gunzip(bytes);
    } catch (error) {
      throw new UserDataError(`user file ${path} is not valid gzip: ${(error as Error).message}`);
    }
  }
  return bytes;
}

function decodeUtf8(path: string, bytes: Uint8Array): string {
  const invalid = findInvalidUtf8(bytes);
  if (invalid) {
    throw new UserDataError(
      `user file ${path} is not valid UTF-8: invalid byte 0x${
        bytes[invalid.offset].toString(16).padStart(2, "0")
      } ` +
        `at line ${invalid.line} (byte offset ${invalid.offset}); re-encode the file as UTF-8`,
    );
  }
  const text = new TextDecoder("utf-8").decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function checkText(path: string, where: string, value: unknown, column: string): string {
  if (typeof value !== "string") {
    const kind = value === null || value === undefined ? "missing" : `a ${typeof value}`;
    throw new UserDataError(
      `user file ${path}, ${where}: field '${column}' is ${kind}, expected a string; fix the row or choose another text_column`,
    );
  }
  return value;
}

function readJsonl(path: string, text: string, column: string): UserRow[] {
  const rows: UserRow[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserDataError(`user file ${path}, line ${i + 1}: invalid JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UserDataError(`user file ${path}, line ${i + 1}: expected a JSON object per line`);
    }
    const field = checkText(path, `line ${i + 1}`, (value as Record<string, unknown>)[column], column);
    rows.push({ rowId: `${baseName(path)}:${i + 1}`, text: field });
  }
  return rows;
}

function readPlainText(path: string, text: string): UserRow[] {
  return text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/).map((block) => block.trim()).filter((block) =>
    block !== ""
  )
    .map((block, index) => ({ rowId: `${baseName(path)}:${index + 1}`, text: block }));
}

function readDelimited(path: string, text: string, column: string, delimiter: string): UserRow[] {
  let records: string[][];
  try {
    records = parseCsv(text, {
      delimiter,
      bom: true,
      relax_column_count: false,
      skip_empty_lines: true,
    }) as string[][];
  } catch (error) {
    throw new UserDataError(
      `user file ${path}: invalid ${delimiter === "\t" ? "TSV" : "CSV"}: ${(error as Error).message}`,
    );
  }
  if (records.length === 0) {
    throw new UserDataError(`user file ${path} has no header row; add a header naming the columns`);
  }
  const header = records[0];
  const at = header.indexOf(column);
  if (at < 0) {
    throw new UserDataError(
      `user file ${path} has no column '${column}'; its columns are ${
        header.map((h) => `'${h}'`).join(", ")
      }. ` +
        `Set text_column to one of them`,
    );
  }
  return records.slice(1).map((record, index) => ({
    rowId: `${baseName(path)}:${index + 1}`,
    text: record[at],
  }));
}

function readArrowFile(path: string, bytes: Uint8Array, column: string): UserRow[] {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (error) {
    throw new UserDataError(`user file ${path} is not a valid Arrow IPC file: ${(error as Error).message}`);
  }
  const field = table.schema.fields.find((f) => f.name === column);
  if (!field) {
    throw new UserDataError(
      `user file ${path} has no column '${column}'; its columns are ${
        table.schema.fields.map((f) => `'${f.name}'`).join(", ")
      }. ` +
        `Set text_column to one of them`,
    );
  }
  if (!arrow.DataType.isUtf8(field.type) && !arrow.DataType.isLargeUtf8(field.type)) {
    throw new UserDataError(
      `user file ${path}: column '${column}' has Arrow type ${field.type}, expected Utf8 or LargeUtf8; choose a string column`,
    );
  }
  const vector = table.getChild(column)!;
  const rows: UserRow[] = [];
  for (let i = 0; i < vector.length; i++) {
    rows.push({
      rowId: `${baseName(path)}:${i + 1}`,
      text: checkText(path, `row ${i + 1}`, vector.get(i), column),
    });
  }
  return rows;
}

async function readParquetFile(path: string, bytes: Uint8Array, column: string): Promise<UserRow[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let schema: SchemaElement[];
  try {
    schema = parquetMetadata(buffer).schema;
  } catch (error) {
    throw new UserDataError(`user file ${path} is not a valid Parquet file: ${(error as Error).message}`);
  }
  const element = schema.slice(1).find((e) => e.name === column);
  if (!element) {
    const names = schema.slice(1).map((e) => `'${e.name}'`).join(", ");
    throw new UserDataError(
      `user file ${path} has no column '${column}'; its columns are ${names}. Set text_column to one of them`,
    );
  }
  const isString = element.type === "BYTE_ARRAY" &&
    (element.converted_type === "UTF8" || element.logical_type?.type === "STRING" ||
      element.converted_type === undefined);
  if (!isString) {
    const type = [element.type, element.converted_type, element.logical_type?.type].filter(Boolean).join("/");
    throw new UserDataError(
      `user file ${path}: Parquet column '${column}' has type ${type || "group"}, expected a UTF-8 string ` +
        `(BYTE_ARRAY/UTF8); choose a string column`,
    );
  }
  const records = await parquetReadObjects({ file: buffer, columns: [column] });
  return records.map((record, index) => ({
    rowId: `${baseName(path)}:${index + 1}`,
    text: checkText(path, `row ${index + 1}`, record[column], column),
  }));
}

/**
 * Read every text of a user file. Throws `UserDataError` for an empty file, invalid UTF-8, a missing
 * or non-string column, a malformed row, or a file with no rows.
 */
export async function readUserTexts(path: string, textColumn = DEFAULT_TEXT_COLUMN): Promise<UserRow[]> {
  const format = userFormat(path);
  const bytes = await readBytes(path);
  let rows: UserRow[];
  if (format === "arrow") rows = readArrowFile(path, bytes, textColumn);
  else if (format === "parquet") rows = await readParquetFile(path, bytes, textColumn);
  else {
    const text = decodeUtf8(path, bytes);
    if (format === "jsonl") rows = readJsonl(path, text, textColumn);
    else if (format === "text") rows = readPlainText(path, text);
    else rows = readDelimited(path, text, textColumn, format === "tsv" ? "\t" : ",");
  }
  if (rows.length === 0) {
    throw new UserDataError(`user file ${path} contains no rows; add rows or remove the source`);
  }
  return rows;
}
