/**
 * Batched sampling with a key/value cache. Prompts are left-padded to the longest prompt of the
 * batch. Padded keys are masked and every row's positions start at 0 at its first real token, so a
 * row's logits do not depend on the other rows (up to float rounding of sums over padded keys).
 * Each (prompt, sample) pair draws from its own stream `Rng.derive(seed, promptIndex, sampleIndex)`,
 * so results do not depend on the batch size.
 * The per-step order of operations is documented in sampling.ts.
 *
 * Shape legend: B rows, P padded prompt length, S cached positions, V vocabulary.
 */

import * as tf from "@tensorflow/tfjs";
import { Rng } from "../util/rng.ts";
import { type GPT, type KvCache, MASK_VALUE } from "./gpt.ts";
import { argmax, sampleFromLogits } from "./sampling.ts";
import type { SamplingOptions } from "./types.ts";

/** Rows decoded together when `SamplingOptions.batchSize` is not set. */
export const DEFAULT_GENERATION_BATCH = 32;

interface Row {
  prompt: number;
  sample: number;
  context: number[];
  output: number[];
  rng: Rng;
  done: boolean;
}

function validate(
  model: GPT,
  prompts: Int32Array[],
  samplesPerPrompt: number,
  options: SamplingOptions,
): void {
  const { context, vocab_size: vocab } = model.config;
  const fail = (message: string) => {
    throw new Error(`generate: ${message}`);
  };
  if (!Number.isInteger(samplesPerPrompt) || samplesPerPrompt < 1) {
    fail(`samplesPerPrompt must be a positive integer, got ${samplesPerPrompt}.`);
  }
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) {
    fail(`maxNewTokens must be a positive integer, got ${options.maxNewTokens}.`);
  }
  if (options.maxNewTokens >= context) {
    fail(`maxNewTokens (${options.maxNewTokens}) must be below the model context (${context}).`);
  }
  if (!(options.temperature >= 0)) fail(`temperature must be >= 0, got ${options.temperature}.`);
  if (!(options.topP > 0 && options.topP <= 1)) fail(`topP must be in (0, 1], got ${options.topP}.`);
  if (!Number.isInteger(options.topK) || options.topK < 0) {
    fail(`topK must be a non-negative integer, got ${options.topK}.`);
  }
  prompts.forEach((prompt, i) => {
    if (prompt.length === 0) {
      fail(`prompt ${i} is empty; start it with the end-of-text token for unconditional samples.`);
    }
    for (const id of prompt) {
      if (id < 0 || id >= vocab) {
        fail(`prompt ${i} has token id ${id} outside the vocabulary [0, ${vocab}).`);
      }
    }
  });
}

/**
 * Sample `samplesPerPrompt` continuations of every prompt. Returns the continuations (new tokens
 * only, without the stop token) prompt-major, sample-minor. A prompt longer than
 * `context - maxNewTokens` keeps only its last tokens.
 */
export async function generate(
  model: GPT,
  prompts: Int32Array[],
  samplesPerPrompt: number,
  options: SamplingOptions,
): Promise<Int32Array[]> {
  validate(model, prompts, samplesPerPrompt, options);
  const maxPrompt = model.config.context - options.maxNewTokens;
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_GENERATION_BATCH);
  const rows: Row[] = [];
  prompts.forEach((prompt, p) => {
    const kept = prompt.length > maxPrompt ? prompt.subarray(prompt.length - maxPrompt) : prompt;
    for (let s = 0; s < samplesPerPrompt; s++) {
      rows.push({
        prompt: p,
        sample: s,
        context: Array.from(kept),
        output: [],
        rng: Rng.derive(options.seed, p, s),
        done: false,
      });
    }
  });

  for (let start = 0; start < rows.length; start += batchSize) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("generate: aborted");
    await decodeBatch(model, rows.slice(start, start + batchSize), options);
    options.onProgress?.(Math.min(start + batchSize, rows.length), rows.length);
  }
  return rows.map((row) => Int32Array.from(row.output));
}

async function decodeBatch(model: GPT, rows: Row[], options: SamplingOptions): Promise<void> {
  const batch = rows.length;
  const vocab = model.config.vocab_size;
  const width = Math.max(...rows.map((r) => r.context.length));
  const pads = rows.map((r) => width - r.context.length);

  // Prefill: left-padded prompts [B, P], per-row positions and a key bias that hides the padding.
  const tokens = new Int32Array(batch * width);
  const positions = new Int32Array(batch * width);
  const keyBias: number[][] = rows.map(() => []);
  rows.forEach((row, b) => {
    for (let t = 0; t < width; t++) {
      const real = t - pads[b];
      tokens[b * width + t] = real >= 0 ? row.context[real] : 0;
      positions[b * width + t] = Math.max(0, real);
      keyBias[b].push(real >= 0 ? 0 : MASK_VALUE);
    }
  });
  let nextPosition = rows.map((row) => row.context.length);
  let cache: KvCache = { keys: [], values: [] };
  let logits = step(model, tokens, positions, keyBias, width, cache);

  for (let produced = 0; produced < options.maxNewTokens; produced++) {
    const values = (await logits.logits.data()) as Float32Array;
    logits.logits.dispose();
    disposeCache(cache);
    cache = logits.cache;
    const chosen = await chooseTokens(values, vocab, rows, options);

    const nextTokens = new Int32Array(batch);
    rows.forEach((row, b) => {
      const token = chosen[b];
      nextTokens[b] = token < 0 ? 0 : token;
      if (row.done || token < 0) return;
      if (options.stopToken !== undefined && token === options.stopToken) {
        row.done = true;
        return;
      }
      row.output.push(token);
      row.context.push(token);
    });
    if (produced === options.maxNewTokens - 1 || rows.every((r) => r.done)) break;

    for (const bias of keyBias) bias.push(0);
    const stepPositions = Int32Array.from(nextPosition);
    nextPosition = nextPosition.map((p) => p + 1);
    logits = step(model, nextTokens, stepPositions, keyBias, 1, cache);
  }
  disposeCache(cache);
}

/** Run one cached forward pass: tokens and positions [B, T], bias rows of length S. */
function step(
  model: GPT,
  tokens: Int32Array,
  positions: Int32Array,
  keyBias: number[][],
  time: number,
  cache: KvCache,
): { logits: tf.Tensor3D; cache: KvCache } {
  const batch = keyBias.length;
  const keys = keyBias[0].length;
  const tokenTensor = tf.tensor2d(tokens, [batch, time], "int32");
  const positionTensor = tf.tensor2d(positions, [batch, time], "int32");
  const biasTensor = tf.tensor4d(keyBias.flat(), [batch, 1, 1, keys]); // [B, 1, 1, S]
  try {
    const result = model.run(tokenTensor, {
      positions: positionTensor,
      keyBias: biasTensor,
      cache,
      lastOnly: true,
    });
    return { logits: result.logits, cache: result.cache! };
  } finally {
    tokenTensor.dispose();
    positionTensor.dispose();
    biasTensor.dispose();
  }
}

function disposeCache(cache: KvCache): void {
  for (const t of cache.keys) t.dispose();
  for (const t of cache.values) t.dispose();
}

/** Next token per row, or -1 for rows that already stopped (their random streams are not advanced). */
async function chooseTokens(
  values: Float32Array,
  vocab: number,
  rows: Row[],
  options: SamplingOptions,
): Promise<number[]> {
  const scaled = new Float32Array(values.length);
  const temperature = options.temperature;
  for (let i = 0; i < values.length; i++) scaled[i] = temperature > 0 ? values[i] / temperature : values[i];
  const processed = options.processor
    ? await options.processor.process(scaled, vocab, rows.map((r) => Int32Array.from(r.context)))
    : scaled;
  if (processed.length !== scaled.length) {
    throw new Error(
      `Logit processor returned ${processed.length} values, expected ${scaled.length} (rows x vocabulary).`,
    );
  }
  return rows.map((row, b) => {
    if (row.done) return -1;
    const logits = processed.subarray(b * vocab, (b + 1) * vocab);
    if (temperature === 0) return argmax(logits);
    return sampleFromLogits(logits, { temperature, topK: options.topK, topP: options.topP }, row.rng);
  });
}
