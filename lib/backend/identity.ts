/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend. The stock kernels copy the
 * tensor's memory; the gradient of every multiplication casts both operands, which cost about 400
 * copies per training step. Tensor memory is never written in place (kernels write fresh outputs
 * and variables swap their data id on assign), so sharing the data id, as the cpu backend's Identity
 * already does, is safe.
 */

import type * as tf from "@tensorflow/tfjs";

interface RefCounting {
  incRef(dataId: object): void;
}

function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Kernel configs of the sharing Identity and the Cast wrapper on wasm. */
export function sharingIdentityKernels(originalCast: tf.KernelFunc): tf.KernelConfig[] {
  const identity: tf.KernelFunc = ({ inputs, backend }) => share((inputs as { x: tf.TensorInfo }).x, backend);
  const cast: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return dtype === x.dtype ? share(x, args.backend) : originalCast(args);
  };
  return [
    { kernelName: "Identity", backendName: "wasm", kernelFunc: identity },
    { kernelName: "Cast", backendName: "wasm", kernelFunc: cast },
  ];
}
