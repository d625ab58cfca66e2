/**
 * Pooling of token scores before selection. A single token's influence score mostly reflects how the
 * model predicts that one next token, so at small scale it ranks tokens of toxic documents barely
 * above chance. Averaging the scores over a token's neighbourhood adds the context of its document:
 *
 * - `none`: the scores as computed (the reference method);
 * - `document`: every token gets the mean score of the scored tokens of its document, across chunk
 *   boundaries. Document ids are the corpus's own boundaries (where end-of-text tokens fall), not
 *   labels;
 * - `window`: every token gets the mean score of positions t - window .. t + window of its chunk,
 *   clipped at the chunk's edges.
 *
 * A streamed score source stays streamed: `document` pooling reads it twice (sums per document, then
 * the pooled rows) and keeps two float64 values per document.
 */

import type { Corpus } from "../data/types.ts";
import type { ScoreBatch, ScoreSource, TokenScores } from "./types.ts";

/** Kind of pooling applied to token scores before selection. */
export type PoolingKind = "none" | "document" | "window";

/** Pooling settings: the kind, and the half-width of `window` pooling in positions. */
export interface PoolingSpec {
  kind: PoolingKind;
  window: number;
}

/** No pooling: the scores pass through unchanged. */
export const NO_POOLING: PoolingSpec = { kind: "none", window: 0 };

/** Chunks per pooled batch when a streamed source is pooled. */
const POOLED_BATCH_CHUNKS = 256;

/** Mean of each position's window t - window .. t + window inside one chunk, written to `out`. */
export function windowPoolChunk(scores: ArrayLike<number>, window: number, out: Float32Array): void {
  const size = scores.length;
  // Prefix sums in float64 keep the running totals exact enough for long chunks.
  const prefix = new Float64Array(size + 1);
  for (let t = 0; t < size; t++) prefix[t + 1] = prefix[t] + scores[t];
  for (let t = 0; t < size; t++) {
    const from = Math.max(0, t - window);
    const to = Math.min(size - 1, t + window);
    out[t] = (prefix[to + 1] - prefix[from]) / (to - from + 1);
  }
}

/** Read the pooling settings of a selection spec. A spec without `pooling` means `none`. */
export function poolingOf(selection: { pooling?: PoolingKind; pooling_window?: number }): PoolingSpec {
  const kind = selection.pooling ?? "none";
  return { kind, window: kind === "window" ? selection.pooling_window ?? 8 : 0 };
}

/** Check pooling settings and throw a RangeError naming the invalid value. */
export function assertPoolingSpec(spec: PoolingSpec): void {
  if (spec.kind !== "none" && spec.kind !== "document" && spec.kind !== "window") {
    throw new RangeError(`pooling '${spec.kind}' is unknown; use none, document or window`);
  }
  if (spec.kind === "window" && !(Number.isInteger(spec.window) && spec.window >= 1)) {
    throw new RangeError(`window pooling needs an integer half-width >= 1, got ${spec.window}`);
  }
}

function assertBlockSize(corpus: Corpus, blockSize: number): void {
  if (blockSize !== corpus.blockSize) {
    throw new RangeError(
      `scores have block size ${blockSize} but the corpus has ${corpus.blockSize}; pool scores of this corpus only`,
    );
  }
}

function assertChunk(corpus: Corpus, chunkId: number): void {
  if (!(chunkId >= 0 && chunkId < corpus.numChunks)) {
    throw new RangeError(`scored chunk ${chunkId} is not in the corpus (0..${corpus.numChunks - 1})`);
  }
}

/** Per-document sums and counts of scores, accumulated row by row. */
class DocumentMeans {
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  constructor(private readonly corpus: Corpus) {
    this.sums = new Float64Array(corpus.documents.toxic.length);
    this.counts = new Float64Array(corpus.documents.toxic.length);
  }
  /** Document id of a scored row; throws a RangeError for a chunk or position outside the corpus. */
  document(chunkId: number, position: number): number {
    assertChunk(this.corpus, chunkId);
    if (!(position >= 0 && position < this.corpus.blockSize)) {
      throw new RangeError(
        `scored position ${position} of chunk ${chunkId} is outside the block (0..${
          this.corpus.blockSize - 1
        })`,
      );
    }
    return this.corpus.docIds[chunkId * this.corpus.blockSize + position];
  }
  add(chunkId: number, position: number, score: number): void {
    const doc = this.document(chunkId, position);
    this.sums[doc] += score;
    this.counts[doc] += 1;
  }
  mean(chunkId: number, position: number): number {
    const doc = this.document(chunkId, position);
    return this.sums[doc] / this.counts[doc];
  }
}

/** Pool in-memory token scores; returns new scores over the same chunks. */
export function poolTokenScores(scores: TokenScores, corpus: Corpus, spec: PoolingSpec): TokenScores {
  assertPoolingSpec(spec);
  if (spec.kind === "none") return scores;
  const { blockSize } = scores;
  const pooled = new Float32Array(scores.scores.length);
  if (spec.kind === "window") {
    for (let c = 0; c < scores.numChunks; c++) {
      const span = scores.scores.subarray(c * blockSize, (c + 1) * blockSize);
      windowPoolChunk(span, spec.window, pooled.subarray(c * blockSize, (c + 1) * blockSize));
    }
    return { ...scores, scores: pooled };
  }
  assertBlockSize(corpus, blockSize);
  const means = new DocumentMeans(corpus);
  for (let c = 0; c < scores.numChunks; c++) {
    for (let t = 0; t < blockSize; t++) means.add(scores.chunkIds[c], t, scores.scores[c * blockSize + t]);
  }
  for (let c = 0; c < scores.numChunks; c++) {
    for (let t = 0; t < blockSize; t++) pooled[c * blockSize + t] = means.mean(scores.chunkIds[c], t);
  }
  return { ...scores, scores: pooled };
}

/**
 * Pool a streamed score source. For `window` pooling, each chunk's rows must arrive together and in
 * position order 0..T-1, as the scoring stage writes them. Rows out of order raise an error naming the
 * chunk and position.
 */
export function pooledScoreSource(source: ScoreSource, corpus: Corpus, spec: PoolingSpec): ScoreSource {
  assertPoolingSpec(spec);
  if (spec.kind === "none") return source;
  const label = `${source.label} (${spec.kind} pooling)`;
  if (spec.kind === "document") {
    let means: DocumentMeans | undefined;
    return {
      label,
      async *batches(): AsyncGenerator<ScoreBatch> {
        if (!means) {
          const sums = new DocumentMeans(corpus);
          for await (const batch of source.batches()) {
            for (let i = 0; i < batch.chunkIds.length; i++) {
              sums.add(batch.chunkIds[i], batch.positions[i], batch.scores[i]);
            }
          }
          means = sums;
        }
        for await (const batch of source.batches()) {
          const scores = new Float32Array(batch.scores.length);
          for (let i = 0; i < scores.length; i++) {
            scores[i] = means.mean(batch.chunkIds[i], batch.positions[i]);
          }
          yield { chunkIds: batch.chunkIds, positions: batch.positions, scores };
        }
      },
    };
  }
  const blockSize = corpus.blockSize;
  return {
    label,
    async *batches(): AsyncGenerator<ScoreBatch> {
      const chunk = new Float32Array(blockSize);
      const pooledChunk = new Float32Array(blockSize);
      let ids: number[] = [];
      let values: Float32Array[] = [];
      let current = -1;
      let filled = 0;
      const flush = (): ScoreBatch => {
        const rows = ids.length * blockSize;
        const batch: ScoreBatch = {
          chunkIds: new Int32Array(rows),
          positions: new Int32Array(rows),
          scores: new Float32Array(rows),
        };
        ids.forEach((id, c) => {
          batch.chunkIds.fill(id, c * blockSize, (c + 1) * blockSize);
          for (let t = 0; t < blockSize; t++) batch.positions[c * blockSize + t] = t;
          batch.scores.set(values[c], c * blockSize);
        });
        ids = [];
        values = [];
        return batch;
      };
      for await (const batch of source.batches()) {
        for (let i = 0; i < batch.chunkIds.length; i++) {
          const id = batch.chunkIds[i];
          if (filled === 0) current = id;
          if (id !== current || batch.positions[i] !== filled) {
            throw new Error(
              `${source.label}: chunk ${id} position ${batch.positions[i]} arrives out of order ` +
                `(expected chunk ${current} position ${filled}); window pooling needs each chunk's rows together in position order`,
            );
          }
          chunk[filled++] = batch.scores[i];
          if (filled < blockSize) continue;
          assertChunk(corpus, current);
          windowPoolChunk(chunk, spec.window, pooledChunk);
          ids.push(current);
          values.push(pooledChunk.slice());
          filled = 0;
          if (ids.length >= POOLED_BATCH_CHUNKS) yield flush();
        }
      }
      if (filled !== 0) {
        throw new Error(
          `${source.label}: chunk ${current} ends after ${filled} of ${blockSize} positions; every scored chunk needs all positions`,
        );
      }
      if (ids.length > 0) yield flush();
    },
  };
}
