/**
 * Direct access to tensor memory inside kernels of the wasm and cpu backends. Kernels registered by
 * this folder read inputs and write outputs through these helpers instead of running tensor ops, so
 * they can hand plain typed arrays to native code or to tight loops.
 */

import type * as tf from "@tensorflow/tfjs";

/** The parts of the wasm backend (`BackendWasm`) that the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}

/** The parts of the cpu backend (`MathBackendCPU`) that the kernels use. */
interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array | Int32Array | Uint8Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): tf.TensorInfo;
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void;
}

/** True when `backend` is the wasm backend (its tensors live on the wasm heap). */
export function isWasmBackend(backend: unknown): boolean {
  return typeof (backend as WasmBackendLike).typedArrayFromHeap === "function";
}

/**
 * Typed-array view on the wasm heap holding a tensor's values. A later heap allocation can detach
 * it, so take views after the last `makeHostOutput` call of a kernel.
 */
export function heapView(backend: unknown, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return (backend as WasmBackendLike).typedArrayFromHeap(info);
}

/** Values of a cpu-backend tensor (the backend's own array, not a copy). */
export function readHost(backend: unknown, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return (backend as CpuBackendLike).data.get(info.dataId).values;
}

/**
 * Allocate a kernel output. On wasm the memory comes from the heap and `values` (when given) is
 * copied in. On cpu `values` becomes the tensor's storage, or a zero array when absent.
 */
export function makeHostOutput(
  backend: unknown,
  shape: number[],
  dtype: tf.DataType,
  values?: Float32Array | Int32Array,
): tf.TensorInfo {
  if (isWasmBackend(backend)) {
    const wasm = backend as WasmBackendLike;
    const out = wasm.makeOutput(shape, dtype);
    if (values) wasm.typedArrayFromHeap(out).set(values);
    return out;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const storage = values ?? (dtype === "int32" ? new Int32Array(size) : new Float32Array(size));
  return (backend as CpuBackendLike).makeTensorInfo(shape, dtype, storage);
}

/** Release an intermediate tensor created inside a kernel. */
export function disposeHostTensor(backend: unknown, info: tf.TensorInfo): void {
  if (isWasmBackend(backend)) (backend as WasmBackendLike).disposeData(info.dataId);
  else (backend as CpuBackendLike).disposeIntermediateTensorInfo(info);
}

/** Values of a tensor inside a kernel of either backend (a heap view on wasm, the array on cpu). */
export function view(backend: unknown, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  return isWasmBackend(backend) ? heapView(backend, info) : readHost(backend, info);
}
