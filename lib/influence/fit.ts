/**
 * Fitting curvature factors over training chunks in batches with bounded memory: a covariance pass,
 * one eigendecomposition per factor, then (for strategies that ask for it) an eigenvalue-correction
 * pass. Each pass is a sum over chunks, so a chunk slice of each can run as a separate shard and the
 * sums merge by addition.
 */

import * as tf from "@tensorflow/tfjs";
import type { Corpus } from "../data/types.ts";
import type { StageEvents } from "../runner/events.ts";
import { Rng } from "../util/rng.ts";
import { chunkBatch } from "./batches.ts";
import { captureBatch, type CapturedBatch, type CaptureModel, disposeCaptured } from "./capture.ts";
import type { EigenResult } from "./eigen.ts";
import type { EigenMethod } from "./eigen_select.ts";
import {
  applyCorrections,
  emptyFactorSet,
  type FactorSet,
  factorSetFromCovariances,
  type FisherKind,
} from "./factors.ts";
import type { TrackedLayer } from "./layers.ts";
import {
  addCorrectionTensors,
  addCovarianceTensors,
  type CorrectionSums,
  type CovarianceSums,
  createCorrectionSums,
  createCovarianceSums,
} from "./statistics.ts";
import { getStrategy, type StrategyName } from "./strategies.ts";

/** Chunks per forward/backward batch when fitting, unless the caller sets another. */
export const DEFAULT_FIT_BATCH = 8;

/** Options shared by the fitting passes. */
export interface FitPassOptions {
  fisher: FisherKind;
  /** Seed of the label sampling; labels of chunk c come from Rng.derive(seed, "fisher-labels", c). */
  seed: number;
  batchSize?: number;
  signal?: AbortSignal;
  events?: StageEvents;
}

/** Options of `fitFactors`. */
export interface FitFactorsOptions extends FitPassOptions {
  strategy: StrategyName;
  eigenMethod?: EigenMethod;
}

/** Fit the factors `options.strategy` needs over the given training chunks. */
export async function fitFactors(
  model: CaptureModel,
  corpus: Corpus,
  layers: TrackedLayer[],
  chunkIds: Int32Array,
  options: FitFactorsOptions,
): Promise<FactorSet> {
  const strategy = getStrategy(options.strategy);
  if (!strategy.needsCovariances) return emptyFactorSet(strategy.name, options.fisher, layers);

  const covariances = await accumulateCovariances(model, corpus, layers, chunkIds, options);
  options.events?.log(`decomposing ${2 * layers.length} covariance factors`);
  const factors = factorSetFromCovariances(
    strategy.name,
    options.fisher,
    layers,
    covariances,
    options.eigenMethod,
  );
  if (strategy.needsEigenvalueCorrection) {
    applyCorrections(factors, await accumulateCorrections(model, corpus, factors, chunkIds, options));
  }
  return factors;
}

/** Sum a a^T and s s^T over the chunks (one shard of the covariance pass). */
export async function accumulateCovariances(
  model: CaptureModel,
  corpus: Corpus,
  layers: TrackedLayer[],
  chunkIds: Int32Array,
  options: FitPassOptions,
): Promise<CovarianceSums> {
  const sums = createCovarianceSums(layers);
  await forEachCapturedBatch(model, corpus, layers, chunkIds, options, "covariances", (captured, rows) => {
    captured.layers.forEach((layer, i) =>
      addCovarianceTensors(sums.layers[i], layer.activations, layer.gradients)
    );
    sums.tokens += rows * corpus.blockSize;
    sums.sequences += rows;
  });
  return sums;
}

/** Sum the squared rotated sequence gradients over the chunks (one shard of the correction pass). */
export async function accumulateCorrections(
  model: CaptureModel,
  corpus: Corpus,
  factors: FactorSet,
  chunkIds: Int32Array,
  options: FitPassOptions,
): Promise<CorrectionSums> {
  const layers = factors.layers.map((stats) => stats.layer);
  const sums = createCorrectionSums(layers);
  const bases = factors.layers.map((stats) => {
    if (!stats.gradientEigen || !stats.activationEigen) {
      throw new Error(`layer '${stats.layer.name}' has no eigenbases; run the covariance pass first`);
    }
    return {
      gradient: eigenbasisTensor(stats.gradientEigen),
      activation: eigenbasisTensor(stats.activationEigen),
    };
  });
  try {
    await forEachCapturedBatch(
      model,
      corpus,
      layers,
      chunkIds,
      options,
      "eigenvalue correction",
      (captured, rows) => {
        captured.layers.forEach((layer, i) =>
          addCorrectionTensors(
            sums.layers[i],
            layer.activations,
            layer.gradients,
            rows,
            corpus.blockSize,
            bases[i].gradient,
            bases[i].activation,
          )
        );
        sums.sequences += rows;
      },
    );
  } finally {
    for (const basis of bases) {
      basis.gradient.dispose();
      basis.activation.dispose();
    }
  }
  return sums;
}

/** Convert an eigenbasis into a float32 tensor Q [n, n] with eigenvectors in columns. */
function eigenbasisTensor(eigen: EigenResult): tf.Tensor2D {
  const { n, vectors } = eigen;
  const columns = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) columns[j * n + i] = vectors[i * n + j];
  }
  return tf.tensor2d(columns, [n, n]);
}

/** Capture every batch of chunks with the Fisher's labels and hand it to `consume`. */
async function forEachCapturedBatch(
  model: CaptureModel,
  corpus: Corpus,
  layers: TrackedLayer[],
  chunkIds: Int32Array,
  options: FitPassOptions,
  phase: string,
  consume: (captured: CapturedBatch, rows: number) => void,
): Promise<void> {
  const batchSize = options.batchSize ?? DEFAULT_FIT_BATCH;
  for (let start = 0; start < chunkIds.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const ids = chunkIds.subarray(start, Math.min(chunkIds.length, start + batchSize));
    const batch = chunkBatch(corpus, ids);
    const sampleRngs = options.fisher === "true"
      ? Array.from(ids, (chunk) => Rng.derive(options.seed, "fisher-labels", chunk))
      : undefined;
    const captured = captureBatch(model, layers, batch, { sampleRngs });
    try {
      consume(captured, ids.length);
    } finally {
      disposeCaptured(captured);
    }
    options.events?.progress(start + ids.length, chunkIds.length, "chunks", phase);
    // Let timers and abort handlers run between batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
