/**
 * Model-facing types shared by training, influence, evaluation and baselines.
 *
 * Shape legend: B batch, T time (positions), D model width, V vocabulary, I/O a linear layer's input
 * and output widths.
 */

import type * as tf from "@tensorflow/tfjs";
import type { ModelSpec } from "../spec/types.ts";

/** Resolved model shape (a ModelSpec with every field set). */
export type ModelConfig = Required<Omit<ModelSpec, "preset">> & { preset?: string };

/**
 * Capture points on the linear layers of one forward pass, for the influence engine.
 *
 * For every tracked layer name the forward pass stores the layer input in `inputs` as [B*T, I]
 * (without the bias column), and adds `probes.get(name)` (zeros of shape [B*T, O]) to the layer
 * output. The gradient of a loss with respect to a probe is the layer's output-gradient s_t, so the
 * model's maths is unchanged while both a_t and s_t become visible.
 */
export interface LinearCapture {
  /** Layer names to capture; other layers run as usual. */
  layers: Set<string>;
  inputs: Map<string, tf.Tensor2D>;
  probes: Map<string, tf.Tensor2D>;
}

/** Description of one linear layer of a model. */
export interface LinearLayerInfo {
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/**
 * Adjusts next-token logits during generation (RAD plugs in here). Receives the logits of every row
 * of the batch after temperature and returns logits of the same shape; -Infinity removes a token.
 */
export interface LogitProcessor {
  /**
   * @param logits [B, V] row-major logits of the current step.
   * @param contexts token ids generated so far per row, prompt included (no padding).
   */
  process(
    logits: Float32Array,
    vocabSize: number,
    contexts: Int32Array[],
  ): Float32Array | Promise<Float32Array>;
}

/** Sampling settings for `generate`. */
export interface SamplingOptions {
  maxNewTokens: number;
  temperature: number;
  /** Nucleus threshold in (0, 1]; 1 disables it. */
  topP: number;
  /** Keep only the k most likely tokens; 0 disables it. */
  topK: number;
  /** Seed of the whole call; each (prompt, sample) pair gets its own stream derived from it. */
  seed: number;
  /** Token that stops a sample early (end-of-text); it is not part of the continuation. */
  stopToken?: number;
  processor?: LogitProcessor;
  /** Rows (prompt, sample pairs) decoded together; results do not depend on it. Default 32. */
  batchSize?: number;
  /** Checked between batches; an aborted signal stops generation with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each batch with the number of finished and total (prompt, sample) pairs. */
  onProgress?: (done: number, total: number) => void;
}
