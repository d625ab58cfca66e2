/**
 * Symmetric eigendecomposition with automatic choice of the solver: LAPACK `dsyevd` through the
 * loaded BLAS library when it has one (about 20x faster at n = 1024), else the Float64Array
 * Householder + QL solver. Both return eigenvalues ascending and eigenvectors as rows.
 */

import { getBlas } from "../backend/blas.ts";
import { checkSymmetricInput, type EigenResult, sortAscending, symmetricEigen } from "./eigen.ts";

/** Which solver `decomposeSymmetric` uses: `auto` prefers LAPACK when loaded. */
export type EigenMethod = "auto" | "lapack" | "typescript";

/** The solver `auto` resolves to right now. */
export function resolvedEigenMethod(method: EigenMethod = "auto"): Exclude<EigenMethod, "auto"> {
  if (method !== "auto") return method;
  return getBlas()?.dsyevd ? "lapack" : "typescript";
}

/** Decompose a symmetric row-major [n, n] matrix (symmetrised first; the input is not modified). */
export function decomposeSymmetric(
  matrix: Float64Array,
  n: number,
  method: EigenMethod = "auto",
): EigenResult {
  if (resolvedEigenMethod(method) === "typescript") return symmetricEigen(matrix, n);

  const dsyevd = getBlas()?.dsyevd;
  if (!dsyevd) {
    throw new Error(
      "eigen method 'lapack' was requested but no BLAS library with dsyevd is loaded; " +
        "install libopenblas0-pthread or use method 'typescript'",
    );
  }
  checkSymmetricInput(matrix, n);
  const symmetric = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) symmetric[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  }
  const { values, vectors } = dsyevd(symmetric, n);
  // LAPACK's result stores eigenvector j in column j; this module's convention is rows.
  const rows = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) rows[j * n + i] = vectors[i * n + j];
  }
  return sortAscending(values, rows, n);
}
