/**
 * Query gradients: the gradient of the summed completion cross-entropy of each query, averaged over
 * the toxic set and over the non-toxic set, their difference (differential influence) or the toxic
 * mean alone, and its preconditioning by the inverse curvature of every tracked layer.
 *
 * Sign: training-chunk gradients are loss gradients too, so a token score s_t^T P a_t > 0 means a
 * gradient step on that chunk lowers the toxic completions' loss more than the non-toxic ones'.
 * High scores therefore mark tokens that push the model toward toxic completions.
 *
 * Shape legend: O layer output width, I layer input width (bias column included).
 */

import * as tf from "@tensorflow/tfjs";
import type { PromptRow, QuerySets, Tokenizer } from "../data/types.ts";
import type { StageEvents } from "../runner/events.ts";
import { sha256Hex } from "../util/hash.ts";
import { type EncodedQuery, encodeQuery, queryBatch } from "./batches.ts";
import { captureBatch, type CaptureModel, disposeCaptured } from "./capture.ts";
import type { FactorSet } from "./factors.ts";
import { preconditionLayer } from "./factors.ts";
import type { TrackedLayer } from "./layers.ts";
import type { DampingSpec } from "./precondition.ts";

/** Queries per forward/backward batch unless the caller sets another. */
export const DEFAULT_QUERY_BATCH = 16;

/** Preconditioned query gradient of one layer. */
export interface QueryGradientLayer {
  name: string;
  outDim: number;
  inDim: number;
  /** Damping the preconditioner used (0 for `identity`). */
  damping: number;
  /** Differential (or toxic-only) mean gradient before preconditioning, row-major [O, I]. */
  raw: Float32Array;
  /** P = (curvature + damping I)^-1 raw, row-major [O, I]. */
  preconditioned: Float32Array;
}

/** The preconditioned query gradient of every tracked layer, ready for scoring. */
export interface QueryGradient {
  strategy: FactorSet["strategy"];
  fisher: FactorSet["fisher"];
  differential: boolean;
  layers: QueryGradientLayer[];
  /** Queries and completion tokens that entered each mean. */
  counts: { toxic: number; nontoxic: number; toxicTokens: number; nontoxicTokens: number };
  /** SHA-256 over the settings and the preconditioned values; score shards record it. */
  fingerprint: string;
}

/** Options of `buildQueryGradient`. */
export interface QueryGradientOptions {
  differential: boolean;
  damping: DampingSpec;
  batchSize?: number;
  signal?: AbortSignal;
  events?: StageEvents;
}

/** Mean per-query gradient of one query set, per layer [O, I] in float64. */
export interface MeanGradient {
  layers: Float64Array[];
  queries: number;
  tokens: number;
}

/**
 * Average the per-query gradients of the summed completion loss over `rows`. Gradients are linear in
 * the loss, so each batch contributes the gradient of its summed loss, sum_t s_t a_t^T.
 */
export async function meanQueryGradient(
  model: CaptureModel,
  layers: TrackedLayer[],
  tokenizer: Tokenizer,
  rows: PromptRow[],
  options: { batchSize?: number; signal?: AbortSignal; events?: StageEvents; label: string },
): Promise<MeanGradient> {
  const encoded = rows
    .map((row) => encodeQuery(row, tokenizer, model.config.context))
    .filter((query): query is EncodedQuery => query !== null);
  if (encoded.length === 0) {
    throw new RangeError(
      `the ${options.label} query set has no rows with a completion (${rows.length} rows given); ` +
        `queries need prompt and continuation text`,
    );
  }
  const sums = layers.map((layer) => new Float64Array(layer.outFeatures * layer.inDim));
  const batchSize = options.batchSize ?? DEFAULT_QUERY_BATCH;
  let tokens = 0;
  for (let start = 0; start < encoded.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = queryBatch(encoded.slice(start, start + batchSize), tokenizer.padId);
    tokens += batch.weights.reduce((sum, w) => sum + w, 0);
    const captured = captureBatch(model, layers, batch);
    try {
      captured.layers.forEach((layer, i) => {
        const gradient = tf.tidy(() => tf.matMul(layer.gradients, layer.activations, true, false)); // [O, I]
        const values = gradient.dataSync();
        for (let k = 0; k < values.length; k++) sums[i][k] += values[k];
        gradient.dispose();
      });
    } finally {
      disposeCaptured(captured);
    }
    options.events?.progress(
      Math.min(encoded.length, start + batchSize),
      encoded.length,
      "queries",
      options.label,
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  for (const sum of sums) for (let k = 0; k < sum.length; k++) sum[k] /= encoded.length;
  return { layers: sums, queries: encoded.length, tokens };
}

/** Build the (differential) query gradient and precondition it once per layer. */
export async function buildQueryGradient(
  model: CaptureModel,
  factors: FactorSet,
  tokenizer: Tokenizer,
  queries: QuerySets,
  options: QueryGradientOptions,
): Promise<QueryGradient> {
  const layers = factors.layers.map((stats) => stats.layer);
  const common = { batchSize: options.batchSize, signal: options.signal, events: options.events };
  const toxic = await meanQueryGradient(model, layers, tokenizer, queries.toxic, {
    ...common,
    label: "toxic",
  });
  const nontoxic = options.differential
    ? await meanQueryGradient(model, layers, tokenizer, queries.nontoxic, { ...common, label: "non-toxic" })
    : null;

  return await queryGradientFromMeans(factors, toxic, nontoxic, options.damping);
}

/**
 * Precondition mean query gradients with the factors: the toxic mean minus the non-toxic mean, or
 * the toxic mean alone when `nontoxic` is null. The means of one model can serve several factor sets.
 */
export async function queryGradientFromMeans(
  factors: FactorSet,
  toxic: MeanGradient,
  nontoxic: MeanGradient | null,
  damping: DampingSpec,
): Promise<QueryGradient> {
  const layers = factors.layers.map((stats) => stats.layer);
  const result: QueryGradientLayer[] = layers.map((layer, i) => {
    const raw = Float64Array.from(toxic.layers[i]);
    if (nontoxic) { for (let k = 0; k < raw.length; k++) raw[k] -= nontoxic.layers[i][k]; }
    const preconditioned = preconditionLayer(factors, i, raw, damping);
    return {
      name: layer.name,
      outDim: layer.outFeatures,
      inDim: layer.inDim,
      damping: preconditioned.damping,
      raw: Float32Array.from(raw),
      preconditioned: Float32Array.from(preconditioned.value),
    };
  });
  const counts = {
    toxic: toxic.queries,
    nontoxic: nontoxic?.queries ?? 0,
    toxicTokens: toxic.tokens,
    nontoxicTokens: nontoxic?.tokens ?? 0,
  };
  const differential = nontoxic !== null;
  const fingerprint = await fingerprintQueryGradient(factors.strategy, differential, result);
  return {
    strategy: factors.strategy,
    fisher: factors.fisher,
    differential,
    layers: result,
    counts,
    fingerprint,
  };
}

/** SHA-256 of the settings and the preconditioned values of every layer. */
export async function fingerprintQueryGradient(
  strategy: string,
  differential: boolean,
  layers: QueryGradientLayer[],
): Promise<string> {
  const header = JSON.stringify({
    strategy,
    differential,
    layers: layers.map((l) => [l.name, l.outDim, l.inDim]),
  });
  const parts = [
    new TextEncoder().encode(header),
    ...layers.map((l) =>
      new Uint8Array(l.preconditioned.buffer, l.preconditioned.byteOffset, l.preconditioned.byteLength)
    ),
  ];
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return await sha256Hex(bytes);
}
