/**
 * Arrow IPC helpers shared by every stage that writes a table: build tables from typed-array columns
 * without per-row JS objects, write them atomically, and read them back. Files are Arrow IPC "file"
 * format, readable by pyarrow (`pyarrow.ipc.open_file`), polars (`read_ipc`) and DuckDB.
 */

import * as arrow from "apache-arrow";
import { writeFileAtomic } from "./atomic.ts";

/** A column given as a typed array (numeric) or as strings. */
export type ColumnData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | string[]
  | boolean[];

/** Build a table from equally long columns. Typed arrays are used without copying. */
export function tableFromColumns(columns: Record<string, ColumnData>): arrow.Table {
  const vectors: Record<string, arrow.Vector> = {};
  let length = -1;
  for (const [name, data] of Object.entries(columns)) {
    if (length >= 0 && data.length !== length) {
      throw new RangeError(`column '${name}' has ${data.length} rows, expected ${length}`);
    }
    length = data.length;
    if (Array.isArray(data)) {
      vectors[name] = typeof data[0] === "boolean"
        ? arrow.vectorFromArray(data as boolean[], new arrow.Bool())
        : arrow.vectorFromArray(data as string[], new arrow.Utf8());
    } else {
      vectors[name] = arrow.makeVector(data as Float32Array);
    }
  }
  return new arrow.Table(vectors);
}

/** Serialise a table to Arrow IPC file bytes. */
export function tableToBytes(table: arrow.Table): Uint8Array {
  return arrow.tableToIPC(table, "file");
}

/** Write a table to an Arrow IPC file atomically. */
export function writeArrow(path: string, table: arrow.Table): Promise<void> {
  return writeFileAtomic(path, tableToBytes(table));
}

/** Read a whole Arrow IPC file (file or stream format). */
export async function readArrow(path: string): Promise<arrow.Table> {
  return arrow.tableFromIPC(await Deno.readFile(path));
}

/**
 * Iterate the record batches of an Arrow IPC file one at a time, so large tables are processed with
 * memory bounded by one batch (plus the file's footer).
 */
export async function* readArrowBatches(path: string): AsyncGenerator<arrow.RecordBatch> {
  const file = await Deno.open(path, { read: true });
  try {
    const reader = await arrow.RecordBatchReader.from(file.readable);
    for await (const batch of reader) yield batch;
  } finally {
    try {
      file.close();
    } catch {
      // The stream reader closes the file when it finishes; closing again is harmless.
    }
  }
}

/**
 * Write record batches to an Arrow IPC stream file as they are produced, then rename it into place.
 * Memory stays bounded by one batch. Returns the number of rows written.
 */
export async function writeArrowBatches(
  path: string,
  batches: AsyncIterable<arrow.Table> | Iterable<arrow.Table>,
): Promise<number> {
  const temp = `${path}.${Deno.pid}.partial`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  let rows = 0;
  try {
    const ipc = new arrow.RecordBatchFileWriter();
    const drain = (async () => {
      for await (const chunk of ipc) {
        let offset = 0;
        while (offset < chunk.length) offset += await file.write(chunk.subarray(offset));
      }
    })();
    for await (const table of batches) {
      for (const batch of table.batches) ipc.write(batch);
      rows += table.numRows;
    }
    ipc.finish();
    await drain;
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(temp, path);
  return rows;
}
