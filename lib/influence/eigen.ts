/**
 * Symmetric eigendecomposition in float64 (TF.js has neither float64 nor an eigensolver), written
 * over Float64Array: Householder reduction to tridiagonal form, then the implicit QL iteration with
 * Wilkinson-style shifts, accumulating the rotations into the eigenvectors.
 *
 * Layout: matrices are row-major [n, n]. `EigenResult.vectors` stores eigenvector j in row j, so
 * with Qt = vectors the input equals Qt^T diag(values) Qt.
 */

/** Eigenvalues in ascending order and the matching unit eigenvectors, one per row. */
export interface EigenResult {
  n: number;
  /** Eigenvalues, ascending, [n]. */
  values: Float64Array;
  /** Row-major [n, n]; row j is the eigenvector of `values[j]`. */
  vectors: Float64Array;
}

/** Relative size below which a subdiagonal entry counts as zero in the QL iteration. */
const QL_EPSILON = Number.EPSILON;
/** QL sweeps allowed per eigenvalue before the solver gives up (a handful is typical). */
const QL_MAX_SWEEPS = 60;

/**
 * Decompose a symmetric matrix. The input is symmetrised as (M + M^T) / 2 first and is not modified.
 * Throws when the input is not square or holds a non-finite value.
 */
export function symmetricEigen(matrix: Float64Array, n: number): EigenResult {
  checkSymmetricInput(matrix, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  }

  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  const q = tridiagonalize(a, n, diagonal, offDiagonal);

  // The QL rotations act on pairs of rows of Q^T, which are contiguous in row-major storage.
  const qt = transposeSquare(q, n);
  implicitQl(diagonal, offDiagonal, qt, n);
  return sortAscending(diagonal, qt, n);
}

/** Validate shape and finiteness of an eigensolver input. */
export function checkSymmetricInput(matrix: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new RangeError(
      `symmetric eigensolver input has ${matrix.length} entries, expected n * n with n = ${n}; ` +
        `pass a row-major square matrix`,
    );
  }
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new RangeError(
        `symmetric eigensolver input has a non-finite value ${matrix[i]} at row ${Math.floor(i / n)}, ` +
          `column ${i % n}; check the covariance accumulation for overflow or NaN gradients`,
      );
    }
  }
}

/**
 * Reduce the symmetric matrix `a` (overwritten) to tridiagonal form T = Q^T A Q with Householder
 * reflections. Fills the diagonal and the subdiagonal (offDiagonal[i] couples i and i + 1) and
 * returns Q, row-major.
 */
function tridiagonalize(a: Float64Array, n: number, diagonal: Float64Array, offDiagonal: Float64Array) {
  const reflectors: Array<{ v: Float64Array; beta: number }> = [];
  const p = new Float64Array(n);

  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1; // length of the column part below the diagonal
    const v = new Float64Array(m);
    let norm2 = 0;
    for (let i = 0; i < m; i++) {
      v[i] = a[(k + 1 + i) * n + k];
      norm2 += v[i] * v[i];
    }
    diagonal[k] = a[k * n + k];
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      offDiagonal[k] = 0;
      reflectors.push({ v, beta: 0 });
      continue;
    }

    // Reflect x onto alpha e1 with alpha of opposite sign to x[0], which avoids cancellation.
    const alpha = v[0] >= 0 ? -norm : norm;
    v[0] -= alpha;
    const vNorm2 = norm2 - 2 * alpha * (v[0] + alpha) + alpha * alpha;
    const beta = vNorm2 > 0 ? 2 / vNorm2 : 0;
    offDiagonal[k] = alpha;
    reflectors.push({ v, beta });
    if (beta === 0) continue;

    // Two-sided update of the trailing block B: B <- B - v w^T - w v^T with
    // p = beta B v and w = p - (beta / 2)(v^T p) v.
    const base = k + 1;
    let vp = 0;
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      let sum = 0;
      for (let j = 0; j < m; j++) sum += a[row + j] * v[j];
      p[i] = beta * sum;
      vp += v[i] * p[i];
    }
    const half = 0.5 * beta * vp;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      const vi = v[i];
      const wi = p[i];
      for (let j = 0; j < m; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = a[(n - 2) * n + (n - 2)];
    offDiagonal[n - 2] = a[(n - 1) * n + (n - 2)];
  }
  diagonal[n - 1] = a[(n - 1) * n + (n - 1)];
  offDiagonal[n - 1] = 0;

  // Q = H_0 H_1 ... H_{n-3}, built right to left so each reflector touches only its trailing block.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const w = new Float64Array(n);
  for (let k = reflectors.length - 1; k >= 0; k--) {
    const { v, beta } = reflectors[k];
    if (beta === 0) continue;
    const base = k + 1;
    const m = n - base;
    w.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      const vi = v[i];
      for (let j = 0; j < m; j++) w[j] += vi * q[row + j];
    }
    for (let i = 0; i < m; i++) {
      const row = (base + i) * n + base;
      const scale = beta * v[i];
      for (let j = 0; j < m; j++) q[row + j] -= scale * w[j];
    }
  }
  return q;
}

/**
 * Diagonalise the tridiagonal matrix (diagonal, offDiagonal) in place with implicitly shifted QL
 * sweeps. Each Givens rotation is applied to rows i and i + 1 of `zt`, so on return row j of `zt`
 * is the eigenvector of diagonal[j].
 */
function implicitQl(diagonal: Float64Array, offDiagonal: Float64Array, zt: Float64Array, n: number): void {
  const d = diagonal;
  const e = offDiagonal;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]) + Math.abs(e[i]));

  for (let l = 0; l < n; l++) {
    for (let sweep = 0;; sweep++) {
      // Find the first negligible subdiagonal entry at or after l; the block l..m is unreduced.
      let m = l;
      while (m < n - 1) {
        const local = Math.abs(d[m]) + Math.abs(d[m + 1]);
        const size = Math.abs(e[m]);
        // The second test deflates against the matrix norm, which keeps clusters of (near) zero
        // eigenvalues from stalling the iteration; its backward error is eps * ||T||.
        if (size <= QL_EPSILON * local || size <= QL_EPSILON * scale) break;
        m++;
      }
      if (m === l) break;
      if (sweep >= QL_MAX_SWEEPS) {
        throw new Error(
          `symmetric eigensolver did not converge for eigenvalue ${l} after ${QL_MAX_SWEEPS} sweeps; ` +
            `the matrix may contain huge or NaN entries`,
        );
      }

      // Shift from the leading 2x2 block, chosen so the sweep converges towards d[l].
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let sine = 1;
      let cosine = 1;
      let shiftCarry = 0;
      let deflated = false;

      for (let i = m - 1; i >= l; i--) {
        const f = sine * e[i];
        const b = cosine * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // An exact zero split the block: undo the partial shift and restart the search.
          d[i + 1] -= shiftCarry;
          e[m] = 0;
          deflated = true;
          break;
        }
        sine = f / r;
        cosine = g / r;
        g = d[i + 1] - shiftCarry;
        r = (d[i] - g) * sine + 2 * cosine * b;
        shiftCarry = sine * r;
        d[i + 1] = g + shiftCarry;
        g = cosine * r - b;

        const rowI = i * n;
        const rowNext = (i + 1) * n;
        for (let k = 0; k < n; k++) {
          const upper = zt[rowNext + k];
          const lower = zt[rowI + k];
          zt[rowNext + k] = sine * lower + cosine * upper;
          zt[rowI + k] = cosine * lower - sine * upper;
        }
      }
      if (deflated) continue;
      d[l] -= shiftCarry;
      e[l] = g;
      e[m] = 0;
    }
  }
}

function transposeSquare(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[j * n + i] = m[i * n + j];
  }
  return out;
}

/** Sort eigenpairs by ascending eigenvalue; rows of `vectors` move with their values. */
export function sortAscending(values: Float64Array, vectors: Float64Array, n: number): EigenResult {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const sortedValues = new Float64Array(n);
  const sortedVectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    sortedValues[to] = values[from];
    sortedVectors.set(vectors.subarray(from * n, from * n + n), to * n);
  });
  return { n, values: sortedValues, vectors: sortedVectors };
}
