/** Float64 dense references for the influence tests: Kronecker products and linear solves. */

/** Solve M x = b (M row-major [n, n]) by Gaussian elimination with partial pivoting. */
export function solveDense(m: Float64Array, b: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(m);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c], a[col * n + c]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let sum = x[r];
    for (let c = r + 1; c < n; c++) sum -= a[r * n + c] * x[c];
    x[r] = sum / a[r * n + r];
  }
  return x;
}

/**
 * Index of V[i, j] (V row-major [out, in]) in the vector the dense references use: the input index
 * is the slow one, so the curvature of a linear layer reads A kron S.
 */
export function vecIndex(i: number, j: number, out: number): number {
  return j * out + i;
}

/** Flatten V [out, in] into the dense-reference ordering. */
export function vectorize(v: Float64Array, out: number, inn: number): Float64Array {
  const x = new Float64Array(out * inn);
  for (let i = 0; i < out; i++) for (let j = 0; j < inn; j++) x[vecIndex(i, j, out)] = v[i * inn + j];
  return x;
}

/** Inverse of `vectorize`. */
export function unvectorize(x: Float64Array, out: number, inn: number): Float64Array {
  const v = new Float64Array(out * inn);
  for (let i = 0; i < out; i++) for (let j = 0; j < inn; j++) v[i * inn + j] = x[vecIndex(i, j, out)];
  return v;
}

/** Kronecker product of A [p, p] and S [q, q] (row-major), [p q, p q]. */
export function kron(a: Float64Array, p: number, s: Float64Array, q: number): Float64Array {
  const n = p * q;
  const k = new Float64Array(n * n);
  for (let j = 0; j < p; j++) {
    for (let jj = 0; jj < p; jj++) {
      for (let i = 0; i < q; i++) {
        for (let ii = 0; ii < q; ii++) k[(j * q + i) * n + (jj * q + ii)] = a[j * p + jj] * s[i * q + ii];
      }
    }
  }
  return k;
}

/** Largest |x - y| over the largest |y|. */
export function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / Math.max(scale, 1e-300);
}
