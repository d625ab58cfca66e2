/**
 * Float64 dense-matrix helpers over row-major Float64Array, used where the influence maths needs
 * more precision than TF.js float32 (factor rotations and the inverse-curvature products). Products
 * go through the loaded BLAS library's dgemm when there is one, else through plain loops.
 */

import { getBlas } from "../backend/blas.ts";

/** Products with fewer multiply-adds than this stay in JS, where the FFI call would cost more. */
const BLAS_MIN_WORK = 32_768;

/** Multiply row-major A [m, k] by B [k, n] and return C = A B, [m, n]. */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  checkLength("left operand", a, m * k);
  checkLength("right operand", b, k * n);
  const c = new Float64Array(m * n);
  const blas = getBlas();
  if (blas && m * k * n >= BLAS_MIN_WORK) {
    blas.dgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
    return c;
  }
  for (let i = 0; i < m; i++) {
    const rowC = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const rowB = p * n;
      for (let j = 0; j < n; j++) c[rowC + j] += aip * b[rowB + j];
    }
  }
  return c;
}

/** Multiply row-major A [m, k] by the transpose of B [n, k] and return C = A B^T, [m, n]. */
export function matmulTransposed(
  a: Float64Array,
  b: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  checkLength("left operand", a, m * k);
  checkLength("right operand", b, n * k);
  const c = new Float64Array(m * n);
  const blas = getBlas();
  if (blas && m * k * n >= BLAS_MIN_WORK) {
    blas.dgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
    return c;
  }
  for (let i = 0; i < m; i++) {
    const rowA = i * k;
    for (let j = 0; j < n; j++) {
      const rowB = j * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[rowA + p] * b[rowB + p];
      c[i * n + j] = sum;
    }
  }
  return c;
}

/** Transpose a row-major [rows, cols] matrix into [cols, rows]. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  checkLength("matrix", a, rows * cols);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  }
  return out;
}

/** Copy any numeric array into a new Float64Array. */
export function toFloat64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values);
}

function checkLength(label: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected) {
    throw new RangeError(
      `${label} has ${array.length} entries, expected ${expected}; check the matrix shapes`,
    );
  }
}
