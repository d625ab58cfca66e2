/**
 * A plain-TypeScript `UnsortedSegmentSum` kernel for the wasm and cpu backends. The gradient of
 * `tf.gather` (the embedding lookup) calls this kernel: wasm has none, and the cpu backend's version
 * builds one tensor op per segment, which takes minutes for a 4096-row embedding.
 */

import type * as tf from "@tensorflow/tfjs";
import { heapView, makeHostOutput, readHost } from "./tensor_access.ts";

/** Sum rows of `x` into `numSegments` buckets; ids outside [0, numSegments) are dropped, as in TF. */
function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  out: Float32Array | Int32Array,
): void {
  const numSegments = out.length / inner;
  out.fill(0);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    if (segment < 0 || segment >= numSegments) continue;
    const src = row * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

function outputShape(x: tf.TensorInfo, ids: tf.TensorInfo, numSegments: number): number[] {
  // segmentIds covers a prefix of x's dimensions; the rest is carried into each segment.
  return [numSegments, ...x.shape.slice(ids.shape.length)];
}

/** Kernel configs for `UnsortedSegmentSum` on the named backend (`wasm` or `cpu`). */
export function segmentSumKernel(backendName: "wasm" | "cpu"): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
    const shape = outputShape(x, segmentIds, numSegments);
    const inner = shape.slice(1).reduce((a, b) => a * b, 1);
    if (backendName === "wasm") {
      const out = makeHostOutput(backend, shape, x.dtype);
      // Views are taken after allocating the output because heap growth detaches older views.
      segmentSum(
        heapView(backend, x),
        heapView(backend, segmentIds),
        inner,
        heapView(backend, out) as Float32Array,
      );
      return out;
    }
    const values = x.dtype === "int32"
      ? new Int32Array(numSegments * inner)
      : new Float32Array(numSegments * inner);
    segmentSum(readHost(backend, x), readHost(backend, segmentIds), inner, values);
    return makeHostOutput(backend, shape, x.dtype, values);
  };
  return { kernelName: "UnsortedSegmentSum", backendName, kernelFunc };
}
