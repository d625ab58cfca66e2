/**
 * Preconditioning strategies, registered in one table. Each strategy declares which statistics it
 * needs and how it turns them into curvature eigenvalues on the Kronecker eigenbasis grid, so the
 * fitting and scoring code never branches on a strategy's name.
 */

import type { EigenResult } from "./eigen.ts";
import type { TrackedLayer } from "./layers.ts";

/** Names accepted by `influence.strategy`. */
export type StrategyName = "identity" | "kfac" | "ekfac";

/** Statistics of one layer after fitting, as far as the strategy asked for them. */
export interface LayerStatistics {
  layer: TrackedLayer;
  /** Eigendecomposition of the activation covariance A, [inDim, inDim]. */
  activationEigen?: EigenResult;
  /** Eigendecomposition of the output-gradient covariance S, [outDim, outDim]. */
  gradientEigen?: EigenResult;
  /** Mean over sequences of (Q_S^T G_n Q_A)^2, row-major [outDim, inDim]. */
  correctedEigenvalues?: Float64Array;
  /** Mean number of tokens per fitted sequence. */
  tokensPerSequence: number;
}

/** One preconditioning strategy. */
export interface FactorStrategy {
  name: StrategyName;
  /** One line for plans and reports. */
  description: string;
  /** Fit A and S and their eigendecompositions (first data pass). */
  needsCovariances: boolean;
  /** Fit the eigenvalue correction from per-sequence gradients (second data pass). */
  needsEigenvalueCorrection: boolean;
  /**
   * Curvature eigenvalues on the [outDim, inDim] grid of the eigenbasis Q_S x Q_A, or null when
   * the strategy does not precondition at all.
   */
  curvatureEigenvalues(stats: LayerStatistics): Float64Array | null;
}

function requireField<T>(value: T | undefined, what: string, stats: LayerStatistics, strategy: string): T {
  if (value === undefined) {
    throw new Error(
      `strategy '${strategy}' needs the ${what} of layer '${stats.layer.name}', but the factors do not ` +
        `contain it; refit the factors with strategy '${strategy}'`,
    );
  }
  return value;
}

const identity: FactorStrategy = {
  name: "identity",
  description: "no preconditioning: plain gradient dot products",
  needsCovariances: false,
  needsEigenvalueCorrection: false,
  curvatureEigenvalues: () => null,
};

const kfac: FactorStrategy = {
  name: "kfac",
  description: "Kronecker-factored curvature A kron S with eigenvalues eig(S)_i * eig(A)_j",
  needsCovariances: true,
  needsEigenvalueCorrection: false,
  curvatureEigenvalues(stats) {
    const a = requireField(stats.activationEigen, "activation eigendecomposition", stats, "kfac");
    const s = requireField(stats.gradientEigen, "gradient eigendecomposition", stats, "kfac");
    // A and S are token averages; a sequence gradient sums tokensPerSequence token terms, so its
    // second moment is about tokensPerSequence * (A kron S).
    const out = new Float64Array(s.n * a.n);
    for (let i = 0; i < s.n; i++) {
      for (let j = 0; j < a.n; j++) out[i * a.n + j] = stats.tokensPerSequence * s.values[i] * a.values[j];
    }
    return out;
  },
};

const ekfac: FactorStrategy = {
  name: "ekfac",
  description: "eigenvalue-corrected K-FAC: Kronecker eigenbasis, eigenvalues refit on sequence gradients",
  needsCovariances: true,
  needsEigenvalueCorrection: true,
  curvatureEigenvalues(stats) {
    return requireField(stats.correctedEigenvalues, "eigenvalue correction", stats, "ekfac");
  },
};

/** The registered strategies by name. */
export const STRATEGIES: Readonly<Record<StrategyName, FactorStrategy>> = { identity, kfac, ekfac };

/** Look a strategy up by name, with an error that lists the known ones. */
export function getStrategy(name: string): FactorStrategy {
  const strategy = (STRATEGIES as Record<string, FactorStrategy>)[name];
  if (!strategy) {
    throw new RangeError(
      `unknown influence strategy '${name}'; expected one of ${Object.keys(STRATEGIES).join(", ")}`,
    );
  }
  return strategy;
}
