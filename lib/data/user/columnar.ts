/**
 * Record readers of Arrow IPC and Parquet files. The file is read into memory once, and rows are
 * produced one at a time from its columns, so no second copy of the data is made. A column path names
 * a column exactly (a flattened `prompt.text`) or a column followed by struct children.
 */

import * as arrow from "apache-arrow";
import { parquetMetadata, parquetReadObjects, parquetSchema, type SchemaTree } from "hyparquet";
import { UserDataError } from "./read.ts";
import { lookupPath, type UserRecord } from "./record.ts";

/** Vector of an Arrow column path: an exact column name, or a column followed by struct children. */
function arrowVector(table: arrow.Table, path: string): arrow.Vector | undefined {
  const exact = table.getChild(path);
  if (exact) return exact;
  const segments = path.split(".");
  for (let split = segments.length - 1; split >= 1; split--) {
    let vector: arrow.Vector | null = table.getChild(segments.slice(0, split).join("."));
    for (const segment of segments.slice(split)) vector = vector?.getChild(segment) ?? null;
    if (vector) return vector;
  }
  return undefined;
}

function arrowColumnNames(fields: arrow.Field[], prefix = ""): string[] {
  return fields.flatMap((field) =>
    arrow.DataType.isStruct(field.type)
      ? arrowColumnNames(field.type.children, `${prefix}${field.name}.`)
      : [`${prefix}${field.name}`]
  );
}

/** Records of an Arrow IPC file (file or stream format); `columns` must exist, `optional` are read when present. */
export function* arrowRecords(
  path: string,
  bytes: Uint8Array,
  columns: readonly string[],
  optional: readonly string[],
): Generator<UserRecord> {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (error) {
    throw new UserDataError(`user file ${path} is not a valid Arrow IPC file: ${(error as Error).message}`);
  }
  const missing = columns.filter((column) => !arrowVector(table, column));
  if (missing.length > 0) {
    throw new UserDataError(
      `user file ${path} has no column ${missing.map((m) => `'${m}'`).join(", ")}; its columns are ` +
        `${
          arrowColumnNames(table.schema.fields).map((name) => `'${name}'`).join(", ")
        }. Name them in the spec`,
    );
  }
  const vectors = new Map<string, arrow.Vector>();
  for (const column of [...columns, ...optional]) {
    const vector = arrowVector(table, column);
    if (vector) vectors.set(column, vector);
  }
  for (let i = 0; i < table.numRows; i++) {
    const row = i + 1;
    yield {
      row,
      where: `row ${row}`,
      value: (column) => {
        const vector = vectors.get(column);
        if (!vector) return undefined;
        const value = vector.get(i);
        return typeof value === "bigint" ? Number(value) : value;
      },
    };
  }
}

/** Names a Parquet column path can have: flattened leaf names and dotted paths through groups. */
function parquetPaths(tree: SchemaTree): string[] {
  const out: string[] = [];
  const walk = (node: SchemaTree, prefix: string) => {
    for (const child of node.children) {
      const name = `${prefix}${child.element.name}`;
      if (child.children.length > 0) walk(child, `${name}.`);
      else out.push(name);
    }
  };
  walk(tree, "");
  return out;
}

/** Records of a Parquet file, decoded one row group at a time; `columns` must exist, `optional` are read when present. */
export async function* parquetRecords(
  path: string,
  bytes: Uint8Array,
  columns: readonly string[],
  optional: readonly string[],
): AsyncGenerator<UserRecord> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw new UserDataError(`user file ${path} is not a valid Parquet file: ${(error as Error).message}`);
  }
  const tree = parquetSchema(metadata);
  const topLevel = new Set(tree.children.map((child) => child.element.name));
  const known = new Set(parquetPaths(tree));
  const topOf = (column: string) =>
    topLevel.has(column) ? column : known.has(column) ? column.split(".")[0] : undefined;
  const missing = columns.filter((column) => topOf(column) === undefined);
  if (missing.length > 0) {
    throw new UserDataError(
      `user file ${path} has no column ${missing.map((m) => `'${m}'`).join(", ")}; its columns are ` +
        `${[...known].map((name) => `'${name}'`).join(", ")}. Name them in the spec`,
    );
  }
  const read = [...new Set([...columns, ...optional].map(topOf).filter((name) => name !== undefined))];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, columns: read, rowStart, rowEnd });
    } catch (error) {
      throw new UserDataError(
        `user file ${path}: cannot decode rows ${rowStart + 1}-${rowEnd}: ${(error as Error).message}; ` +
          "export the file again",
      );
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rowStart + i + 1;
      const record = rows[i];
      yield { row, where: `row ${row}`, value: (column) => lookupPath(record, column) };
    }
    rowStart = rowEnd;
  }
}
