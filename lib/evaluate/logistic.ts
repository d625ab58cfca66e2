/**
 * Multi-output logistic regression over sparse hashed features, trained with AdaGrad on binary
 * cross-entropy with soft targets. Plain typed-array code: the features are sparse and TF.js has no
 * sparse-dense matrix product on the wasm backend, so a dense formulation would cost 2^18 columns per row.
 *
 * Shape legend: N rows, F features (hash buckets), A outputs (attributes).
 */

import { Rng } from "../util/rng.ts";
import type { SparseRows } from "./features.ts";

/** A linear model with one logistic output per attribute. Weights are feature-major [F, A]. */
export interface LinearModel {
  numFeatures: number;
  numOutputs: number;
  weights: Float32Array; // [F, A]
  bias: Float32Array; // [A]
}

/** Training settings of `trainLogistic`. */
export interface LogisticOptions {
  epochs: number;
  /** AdaGrad base step size. */
  learningRate: number;
  /** L2 penalty per weight, applied to the features a row touches (a sparse approximation). */
  l2: number;
  seed: number;
  signal?: AbortSignal;
  /** Called after every epoch with the mean weighted loss of that epoch. */
  onEpoch?: (epoch: number, loss: number) => void;
}

// Keeps AdaGrad's first steps finite.
const ADAGRAD_EPSILON = 1e-8;
// Probabilities are clipped this far from 0 and 1 inside the log loss.
const LOSS_CLIP = 1e-7;

/** Logistic function. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Train a multi-output logistic model.
 *
 * @param rows N sparse feature rows.
 * @param targets soft targets in [0, 1], [N, A] row-major.
 * @param rowWeights loss weight per (row, output), [N, A]; 0 marks an unknown target, which is skipped.
 */
export function trainLogistic(
  rows: SparseRows,
  targets: Float32Array,
  rowWeights: Float32Array,
  numOutputs: number,
  options: LogisticOptions,
): LinearModel {
  const A = numOutputs;
  const N = rows.numRows;
  if (targets.length !== N * A || rowWeights.length !== N * A) {
    throw new RangeError(
      `targets (${targets.length}) and weights (${rowWeights.length}) must both have ${N} rows x ${A} outputs`,
    );
  }
  const F = rows.numFeatures;
  const weights = new Float32Array(F * A); // [F, A]
  const bias = new Float32Array(A);
  const gradSquares = new Float32Array(F * A); // AdaGrad accumulators, [F, A]
  const biasSquares = new Float32Array(A);
  const logits = new Float64Array(A);
  const grads = new Float64Array(A);
  const order = Array.from({ length: N }, (_, i) => i);
  const rng = Rng.derive(options.seed, "logistic-order");

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    options.signal?.throwIfAborted();
    rng.shuffle(order);
    let lossSum = 0;
    let weightSum = 0;

    for (const r of order) {
      const start = rows.offsets[r];
      const end = rows.offsets[r + 1];
      for (let a = 0; a < A; a++) logits[a] = bias[a];
      for (let k = start; k < end; k++) {
        const base = rows.indices[k] * A;
        const x = rows.values[k];
        for (let a = 0; a < A; a++) logits[a] += weights[base + a] * x;
      }

      let any = false;
      for (let a = 0; a < A; a++) {
        const w = rowWeights[r * A + a];
        if (w === 0) {
          grads[a] = 0;
          continue;
        }
        any = true;
        const p = sigmoid(logits[a]);
        const y = targets[r * A + a];
        const pc = Math.min(Math.max(p, LOSS_CLIP), 1 - LOSS_CLIP);
        lossSum -= w * (y * Math.log(pc) + (1 - y) * Math.log(1 - pc));
        weightSum += w;
        grads[a] = w * (p - y);
      }
      if (!any) continue;

      for (let a = 0; a < A; a++) {
        if (grads[a] === 0) continue;
        biasSquares[a] += grads[a] * grads[a];
        bias[a] -= options.learningRate * grads[a] / (Math.sqrt(biasSquares[a]) + ADAGRAD_EPSILON);
      }
      for (let k = start; k < end; k++) {
        const base = rows.indices[k] * A;
        const x = rows.values[k];
        for (let a = 0; a < A; a++) {
          if (grads[a] === 0) continue;
          const g = grads[a] * x + options.l2 * weights[base + a];
          gradSquares[base + a] += g * g;
          weights[base + a] -= options.learningRate * g /
            (Math.sqrt(gradSquares[base + a]) + ADAGRAD_EPSILON);
        }
      }
    }
    options.onEpoch?.(epoch, weightSum > 0 ? lossSum / weightSum : 0);
  }
  return { numFeatures: F, numOutputs: A, weights, bias };
}

/** Logits of every row and output, [N, A] row-major. */
export function linearLogits(model: LinearModel, rows: SparseRows): Float32Array {
  if (rows.numFeatures !== model.numFeatures) {
    throw new RangeError(
      `features have ${rows.numFeatures} buckets but the model expects ${model.numFeatures}; ` +
        `featurize with the options saved beside the model`,
    );
  }
  const A = model.numOutputs;
  const out = new Float32Array(rows.numRows * A); // [N, A]
  for (let r = 0; r < rows.numRows; r++) {
    for (let a = 0; a < A; a++) out[r * A + a] = model.bias[a];
    for (let k = rows.offsets[r]; k < rows.offsets[r + 1]; k++) {
      const base = rows.indices[k] * A;
      const x = rows.values[k];
      for (let a = 0; a < A; a++) out[r * A + a] += model.weights[base + a] * x;
    }
  }
  return out;
}
