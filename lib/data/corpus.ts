/**
 * The corpus builder. Documents are tokenized in two streaming passes. The first pass counts tokens
 * and hashes each document's first row id into its split, so each class (toxic, benign) can be
 * trimmed to its exact token quota. The second pass emits the kept documents, each followed by the
 * end-of-text token, into one buffer per split: a split's documents are joined only with each other
 * and cut into chunks of `blockSize` tokens, so no document straddles two splits. Chunk ids follow
 * the order in which chunks complete, so splits interleave; the ragged tail of each split is
 * dropped. Chunks and document metadata go to a sink in batches, so memory is bounded by one batch,
 * one partial chunk per split and the largest document, plus a few bytes per candidate document.
 */

import type { StageEvents } from "../runner/events.ts";
import { silentEvents } from "../runner/events.ts";
import type { Tokenizer } from "./types.ts";
import type { CandidateDocument } from "./documents.ts";
import { candidateSplit, checkSplits, type SplitFractions } from "./document_split.ts";
import { SPLIT_COUNT, SPLIT_NAMES, SplitChunker } from "./split_chunker.ts";

/** A batch of consecutive chunks; arrays are row-major [chunks, blockSize]. */
export interface ChunkBatch {
  firstChunk: number;
  numChunks: number;
  tokens: Int32Array;
  docIds: Int32Array;
  /** Split code of each chunk. */
  split: Uint8Array;
}

/** A batch of consecutive documents (ids firstDoc, firstDoc + 1, ...). */
export interface DocumentBatch {
  firstDoc: number;
  source: string[];
  toxic: Uint8Array;
  /** Tokens of each document inside chunks, end-of-text token included. */
  tokens: Int32Array;
  rowId: string[];
  text: string[];
}

/** Receives the corpus as it is built. */
export interface CorpusSink {
  writeChunks(batch: ChunkBatch): Promise<void>;
  writeDocuments(batch: DocumentBatch): Promise<void>;
}

/** Options of `buildCorpusStream`. */
export interface CorpusBuildOptions {
  blockSize: number;
  /** Total tokens of the corpus (documents are whole, so it is reached within one document). */
  maxTokens: number;
  /** Share of tokens from toxic documents, in [0, 1). */
  toxicShare: number;
  splits: SplitFractions;
  /** Seed of the document split hash. */
  seed: number;
  /** Chunks per emitted batch (default 1024). */
  batchChunks?: number;
  /** Number of candidate documents, when known, for progress totals of the counting pass. */
  totalDocuments?: number;
  signal?: AbortSignal;
  events?: StageEvents;
}

/** Statistics of a built corpus (also saved as `stats.json`). */
export interface CorpusStats {
  documents: number;
  tokens: number;
  chunks: number;
  block_size: number;
  chunks_per_split: Record<string, number>;
  toxic_documents: number;
  toxic_tokens: number;
  toxic_share: number;
  requested: { max_tokens: number; toxic_share: number };
  sources: Record<string, { documents: number; tokens: number; toxic: boolean }>;
  dropped_tail_tokens: number;
  candidates: number;
  peak_buffered_tokens: number;
  vocab_size: number;
  tokenizer: string;
  /** Split fractions and seed of the document split hash (reused when a filtered corpus is re-chunked). */
  splits: SplitFractions;
  split_seed: number;
  /** Size of the corpus a filtered corpus was made from. */
  filtered_from?: { documents: number; tokens: number };
}

/** Default chunks per batch. */
export const DEFAULT_BATCH_CHUNKS = 1024;
const DOCUMENT_BATCH = 4096;
const SIGNAL_EVERY = 256;

type DocumentSource = () => AsyncIterable<CandidateDocument> | Iterable<CandidateDocument>;

function checkOptions(options: CorpusBuildOptions): void {
  if (!Number.isInteger(options.blockSize) || options.blockSize < 2) {
    throw new RangeError(`invalid data.block_size ${options.blockSize}; expected an integer >= 2`);
  }
  if (!Number.isInteger(options.maxTokens) || options.maxTokens < options.blockSize) {
    throw new RangeError(
      `invalid data.max_tokens ${options.maxTokens}; expected an integer >= block_size ${options.blockSize}`,
    );
  }
  if (!(options.toxicShare >= 0 && options.toxicShare < 1)) {
    throw new RangeError(`invalid data.toxic_share ${options.toxicShare}; expected a value in [0, 1)`);
  }
  checkSplits(options.splits);
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException("corpus build cancelled", "AbortError");
}

/**
 * Decide which candidates to keep: in candidate order, a document joins its class while the class
 * stays within its token quota. Returns the keep flags and the tokens kept per class.
 */
export function selectDocuments(
  sizes: Int32Array,
  toxic: Uint8Array,
  maxTokens: number,
  toxicShare: number,
): { keep: Uint8Array; toxicTokens: number; benignTokens: number; quota: { toxic: number; benign: number } } {
  const quota = {
    toxic: Math.round(maxTokens * toxicShare),
    benign: maxTokens - Math.round(maxTokens * toxicShare),
  };
  const keep = new Uint8Array(sizes.length);
  let toxicTokens = 0;
  let benignTokens = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (toxic[i]) {
      if (toxicTokens + sizes[i] <= quota.toxic) {
        keep[i] = 1;
        toxicTokens += sizes[i];
      }
    } else if (benignTokens + sizes[i] <= quota.benign) {
      keep[i] = 1;
      benignTokens += sizes[i];
    }
  }
  return { keep, toxicTokens, benignTokens, quota };
}

/** Build a corpus from candidate documents (iterated twice) and stream it into `sink`. */
export async function buildCorpusStream(
  documents: DocumentSource,
  tokenizer: Tokenizer,
  options: CorpusBuildOptions,
  sink: CorpusSink,
): Promise<CorpusStats> {
  checkOptions(options);
  const events = options.events ?? silentEvents;
  const block = options.blockSize;
  const batchChunks = options.batchChunks ?? DEFAULT_BATCH_CHUNKS;

  // Pass 1: token counts (end-of-text included), classes and splits.
  let sizes = new Int32Array(1024);
  let toxic = new Uint8Array(1024);
  let splitOf = new Uint8Array(1024);
  let count = 0;
  for await (const doc of documents()) {
    if (count === sizes.length) {
      sizes = grow(sizes, new Int32Array(count * 2));
      toxic = grow(toxic, new Uint8Array(count * 2));
      splitOf = grow(splitOf, new Uint8Array(count * 2));
    }
    sizes[count] = tokenizer.encode(doc.text).length + 1;
    toxic[count] = doc.toxic ? 1 : 0;
    splitOf[count] = candidateSplit(doc, options.seed, options.splits);
    count += 1;
    if (count % SIGNAL_EVERY === 0) {
      aborted(options.signal);
      events.progress(count, options.totalDocuments ?? 0, "documents counted");
    }
  }
  const selection = selectDocuments(
    sizes.subarray(0, count),
    toxic.subarray(0, count),
    options.maxTokens,
    options.toxicShare,
  );
  for (const label of ["toxic", "benign"] as const) {
    const got = label === "toxic" ? selection.toxicTokens : selection.benignTokens;
    const want = selection.quota[label];
    if (want > 0 && got < want * 0.99) {
      events.warning(
        `${label} documents supply only ${got} of the ${want} tokens requested; the toxic share will differ`,
      );
    }
  }

  // Each split's buffer yields the whole chunks of the kept tokens of its documents.
  const keptPerSplit = new Array<number>(SPLIT_COUNT).fill(0);
  for (let i = 0; i < count; i++) if (selection.keep[i]) keptPerSplit[splitOf[i]] += sizes[i];
  const targetTokens = keptPerSplit.map((tokens) => Math.floor(tokens / block) * block);
  const totalChunks = targetTokens.reduce((sum, tokens) => sum + tokens / block, 0);
  SPLIT_NAMES.forEach((name, code) => {
    if (options.splits[name] > 0 && targetTokens[code] === 0) {
      events.warning(
        `split ${name} has fraction ${options.splits[name]} but its documents fill no chunk of ` +
          `${block} tokens; raise data.max_tokens or data.splits.${name}`,
      );
    }
  });

  // Pass 2: append kept documents to their split's buffer and write complete chunks in batches.
  const chunker = new SplitChunker(block);
  const entered = new Array<number>(SPLIT_COUNT).fill(0);
  let peak = 0;
  let emittedChunks = 0;
  let nextDoc = 0;
  const pendingDocs: Array<{ doc: CandidateDocument; inChunks: number }> = [];
  let firstPending = 0;
  const stats: CorpusStats = {
    documents: 0,
    tokens: 0,
    chunks: 0,
    block_size: block,
    chunks_per_split: { train: 0, validation: 0, test: 0 },
    toxic_documents: 0,
    toxic_tokens: 0,
    toxic_share: 0,
    requested: { max_tokens: options.maxTokens, toxic_share: options.toxicShare },
    sources: {},
    dropped_tail_tokens: 0,
    candidates: count,
    peak_buffered_tokens: 0,
    vocab_size: tokenizer.vocabSize,
    tokenizer: tokenizer.kind,
    splits: options.splits,
    split_seed: options.seed,
  };

  const flushChunks = async (chunks: number) => {
    if (chunks === 0) return;
    const batch = chunker.take(chunks);
    for (const code of batch.split) stats.chunks_per_split[SPLIT_NAMES[code]] += 1;
    await sink.writeChunks({ firstChunk: emittedChunks, ...batch });
    emittedChunks += chunks;
  };

  const flushDocuments = async () => {
    if (pendingDocs.length === 0) return;
    const batch = pendingDocs.splice(0, pendingDocs.length);
    await sink.writeDocuments({
      firstDoc: firstPending,
      source: batch.map((entry) => entry.doc.source),
      toxic: Uint8Array.from(batch, (entry) => (entry.doc.toxic ? 1 : 0)),
      tokens: Int32Array.from(batch, (entry) => entry.inChunks),
      rowId: batch.map((entry) => entry.doc.rowIds[0]),
      text: batch.map((entry) => entry.doc.text),
    });
    firstPending += batch.length;
  };

  let index = 0;
  for await (const doc of documents()) {
    const i = index++;
    if (i >= count) {
      throw new Error("the document source produced more documents on the second pass than on the first");
    }
    const split = splitOf[i];
    // A document past its split's last whole chunk would lie entirely in the dropped tail.
    if (!selection.keep[i] || entered[split] >= targetTokens[split]) continue;
    const ids = tokenizer.encode(doc.text);
    const size = ids.length + 1;
    if (size !== sizes[i]) {
      throw new Error(
        `document ${i} tokenized to ${size} tokens on the second pass, ${sizes[i]} on the first`,
      );
    }
    const id = nextDoc++;
    const inChunks = Math.min(size, targetTokens[split] - entered[split]);
    entered[split] += size;
    pendingDocs.push({ doc, inChunks });
    countDocument(stats, doc, inChunks);

    const withEnd = new Int32Array(size);
    withEnd.set(ids);
    withEnd[size - 1] = tokenizer.eotId;
    chunker.append(split, withEnd, id);
    peak = Math.max(peak, chunker.buffered);

    while (chunker.ready >= batchChunks) await flushChunks(batchChunks);
    if (pendingDocs.length >= DOCUMENT_BATCH) await flushDocuments();
    if (id % SIGNAL_EVERY === 0) {
      aborted(options.signal);
      events.progress(emittedChunks, totalChunks, "chunks");
    }
  }
  await flushChunks(chunker.ready);
  await flushDocuments();
  events.progress(emittedChunks, totalChunks, "chunks");

  stats.chunks = emittedChunks;
  stats.tokens = emittedChunks * block;
  stats.dropped_tail_tokens = entered.reduce((sum, tokens) => sum + tokens, 0) - stats.tokens;
  stats.toxic_share = stats.tokens > 0 ? stats.toxic_tokens / stats.tokens : 0;
  stats.peak_buffered_tokens = peak;
  return stats;
}

function grow<T extends Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Add a document's in-chunk tokens to the per-source and toxic counts. */
function countDocument(stats: CorpusStats, doc: CandidateDocument, inChunks: number): void {
  const source = (stats.sources[doc.source] ??= { documents: 0, tokens: 0, toxic: doc.toxic });
  source.documents += 1;
  source.tokens += inChunks;
  stats.documents += 1;
  if (doc.toxic) {
    stats.toxic_documents += 1;
    stats.toxic_tokens += inChunks;
  }
}
