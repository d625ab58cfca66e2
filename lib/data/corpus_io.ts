/**
 * Arrow IPC storage of a corpus: `corpus.arrow` (one row per chunk), `documents.arrow` (one row per
 * document) and `stats.json`. Writers append record batches and rename the files into place when
 * closed; readers load the whole corpus or iterate it batch by batch. Schemas are in SCHEMAS.md.
 */

import * as arrow from "apache-arrow";
import type { Corpus } from "./types.ts";
import type { ChunkBatch, CorpusSink, CorpusStats, DocumentBatch } from "./corpus.ts";
import { readArrowBatches } from "../util/arrow.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

/** File names inside a corpus artifact folder. */
export const CORPUS_FILES = {
  chunks: "corpus.arrow",
  documents: "documents.arrow",
  stats: "stats.json",
} as const;

const SPLIT_LABELS = ["train", "validation", "test"];
const OTHER_SPLIT_PREFIX = "code-";

/** Label of a split code in `corpus.arrow`; codes outside SPLIT_CODES (such as chunks an arm excludes) keep their number. */
export function splitLabel(code: number): string {
  return SPLIT_LABELS[code] ?? `${OTHER_SPLIT_PREFIX}${code}`;
}

/** Split code of a label written by `splitLabel`. */
export function splitCodeOf(label: string): number {
  const known = SPLIT_LABELS.indexOf(label);
  if (known >= 0) return known;
  const code = label.startsWith(OTHER_SPLIT_PREFIX) ? Number(label.slice(OTHER_SPLIT_PREFIX.length)) : NaN;
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new RangeError(
      `invalid split label '${label}' in corpus.arrow; expected train, validation, test or code-<0..255>`,
    );
  }
  return code;
}

function fixedSizeList(flat: Int32Array, rows: number, width: number): arrow.Vector {
  const type = new arrow.FixedSizeList(width, new arrow.Field("item", new arrow.Int32(), false));
  const child = arrow.makeData({ type: new arrow.Int32(), length: flat.length, data: flat });
  return arrow.makeVector(arrow.makeData({ type, length: rows, nullCount: 0, child }));
}

/** Arrow table of a chunk batch. */
export function chunkTable(batch: ChunkBatch, blockSize: number): arrow.Table {
  const ids = new Int32Array(batch.numChunks);
  for (let c = 0; c < batch.numChunks; c++) ids[c] = batch.firstChunk + c;
  return new arrow.Table({
    chunk_id: arrow.makeVector(ids),
    split: arrow.vectorFromArray(Array.from(batch.split, splitLabel), new arrow.Utf8()),
    tokens: fixedSizeList(batch.tokens, batch.numChunks, blockSize),
    doc_ids: fixedSizeList(batch.docIds, batch.numChunks, blockSize),
  });
}

/** Arrow table of a document batch. */
export function documentTable(batch: DocumentBatch): arrow.Table {
  const ids = new Int32Array(batch.source.length);
  for (let d = 0; d < ids.length; d++) ids[d] = batch.firstDoc + d;
  return new arrow.Table({
    doc_id: arrow.makeVector(ids),
    source: arrow.vectorFromArray(batch.source, new arrow.Utf8()),
    toxic: arrow.vectorFromArray(Array.from(batch.toxic, (t) => t === 1), new arrow.Bool()),
    tokens: arrow.makeVector(batch.tokens),
    row_id: arrow.vectorFromArray(batch.rowId, new arrow.Utf8()),
    text: arrow.vectorFromArray(batch.text, new arrow.Utf8()),
  });
}

/** Appends record batches to an Arrow IPC file under a temporary name; `close` renames it into place. */
export class ArrowBatchFile {
  readonly #path: string;
  readonly #temp: string;
  #file: Deno.FsFile | undefined;
  #writer: arrow.RecordBatchFileWriter | undefined;
  #drain: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#temp = `${path}.${Deno.pid}.partial`;
  }

  /** Append the record batches of a table (the first call fixes the schema). */
  async write(table: arrow.Table): Promise<void> {
    if (!this.#writer) {
      const file = await Deno.open(this.#temp, { write: true, create: true, truncate: true });
      this.#file = file;
      const writer = new arrow.RecordBatchFileWriter();
      this.#writer = writer;
      this.#drain = (async () => {
        for await (const bytes of writer) {
          let offset = 0;
          while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
        }
      })();
    }
    for (const batch of table.batches) this.#writer.write(batch);
  }

  /** Finish the file and rename it into place; an empty table of `emptySchema` is written if nothing was. */
  async close(empty: arrow.Table): Promise<void> {
    if (!this.#writer) await this.write(empty);
    this.#writer!.finish();
    await this.#drain;
    await this.#file!.sync();
    this.#file!.close();
    await Deno.rename(this.#temp, this.#path);
  }

  /** Remove the temporary file after a failure. */
  async abort(): Promise<void> {
    try {
      this.#writer?.abort();
      await this.#drain?.catch(() => {});
      this.#file?.close();
    } catch {
      // Already closed.
    }
    await Deno.remove(this.#temp).catch(() => {});
  }
}

/** A corpus sink that writes `corpus.arrow` and `documents.arrow` into a folder. */
export class CorpusArrowWriter implements CorpusSink {
  readonly #chunks: ArrowBatchFile;
  readonly #documents: ArrowBatchFile;
  readonly #blockSize: number;

  constructor(dir: string, blockSize: number) {
    this.#chunks = new ArrowBatchFile(`${dir}/${CORPUS_FILES.chunks}`);
    this.#documents = new ArrowBatchFile(`${dir}/${CORPUS_FILES.documents}`);
    this.#blockSize = blockSize;
  }

  writeChunks(batch: ChunkBatch): Promise<void> {
    return this.#chunks.write(chunkTable(batch, this.#blockSize));
  }

  writeDocuments(batch: DocumentBatch): Promise<void> {
    return this.#documents.write(documentTable(batch));
  }

  /** Finish both files. */
  async close(): Promise<void> {
    const noChunks = {
      firstChunk: 0,
      numChunks: 0,
      tokens: new Int32Array(0),
      docIds: new Int32Array(0),
      split: new Uint8Array(0),
    };
    await this.#chunks.close(chunkTable(noChunks, this.#blockSize));
    const noDocs = {
      firstDoc: 0,
      source: [],
      toxic: new Uint8Array(0),
      tokens: new Int32Array(0),
      rowId: [],
      text: [],
    };
    await this.#documents.close(documentTable(noDocs));
  }

  /** Remove partial files after a failure. */
  async abort(): Promise<void> {
    await this.#chunks.abort();
    await this.#documents.abort();
  }
}

function fixedListValues(vector: arrow.Vector, width: number): Int32Array {
  const parts: Int32Array[] = [];
  for (const data of vector.data) {
    const child = data.children[0];
    const values = child.values as Int32Array;
    const start = child.offset + data.offset * width;
    parts.push(values.subarray(start, start + data.length * width));
  }
  if (parts.length === 1) return parts[0].slice();
  const out = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Iterate the chunks of a `corpus.arrow` file one record batch at a time. */
export async function* readChunkBatches(path: string): AsyncGenerator<ChunkBatch> {
  for await (const batch of readArrowBatches(path)) {
    if (batch.numRows === 0) continue;
    const tokensVector = batch.getChild("tokens")!;
    const width = (tokensVector.type as arrow.FixedSizeList).listSize;
    const split = Uint8Array.from(batch.getChild("split")!.toArray() as string[], splitCodeOf);
    yield {
      firstChunk: batch.getChild("chunk_id")!.get(0) as number,
      numChunks: batch.numRows,
      tokens: fixedListValues(tokensVector, width),
      docIds: fixedListValues(batch.getChild("doc_ids")!, width),
      split,
    };
  }
}

/** Load a corpus artifact folder into memory. */
export async function readCorpus(dir: string): Promise<Corpus> {
  const stats = JSON.parse(await Deno.readTextFile(`${dir}/${CORPUS_FILES.stats}`)) as CorpusStats;
  const block = stats.block_size;
  const tokens = new Int32Array(stats.chunks * block);
  const docIds = new Int32Array(stats.chunks * block);
  const chunkSplit = new Uint8Array(stats.chunks);

  for await (const batch of readChunkBatches(`${dir}/${CORPUS_FILES.chunks}`)) {
    tokens.set(batch.tokens, batch.firstChunk * block);
    docIds.set(batch.docIds, batch.firstChunk * block);
    chunkSplit.set(batch.split, batch.firstChunk);
  }

  // The documents table may list more documents than `stats.documents` (a filtered corpus keeps
  // dropped documents with 0 tokens), so sizes come from the file itself.
  const source: string[] = [];
  const toxicFlags: number[] = [];
  const tokenCounts: number[] = [];
  const rowIds: string[] = [];
  const texts: string[] = [];
  for await (const batch of readArrowBatches(`${dir}/${CORPUS_FILES.documents}`)) {
    if (batch.numRows === 0) continue;
    const first = batch.getChild("doc_id")!.get(0) as number;
    const sources = batch.getChild("source")!;
    const toxic = batch.getChild("toxic")!;
    const counts = batch.getChild("tokens")!;
    const rows = batch.getChild("row_id")!;
    const text = batch.getChild("text")!;
    for (let i = 0; i < batch.numRows; i++) {
      source[first + i] = sources.get(i);
      toxicFlags[first + i] = toxic.get(i) ? 1 : 0;
      tokenCounts[first + i] = counts.get(i);
      rowIds[first + i] = rows.get(i);
      texts[first + i] = text.get(i);
    }
  }

  const documents = {
    source,
    toxic: Uint8Array.from(toxicFlags),
    tokens: Int32Array.from(tokenCounts),
    rowId: rowIds,
    text: texts,
  };
  return {
    blockSize: block,
    numChunks: stats.chunks,
    tokens,
    docIds,
    chunkSplit,
    documents,
    stats: stats as unknown as Record<string, unknown>,
  };
}

/** Write an in-memory corpus into a folder (for corpora not built by streaming, such as filtered ones). */
export async function writeCorpus(dir: string, corpus: Corpus, batchChunks = 1024): Promise<void> {
  const writer = new CorpusArrowWriter(dir, corpus.blockSize);
  try {
    const block = corpus.blockSize;
    for (let first = 0; first < corpus.numChunks; first += batchChunks) {
      const n = Math.min(batchChunks, corpus.numChunks - first);
      await writer.writeChunks({
        firstChunk: first,
        numChunks: n,
        tokens: corpus.tokens.subarray(first * block, (first + n) * block),
        docIds: corpus.docIds.subarray(first * block, (first + n) * block),
        split: corpus.chunkSplit.subarray(first, first + n),
      });
    }
    const d = corpus.documents;
    await writer.writeDocuments({
      firstDoc: 0,
      source: d.source,
      toxic: d.toxic,
      tokens: d.tokens,
      rowId: d.rowId,
      text: d.text,
    });
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writeJsonAtomic(`${dir}/${CORPUS_FILES.stats}`, corpus.stats);
}

/** Write the stats of a streamed corpus. */
export function writeCorpusStats(dir: string, stats: CorpusStats): Promise<void> {
  return writeJsonAtomic(`${dir}/${CORPUS_FILES.stats}`, stats);
}
