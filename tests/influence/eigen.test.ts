import assert from "assert";
import { loadBlas } from "../../lib/backend/blas.ts";
import { symmetricEigen } from "../../lib/influence/eigen.ts";
import { decomposeSymmetric, resolvedEigenMethod } from "../../lib/influence/eigen_select.ts";
import { matmul } from "../../lib/influence/dense.ts";
import { Rng } from "../../lib/util/rng.ts";

/** Largest allowed relative Frobenius reconstruction error and orthogonality defect (float64). */
const EIGEN_TOLERANCE = 1e-10;

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = rng.normal();
      m[i * n + j] = value;
      m[j * n + i] = value;
    }
  }
  return m;
}

/** Q diag(values) Q^T with Q a product of random Householder reflections. */
function withSpectrum(values: number[], rng: Rng): Float64Array {
  const n = values.length;
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < 6; r++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    const norm2 = v.reduce((s, x) => s + x * x, 0);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[j] += v[i] * q[i * n + j];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] -= (2 / norm2) * v[i] * w[j];
  }
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled[i * n + j] = q[i * n + j] * values[j];
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qt[j * n + i] = q[i * n + j];
  return matmul(scaled, qt, n, n, n);
}

function checkDecomposition(m: Float64Array, n: number): { reconstruction: number; orthogonality: number } {
  const { values, vectors } = symmetricEigen(m, n);
  for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i], `eigenvalues ascending at ${i}`);
  const scaled = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) scaled[j * n + k] = vectors[j * n + k] * values[j];
  const qt = vectors;
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[j * n + i] = qt[i * n + j];
  const recon = matmul(q, scaled, n, n, n);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < n * n; i++) {
    diff += (recon[i] - m[i]) ** 2;
    norm += m[i] ** 2;
  }
  const gram = matmul(qt, q, n, n, n);
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      orthogonality = Math.max(orthogonality, Math.abs(gram[i * n + j] - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction: Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-300), orthogonality };
}

Deno.test("symmetricEigen random matrices", () => {
  const rng = Rng.derive(7, "eigen-random");
  for (const n of [1, 2, 3, 10, 64, 200]) {
    const { reconstruction, orthogonality } = checkDecomposition(randomSymmetric(n, rng), n);
    assert.ok(reconstruction < EIGEN_TOLERANCE, `n=${n} reconstruction ${reconstruction}`);
    assert.ok(orthogonality < EIGEN_TOLERANCE, `n=${n} orthogonality ${orthogonality}`);
  }
});

Deno.test("symmetricEigen repeated and near-zero", () => {
  const rng = Rng.derive(7, "eigen-repeated");
  const n = 96;
  // 30 exact zeros, 10 near-zero values, 30 copies of 2.5, then distinct values.
  const spectrum = Array.from({ length: n }, (_, i) => {
    if (i < 30) return 0;
    if (i < 40) return 1e-14;
    if (i < 70) return 2.5;
    return i;
  });
  const m = withSpectrum(spectrum, rng);
  const { reconstruction, orthogonality } = checkDecomposition(m, n);
  assert.ok(reconstruction < EIGEN_TOLERANCE, `reconstruction ${reconstruction}`);
  assert.ok(orthogonality < EIGEN_TOLERANCE, `orthogonality ${orthogonality}`);
  const { values } = symmetricEigen(m, n);
  const expected = [...spectrum].sort((a, b) => a - b);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(values[i] - expected[i]) < 1e-10 * n, `value ${i}`);
});

Deno.test("symmetricEigen zero and diagonal", () => {
  const n = 5;
  const zero = checkDecomposition(new Float64Array(n * n), n);
  assert.ok(zero.orthogonality < EIGEN_TOLERANCE);
  const diagonal = new Float64Array(n * n);
  [3, 1, 3, 0, -2].forEach((v, i) => (diagonal[i * n + i] = v));
  const result = symmetricEigen(diagonal, n);
  assert.deepEqual(Array.from(result.values), [-2, 0, 1, 3, 3]);
});

Deno.test("symmetricEigen size 512 low rank", () => {
  const rng = Rng.derive(7, "eigen-512");
  const n = 512;
  // Covariance-like: rank 100 plus exact zeros, the regime of activation covariances.
  const spectrum = Array.from({ length: n }, (_, i) => (i < 412 ? 0 : rng.next() * 10));
  const { reconstruction, orthogonality } = checkDecomposition(withSpectrum(spectrum, rng), n);
  assert.ok(reconstruction < EIGEN_TOLERANCE, `reconstruction ${reconstruction}`);
  assert.ok(orthogonality < EIGEN_TOLERANCE, `orthogonality ${orthogonality}`);
});

Deno.test("symmetricEigen rejects bad input", () => {
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected n \* n/);
  assert.throws(() => symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2), /non-finite/);
});

Deno.test("lapack and typescript agree", () => {
  const blas = loadBlas("auto", 1);
  if (typeof blas === "string" || !blas.dsyevd) {
    console.log(`lapack comparison skipped: ${typeof blas === "string" ? blas : "no dsyevd in the library"}`);
    return;
  }
  assert.equal(resolvedEigenMethod("auto"), "lapack");
  const rng = Rng.derive(7, "eigen-lapack");
  const n = 150;
  const spectrum = Array.from({ length: n }, (_, i) => (i < 20 ? 0 : i + rng.next()));
  const m = withSpectrum(spectrum, rng);
  const lapack = decomposeSymmetric(m, n, "lapack");
  const typescript = decomposeSymmetric(m, n, "typescript");
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(lapack.values[i] - typescript.values[i]) < EIGEN_TOLERANCE * n, `value ${i}`);
  }
  // Eigenvectors of distinct eigenvalues agree up to sign.
  for (let j = 20; j < n; j++) {
    let dot = 0;
    for (let k = 0; k < n; k++) dot += lapack.vectors[j * n + k] * typescript.vectors[j * n + k];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `vector ${j}: |dot| = ${Math.abs(dot)}`);
  }
});
