/**
 * A plain-TypeScript `Tanh` kernel for the wasm and cpu backends. The stock wasm kernel calls the C
 * library's tanh per element. In a profiled d256 training step it took about 80 ms per [2048, 1024]
 * tensor, and this exp-based version took about 2.5 times less, at float32 accuracy.
 */

import type * as tf from "@tensorflow/tfjs";
import { fastTanh } from "./fast_math.ts";
import { makeHostOutput, view } from "./tensor_access.ts";

function tanhValues(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = fastTanh(x[i]);
}

/** Tanh kernel config for `backendName`; non-float32 inputs go to the original kernel. */
export function tanhKernel(backendName: "wasm" | "cpu", original: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return original(args);
    const out = makeHostOutput(args.backend, x.shape, "float32");
    tanhValues(view(args.backend, x) as Float32Array, view(args.backend, out) as Float32Array);
    return out;
  };
  return { kernelName: "Tanh", backendName, kernelFunc };
}
