/**
 * A CBLAS/LAPACK shared library (OpenBLAS by default) loaded through `Deno.dlopen`. Matrix products
 * of the wasm and cpu backends go through `sgemm` when it loads, and the influence engine uses
 * `dsyevd` for float64 symmetric eigendecompositions. Typed arrays are passed as zero-copy buffers;
 * FFI calls are synchronous.
 */

/** CBLAS constants (row-major layout, transpose flags). */
const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

/** Library paths that `auto` tries, in order. */
export const DEFAULT_BLAS_PATHS: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/usr/local/lib/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
  "libopenblas.so.0",
];

const GEMM_PARAMS = [
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "f32",
  "buffer",
  "i32",
  "buffer",
  "i32",
  "f32",
  "buffer",
  "i32",
] as const;
const DGEMM_PARAMS = [
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "f64",
  "buffer",
  "i32",
  "buffer",
  "i32",
  "f64",
  "buffer",
  "i32",
] as const;
// Fortran dsyevd_: every argument by pointer, then the hidden lengths of the two character arguments.
const SYEVD_PARAMS = [
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "buffer",
  "usize",
  "usize",
] as const;

const GEMM_SYMBOLS = {
  cblas_sgemm: { parameters: GEMM_PARAMS, result: "void" },
  cblas_dgemm: { parameters: DGEMM_PARAMS, result: "void" },
} as const;
const THREAD_SYMBOL = {
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
} as const;
const SYEVD_SYMBOL = { dsyevd_: { parameters: SYEVD_PARAMS, result: "void", optional: true } } as const;

/** Eigen-decomposition of a symmetric matrix: ascending `values`, `vectors` row-major [n, n] whose column j is the eigenvector of values[j]. */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/** A loaded BLAS library. Matrices are row-major. */
export interface BlasLibrary {
  /** Path the library was loaded from. */
  path: string;
  /** Threads configured by `loadBlas` (OpenBLAS only; other libraries use their own setting). */
  threads: number;
  /** Set the library's thread count for the following calls (no effect without openblas_set_num_threads). */
  setThreads(threads: number): void;
  /** C = alpha op(A) op(B) + beta C in float32 (row-major; lda/ldb/ldc are row strides). */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** The float64 version of `sgemm`. */
  dgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    lda: number,
    b: Float64Array,
    ldb: number,
    beta: number,
    c: Float64Array,
    ldc: number,
  ): void;
  /**
   * LAPACK `dsyevd` (divide and conquer) on a symmetric [n, n] float64 matrix, or null when the
   * library has no LAPACK. The input is not modified.
   */
  dsyevd: ((matrix: Float64Array, n: number) => SymmetricEigen) | null;
  close(): void;
}

let loaded: BlasLibrary | null = null;

/** Return the BLAS library loaded by `initBackend` (or `loadBlas`), or null when none is loaded. */
export function getBlas(): BlasLibrary | null {
  return loaded;
}

/**
 * Load a CBLAS library. `library` is `auto` (search DEFAULT_BLAS_PATHS) or a path. Returns the
 * library, or an error message naming every path tried; the caller decides how to report it.
 */
export function loadBlas(library: string, threads: number): BlasLibrary | string {
  if (loaded && (library === "auto" || loaded.path === library)) {
    loaded.threads = setThreads(loaded, threads);
    return loaded;
  }
  const candidates = library === "auto" ? DEFAULT_BLAS_PATHS : [library];
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      loaded = openLibrary(path, threads);
      return loaded;
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  return `no CBLAS library could be loaded (${failures.join("; ")})`;
}

function setThreads(lib: BlasLibrary, threads: number): number {
  lib.setThreads(threads);
  return threads;
}

function openLibrary(path: string, threads: number): BlasLibrary {
  const gemm = Deno.dlopen(path, GEMM_SYMBOLS);
  const extra = Deno.dlopen(path, { ...THREAD_SYMBOL, ...SYEVD_SYMBOL });
  const setNumThreads = extra.symbols.openblas_set_num_threads;
  const syevd = extra.symbols.dsyevd_;
  if (setNumThreads) setNumThreads(threads);

  const lib: BlasLibrary = {
    path,
    threads,
    sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      gemm.symbols.cblas_sgemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        alpha,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      );
    },
    dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      gemm.symbols.cblas_dgemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        alpha,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      );
    },
    dsyevd: syevd ? (matrix, n) => symmetricEigen(syevd, matrix, n) : null,
    setThreads(count) {
      if (setNumThreads) setNumThreads(count);
    },
    close() {
      gemm.close();
      extra.close();
      if (loaded === lib) loaded = null;
    },
  };
  return lib;
}

type SyevdFn = (...args: (Uint8Array | Int32Array | Float64Array | bigint)[]) => void;

function symmetricEigen(syevd: unknown, matrix: Float64Array, n: number): SymmetricEigen {
  if (matrix.length !== n * n) {
    throw new Error(
      `dsyevd: matrix has ${matrix.length} values, expected n * n = ${n * n}; pass a square [n, n] array.`,
    );
  }
  const call = syevd as SyevdFn;
  // A symmetric matrix reads the same in row- and column-major order, so the copy goes in as is.
  const a = Float64Array.from(matrix);
  const w = new Float64Array(n);
  const jobz = new Uint8Array(["V".charCodeAt(0)]);
  const uplo = new Uint8Array(["U".charCodeAt(0)]);
  const nRef = new Int32Array([n]);
  const info = new Int32Array(1);

  // Workspace query (lwork = liwork = -1) returns the optimal sizes in work[0] and iwork[0].
  const workQuery = new Float64Array(1);
  const iworkQuery = new Int32Array(1);
  call(
    jobz,
    uplo,
    nRef,
    a,
    nRef,
    w,
    workQuery,
    new Int32Array([-1]),
    iworkQuery,
    new Int32Array([-1]),
    info,
    1n,
    1n,
  );
  const lwork = Math.max(1, Math.ceil(workQuery[0]));
  const liwork = Math.max(1, iworkQuery[0]);
  call(
    jobz,
    uplo,
    nRef,
    a,
    nRef,
    w,
    new Float64Array(lwork),
    new Int32Array([lwork]),
    new Int32Array(liwork),
    new Int32Array([liwork]),
    info,
    1n,
    1n,
  );
  if (info[0] !== 0) {
    throw new Error(
      `dsyevd failed with info = ${info[0]} on a ${n} x ${n} matrix; check it for NaN or Inf values.`,
    );
  }

  // LAPACK returns eigenvectors as columns of a column-major array; transpose to row-major.
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) vectors[i * n + j] = a[j * n + i];
  }
  return { values: w, vectors };
}
