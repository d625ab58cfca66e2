/**
 * Replacement `BatchMatMul` kernels.
 *
 * - `fastWasmMatMul`: the stock wasm kernel is fast only for untransposed operands and batch 1. The
 *   wrapper transposes operands physically with the wasm Transpose kernel and runs batched products
 *   as one 2-D product per batch entry.
 * - `blasMatMul`: calls `cblas_sgemm` once per batch entry on zero-copy views of the operands
 *   (the wasm heap or the cpu backend's arrays). Transpose flags map to CBLAS flags.
 *
 * Both fall back to the original kernel for shapes they do not handle (non-float32 operands, or
 * broadcasting between batch shapes other than "equal" and "one side is 1").
 */

import type * as tf from "@tensorflow/tfjs";
import type { BlasLibrary } from "./blas.ts";
import { disposeHostTensor, heapView, isWasmBackend, makeHostOutput, readHost } from "./tensor_access.ts";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Operand geometry of one BatchMatMul call. */
interface MatMulPlan {
  batchA: number;
  batchB: number;
  batch: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Shapes of a product, or null when the batch broadcast is not the equal-or-one kind. */
function planMatMul(a: tf.TensorInfo, b: tf.TensorInfo, attrs: MatMulAttrs): MatMulPlan | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null; // the original kernel raises the shape error
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  let outer: number[];
  if (batchA === 1) outer = outerB;
  else if (batchB === 1) outer = outerA;
  else if (outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else return null;
  // Keep tfjs's output rank: the broadcast of both leading shapes.
  const outerRank = Math.max(outerA.length, outerB.length);
  const padded = [...new Array(outerRank - outer.length).fill(1), ...outer];
  return { batchA, batchB, batch: Math.max(batchA, batchB), m, n, k, outShape: [...padded, m, n] };
}

/** Build a BatchMatMul kernel that calls `cblas_sgemm` on the named backend. */
export function blasMatMulKernel(
  backendName: "wasm" | "cpu",
  blas: BlasLibrary,
  original: tf.KernelFunc,
): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const plan = planMatMul(a, b, attrs);
    if (!plan) return original(args);
    const { m, n, k } = plan;

    const out = makeHostOutput(backend, plan.outShape, "float32");
    const wasm = isWasmBackend(backend);
    const av = (wasm ? heapView(backend, a) : readHost(backend, a)) as Float32Array;
    const bv = (wasm ? heapView(backend, b) : readHost(backend, b)) as Float32Array;
    const cv = (wasm ? heapView(backend, out) : readHost(backend, out)) as Float32Array;
    const lda = attrs.transposeA ? m : k;
    const ldb = attrs.transposeB ? k : n;
    for (let i = 0; i < plan.batch; i++) {
      const ai = plan.batchA === 1 ? 0 : i;
      const bi = plan.batchB === 1 ? 0 : i;
      blas.sgemm(
        attrs.transposeA,
        attrs.transposeB,
        m,
        n,
        k,
        1,
        av.subarray(ai * m * k, (ai + 1) * m * k),
        lda,
        bv.subarray(bi * k * n, (bi + 1) * k * n),
        ldb,
        0,
        cv.subarray(i * m * n, (i + 1) * m * n),
        n,
      );
    }
    return out;
  };
  return { kernelName: "BatchMatMul", backendName, kernelFunc };
}

/** Physically transpose the last two axes with the backend's own Transpose kernel. */
function transposeLast(
  x: tf.TensorInfo,
  backend: unknown,
  transpose: tf.KernelFunc,
): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, backend: backend as tf.KernelBackend, attrs: { perm } }) as tf.TensorInfo;
}

/** The pure-wasm BatchMatMul wrapper (explicit transposes, per-batch 2-D products). */
export function fastWasmMatMulKernel(original: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { inputs, backend } = args;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const plan = planMatMul(a, b, attrs);
    if (!plan) return original(args);
    const { m, n, k } = plan;

    const temporaries: tf.TensorInfo[] = [];
    const at = attrs.transposeA ? transposeLast(a, backend, transpose) : a;
    const bt = attrs.transposeB ? transposeLast(b, backend, transpose) : b;
    if (at !== a) temporaries.push(at);
    if (bt !== b) temporaries.push(bt);
    const plain = { transposeA: false, transposeB: false };

    let out: tf.TensorInfo;
    if (plan.batch === 1) {
      out = original({ inputs: { a: at, b: bt }, backend, attrs: plain }) as tf.TensorInfo;
      out.shape = plan.outShape;
    } else {
      out = makeHostOutput(backend, plan.outShape, "float32");
      for (let i = 0; i < plan.batch; i++) {
        const ai = plan.batchA === 1 ? 0 : i;
        const bi = plan.batchB === 1 ? 0 : i;
        // Fresh operands per product: the wasm kernel caches packed right-hand operands by tensor id,
        // so refilling one tensor would reuse stale packed values.
        const sliceA = makeHostOutput(backend, [1, m, k], "float32");
        const sliceB = makeHostOutput(backend, [1, k, n], "float32");
        heapView(backend, sliceA).set(heapView(backend, at).subarray(ai * m * k, (ai + 1) * m * k));
        heapView(backend, sliceB).set(heapView(backend, bt).subarray(bi * k * n, (bi + 1) * k * n));
        const part = original({ inputs: { a: sliceA, b: sliceB }, backend, attrs: plain }) as tf.TensorInfo;
        heapView(backend, out).set(heapView(backend, part), i * m * n);
        for (const t of [part, sliceA, sliceB]) disposeHostTensor(backend, t);
      }
    }
    for (const t of temporaries) disposeHostTensor(backend, t);
    return out;
  };
  return { kernelName: "BatchMatMul", backendName: "wasm", kernelFunc };
}
