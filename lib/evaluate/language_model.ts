/**
 * The language-model interface of evaluation, in plain typed arrays: per-token negative
 * log-likelihoods, greedy next-token predictions and sampling. `languageModelFromGpt` adapts the
 * TF.js GPT; tests use small stubs with the same interface.
 *
 * Shape legend: B batch, T tokens per row, V vocabulary.
 */

import * as tf from "@tensorflow/tfjs";
import type { GPT } from "../model/gpt.ts";
import { tokenNll } from "../model/loss.ts";
import type { SamplingOptions } from "../model/types.ts";

/** A language model seen by the evaluation code. */
export interface EvalLanguageModel {
  readonly vocabSize: number;
  /** Maximum sequence length of a forward pass. */
  readonly context: number;
  /** Negative log-likelihood of token t given tokens < t, for t = 1..T-1: [B, T-1] from int32 [B, T]. */
  tokenNll(tokens: Int32Array, batch: number, time: number): Promise<Float32Array>;
  /** Argmax next-token prediction after every position: [B, T] from int32 [B, T]. Right padding is harmless. */
  greedyNext(tokens: Int32Array, batch: number, time: number): Promise<Int32Array>;
  /** Sample `samplesPerPrompt` continuations per prompt, prompt-major (prompt 0's samples first). */
  generate(prompts: Int32Array[], samplesPerPrompt: number, options: SamplingOptions): Promise<Int32Array[]>;
}

/** Sampling function with the signature of the model package's `generate`. */
export type GenerateFunction = (
  model: GPT,
  prompts: Int32Array[],
  samplesPerPrompt: number,
  options: SamplingOptions,
) => Promise<Int32Array[]>;

/** Adapt a TF.js GPT (and the model package's sampler) to `EvalLanguageModel`. */
export function languageModelFromGpt(model: GPT, generate: GenerateFunction): EvalLanguageModel {
  return {
    vocabSize: model.config.vocab_size,
    context: model.config.context,
    async tokenNll(tokens, batch, time) {
      const input = tf.tensor2d(tokens, [batch, time], "int32"); // [B, T]
      const nll = tokenNll(model, input); // [B, T-1]
      const data = (await nll.data()) as Float32Array;
      tf.dispose([input, nll]);
      return data;
    },
    async greedyNext(tokens, batch, time) {
      const input = tf.tensor2d(tokens, [batch, time], "int32"); // [B, T]
      const best = tf.tidy(() => tf.argMax(model.forward(input), 2)); // [B, T]
      const data = Int32Array.from((await best.data()) as Int32Array);
      tf.dispose([input, best]);
      return data;
    },
    generate: (prompts, samplesPerPrompt, options) => generate(model, prompts, samplesPerPrompt, options),
  };
}
