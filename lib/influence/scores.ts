/**
 * Token-wise influence scores. For a linear layer the chunk's weight gradient is sum_t s_t a_t^T, so
 * its inner product with the preconditioned query gradient P splits over positions:
 * score(t) = sum over layers of s_t^T P a_t. Each batch computes this as (A P^T) * S summed over
 * the output axis, never forming a per-token weight gradient. A chunk's score is the sum of its
 * token scores.
 *
 * Shape legend: B chunks, T positions, N = B * T rows, O layer output width, I layer input width
 * (bias column included).
 */

import * as tf from "@tensorflow/tfjs";
import type { Corpus } from "../data/types.ts";
import type { StageEvents } from "../runner/events.ts";
import type { TokenScores } from "../select/types.ts";
import { chunkBatch } from "./batches.ts";
import { captureBatch, type CaptureModel, disposeCaptured } from "./capture.ts";
import { layersByName } from "./layers.ts";
import type { QueryGradient } from "./query.ts";

/** Chunks per scoring batch unless the caller sets another. */
export const DEFAULT_SCORE_BATCH = 8;

/** Token scores of one batch of chunks. */
export interface ChunkScoreBatch {
  chunkIds: Int32Array;
  /** Row-major [B, T] token scores. */
  scores: Float32Array;
}

/** Options of the scoring functions. */
export interface ScoreOptions {
  batchSize?: number;
  signal?: AbortSignal;
  events?: StageEvents;
}

/** Score the given chunks batch by batch; memory stays bounded by one batch. */
export async function* scoreChunks(
  model: CaptureModel,
  query: QueryGradient,
  corpus: Corpus,
  chunkIds: Int32Array,
  options: ScoreOptions = {},
): AsyncGenerator<ChunkScoreBatch> {
  for await (const batch of scoreChunksMany(model, [query], corpus, chunkIds, options)) {
    yield { chunkIds: batch.chunkIds, scores: batch.scores[0] };
  }
}

/** Token scores of one batch of chunks against several query gradients. */
export interface MultiScoreBatch {
  chunkIds: Int32Array;
  /** Row-major [B, T] token scores, one array per query gradient. */
  scores: Float32Array[];
}

/**
 * Score the given chunks against several query gradients over the same layers with one capture
 * per batch, which costs about one scoring pass instead of one per query gradient.
 */
export async function* scoreChunksMany(
  model: CaptureModel,
  queries: QueryGradient[],
  corpus: Corpus,
  chunkIds: Int32Array,
  options: ScoreOptions = {},
): AsyncGenerator<MultiScoreBatch> {
  if (queries.length === 0) throw new RangeError("no query gradients to score against; pass at least one");
  const names = queries[0].layers.map((layer) => layer.name).join(",");
  queries.forEach((query, i) => {
    const other = query.layers.map((layer) => layer.name).join(",");
    if (other !== names) {
      throw new RangeError(
        `query gradient ${i} tracks layers ${other}, but query gradient 0 tracks ${names}`,
      );
    }
  });
  const layers = layersByName(model.linearLayers(), queries[0].layers);
  // Per query and layer: the weight part of P transposed and the bias column of P. Then
  // A P^T = A_w P_w^T + p_b, so A needs no column of ones.
  const parts = queries.map((query) =>
    query.layers.map((layer, i) =>
      splitPreconditioned(layer.preconditioned, layer.outDim, layers[i].inFeatures, layers[i].bias)
    )
  );
  const batchSize = options.batchSize ?? DEFAULT_SCORE_BATCH;
  try {
    for (let start = 0; start < chunkIds.length; start += batchSize) {
      options.signal?.throwIfAborted();
      const ids = chunkIds.slice(start, Math.min(chunkIds.length, start + batchSize));
      const captured = captureBatch(model, layers, chunkBatch(corpus, ids), { appendBias: false });
      let scores: Float32Array[];
      try {
        scores = parts.map((perLayer) => {
          const total = tf.tidy(() => {
            let sum: tf.Tensor = tf.zeros([ids.length * corpus.blockSize]); // [N]
            captured.layers.forEach((layer, i) => {
              const { weight, bias } = perLayer[i];
              let projected: tf.Tensor = tf.matMul(layer.activations, weight); // [N, O]
              if (bias) projected = tf.add(projected, bias); // [N, O]
              sum = tf.add(sum, tf.sum(tf.mul(projected, layer.gradients), 1)); // [N]
            });
            return sum;
          });
          const values = Float32Array.from(total.dataSync());
          total.dispose();
          return values;
        });
      } finally {
        disposeCaptured(captured);
      }
      yield { chunkIds: ids, scores };
      options.events?.progress(start + ids.length, chunkIds.length, "chunks", "token scores");
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    for (const { weight, bias } of parts.flat()) {
      weight.dispose();
      bias?.dispose();
    }
  }
}

/** Split P [O, I] into its weight part transposed, [I_w, O], and its bias column, [O]. */
function splitPreconditioned(
  preconditioned: Float32Array,
  outDim: number,
  inFeatures: number,
  hasBias: boolean,
): { weight: tf.Tensor2D; bias: tf.Tensor1D | null } {
  const inDim = inFeatures + (hasBias ? 1 : 0);
  const weight = new Float32Array(inFeatures * outDim);
  const bias = hasBias ? new Float32Array(outDim) : null;
  for (let o = 0; o < outDim; o++) {
    for (let j = 0; j < inFeatures; j++) weight[j * outDim + o] = preconditioned[o * inDim + j];
    if (bias) bias[o] = preconditioned[o * inDim + inFeatures];
  }
  return { weight: tf.tensor2d(weight, [inFeatures, outDim]), bias: bias ? tf.tensor1d(bias) : null };
}

/** Score the given chunks and collect the result in memory. */
export async function scoreTokens(
  model: CaptureModel,
  query: QueryGradient,
  corpus: Corpus,
  chunkIds: Int32Array,
  options: ScoreOptions = {},
): Promise<TokenScores> {
  const scores = new Float32Array(chunkIds.length * corpus.blockSize);
  let offset = 0;
  for await (const batch of scoreChunks(model, query, corpus, chunkIds, options)) {
    scores.set(batch.scores, offset);
    offset += batch.scores.length;
  }
  return {
    numChunks: chunkIds.length,
    blockSize: corpus.blockSize,
    chunkIds: Int32Array.from(chunkIds),
    scores,
  };
}

/** Sum of each chunk's token scores, [numChunks]. */
export function chunkScores(tokens: TokenScores): Float64Array {
  const out = new Float64Array(tokens.numChunks);
  for (let c = 0; c < tokens.numChunks; c++) {
    let sum = 0;
    for (let t = 0; t < tokens.blockSize; t++) sum += tokens.scores[c * tokens.blockSize + t];
    out[c] = sum;
  }
  return out;
}
