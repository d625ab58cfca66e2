/**
 * Pooling of token scores before selection. A single token's influence score mostly reflects how the
 * model predicts that one next token, so at small scale it ranks tokens of toxic documents barely
 * above chance. Averaging the scores over a token's neighbourhood lets the document context speak:
 *
 * - `none`: the scores as computed (the reference method);
 * - `document`: every token gets the mean score of its document's span inside the chunk. Spans end
 *   at (and include) the end-of-text token that closes each document, so no ground truth is used;
 * - `window`: every token gets the mean score of positions t - window .. t + window of its chunk,
 *   clipped at the chunk's edges.
 *
 * Pooling works chunk by chunk, so a streamed score source stays streamed.
 */

import type { Corpus } from "../data/types.ts";
import type { ScoreBatch, ScoreSource, TokenScores } from "./types.ts";

/** How token scores are pooled before selection. */
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

/**
 * Pool the scores of one chunk into `out`. `tokens` are the chunk's token ids; `eotId` closes a
 * document span (used by `document` pooling only).
 */
export function poolChunk(
  scores: ArrayLike<number>,
  tokens: ArrayLike<number>,
  eotId: number,
  spec: PoolingSpec,
  out: Float32Array,
): void {
  const size = scores.length;
  if (spec.kind === "none") {
    for (let t = 0; t < size; t++) out[t] = scores[t];
    return;
  }
  if (spec.kind === "window") {
    // Prefix sums in float64 keep the running totals exact enough for long chunks.
    const prefix = new Float64Array(size + 1);
    for (let t = 0; t < size; t++) prefix[t + 1] = prefix[t] + scores[t];
    for (let t = 0; t < size; t++) {
      const from = Math.max(0, t - spec.window);
      const to = Math.min(size - 1, t + spec.window);
      out[t] = (prefix[to + 1] - prefix[from]) / (to - from + 1);
    }
    return;
  }
  let start = 0;
  for (let t = 0; t < size; t++) {
    if (tokens[t] !== eotId && t !== size - 1) continue;
    let sum = 0;
    for (let u = start; u <= t; u++) sum += scores[u];
    const mean = sum / (t - start + 1);
    for (let u = start; u <= t; u++) out[u] = mean;
    start = t + 1;
  }
}

/** The pooling settings of a selection spec; specs written before pooling existed mean `none`. */
export function poolingOf(selection: { pooling?: PoolingKind; pooling_window?: number }): PoolingSpec {
  const kind = selection.pooling ?? "none";
  return { kind, window: kind === "window" ? selection.pooling_window ?? 8 : 0 };
}

/** Check pooling settings; throws a RangeError naming the bad value. */
export function assertPoolingSpec(spec: PoolingSpec): void {
  if (spec.kind !== "none" && spec.kind !== "document" && spec.kind !== "window") {
    throw new RangeError(`pooling '${spec.kind}' is unknown; use none, document or window`);
  }
  if (spec.kind === "window" && !(Number.isInteger(spec.window) && spec.window >= 1)) {
    throw new RangeError(`window pooling needs an integer half-width >= 1, got ${spec.window}`);
  }
}

function chunkTokens(corpus: Corpus, chunkId: number, blockSize: number): Int32Array {
  if (blockSize !== corpus.blockSize) {
    throw new RangeError(
      `scores have block size ${blockSize} but the corpus has ${corpus.blockSize}; pool scores of this corpus only`,
    );
  }
  if (!(chunkId >= 0 && chunkId < corpus.numChunks)) {
    throw new RangeError(`scored chunk ${chunkId} is not in the corpus (0..${corpus.numChunks - 1})`);
  }
  return corpus.tokens.subarray(chunkId * blockSize, (chunkId + 1) * blockSize);
}

/** Pool in-memory token scores chunk by chunk; returns new scores over the same chunks. `eotId` closes documents. */
export function poolTokenScores(
  scores: TokenScores,
  corpus: Corpus,
  eotId: number,
  spec: PoolingSpec,
): TokenScores {
  assertPoolingSpec(spec);
  if (spec.kind === "none") return scores;
  const { blockSize } = scores;
  const pooled = new Float32Array(scores.scores.length);
  for (let c = 0; c < scores.numChunks; c++) {
    const span = scores.scores.subarray(c * blockSize, (c + 1) * blockSize);
    const tokens = chunkTokens(corpus, scores.chunkIds[c], blockSize);
    poolChunk(span, tokens, eotId, spec, pooled.subarray(c * blockSize, (c + 1) * blockSize));
  }
  return { ...scores, scores: pooled };
}

/**
 * Pool a streamed score source. Rows of one chunk must arrive together and in position order 0..T-1,
 * as the scoring stage writes them; anything else is rejected with the chunk and position.
 */
export function pooledScoreSource(
  source: ScoreSource,
  corpus: Corpus,
  eotId: number,
  spec: PoolingSpec,
): ScoreSource {
  assertPoolingSpec(spec);
  if (spec.kind === "none") return source;
  const blockSize = corpus.blockSize;
  return {
    label: `${source.label} (${spec.kind} pooling)`,
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
                `(expected chunk ${current} position ${filled}); pooling needs each chunk's rows together in position order`,
            );
          }
          chunk[filled++] = batch.scores[i];
          if (filled < blockSize) continue;
          poolChunk(chunk, chunkTokens(corpus, current, blockSize), eotId, spec, pooledChunk);
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
