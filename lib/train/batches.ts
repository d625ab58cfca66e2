/**
 * Building tensors for a list of corpus chunks: model inputs (tokens 0..T-2), targets (tokens 1..T-1)
 * and the per-target loss weights.
 *
 * Shape legend: B chunks, T block size, L = T-1 label positions.
 */

import * as tf from "@tensorflow/tfjs";
import type { Corpus } from "../data/types.ts";

/** Tensors of one batch; the caller disposes them. */
export interface ChunkBatch {
  inputs: tf.Tensor2D; // [B, L] int32
  targets: tf.Tensor2D; // [B, L] int32
  /** [B, L] float32, present when target weights were given. */
  weights?: tf.Tensor2D;
}

/** Tensors for the given chunk ids; weight entry (c, t) applies to the term predicting token t. */
export function chunkBatch(corpus: Corpus, chunkIds: number[], targetWeights?: Float32Array): ChunkBatch {
  const block = corpus.blockSize;
  const length = block - 1;
  const inputs = new Int32Array(chunkIds.length * length);
  const targets = new Int32Array(chunkIds.length * length);
  const weights = targetWeights ? new Float32Array(chunkIds.length * length) : undefined;
  chunkIds.forEach((chunk, b) => {
    const base = chunk * block;
    inputs.set(corpus.tokens.subarray(base, base + length), b * length);
    targets.set(corpus.tokens.subarray(base + 1, base + block), b * length);
    weights?.set(targetWeights!.subarray(base + 1, base + block), b * length);
  });
  const shape: [number, number] = [chunkIds.length, length];
  return {
    inputs: tf.tensor2d(inputs, shape, "int32"),
    targets: tf.tensor2d(targets, shape, "int32"),
    weights: weights ? tf.tensor2d(weights, shape, "float32") : undefined,
  };
}

/** Release a batch's tensors. */
export function disposeBatch(batch: ChunkBatch): void {
  batch.inputs.dispose();
  batch.targets.dispose();
  batch.weights?.dispose();
}
