/** Arrow IPC storage of the candidate document pool (`candidates.arrow` and `pool.json`). */

import * as arrow from "apache-arrow";
import type { CandidateDocument, DocumentPool } from "./documents.ts";
import { readArrowBatches } from "../util/arrow.ts";
import { readJson, writeJsonAtomic } from "../util/atomic.ts";
import { ArrowBatchFile } from "./corpus_io.ts";

/** File names inside a document-pool artifact folder. */
export const POOL_FILES = { documents: "candidates.arrow", summary: "pool.json" } as const;

const BATCH_DOCUMENTS = 4096;

function poolTable(documents: CandidateDocument[]): arrow.Table {
  return new arrow.Table({
    source: arrow.vectorFromArray(documents.map((d) => d.source), new arrow.Utf8()),
    toxic: arrow.vectorFromArray(documents.map((d) => d.toxic), new arrow.Bool()),
    row_ids: arrow.vectorFromArray(
      documents.map((d) => d.rowIds),
      new arrow.List(new arrow.Field("item", new arrow.Utf8(), true)),
    ),
    text: arrow.vectorFromArray(documents.map((d) => d.text), new arrow.Utf8()),
  });
}

/** Write a document pool into a folder, in record batches. */
export async function writeDocumentPool(dir: string, pool: DocumentPool): Promise<void> {
  const file = new ArrowBatchFile(`${dir}/${POOL_FILES.documents}`);
  try {
    for (let first = 0; first < pool.documents.length; first += BATCH_DOCUMENTS) {
      await file.write(poolTable(pool.documents.slice(first, first + BATCH_DOCUMENTS)));
    }
    await file.close(poolTable([]));
  } catch (error) {
    await file.abort();
    throw error;
  }
  await writeJsonAtomic(`${dir}/${POOL_FILES.summary}`, {
    sources: pool.sources,
    budgetChars: pool.budgetChars,
  });
}

/** Iterate the documents of a pool folder one at a time, reading one record batch at a time. */
export async function* readPoolDocuments(dir: string): AsyncGenerator<CandidateDocument> {
  for await (const batch of readArrowBatches(`${dir}/${POOL_FILES.documents}`)) {
    const source = batch.getChild("source")!;
    const toxic = batch.getChild("toxic")!;
    const rowIds = batch.getChild("row_ids")!;
    const text = batch.getChild("text")!;
    for (let i = 0; i < batch.numRows; i++) {
      yield {
        source: source.get(i),
        toxic: toxic.get(i) === true,
        rowIds: Array.from(rowIds.get(i) as arrow.Vector<arrow.Utf8>, (id) => id ?? ""),
        text: text.get(i),
      };
    }
  }
}

/** Load a document pool folder into memory. */
export async function readDocumentPool(dir: string): Promise<DocumentPool> {
  const summary = await readJson<Omit<DocumentPool, "documents">>(`${dir}/${POOL_FILES.summary}`);
  const documents: CandidateDocument[] = [];
  for await (const doc of readPoolDocuments(dir)) documents.push(doc);
  return { documents, ...summary };
}
