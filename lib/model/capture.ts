/**
 * Per-token inputs and output-gradients of linear layers, the two factors of a linear layer's weight
 * gradient (dL/dW = a^T s for W of shape [I, O]). The influence engine builds covariances, eigenvalue
 * corrections and token scores from them.
 *
 * Shape legend: N = B*T rows, I input width, O output width.
 */

import * as tf from "@tensorflow/tfjs";
import type { GPT } from "./gpt.ts";
import type { LinearCapture } from "./types.ts";

/** Result of `captureLinear`. The caller owns (and disposes) every tensor. */
export interface CapturedLinear {
  /** Value of the loss. */
  loss: number;
  /** Layer input a_t per layer, [N, I] (no bias column). */
  inputs: Map<string, tf.Tensor2D>;
  /** Gradient of the loss with respect to the layer output s_t per layer, [N, O]. */
  outputGrads: Map<string, tf.Tensor2D>;
}

/**
 * Run the model on int32 tokens [B, T], apply `lossFn` to the logits [B, T, V], and return the
 * inputs and output-gradients of the named linear layers. Zero probes added to each layer's output
 * leave the model's maths unchanged; the gradient with respect to a probe is the output-gradient.
 */
export async function captureLinear(
  model: GPT,
  tokens: tf.Tensor2D,
  layerNames: string[],
  lossFn: (logits: tf.Tensor3D) => tf.Scalar,
): Promise<CapturedLinear> {
  const known = new Map(model.linearLayers().map((l) => [l.name, l]));
  for (const name of layerNames) {
    if (!known.has(name)) {
      throw new Error(
        `'${name}' is not a linear layer of this model; known layers: ${[...known.keys()].join(", ")}.`,
      );
    }
  }
  const rows = tokens.shape[0] * tokens.shape[1];
  const probes = layerNames.map((name) => tf.zeros([rows, known.get(name)!.outFeatures]) as tf.Tensor2D);
  const capture: LinearCapture = {
    layers: new Set(layerNames),
    inputs: new Map(),
    probes: new Map(layerNames.map((name, i) => [name, probes[i]])),
  };
  try {
    const { value, grads } = tf.valueAndGrads((..._probes: tf.Tensor[]) =>
      lossFn(model.forward(tokens, capture))
    )(probes);
    // An asynchronous read works on every backend (webgpu has no synchronous one).
    const loss = (await value.data())[0];
    value.dispose();
    const outputGrads = new Map(layerNames.map((name, i) => [name, grads[i] as tf.Tensor2D]));
    return { loss, inputs: capture.inputs, outputGrads };
  } finally {
    for (const probe of probes) probe.dispose();
  }
}
