/** The fused plain-TypeScript kernels give the values and gradients of the tf-op compositions they replace. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { FUSED } from "../../lib/backend/fused_kernels.ts";
import { initBackend } from "../../lib/backend/init.ts";
import { TARGET_LOG_SOFTMAX, TARGET_LOG_SOFTMAX_GRAD } from "../../lib/backend/target_log_softmax.ts";
import { layerNorm } from "../../lib/model/layers.ts";
import { targetLogProbs } from "../../lib/model/loss.ts";
import { AdamW } from "../../lib/train/adamw.ts";
import { Rng } from "../../lib/util/rng.ts";

/** Float32 results of the two paths agree to this absolute tolerance. */
const FUSED_TOLERANCE = 2e-5;

const KERNELS = [
  FUSED.layerNorm,
  FUSED.layerNormGrad,
  FUSED.adamW,
  FUSED.sumSquares,
  TARGET_LOG_SOFTMAX,
  TARGET_LOG_SOFTMAX_GRAD,
];

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = Rng.derive(seed, "fused-test");
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * scale), shape);
}

/** Values and gradients of a small computation using LayerNorm, target log-softmax and AdamW. */
async function compute(): Promise<number[]> {
  const x = random([6, 10], 1) as tf.Tensor2D;
  const w = tf.variable(random([10], 2, 0.5).add(1) as tf.Tensor1D);
  const b = tf.variable(random([10], 3, 0.5) as tf.Tensor1D);
  const logits = random([2, 3, 10], 4, 3) as tf.Tensor3D;
  const targets = tf.tensor2d([[1, 9, 0], [4, 4, 7]], [2, 3], "int32");
  const { value, grads } = tf.variableGrads(() => {
    const normed = layerNorm(x, w, b); // [6, 10]
    const mixed = tf.add(logits, tf.reshape(normed, [2, 3, 10])) as tf.Tensor3D;
    return tf.neg(
      tf.sum(tf.mul(targetLogProbs(mixed, targets), tf.tensor2d([[1, -1, 2], [0.5, 1, -2]]))),
    ) as tf.Scalar;
  }, [w, b]);
  const params = new Map([["w", w], ["b", b]]);
  const optimizer = new AdamW(params, { betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 });
  optimizer.apply(new Map([["w", grads[w.name]], ["b", grads[b.name]]]), 0.01);
  optimizer.apply(new Map([["w", grads[w.name]], ["b", grads[b.name]]]), 0.01);
  const out = [
    (await value.data())[0],
    ...(await grads[w.name].data()),
    ...(await grads[b.name].data()),
    ...(await w.data()),
    ...(await b.data()),
  ];
  optimizer.dispose();
  tf.dispose([x, w, b, logits, targets, value, ...Object.values(grads)]);
  return out;
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`fused kernels match tf ops on ${backend}`, async () => {
    await initBackend(backend, { library: "auto", threads: 2 });
    const fused = await compute();
    const configs = KERNELS.map((name) => tf.getKernel(name, backend)!);
    assert.ok(configs.every((c) => c !== undefined), "every fused kernel is registered");
    for (const name of KERNELS) tf.unregisterKernel(name, backend);
    let composite: number[];
    try {
      composite = await compute();
    } finally {
      for (const config of configs) tf.registerKernel(config);
    }
    assert.equal(fused.length, composite.length);
    fused.forEach((v, i) =>
      assert.ok(
        Math.abs(v - composite[i]) <= FUSED_TOLERANCE,
        `entry ${i}: fused ${v} vs tf ops ${composite[i]}`,
      )
    );
  });
}

/** Absolute error allowed for float32 tanh values. */
const TANH_TOLERANCE = 1e-6;

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`tanh kernel matches Math.tanh on ${backend}`, async () => {
    await initBackend(backend, { library: "auto", threads: 2 });
    const inputs = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) / 100); // -20 .. 20
    const got = tf.tidy(() => tf.tanh(tf.tensor1d(inputs)));
    const values = await got.data();
    got.dispose();
    inputs.forEach((x, i) =>
      assert.ok(
        Math.abs(values[i] - Math.tanh(x)) <= TANH_TOLERANCE,
        `tanh(${x}): ${values[i]} vs ${Math.tanh(x)}`,
      )
    );
    assert.ok(Object.is(values[2000], 0), "tanh(0) is +0");
  });
}
