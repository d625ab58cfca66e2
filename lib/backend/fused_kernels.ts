/**
 * Fused plain-TypeScript kernels for the wasm and cpu backends: LayerNorm with its gradient, the
 * AdamW update of one parameter, and the sum of squares of many tensors (for the global gradient
 * norm). Each replaces 10-20 small tf ops; accumulations run in float64.
 * The model and the optimizer use them when `hasKernel` reports them registered and fall back to
 * tf ops on other backends.
 *
 * Shape legend: N rows, D width.
 */

import * as tf from "@tensorflow/tfjs";
import { makeHostOutput, view } from "./tensor_access.ts";

/** Kernel names. */
export const FUSED = {
  layerNorm: "IfguideLayerNorm",
  layerNormGrad: "IfguideLayerNormGrad",
  adamW: "IfguideAdamW",
  sumSquares: "IfguideSumSquares",
} as const;

/** True when `kernelName` is registered for the active backend. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

type Inputs = Record<string, tf.TensorInfo>;
const f32 = (backend: unknown, info: tf.TensorInfo) => view(backend, info) as Float32Array;

const layerNorm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, weight, bias } = inputs as Inputs;
  const eps = (attrs as unknown as { eps: number }).eps;
  const [rows, width] = x.shape;
  const y = makeHostOutput(backend, x.shape, "float32");
  const normed = makeHostOutput(backend, x.shape, "float32");
  const rstd = makeHostOutput(backend, [rows], "float32");
  const [xv, wv, bv, yv, nv, rv] = [x, weight, bias, y, normed, rstd].map((t) => f32(backend, t));
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let mean = 0;
    for (let j = 0; j < width; j++) mean += xv[base + j];
    mean /= width;
    let variance = 0;
    for (let j = 0; j < width; j++) variance += (xv[base + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / width + eps);
    rv[r] = inv;
    for (let j = 0; j < width; j++) {
      const n = (xv[base + j] - mean) * inv;
      nv[base + j] = n;
      yv[base + j] = n * wv[j] + bv[j];
    }
  }
  return [y, normed, rstd];
};

const layerNormGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, normed, rstd, weight } = inputs as Inputs;
  const [rows, width] = normed.shape;
  const dx = makeHostOutput(backend, normed.shape, "float32");
  const dw = makeHostOutput(backend, [width], "float32");
  const db = makeHostOutput(backend, [width], "float32");
  const [dv, nv, rv, wv, dxv, dwv, dbv] = [dy, normed, rstd, weight, dx, dw, db].map((t) => f32(backend, t));
  const dwSum = new Float64Array(width);
  const dbSum = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    // g = dy * w; dx = rstd * (g - mean(g) - normed * mean(g * normed)).
    let meanG = 0;
    let meanGN = 0;
    for (let j = 0; j < width; j++) {
      const g = dv[base + j] * wv[j];
      meanG += g;
      meanGN += g * nv[base + j];
      dwSum[j] += dv[base + j] * nv[base + j];
      dbSum[j] += dv[base + j];
    }
    meanG /= width;
    meanGN /= width;
    for (let j = 0; j < width; j++) {
      const g = dv[base + j] * wv[j];
      dxv[base + j] = rv[r] * (g - meanG - nv[base + j] * meanGN);
    }
  }
  dwv.set(dwSum);
  dbv.set(dbSum);
  return [dx, dw, db];
};

/** Attributes of one AdamW update (bias corrections precomputed by the caller). */
export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay of this parameter (0 for biases and norms). */
  decay: number;
  correction1: number;
  correction2: number;
}

const adamW: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { param, grad, m, v } = inputs as Inputs;
  const a = attrs as unknown as AdamWAttrs;
  const outs = [param, m, v].map((t) => makeHostOutput(backend, t.shape, "float32"));
  const [pv, gv, mv, vv] = [param, grad, m, v].map((t) => f32(backend, t));
  const [po, mo, vo] = outs.map((t) => f32(backend, t));
  for (let i = 0; i < pv.length; i++) {
    const g = gv[i];
    const mi = a.beta1 * mv[i] + (1 - a.beta1) * g;
    const vi = a.beta2 * vv[i] + (1 - a.beta2) * g * g;
    mo[i] = mi;
    vo[i] = vi;
    const update = mi / a.correction1 / (Math.sqrt(vi / a.correction2) + a.eps) + a.decay * pv[i];
    po[i] = pv[i] - a.lr * update;
  }
  return outs;
};

const sumSquares: tf.KernelFunc = ({ inputs, backend }) => {
  let total = 0;
  for (const info of Object.values(inputs as Inputs)) {
    const values = f32(backend, info);
    for (let i = 0; i < values.length; i++) total += values[i] * values[i];
  }
  return makeHostOutput(backend, [], "float32", Float32Array.of(total));
};

/** Configs of every fused kernel for `backendName`. */
export function fusedKernels(backendName: "wasm" | "cpu"): tf.KernelConfig[] {
  const funcs: Record<string, tf.KernelFunc> = {
    [FUSED.layerNorm]: layerNorm,
    [FUSED.layerNormGrad]: layerNormGrad,
    [FUSED.adamW]: adamW,
    [FUSED.sumSquares]: sumSquares,
  };
  return Object.entries(funcs).map(([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc }));
}
