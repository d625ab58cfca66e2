/** Re-chunk a corpus without some of its documents (the document-filtering baselines). */

import type { Corpus } from "./types.ts";
import { chunkSplit, type SplitFractions } from "./chunk_split.ts";
import type { CorpusStats } from "./corpus.ts";

/**
 * Re-chunk the tokens of the kept documents, in their original order, into chunks of the same block
 * size (the ragged tail is dropped), with splits assigned by the same seeded hash.
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
  const keep = new Map<number, boolean>();
  const kept = (docId: number) => {
    let value = keep.get(docId);
    if (value === undefined) keep.set(docId, value = keepDocument(docId));
    return value;
  };

  let total = 0;
  for (let i = 0; i < corpus.docIds.length; i++) if (kept(corpus.docIds[i])) total++;
  const numChunks = Math.floor(total / block);
  const tokens = new Int32Array(numChunks * block);
  const docIds = new Int32Array(numChunks * block);
  let at = 0;
  for (let i = 0; i < corpus.docIds.length && at < tokens.length; i++) {
    if (!kept(corpus.docIds[i])) continue;
    tokens[at] = corpus.tokens[i];
    docIds[at] = corpus.docIds[i];
    at++;
  }
  const chunkSplits = new Uint8Array(numChunks);
  const perSplit: Record<string, number> = { train: 0, validation: 0, test: 0 };
  const names = ["train", "validation", "test"];
  for (let c = 0; c < numChunks; c++) {
    chunkSplits[c] = chunkSplit(c, stats.split_seed, splits);
    perSplit[names[chunkSplits[c]]]++;
  }

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
