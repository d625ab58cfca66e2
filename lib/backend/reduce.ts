/**
 * A `Sum` kernel for reductions over leading axes (bias and LayerNorm gradients: [N, O] -> [O]).
 * The wasm backend transposes the input before reducing a non-innermost axis, which made these sums
 * a fifth of a training step. A row-accumulating loop needs no transpose. Other reductions go to
 * the original kernel.
 */

import type * as tf from "@tensorflow/tfjs";
import { heapView, isWasmBackend, makeHostOutput, readHost } from "./tensor_access.ts";

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** Number of leading axes reduced, or 0 when the axes are not exactly 0..k-1 (with k < rank). */
function leadingAxes(shape: number[], axis: number | number[]): number {
  const rank = shape.length;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/** Sum over leading axes; accumulates in float64 and rounds once. */
function sumRows(x: ArrayLike<number>, rows: number, inner: number, out: Float32Array): void {
  const acc = new Float64Array(inner);
  for (let r = 0; r < rows; r++) {
    const base = r * inner;
    for (let j = 0; j < inner; j++) acc[j] += x[base + j];
  }
  out.set(acc);
}

/** Sum kernel config for `backendName`, wrapping the original kernel for other cases. */
export function leadingSumKernel(backendName: "wasm" | "cpu", original: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as SumAttrs;
    const count = x.dtype === "float32" ? leadingAxes(x.shape, attrs.axis) : 0;
    if (count === 0) return original(args);
    const rows = x.shape.slice(0, count).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(count);
    const inner = kept.reduce((a, b) => a * b, 1);
    const outShape = attrs.keepDims ? [...new Array(count).fill(1), ...kept] : kept;
    const out = makeHostOutput(backend, outShape, "float32");
    const wasm = isWasmBackend(backend);
    const xv = wasm ? heapView(backend, x) : readHost(backend, x);
    const ov = (wasm ? heapView(backend, out) : readHost(backend, out)) as Float32Array;
    sumRows(xv, rows, inner, ov);
    return out;
  };
  return { kernelName: "Sum", backendName, kernelFunc };
}
