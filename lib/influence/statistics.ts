/**
 * Shard-summable statistics behind the curvature factors: covariance sums of a_t and s_t, and sums
 * of squared per-sequence gradients in the Kronecker eigenbasis (the eigenvalue correction). Sums
 * of several shards merge by addition, so fitting is a sum over shards followed by one
 * eigendecomposition.
 *
 * Each statistic has a TF.js path (float32 products, float64 accumulation across batches) used
 * when fitting, and a Float64Array path used by the dense reference tests.
 *
 * Shape legend: N rows (positions), B sequences, T positions per sequence, I layer input width
 * (bias column included), O layer output width.
 */

import * as tf from "@tensorflow/tfjs";
import { matmul } from "./dense.ts";
import type { EigenResult } from "./eigen.ts";
import type { TrackedLayer } from "./layers.ts";

/** Sums of a a^T and s s^T of one layer. */
export interface LayerCovarianceSums {
  name: string;
  inDim: number;
  outDim: number;
  /** Sum over tokens of a_t a_t^T, row-major [I, I]. */
  activation: Float64Array;
  /** Sum over tokens of s_t s_t^T, row-major [O, O]. */
  gradient: Float64Array;
}

/** Covariance sums of every tracked layer, with the counts that turn them into averages. */
export interface CovarianceSums {
  layers: LayerCovarianceSums[];
  /** Non-padding tokens summed. */
  tokens: number;
  /** Sequences summed. */
  sequences: number;
}

/** Sum over sequences of (Q_S^T G_n Q_A)^2 for one layer, row-major [O, I]. */
export interface LayerCorrectionSums {
  name: string;
  inDim: number;
  outDim: number;
  values: Float64Array;
}

/** Eigenvalue-correction sums of every tracked layer. */
export interface CorrectionSums {
  layers: LayerCorrectionSums[];
  sequences: number;
}

/** Empty covariance sums for the given layers. */
export function createCovarianceSums(layers: TrackedLayer[]): CovarianceSums {
  return {
    layers: layers.map((layer) => ({
      name: layer.name,
      inDim: layer.inDim,
      outDim: layer.outFeatures,
      activation: new Float64Array(layer.inDim * layer.inDim),
      gradient: new Float64Array(layer.outFeatures * layer.outFeatures),
    })),
    tokens: 0,
    sequences: 0,
  };
}

/** Empty correction sums for the given layers. */
export function createCorrectionSums(layers: TrackedLayer[]): CorrectionSums {
  return {
    layers: layers.map((layer) => ({
      name: layer.name,
      inDim: layer.inDim,
      outDim: layer.outFeatures,
      values: new Float64Array(layer.outFeatures * layer.inDim),
    })),
    sequences: 0,
  };
}

/** Add a a^T and s s^T of one batch to one layer's sums (float32 products on the backend). */
export function addCovarianceTensors(sums: LayerCovarianceSums, a: tf.Tensor2D, s: tf.Tensor2D): void {
  const [activation, gradient] = tf.tidy(() => [
    tf.matMul(a, a, true, false), // [I, I]
    tf.matMul(s, s, true, false), // [O, O]
  ]);
  addInto(sums.activation, activation.dataSync());
  addInto(sums.gradient, gradient.dataSync());
  activation.dispose();
  gradient.dispose();
}

/** Float64 reference of `addCovarianceTensors` over row-major a [N, I] and s [N, O]. */
export function addCovarianceFloat64(
  sums: LayerCovarianceSums,
  a: Float64Array,
  s: Float64Array,
  rows: number,
): void {
  addOuterProducts(sums.activation, a, rows, sums.inDim);
  addOuterProducts(sums.gradient, s, rows, sums.outDim);
}

/**
 * Add the squared per-sequence gradients rotated into the eigenbasis, sum over n of
 * (Q_S^T G_n Q_A)^2 with G_n = sum_t s_t a_t^T. Rotating each row first,
 * Q_S^T G_n Q_A = (S_n Q_S)^T (A_n Q_A), costs T (O^2 + I^2 + O I) per sequence instead of
 * O I (O + I). `gradientBasis` is Q_S [O, O] and `activationBasis` is Q_A [I, I], eigenvectors in
 * columns.
 */
export function addCorrectionTensors(
  sums: LayerCorrectionSums,
  a: tf.Tensor2D,
  s: tf.Tensor2D,
  sequences: number,
  time: number,
  gradientBasis: tf.Tensor2D,
  activationBasis: tf.Tensor2D,
): void {
  const squares = tf.tidy(() => {
    const sRotated = tf.matMul(s, gradientBasis).reshape([sequences, time, sums.outDim]); // [B, T, O]
    const aRotated = tf.matMul(a, activationBasis).reshape([sequences, time, sums.inDim]); // [B, T, I]
    const perSequence = tf.matMul(sRotated, aRotated, true, false); // [B, O, I]
    return tf.sum(tf.square(perSequence), 0); // [O, I]
  });
  addInto(sums.values, squares.dataSync());
  squares.dispose();
}

/** Float64 reference of `addCorrectionTensors` (a [B*T, I], s [B*T, O] row-major). */
export function addCorrectionFloat64(
  sums: LayerCorrectionSums,
  a: Float64Array,
  s: Float64Array,
  sequences: number,
  time: number,
  gradientEigen: EigenResult,
  activationEigen: EigenResult,
): void {
  const { inDim, outDim } = sums;
  for (let n = 0; n < sequences; n++) {
    const aRows = a.subarray(n * time * inDim, (n + 1) * time * inDim);
    const sRows = s.subarray(n * time * outDim, (n + 1) * time * outDim);
    // EigenResult rows are eigenvectors: rotated rows are X Q = X vectors^T.
    const aRotated = matmulByTransposeRows(aRows, activationEigen.vectors, time, inDim); // [T, I]
    const sRotated = matmulByTransposeRows(sRows, gradientEigen.vectors, time, outDim); // [T, O]
    for (let i = 0; i < outDim; i++) {
      for (let j = 0; j < inDim; j++) {
        let g = 0;
        for (let t = 0; t < time; t++) g += sRotated[t * outDim + i] * aRotated[t * inDim + j];
        sums.values[i * inDim + j] += g * g;
      }
    }
  }
}

/** Add covariance sums of several shards. Throws when their layers differ. */
export function mergeCovarianceSums(parts: CovarianceSums[]): CovarianceSums {
  const merged = cloneLayers(parts, (first) => createCovarianceSumsLike(first));
  for (const part of parts) {
    part.layers.forEach((layer, i) => {
      addInto(merged.layers[i].activation, layer.activation);
      addInto(merged.layers[i].gradient, layer.gradient);
    });
    merged.tokens += part.tokens;
    merged.sequences += part.sequences;
  }
  return merged;
}

/** Add correction sums of several shards. Throws when their layers differ. */
export function mergeCorrectionSums(parts: CorrectionSums[]): CorrectionSums {
  const merged = cloneLayers(parts, (first) => ({
    layers: first.layers.map((l) => ({ ...l, values: new Float64Array(l.values.length) })),
    sequences: 0,
  }));
  for (const part of parts) {
    part.layers.forEach((layer, i) => addInto(merged.layers[i].values, layer.values));
    merged.sequences += part.sequences;
  }
  return merged;
}

function createCovarianceSumsLike(first: CovarianceSums): CovarianceSums {
  return {
    layers: first.layers.map((l) => ({
      ...l,
      activation: new Float64Array(l.activation.length),
      gradient: new Float64Array(l.gradient.length),
    })),
    tokens: 0,
    sequences: 0,
  };
}

function cloneLayers<T extends { layers: Array<{ name: string; inDim: number; outDim: number }> }>(
  parts: T[],
  empty: (first: T) => T,
): T {
  if (parts.length === 0) throw new RangeError("cannot merge zero shards of factor statistics");
  const signature = (p: T) => p.layers.map((l) => `${l.name}:${l.outDim}x${l.inDim}`).join(",");
  const expected = signature(parts[0]);
  parts.forEach((part, i) => {
    if (signature(part) !== expected) {
      throw new RangeError(
        `factor statistics shard ${i} tracks layers ${signature(part)}, but shard 0 tracks ${expected}; ` +
          `fit every shard with the same model and influence.layers`,
      );
    }
  });
  return empty(parts[0]);
}

function addInto(target: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += values[i];
}

function addOuterProducts(target: Float64Array, x: Float64Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    for (let i = 0; i < width; i++) {
      const xi = x[offset + i];
      if (xi === 0) continue;
      const row = i * width;
      for (let j = 0; j < width; j++) target[row + j] += xi * x[offset + j];
    }
  }
}

/** X [rows, width] times Q where `qt` = Q^T is stored row-major; returns [rows, width]. */
function matmulByTransposeRows(x: Float64Array, qt: Float64Array, rows: number, width: number): Float64Array {
  const q = new Float64Array(width * width);
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < width; j++) q[j * width + i] = qt[i * width + j];
  }
  return matmul(x, q, rows, width, width);
}
