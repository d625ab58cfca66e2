/**
 * Fused kernels for log softmax(logits)[target] and its gradient on the wasm and cpu backends.
 *
 * The composite path (logSoftmax, a gather, and their gradients) makes about ten passes over the
 * [N, V] logits, which dominated a training step at vocabulary 4,096. The forward kernel makes
 * three passes (max, exp and sum, normalise) and also returns the softmax for the backward kernel,
 * which makes one. Sums run in float64.
 *
 * Shape legend: N rows, V vocabulary.
 */

import type * as tf from "@tensorflow/tfjs";
import { expNonPositive } from "./fast_math.ts";
import { makeHostOutput, view } from "./tensor_access.ts";

/** Forward kernel: inputs {logits [N, V], targets [N] int32}; outputs [log-probability [N], softmax [N, V]]. */
export const TARGET_LOG_SOFTMAX = "IfguideTargetLogSoftmax";
/** Backward kernel: inputs {dy [N], softmax [N, V], targets [N]}; output d logits [N, V]. */
export const TARGET_LOG_SOFTMAX_GRAD = "IfguideTargetLogSoftmaxGrad";

function forward(
  logits: Float32Array,
  targets: Int32Array,
  vocab: number,
  logProb: Float32Array,
  softmax: Float32Array,
): void {
  const rows = targets.length;
  for (let r = 0; r < rows; r++) {
    const base = r * vocab;
    let max = -Infinity;
    for (let j = 0; j < vocab; j++) if (logits[base + j] > max) max = logits[base + j];
    let total = 0;
    for (let j = 0; j < vocab; j++) {
      const e = expNonPositive(logits[base + j] - max);
      softmax[base + j] = e;
      total += e;
    }
    const inv = 1 / total;
    for (let j = 0; j < vocab; j++) softmax[base + j] *= inv;
    const target = targets[r];
    if (target < 0 || target >= vocab) {
      throw new Error(`Target id ${target} in row ${r} is outside the vocabulary [0, ${vocab}).`);
    }
    logProb[r] = logits[base + target] - max - Math.log(total);
  }
}

function backward(
  dy: Float32Array,
  softmax: Float32Array,
  targets: Int32Array,
  vocab: number,
  out: Float32Array,
): void {
  for (let r = 0; r < targets.length; r++) {
    const base = r * vocab;
    const g = dy[r];
    for (let j = 0; j < vocab; j++) out[base + j] = -g * softmax[base + j];
    out[base + targets[r]] += g;
  }
}

/** Kernel configs of the forward and backward kernels for `backendName`. */
export function targetLogSoftmaxKernels(backendName: "wasm" | "cpu"): tf.KernelConfig[] {
  const forwardFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const { logits, targets } = inputs as { logits: tf.TensorInfo; targets: tf.TensorInfo };
    const [rows, vocab] = logits.shape;
    const logProb = makeHostOutput(backend, [rows], "float32");
    const softmax = makeHostOutput(backend, [rows, vocab], "float32");
    forward(
      view(backend, logits) as Float32Array,
      view(backend, targets) as Int32Array,
      vocab,
      view(backend, logProb) as Float32Array,
      view(backend, softmax) as Float32Array,
    );
    return [logProb, softmax];
  };
  const backwardFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const { dy, softmax, targets } = inputs as {
      dy: tf.TensorInfo;
      softmax: tf.TensorInfo;
      targets: tf.TensorInfo;
    };
    const out = makeHostOutput(backend, softmax.shape, "float32");
    backward(
      view(backend, dy) as Float32Array,
      view(backend, softmax) as Float32Array,
      view(backend, targets) as Int32Array,
      softmax.shape[1],
      view(backend, out) as Float32Array,
    );
    return out;
  };
  return [
    { kernelName: TARGET_LOG_SOFTMAX, backendName, kernelFunc: forwardFunc },
    { kernelName: TARGET_LOG_SOFTMAX_GRAD, backendName, kernelFunc: backwardFunc },
  ];
}
