/**
 * Curvature factors of the tracked layers: eigendecompositions of the covariances, the eigenvalue
 * correction, and the per-layer inverse curvature-vector product the chosen strategy defines.
 */

import { decomposeSymmetric, type EigenMethod } from "./eigen_select.ts";
import type { TrackedLayer } from "./layers.ts";
import { type DampingSpec, inverseCurvatureProduct, resolveDamping } from "./precondition.ts";
import type { CorrectionSums, CovarianceSums } from "./statistics.ts";
import { getStrategy, type LayerStatistics, type StrategyName } from "./strategies.ts";

/** Labels behind the output-gradients: sampled from the model (`true`) or the data (`empirical`). */
export type FisherKind = "true" | "empirical";

/** Fitted factors of every tracked layer. */
export interface FactorSet {
  strategy: StrategyName;
  fisher: FisherKind;
  layers: LayerStatistics[];
  /** Tokens and sequences the covariances were averaged over (0 for `identity`). */
  tokens: number;
  sequences: number;
}

/** A factor set for a strategy that needs no statistics. */
export function emptyFactorSet(
  strategy: StrategyName,
  fisher: FisherKind,
  layers: TrackedLayer[],
): FactorSet {
  return {
    strategy,
    fisher,
    layers: layers.map((layer) => ({ layer, tokensPerSequence: 0 })),
    tokens: 0,
    sequences: 0,
  };
}

/**
 * Turn covariance sums into token averages A and S and decompose each. Fills the eigenbases of a
 * factor set; the eigenvalue correction comes later from `applyCorrections`.
 */
export function factorSetFromCovariances(
  strategy: StrategyName,
  fisher: FisherKind,
  layers: TrackedLayer[],
  sums: CovarianceSums,
  method: EigenMethod = "auto",
): FactorSet {
  if (sums.tokens <= 0 || sums.sequences <= 0) {
    throw new RangeError(
      `factor covariances cover ${sums.tokens} tokens in ${sums.sequences} sequences; fit on at least one chunk`,
    );
  }
  const statistics = layers.map((layer, i): LayerStatistics => {
    const layerSums = sums.layers[i];
    if (layerSums.name !== layer.name) {
      throw new RangeError(
        `covariance sums list layer '${layerSums.name}' where '${layer.name}' was expected`,
      );
    }
    const activation = scaled(layerSums.activation, 1 / sums.tokens); // A [I, I]
    const gradient = scaled(layerSums.gradient, 1 / sums.tokens); // S [O, O]
    return {
      layer,
      activationEigen: decomposeSymmetric(activation, layer.inDim, method),
      gradientEigen: decomposeSymmetric(gradient, layer.outFeatures, method),
      tokensPerSequence: sums.tokens / sums.sequences,
    };
  });
  return { strategy, fisher, layers: statistics, tokens: sums.tokens, sequences: sums.sequences };
}

/** Store the eigenvalue correction, Lambda = sums / sequences, on every layer. */
export function applyCorrections(factors: FactorSet, corrections: CorrectionSums): void {
  if (corrections.sequences <= 0) {
    throw new RangeError("eigenvalue correction covers no sequences; fit on at least one chunk");
  }
  factors.layers.forEach((stats, i) => {
    const sums = corrections.layers[i];
    if (sums.name !== stats.layer.name) {
      throw new RangeError(
        `correction sums list layer '${sums.name}' where '${stats.layer.name}' was expected`,
      );
    }
    stats.correctedEigenvalues = scaled(sums.values, 1 / corrections.sequences);
  });
}

/** A preconditioned layer gradient and the damping that was used. */
export interface PreconditionedLayer {
  name: string;
  /** (curvature + damping I)^-1 V, row-major [O, I]. */
  value: Float64Array;
  damping: number;
}

/** Apply the strategy's inverse curvature to the gradient V [O, I] of layer `index`. */
export function preconditionLayer(
  factors: FactorSet,
  index: number,
  v: Float64Array,
  damping: DampingSpec,
): PreconditionedLayer {
  const stats = factors.layers[index];
  const expected = stats.layer.outFeatures * stats.layer.inDim;
  if (v.length !== expected) {
    throw new RangeError(
      `gradient of layer '${stats.layer.name}' has ${v.length} entries, expected ${expected} ` +
        `([${stats.layer.outFeatures}, ${stats.layer.inDim}])`,
    );
  }
  const eigenvalues = getStrategy(factors.strategy).curvatureEigenvalues(stats);
  const resolved = eigenvalues === null ? 0 : resolveDamping(damping, eigenvalues);
  const value = inverseCurvatureProduct(
    v,
    { gradient: stats.gradientEigen, activation: stats.activationEigen, eigenvalues },
    resolved,
  );
  return { name: stats.layer.name, value, damping: resolved };
}

function scaled(values: Float64Array, factor: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * factor;
  return out;
}
