/** Re-chunk a corpus without some of its documents (the document-filtering baselines). */

import type { Corpus } from "./types.ts";
import { documentSplit, type SplitFractions } from "./document_split.ts";
import type { CorpusStats } from "./corpus.ts";
import { SPLIT_COUNT, SPLIT_NAMES, SplitChunker } from "./split_chunker.ts";

/** Chunks taken from the chunker at a time. */
const FILTER_BATCH_CHUNKS = 1024;

/**
 * Re-chunk the tokens of the kept documents with the corpus builder's rule. Each document keeps the
 * split hashed from its row id. The documents of a split are joined in id order and cut into chunks
 * of the same block size, chunk ids follow the order in which chunks complete, and the ragged tail
 * of each split is dropped. Only a document's tokens inside the corpus chunks are used.
 * Document ids do not change: the documents table is the same, and a dropped document has 0 tokens.
 */
export function filterCorpus(corpus: Corpus, keepDocument: (docId: number) => boolean): Corpus {
  const stats = corpus.stats as unknown as CorpusStats;
  const splits = stats.splits as SplitFractions | undefined;
  if (!splits || typeof stats.split_seed !== "number") {
    throw new TypeError(
      "corpus stats lack 'splits' and 'split_seed'; rebuild the corpus with this version of ifguide",
    );
  }
  const block = corpus.blockSize;
  const numDocs = corpus.documents.rowId.length;
  const docSplit = Uint8Array.from(
    corpus.documents.rowId,
    (rowId) => documentSplit(rowId, stats.split_seed, splits),
  );

  // Gather each document's tokens in corpus order. A document's tokens lie in chunks of its split only.
  const offsets = new Int32Array(numDocs + 1);
  for (let c = 0; c < corpus.numChunks; c++) {
    for (let t = c * block; t < (c + 1) * block; t++) {
      const docId = corpus.docIds[t];
      const code = corpus.chunkSplit[c];
      if (code < SPLIT_COUNT && code !== docSplit[docId]) {
        throw new RangeError(
          `chunk ${c} is in split ${SPLIT_NAMES[code]}, but its document ${docId} (row ` +
            `'${corpus.documents.rowId[docId]}') hashes to split ${SPLIT_NAMES[docSplit[docId]]}; ` +
            "the corpus was split by an older rule: rebuild it with this version of ifguide",
        );
      }
      offsets[docId + 1]++;
    }
  }
  for (let d = 0; d < numDocs; d++) offsets[d + 1] += offsets[d];
  const byDocument = new Int32Array(offsets[numDocs]);
  const cursor = offsets.slice(0, numDocs);
  for (let i = 0; i < corpus.docIds.length; i++) byDocument[cursor[corpus.docIds[i]]++] = corpus.tokens[i];

  const keptPerSplit = new Array<number>(SPLIT_COUNT).fill(0);
  const keepFlags = new Uint8Array(numDocs);
  for (let d = 0; d < numDocs; d++) {
    if (offsets[d + 1] === offsets[d] || !keepDocument(d)) continue;
    keepFlags[d] = 1;
    keptPerSplit[docSplit[d]] += offsets[d + 1] - offsets[d];
  }
  const total = keptPerSplit.reduce((sum, tokens) => sum + tokens, 0);
  const numChunks = keptPerSplit.reduce((sum, tokens) => sum + Math.floor(tokens / block), 0);
  const tokens = new Int32Array(numChunks * block);
  const docIds = new Int32Array(numChunks * block);
  const chunkSplits = new Uint8Array(numChunks);
  const perSplit: Record<string, number> = { train: 0, validation: 0, test: 0 };
  const chunker = new SplitChunker(block);
  let emitted = 0;
  const drain = () => {
    const batch = chunker.take(chunker.ready);
    tokens.set(batch.tokens, emitted * block);
    docIds.set(batch.docIds, emitted * block);
    chunkSplits.set(batch.split, emitted);
    for (const code of batch.split) perSplit[SPLIT_NAMES[code]]++;
    emitted += batch.numChunks;
  };
  for (let d = 0; d < numDocs; d++) {
    if (!keepFlags[d]) continue;
    chunker.append(docSplit[d], byDocument.subarray(offsets[d], offsets[d + 1]), d);
    if (chunker.ready >= FILTER_BATCH_CHUNKS) drain();
  }
  drain();

  const docTokens = new Int32Array(corpus.documents.tokens.length);
  for (let i = 0; i < docIds.length; i++) docTokens[docIds[i]]++;
  const sources: CorpusStats["sources"] = {};
  let documents = 0;
  let toxicDocuments = 0;
  let toxicTokens = 0;
  for (let d = 0; d < docTokens.length; d++) {
    if (docTokens[d] === 0) continue;
    const toxic = corpus.documents.toxic[d] === 1;
    const source = (sources[corpus.documents.source[d]] ??= { documents: 0, tokens: 0, toxic });
    source.documents++;
    source.tokens += docTokens[d];
    documents++;
    if (toxic) {
      toxicDocuments++;
      toxicTokens += docTokens[d];
    }
  }
  const newStats: CorpusStats = {
    ...stats,
    documents,
    tokens: tokens.length,
    chunks: numChunks,
    chunks_per_split: perSplit,
    toxic_documents: toxicDocuments,
    toxic_tokens: toxicTokens,
    toxic_share: tokens.length > 0 ? toxicTokens / tokens.length : 0,
    sources,
    dropped_tail_tokens: total - tokens.length,
    filtered_from: { documents: stats.documents, tokens: stats.tokens },
  };
  return {
    blockSize: block,
    numChunks,
    tokens,
    docIds,
    chunkSplit: chunkSplits,
    documents: { ...corpus.documents, tokens: docTokens },
    stats: newStats as unknown as Record<string, unknown>,
  };
}
