import assert from "assert";
import { loadBlas } from "../../lib/backend/blas.ts";
import { matmul, matmulTransposed, transpose } from "../../lib/influence/dense.ts";
import {
  applyCorrections,
  factorSetFromCovariances,
  preconditionLayer,
} from "../../lib/influence/factors.ts";
import type { TrackedLayer } from "../../lib/influence/layers.ts";
import {
  addCorrectionFloat64,
  addCovarianceFloat64,
  createCorrectionSums,
  createCovarianceSums,
  mergeCorrectionSums,
  mergeCovarianceSums,
} from "../../lib/influence/statistics.ts";
import { Rng } from "../../lib/util/rng.ts";
import { kron, relativeError, solveDense, unvectorize, vectorize } from "./dense_reference.ts";

/** Agreement required between the factored inverse products and dense float64 solves. */
const DENSE_TOLERANCE = 1e-6;
/** Fixed damping of the dense comparisons. */
const DAMPING = 1e-3;

const LAYER: TrackedLayer = { name: "blocks.0.mlp.fc", inFeatures: 3, outFeatures: 4, bias: true, inDim: 4 };
const I = LAYER.inDim;
const O = LAYER.outFeatures;

function randomRows(rows: number, width: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: rows * width }, () => rng.normal());
}

/** Captured rows of one fake fitting run: `sequences` x `time` positions. */
function fakeCapture(sequences: number, time: number, seed: number) {
  const rng = Rng.derive(seed, "capture");
  const a = randomRows(sequences * time, I, rng);
  for (let r = 0; r < sequences * time; r++) a[r * I + I - 1] = 1; // bias column
  const s = randomRows(sequences * time, O, rng);
  return { a, s, sequences, time };
}

/** Fit statistics in one go from captured rows, with the float64 accumulation path. */
function fitDense(capture: ReturnType<typeof fakeCapture>, strategy: "kfac" | "ekfac") {
  const { a, s, sequences, time } = capture;
  const covariance = createCovarianceSums([LAYER]);
  addCovarianceFloat64(covariance.layers[0], a, s, sequences * time);
  covariance.tokens = sequences * time;
  covariance.sequences = sequences;
  const factors = factorSetFromCovariances(strategy, "true", [LAYER], covariance, "typescript");
  const correction = createCorrectionSums([LAYER]);
  const stats = factors.layers[0];
  addCorrectionFloat64(
    correction.layers[0],
    a,
    s,
    sequences,
    time,
    stats.gradientEigen!,
    stats.activationEigen!,
  );
  correction.sequences = sequences;
  applyCorrections(factors, correction);
  return { factors, covariance };
}

/** vec(G_n) of every sequence, in the dense ordering. */
function sequenceGradients(capture: ReturnType<typeof fakeCapture>): Float64Array[] {
  const out: Float64Array[] = [];
  for (let n = 0; n < capture.sequences; n++) {
    const g = new Float64Array(O * I);
    for (let t = 0; t < capture.time; t++) {
      const row = n * capture.time + t;
      for (let i = 0; i < O; i++) {
        for (let j = 0; j < I; j++) g[i * I + j] += capture.s[row * O + i] * capture.a[row * I + j];
      }
    }
    out.push(vectorize(g, O, I));
  }
  return out;
}

function addDamping(m: Float64Array, n: number, damping: number): Float64Array {
  const out = Float64Array.from(m);
  for (let i = 0; i < n; i++) out[i * n + i] += damping;
  return out;
}

Deno.test("kfac inverse product dense solve", () => {
  const capture = fakeCapture(5, 3, 1);
  const { factors, covariance } = fitDense(capture, "kfac");
  const tokens = covariance.tokens;
  const aCov = covariance.layers[0].activation.map((x) => x / tokens);
  // S averaged per sequence (sum over tokens / sequences): the scale of a sequence gradient.
  const sCov = covariance.layers[0].gradient.map((x) => x / covariance.sequences);
  const dense = addDamping(kron(aCov, I, sCov, O), O * I, DAMPING);
  const v = randomRows(O, I, Rng.derive(2, "v"));
  const expected = unvectorize(solveDense(dense, vectorize(v, O, I), O * I), O, I);
  const actual = preconditionLayer(factors, 0, v, DAMPING);
  assert.equal(actual.damping, DAMPING);
  assert.ok(
    relativeError(actual.value, expected) < DENSE_TOLERANCE,
    `error ${relativeError(actual.value, expected)}`,
  );
});

Deno.test("ekfac inverse product dense solve", () => {
  const capture = fakeCapture(6, 4, 3);
  const { factors } = fitDense(capture, "ekfac");
  const stats = factors.layers[0];

  // Q = Q_A kron Q_S with eigenvectors as columns; Lambda_k = mean_n (Q^T vec G_n)_k^2.
  const qa = transposeOf(stats.activationEigen!.vectors, I);
  const qs = transposeOf(stats.gradientEigen!.vectors, O);
  const q = kron(qa, I, qs, O);
  const n = O * I;
  const lambda = new Float64Array(n);
  const gradients = sequenceGradients(capture);
  for (const g of gradients) {
    for (let k = 0; k < n; k++) {
      let projection = 0;
      for (let r = 0; r < n; r++) projection += q[r * n + k] * g[r];
      lambda[k] += projection * projection / gradients.length;
    }
  }
  assert.ok(
    relativeError(vectorize(stats.correctedEigenvalues!, O, I), lambda) < DENSE_TOLERANCE,
    "corrected eigenvalues match the dense projection",
  );

  const dense = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += q[r * n + k] * (lambda[k] + DAMPING) * q[c * n + k];
      dense[r * n + c] = sum;
    }
  }
  const v = randomRows(O, I, Rng.derive(4, "v"));
  const expected = unvectorize(solveDense(dense, vectorize(v, O, I), n), O, I);
  const actual = preconditionLayer(factors, 0, v, DAMPING);
  assert.ok(
    relativeError(actual.value, expected) < DENSE_TOLERANCE,
    `error ${relativeError(actual.value, expected)}`,
  );
});

Deno.test("exact kronecker fisher all agree", () => {
  // One token per sequence and every (a, s) pair present once: the per-sequence Fisher
  // mean_n vec(G_n) vec(G_n)^T is then exactly A kron S.
  const rng = Rng.derive(5, "exact");
  const aRows = randomRows(7, I, rng);
  const sRows = randomRows(6, O, rng);
  const pairs = 7 * 6;
  const a = new Float64Array(pairs * I);
  const s = new Float64Array(pairs * O);
  for (let p = 0; p < pairs; p++) {
    a.set(aRows.subarray(Math.floor(p / 6) * I, Math.floor(p / 6) * I + I), p * I);
    s.set(sRows.subarray((p % 6) * O, (p % 6) * O + O), p * O);
  }
  const capture = { a, s, sequences: pairs, time: 1 };
  const ekfac = fitDense(capture, "ekfac").factors;
  const kfac = fitDense(capture, "kfac").factors;

  const n = O * I;
  const fisher = new Float64Array(n * n);
  for (const g of sequenceGradients(capture)) {
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) fisher[r * n + c] += (g[r] * g[c]) / pairs;
  }
  const v = randomRows(O, I, Rng.derive(6, "v"));
  const dense = unvectorize(solveDense(addDamping(fisher, n, DAMPING), vectorize(v, O, I), n), O, I);
  const fromEkfac = preconditionLayer(ekfac, 0, v, DAMPING).value;
  const fromKfac = preconditionLayer(kfac, 0, v, DAMPING).value;
  assert.ok(
    relativeError(fromEkfac, dense) < DENSE_TOLERANCE,
    `ekfac error ${relativeError(fromEkfac, dense)}`,
  );
  assert.ok(relativeError(fromKfac, dense) < DENSE_TOLERANCE, `kfac error ${relativeError(fromKfac, dense)}`);
});

Deno.test("statistics merge equals one pass", () => {
  const capture = fakeCapture(6, 2, 9);
  const whole = fitDense(capture, "ekfac");
  const halves = [0, 1].map((h) => {
    const rows = 3 * 2;
    const part = {
      a: capture.a.slice(h * rows * I, (h + 1) * rows * I),
      s: capture.s.slice(h * rows * O, (h + 1) * rows * O),
      sequences: 3,
      time: 2,
    };
    const sums = createCovarianceSums([LAYER]);
    addCovarianceFloat64(sums.layers[0], part.a, part.s, rows);
    sums.tokens = rows;
    sums.sequences = 3;
    const correction = createCorrectionSums([LAYER]);
    const stats = whole.factors.layers[0];
    addCorrectionFloat64(
      correction.layers[0],
      part.a,
      part.s,
      3,
      2,
      stats.gradientEigen!,
      stats.activationEigen!,
    );
    correction.sequences = 3;
    return { sums, correction };
  });
  const merged = mergeCovarianceSums(halves.map((h) => h.sums));
  assert.equal(merged.tokens, 12);
  assert.ok(relativeError(merged.layers[0].activation, whole.covariance.layers[0].activation) < 1e-12);
  assert.ok(relativeError(merged.layers[0].gradient, whole.covariance.layers[0].gradient) < 1e-12);
  const correction = mergeCorrectionSums(halves.map((h) => h.correction));
  const lambda = correction.layers[0].values.map((x) => x / correction.sequences);
  assert.ok(relativeError(lambda, whole.factors.layers[0].correctedEigenvalues!) < 1e-12);
});

Deno.test("damping scales mean eigenvalue", () => {
  const { factors } = fitDense(fakeCapture(4, 3, 11), "ekfac");
  const lambda = factors.layers[0].correctedEigenvalues!;
  const mean = lambda.reduce((x, y) => x + y, 0) / lambda.length;
  const v = randomRows(O, I, Rng.derive(12, "v"));
  const result = preconditionLayer(factors, 0, v, "heuristic");
  assert.ok(Math.abs(result.damping - 0.1 * mean) < 1e-12 * mean);
  // `Kx` scales the same mean; a fixed number is used as given.
  assert.ok(Math.abs(preconditionLayer(factors, 0, v, "2.5x").damping - 2.5 * mean) < 1e-12 * mean);
  assert.equal(preconditionLayer(factors, 0, v, 0.25).damping, 0.25);
  assert.throws(() => preconditionLayer(factors, 0, v, "0x"), /K > 0/);
  assert.throws(() => preconditionLayer(factors, 0, v, "many"), /'Kx'/);
});

function transposeOf(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = m[i * n + j];
  return out;
}

Deno.test("dense products blas and loops", () => {
  const rng = Rng.derive(13, "dense");
  const [m, k, n] = [40, 50, 60];
  const a = randomRows(m, k, rng);
  const b = randomRows(k, n, rng);
  const bt = transpose(b, k, n);
  const expected = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j];
      expected[i * n + j] = sum;
    }
  }
  const blas = loadBlas("auto", 1);
  if (typeof blas === "string") console.log(`BLAS path not checked: ${blas}`);
  assert.ok(relativeError(matmul(a, b, m, k, n), expected) < 1e-12);
  assert.ok(relativeError(matmulTransposed(a, bt, m, k, n), expected) < 1e-12);
});
