/**
 * Building blocks of the GPT forward pass, as plain tf ops on 2-D activations.
 *
 * Shape legend: N = B*T rows, D model width, I/O linear input/output widths, H heads, E head width,
 * T query positions, S key positions.
 */

import * as tf from "@tensorflow/tfjs";
import { FUSED, hasKernel } from "../backend/fused_kernels.ts";
import type { LinearCapture } from "./types.ts";

/** LayerNorm epsilon (the GPT-2 / GPT-NeoX value). */
export const LAYER_NORM_EPS = 1e-5;
/** sqrt(2 / pi), the constant of the tanh approximation of GELU. */
const GELU_SCALE = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** LayerNorm over the last axis (a fused kernel on wasm and cpu, tf ops elsewhere). */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  if (hasKernel(FUSED.layerNorm)) return fusedLayerNorm(x, weight, bias);
  const mean = tf.mean(x, -1, true); // [N, 1]
  const centered = tf.sub(x, mean); // [N, D]
  const variance = tf.mean(tf.mul(centered, centered), -1, true); // [N, 1]
  const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
  return tf.add(tf.mul(normed, weight), bias) as tf.Tensor2D; // [N, D]
}

const fusedLayerNorm = tf.customGrad(
  ((x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, normed, rstd] = tf.engine().runKernel(FUSED.layerNorm, { x, weight, bias }, {
      eps: LAYER_NORM_EPS,
    }) as tf.Tensor[];
    save([normed, rstd, weight]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(FUSED.layerNormGrad, {
          dy,
          normed: saved[0],
          rstd: saved[1],
          weight: saved[2],
        }) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (
  x: tf.Tensor2D,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
) => tf.Tensor2D;

/** GELU, tanh approximation as in GPT-2. */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  // x*x*x is faster than pow on wasm. A fused plain-TypeScript kernel measured no faster than these
  // wasm SIMD ops (CPU time per d128 training step, Deno 2.9), so the composite form stays.
  const cubic = tf.mul(tf.mul(tf.mul(x, x), x), GELU_CUBIC);
  const inner = tf.mul(tf.add(x, cubic), GELU_SCALE);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as tf.Tensor2D; // [N, I]
}

/**
 * x @ W + b for a tracked linear layer. With a capture that lists `name`, the input is kept in
 * `capture.inputs` and the probe (when present) is added to the output.
 */
export function linear(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  name: string,
  capture?: LinearCapture,
): tf.Tensor2D {
  const y = tf.add(tf.matMul(x, weight), bias) as tf.Tensor2D; // [N, O]
  if (!capture?.layers.has(name)) return y;
  capture.inputs.set(name, tf.keep(x));
  const probe = capture.probes.get(name);
  if (!probe) return y;
  assertProbeShape(name, probe, y.shape);
  return tf.add(y, probe) as tf.Tensor2D;
}

/** Throw when a probe does not match the layer output it is added to. */
export function assertProbeShape(name: string, probe: tf.Tensor, expected: number[]): void {
  if (probe.shape.length !== 2 || probe.shape[0] !== expected[0] || probe.shape[1] !== expected[1]) {
    throw new Error(
      `Capture probe for '${name}' has shape [${probe.shape}], expected [${expected}] ([B*T, out features]); ` +
        `create it with tf.zeros([B * T, ${expected[1]}]).`,
    );
  }
}

/** Split [N, D] into heads: [B, H, T, E]. */
export function splitHeads(x: tf.Tensor2D, batch: number, heads: number): tf.Tensor4D {
  const [rows, width] = x.shape;
  const time = rows / batch;
  const r = tf.reshape(x, [batch, time, heads, width / heads]); // [B, T, H, E]
  return tf.transpose(r, [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, E]
}

/** Merge heads back: [B, H, T, E] -> [N, D]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [batch, heads, time, headDim] = x.shape;
  const t = tf.transpose(x, [0, 2, 1, 3]); // [B, T, H, E]
  return tf.reshape(t, [batch * time, heads * headDim]); // [N, D]
}

/** Rotary position embedding (rotate-half form) of [B, H, T, E] with cos/sin broadcastable to it. */
export function applyRotary(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const first = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, half]); // [B, H, T, E/2]
  const second = tf.slice(x, [0, 0, 0, half], [-1, -1, -1, half]); // [B, H, T, E/2]
  const rotated = tf.concat([tf.neg(second), first], 3); // [B, H, T, E]
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
}

/** Tables [C, E] of cos and sin for rotary positions 0..C-1 (frequencies base^(-2i/E), repeated per half). */
export function rotaryTables(
  context: number,
  headDim: number,
  base = 10000,
): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(context * headDim);
  const sin = new Float32Array(context * headDim);
  for (let p = 0; p < context; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(base, (-2 * i) / headDim);
      cos[p * headDim + i] = cos[p * headDim + half + i] = Math.cos(angle);
      sin[p * headDim + i] = sin[p * headDim + half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
