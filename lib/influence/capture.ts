/**
 * Capture driver: one forward pass with capture points on the tracked linear layers, a summed
 * next-token loss, and the gradient of that loss with respect to the zero probes added to each
 * layer output. The result is, per layer, the inputs a_t (with a constant bias column when the layer
 * has a bias) and the output-gradients s_t of every position.
 *
 * Shape legend: B batch, T time, N = B * T rows, V vocabulary, I layer input width (bias column
 * included), O layer output width.
 */

import * as tf from "@tensorflow/tfjs";
import { targetLogProbs } from "../model/loss.ts";
import type { LinearCapture, LinearLayerInfo } from "../model/types.ts";
import type { Rng } from "../util/rng.ts";
import type { TrackedLayer } from "./layers.ts";

/** The part of a language model the influence engine uses. */
export interface CaptureModel {
  /** Vocabulary size and the longest sequence the model accepts. */
  readonly config: { vocab_size: number; context: number };
  /** Logits [B, T, V] for int32 tokens [B, T]; fills `capture` for the layers it names. */
  forward(tokens: tf.Tensor2D, capture?: LinearCapture): tf.Tensor3D;
  linearLayers(): LinearLayerInfo[];
}

/** A batch of token rows with the loss each position carries. */
export interface LossBatch {
  batch: number;
  time: number;
  /** Input tokens, [B * T]. Padding positions hold any valid id. */
  tokens: Int32Array;
  /** Label predicted at each position, [B * T]; ignored where `weights` is 0. */
  targets: Int32Array;
  /** Loss weight of each position, [B * T]; 0 for positions without a loss term. */
  weights: Float32Array;
  /** 1 for real tokens, 0 for padding, [B * T]; padding rows of a_t are zeroed. Omitted: no padding. */
  mask?: Uint8Array;
}

/** Captured statistics of one layer for one batch. Tensors belong to the caller. */
export interface CapturedLayer {
  layer: TrackedLayer;
  /** a_t per position, [N, I]; zero rows at padding. I omits the bias column when `appendBias` is false. */
  activations: tf.Tensor2D;
  /** s_t per position, [N, O]; zero rows where no later loss depends on the position. */
  gradients: tf.Tensor2D;
}

/** Options of `captureBatch`. */
export interface CaptureOptions {
  /**
   * Draw the labels from the model's own softmax instead of using `targets` (true Fisher). One
   * generator per row, so labels do not depend on how rows are grouped into batches.
   */
  sampleRngs?: Rng[];
  /**
   * Append the constant bias column to a_t (default true). Scoring turns it off and adds the bias
   * part of P separately, which saves a copy of every activation matrix.
   */
  appendBias?: boolean;
}

/** Result of `captureBatch`: per-layer captures and the loss value. */
export interface CapturedBatch {
  layers: CapturedLayer[];
  /** Summed weighted negative log-likelihood of the batch. */
  loss: number;
}

/** Release the tensors of a captured batch. */
export function disposeCaptured(captured: CapturedBatch): void {
  for (const layer of captured.layers) {
    layer.activations.dispose();
    layer.gradients.dispose();
  }
}

/** Run forward and backward through `model` and collect a_t and s_t for every tracked layer. */
export function captureBatch(
  model: CaptureModel,
  layers: TrackedLayer[],
  batch: LossBatch,
  options: CaptureOptions = {},
): CapturedBatch {
  const { batch: b, time: t } = batch;
  const rows = b * t;
  const lengths = {
    tokens: batch.tokens.length,
    targets: batch.targets.length,
    weights: batch.weights.length,
  };
  for (const [what, length] of Object.entries(lengths)) {
    if (length !== rows) {
      throw new RangeError(`capture batch ${what} has ${length} entries, expected B * T = ${rows}`);
    }
  }
  if (options.sampleRngs && options.sampleRngs.length !== b) {
    throw new RangeError(
      `capture needs one label generator per row: got ${options.sampleRngs.length}, B = ${b}`,
    );
  }

  const names = new Set(layers.map((layer) => layer.name));
  const inputs = new Map<string, tf.Tensor2D>();
  const probes = layers.map((layer) => tf.zeros([rows, layer.outFeatures]) as tf.Tensor2D);
  const tokens = tf.tensor2d(batch.tokens, [b, t], "int32");

  const loss = (...probeArgs: tf.Tensor[]): tf.Scalar => {
    const capture: LinearCapture = {
      layers: names,
      inputs,
      probes: new Map(layers.map((layer, i) => [layer.name, probeArgs[i] as tf.Tensor2D])),
    };
    const logits = model.forward(tokens, capture); // [B, T, V]
    // The gradient scope disposes everything except its result; the captured inputs must survive.
    for (const input of inputs.values()) tf.keep(input);
    const vocab = logits.shape[2];
    const targets = options.sampleRngs
      ? sampleLabels(
        tf.softmax(tf.reshape(logits, [rows, vocab])).dataSync() as Float32Array,
        vocab,
        batch,
        options.sampleRngs,
      )
      : batch.targets;
    const logProbs = targetLogProbs(logits, tf.tensor2d(targets, [b, t], "int32")); // [B, T]
    return tf.neg(tf.sum(tf.mul(logProbs, tf.tensor2d(batch.weights, [b, t])))) as tf.Scalar;
  };

  let result: { value: tf.Scalar; grads: tf.Tensor[] };
  try {
    result = tf.valueAndGrads(loss)(probes);
  } finally {
    tokens.dispose();
    for (const probe of probes) probe.dispose();
  }
  const lossValue = result.value.dataSync()[0];
  result.value.dispose();

  const captured: CapturedLayer[] = layers.map((layer, i) => {
    const input = inputs.get(layer.name);
    if (!input) {
      throw new Error(
        `the model did not capture the input of layer '${layer.name}'; check that forward() fills ` +
          `capture.inputs for every name in capture.layers`,
      );
    }
    const activations = tf.tidy(() => withBiasAndMask(input, layer, options.appendBias ?? true, batch.mask));
    input.dispose();
    return { layer, activations, gradients: result.grads[i] as tf.Tensor2D };
  });
  return { layers: captured, loss: lossValue };
}

/** Append the bias column of ones (when asked and the layer has a bias) and zero the padding rows. */
function withBiasAndMask(
  input: tf.Tensor2D,
  layer: TrackedLayer,
  appendBias: boolean,
  mask?: Uint8Array,
): tf.Tensor2D {
  const rows = input.shape[0];
  if (input.shape[1] !== layer.inFeatures) {
    throw new RangeError(
      `captured input of layer '${layer.name}' has width ${input.shape[1]}, expected ${layer.inFeatures}`,
    );
  }
  let a: tf.Tensor2D = layer.bias && appendBias ? tf.concat([input, tf.ones([rows, 1])], 1) : input.clone(); // [N, I]
  if (mask) a = tf.mul(a, tf.tensor2d(Float32Array.from(mask), [rows, 1]));
  return a;
}

/** Draw one label per weighted position from its softmax row `probs` [N, V], with the row's own generator. */
function sampleLabels(probs: Float32Array, vocab: number, batch: LossBatch, rngs: Rng[]): Int32Array {
  const labels = new Int32Array(batch.batch * batch.time);
  for (let r = 0; r < batch.batch; r++) {
    const rng = rngs[r];
    for (let t = 0; t < batch.time; t++) {
      const row = r * batch.time + t;
      if (batch.weights[row] === 0) continue;
      const offset = row * vocab;
      // The float32 row sums to 1 only up to rounding. Drawing against its own total keeps the
      // last token reachable, so the search never runs past the row.
      let total = 0;
      for (let v = 0; v < vocab; v++) total += probs[offset + v];
      let remaining = rng.next() * total;
      let label = vocab - 1;
      for (let v = 0; v < vocab; v++) {
        remaining -= probs[offset + v];
        if (remaining < 0) {
          label = v;
          break;
        }
      }
      labels[row] = label;
    }
  }
  return labels;
}
