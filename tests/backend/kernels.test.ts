/**
 * The replacement kernels against float64 references: BatchMatMul (every transpose combination,
 * batched and broadcast operands) with BLAS on wasm and cpu and with the pure-wasm wrapper, the
 * gather gradient (UnsortedSegmentSum), the leading-axis Sum, and LAPACK dsyevd.
 */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { getBlas } from "../../lib/backend/blas.ts";
import { initBackend } from "../../lib/backend/init.ts";
import { Rng } from "../../lib/util/rng.ts";

/** Max |got - want| / (1 + |want|) allowed for float32 products of length <= 64. */
const MATMUL_TOLERANCE = 1e-5;
/** Max residual ||A v - lambda v|| and orthogonality error of dsyevd on a 40 x 40 matrix. */
const EIGEN_TOLERANCE = 1e-10;

const MODES = [
  { backend: "wasm", blas: "auto" },
  { backend: "wasm", blas: "off" },
  { backend: "cpu", blas: "auto" },
] as const;

function randomArray(size: number, seed: number): Float32Array {
  const rng = Rng.derive(seed, "kernel-test");
  return Float32Array.from({ length: size }, () => rng.normal());
}

/** Float64 reference of tf.matMul for rank >= 2 operands with equal or size-1 batches. */
function referenceMatMul(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): Float64Array {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = ta ? aShape[ra - 1] : aShape[ra - 2];
  const k = ta ? aShape[ra - 2] : aShape[ra - 1];
  const n = tb ? bShape[rb - 2] : bShape[rb - 1];
  const batchA = a.length / (m * k);
  const batchB = b.length / (k * n);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) {
    const ao = (batchA === 1 ? 0 : z) * m * k;
    const bo = (batchB === 1 ? 0 : z) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a[ao + p * m + i] : a[ao + i * k + p];
          const bv = tb ? b[bo + j * k + p] : b[bo + p * n + j];
          s += av * bv;
        }
        out[z * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

const SHAPE_CASES: Array<{ a: number[]; b: number[] }> = [
  { a: [7, 5], b: [5, 9] },
  { a: [3, 7, 5], b: [3, 5, 9] },
  { a: [2, 3, 7, 5], b: [2, 3, 5, 9] },
  { a: [3, 7, 5], b: [5, 9] },
  { a: [1, 7, 5], b: [4, 5, 9] },
];

for (const mode of MODES) {
  Deno.test(`BatchMatMul ${mode.backend} blas=${mode.blas} matches float64`, async () => {
    const info = await initBackend(mode.backend, { library: mode.blas, threads: 2 });
    assert.equal(info.name, mode.backend);
    if (mode.blas === "off") assert.equal(info.blas, null);
    let seed = 0;
    for (const { a: aBase, b: bBase } of SHAPE_CASES) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const swap = (
            s: number[],
            t: boolean,
          ) => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
          const aShape = swap(aBase, ta);
          const bShape = swap(bBase, tb);
          const a = randomArray(aShape.reduce((x, y) => x * y), seed++);
          const b = randomArray(bShape.reduce((x, y) => x * y), seed++);
          const got = tf.tidy(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb));
          const values = await got.data();
          got.dispose();
          const want = referenceMatMul(a, aShape, b, bShape, ta, tb);
          assert.equal(
            values.length,
            want.length,
            `output size for a [${aShape}] b [${bShape}] ta=${ta} tb=${tb}`,
          );
          let worst = 0;
          for (let i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(values[i] - want[i]) / (1 + Math.abs(want[i])));
          }
          assert.ok(
            worst <= MATMUL_TOLERANCE,
            `a [${aShape}] b [${bShape}] ta=${ta} tb=${tb}: error ${worst}`,
          );
        }
      }
    }
  });

  Deno.test(`gather and leading Sum ${mode.backend} blas=${mode.blas}`, async () => {
    await initBackend(mode.backend, { library: mode.blas, threads: 2 });
    const table = tf.variable(tf.tensor2d(randomArray(6 * 3, 99), [6, 3]));
    const ids = [4, 1, 4, 0, 5, 4];
    const upstream = randomArray(ids.length * 3, 98);
    const grad = tf.tidy(() =>
      tf.grad((w: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(w, tf.tensor1d(ids, "int32")), tf.tensor2d(upstream, [ids.length, 3])))
      )(table)
    );
    const got = await grad.data();
    const want = new Float64Array(18);
    ids.forEach((id, row) => {
      for (let j = 0; j < 3; j++) want[id * 3 + j] += upstream[row * 3 + j];
    });
    for (let i = 0; i < 18; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < MATMUL_TOLERANCE, `entry ${i}: ${got[i]} vs ${want[i]}`);
    }

    // Forward gather: rows of the table, for 2-D indices too.
    const rows = tf.tidy(() => tf.gather(table, tf.tensor2d([[4, 1, 4], [0, 5, 4]], [2, 3], "int32")));
    assert.deepEqual(rows.shape, [2, 3, 3]);
    const rowValues = await rows.data();
    const tableValues = await table.data();
    ids.forEach((id, i) => {
      for (let j = 0; j < 3; j++) {
        assert.equal(rowValues[i * 3 + j], tableValues[id * 3 + j], `row ${i} column ${j}`);
      }
    });
    assert.throws(() => tf.tidy(() => tf.gather(table, tf.tensor1d([6], "int32"))), /outside \[0, 6\)/);
    rows.dispose();

    const x = randomArray(4 * 5 * 3, 97);
    const sums = tf.tidy(() => tf.sum(tf.tensor3d(x, [4, 5, 3]), [0, 1]));
    const sumValues = await sums.data();
    assert.deepEqual(sums.shape, [3]);
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let r = 0; r < 20; r++) s += x[r * 3 + j];
      assert.ok(Math.abs(sumValues[j] - s) < MATMUL_TOLERANCE, `column ${j}: ${sumValues[j]} vs ${s}`);
    }
    tf.dispose([table, grad, sums]);
  });
}

Deno.test("dsyevd eigenpairs of a symmetric matrix", async () => {
  const info = await initBackend("wasm", { library: "auto", threads: 2 });
  const blas = getBlas();
  if (!info.blas || !blas?.dsyevd) {
    console.warn("skipped: no LAPACK dsyevd in the loaded BLAS library (install libopenblas0-pthread)");
    return;
  }
  const n = 40;
  const rng = Rng.derive(5, "eigen");
  const x = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  blas.dgemm(true, false, n, n, n, 1 / n, x, n, x, n, 0, a, n); // X^T X / n is symmetric positive semi-definite
  const { values, vectors } = blas.dsyevd(a, n);
  for (let j = 1; j < n; j++) assert.ok(values[j] >= values[j - 1], "eigenvalues ascend");
  for (let j = 0; j < n; j++) {
    let residual = 0;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let p = 0; p < n; p++) av += a[i * n + p] * vectors[p * n + j];
      residual = Math.max(residual, Math.abs(av - values[j] * vectors[i * n + j]));
    }
    assert.ok(residual < EIGEN_TOLERANCE, `eigenpair ${j} residual ${residual}`);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += vectors[i * n + j] ** 2;
    assert.ok(Math.abs(norm - 1) < EIGEN_TOLERANCE, `eigenvector ${j} norm ${norm}`);
  }
});

Deno.test("initBackend off logs no fallback and auto resolves", async () => {
  const off = await initBackend("wasm", { library: "off", threads: 1 });
  assert.equal(off.blas, null);
  assert.equal(off.notes.length, 0);
  const missing = await initBackend("wasm", { library: "/nonexistent/libcblas.so", threads: 1 });
  assert.equal(missing.blas, null);
  assert.equal(missing.notes.length, 1);
  assert.match(missing.notes[0], /nonexistent/);
  const again = await initBackend("wasm", { library: "/nonexistent/libcblas.so", threads: 1 });
  assert.equal(again, missing, "same arguments return the same info");
  const auto = await initBackend("auto", { library: "auto", threads: 2 });
  assert.ok(["wasm", "webgpu"].includes(auto.name));
  assert.ok(auto.versions.tfjs);
});

Deno.test("tensorflow backend missing package message", async () => {
  await assert.rejects(() => initBackend("tensorflow", { library: "off", threads: 1 }), /tfjs-node/);
  await initBackend("wasm", { library: "auto", threads: 2 });
});
