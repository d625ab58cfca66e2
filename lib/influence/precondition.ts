/**
 * Inverse curvature-vector products for one layer, in float64: a gradient matrix V [outDim, inDim]
 * is rotated into the Kronecker eigenbasis, divided elementwise by (eigenvalues + damping) and
 * rotated back, P = Q_S [(Q_S^T V Q_A) / (Lambda + damping)] Q_A^T.
 */

import { matmul, matmulTransposed, transpose } from "./dense.ts";
import type { EigenResult } from "./eigen.ts";

/** Factor of the mean curvature eigenvalue used by the heuristic damping. */
export const HEURISTIC_DAMPING_FACTOR = 0.1;

/** Damping as given in the spec: `heuristic`, a multiple `Kx` of the mean eigenvalue, or a fixed value. */
export type DampingSpec = string | number;

/** Resolve the damping of one layer from its curvature eigenvalues. */
export function resolveDamping(spec: DampingSpec, eigenvalues: Float64Array): number {
  if (typeof spec === "string") {
    const factor = spec === "heuristic" ? HEURISTIC_DAMPING_FACTOR : Number(spec.slice(0, -1));
    if ((spec !== "heuristic" && !spec.endsWith("x")) || !(factor > 0)) {
      throw new RangeError(
        `influence.damping is '${spec}'; use 'heuristic', 'Kx' with K > 0, or a number >= 0`,
      );
    }
    let sum = 0;
    for (let i = 0; i < eigenvalues.length; i++) sum += eigenvalues[i];
    return factor * (sum / Math.max(eigenvalues.length, 1));
  }
  if (!Number.isFinite(spec) || spec < 0) {
    throw new RangeError(`influence.damping is ${spec}; use 'heuristic', 'Kx' with K > 0, or a number >= 0`);
  }
  return spec;
}

/** Rotate V [outDim, inDim] into the eigenbasis: Q_S^T V Q_A. */
export function rotateIntoEigenbasis(
  v: Float64Array,
  gradient: EigenResult,
  activation: EigenResult,
): Float64Array {
  const out = gradient.n;
  const inn = activation.n;
  // EigenResult rows are eigenvectors, so Q_S^T = gradient.vectors and Q_A^T = activation.vectors.
  const left = matmul(gradient.vectors, v, out, out, inn); // [O, I]
  return matmulTransposed(left, activation.vectors, out, inn, inn); // [O, I]
}

/** Rotate X [outDim, inDim] back out of the eigenbasis: Q_S X Q_A^T. */
export function rotateOutOfEigenbasis(
  x: Float64Array,
  gradient: EigenResult,
  activation: EigenResult,
): Float64Array {
  const out = gradient.n;
  const inn = activation.n;
  const qs = transpose(gradient.vectors, out, out);
  const left = matmul(qs, x, out, out, inn); // [O, I]
  return matmul(left, activation.vectors, out, inn, inn); // [O, I]
}

/**
 * Apply (curvature + damping I)^-1 to V. With `eigenvalues` null (no preconditioning) V is returned
 * unchanged as a copy.
 */
export function inverseCurvatureProduct(
  v: Float64Array,
  factors: { gradient?: EigenResult; activation?: EigenResult; eigenvalues: Float64Array | null },
  damping: number,
): Float64Array {
  if (factors.eigenvalues === null) return Float64Array.from(v);
  if (!factors.gradient || !factors.activation) {
    throw new Error("inverse curvature product needs both eigenbases; refit the factors");
  }
  const rotated = rotateIntoEigenbasis(v, factors.gradient, factors.activation);
  for (let i = 0; i < rotated.length; i++) {
    // Curvature eigenvalues are products or averages of squares, so they are >= 0; a negative value
    // is float rounding of a zero eigenvalue and is clamped, so a small damping stays usable.
    const denominator = Math.max(0, factors.eigenvalues[i]) + damping;
    if (!(denominator > 0)) {
      throw new RangeError(
        `curvature eigenvalue + damping is ${denominator} at entry ${i}; use a positive damping`,
      );
    }
    rotated[i] /= denominator;
  }
  return rotateOutOfEigenbasis(rotated, factors.gradient, factors.activation);
}
