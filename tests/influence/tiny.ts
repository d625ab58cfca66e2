/** Tiny models, corpora and tokenizers for the influence tests, plus brute-force weight gradients. */

import * as tf from "@tensorflow/tfjs";
import type { Corpus, PromptRow, Tokenizer } from "../../lib/data/types.ts";
import { createModel, type GPT } from "../../lib/model/gpt.ts";
import { sequenceLogProbs, tokenNll } from "../../lib/model/loss.ts";
import type { ModelConfig } from "../../lib/model/types.ts";
import type { TrackedLayer } from "../../lib/influence/layers.ts";

/** A 2-layer GPT small enough for brute-force gradients. */
export function tinyConfig(vocab: number, context: number, width = 16): ModelConfig {
  return {
    d_model: width,
    n_layers: 2,
    n_heads: 2,
    d_ff: 2 * width,
    context,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: vocab,
  };
}

export function tinyModel(vocab: number, context: number, seed = 1, width = 16): GPT {
  return createModel(tinyConfig(vocab, context, width), seed);
}

/**
 * A tokenizer over space-separated integers ("3 17 4" -> [3, 17, 4]); id 0 is end-of-text and
 * padding.
 */
export class IntegerTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly eotId = 0;
  readonly padId = 0;
  constructor(readonly vocabSize: number) {}
  encode(text: string): Int32Array {
    return Int32Array.from(text.split(" ").filter((part) => part.length > 0).map(Number));
  }
  decode(ids: ArrayLike<number>): string {
    return Array.from(ids).join(" ");
  }
  tokenText(id: number): string {
    return String(id);
  }
}

/** A corpus of whole chunks; `toxic[c]` labels the single document of chunk c. */
export function chunkCorpus(chunks: number[][], toxic: boolean[], blockSize: number): Corpus {
  const numChunks = chunks.length;
  const tokens = new Int32Array(numChunks * blockSize);
  const docIds = new Int32Array(numChunks * blockSize);
  chunks.forEach((chunk, c) => {
    if (chunk.length !== blockSize) throw new Error(`test chunk ${c} has ${chunk.length} tokens`);
    tokens.set(chunk, c * blockSize);
    docIds.fill(c, c * blockSize, (c + 1) * blockSize);
  });
  return {
    blockSize,
    numChunks,
    tokens,
    docIds,
    chunkSplit: new Uint8Array(numChunks),
    documents: {
      source: toxic.map((t) => (t ? "toxic-source" : "benign-source")),
      toxic: Uint8Array.from(toxic, (t) => (t ? 1 : 0)),
      tokens: new Int32Array(numChunks).fill(blockSize),
      rowId: chunks.map((_, c) => `test:${c}`),
      text: chunks.map((chunk) => chunk.join(" ")),
    },
    stats: {},
  };
}

/** A query row whose prompt and continuation are integer token lists. */
export function queryRow(id: string, prompt: number[], continuation: number[]): PromptRow {
  return { id, prompt: prompt.join(" "), continuation: continuation.join(" ") };
}

/**
 * Brute-force weight gradients of the tracked layers for one scalar loss, in the influence layout
 * [O, I] with the bias gradient as the last column.
 */
export function layerWeightGradients(
  model: GPT,
  layers: TrackedLayer[],
  loss: () => tf.Scalar,
): Float64Array[] {
  const variables = layers.flatMap((layer) => [
    model.params.get(`${layer.name}.weight`)!,
    model.params.get(`${layer.name}.bias`)!,
  ]);
  const { value, grads } = tf.variableGrads(loss, variables);
  value.dispose();
  const out = layers.map((layer, i) => {
    const weight = grads[variables[2 * i].name].dataSync(); // [In, O]
    const bias = grads[variables[2 * i + 1].name].dataSync(); // [O]
    const g = new Float64Array(layer.outFeatures * layer.inDim);
    for (let o = 0; o < layer.outFeatures; o++) {
      for (let j = 0; j < layer.inFeatures; j++) g[o * layer.inDim + j] = weight[j * layer.outFeatures + o];
      g[o * layer.inDim + layer.inFeatures] = bias[o];
    }
    return g;
  });
  for (const tensor of Object.values(grads)) tensor.dispose();
  return out;
}

/** Weight gradients of a chunk's summed next-token loss. */
export function chunkGradient(model: GPT, layers: TrackedLayer[], chunk: Int32Array): Float64Array[] {
  const tokens = tf.tensor2d(chunk, [1, chunk.length], "int32");
  const result = layerWeightGradients(model, layers, () => tf.sum(tokenNll(model, tokens)) as tf.Scalar);
  tokens.dispose();
  return result;
}

/** Weight gradients of a query's summed completion loss. */
export function queryGradient(
  model: GPT,
  layers: TrackedLayer[],
  prompt: number[],
  continuation: number[],
): Float64Array[] {
  const all = [...prompt, ...continuation];
  const tokens = tf.tensor2d(Int32Array.from(all), [1, all.length], "int32");
  const mask = tf.tensor2d(Float32Array.from(all, (_, t) => (t >= prompt.length ? 1 : 0)), [1, all.length]);
  const result = layerWeightGradients(
    model,
    layers,
    () => tf.neg(tf.sum(sequenceLogProbs(model, tokens, mask))) as tf.Scalar,
  );
  tokens.dispose();
  mask.dispose();
  return result;
}

/** Sum over layers of the entrywise products of two gradient lists. */
export function gradientDot(x: Float64Array[], y: Float64Array[]): number {
  let sum = 0;
  x.forEach((layer, i) => {
    for (let k = 0; k < layer.length; k++) sum += layer[k] * y[i][k];
  });
  return sum;
}
