/** Capture points: a^T s reproduces each linear layer's weight gradient and probes leave logits unchanged. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { captureLinear } from "../../lib/model/capture.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { shiftTokens } from "../../lib/model/loss.ts";
import { meanCrossEntropy } from "../../lib/train/objective.ts";
import { tinyConfig } from "../train/fixtures.ts";

/** Float32 gradients from two summation orders agree to this absolute tolerance. */
const GRAD_TOLERANCE = 1e-6;

for (
  const config of [
    tinyConfig(),
    tinyConfig({ positions: "rotary", parallel_residual: true, tie_embeddings: false }),
  ]
) {
  Deno.test(`capture ${config.positions} gives weight gradients`, async () => {
    await initBackend("wasm", { library: "auto", threads: 2 });
    const model = createModel(config, 2);
    const tokens = tf.tensor2d([[1, 4, 9, 2, 7, 3], [5, 5, 0, 8, 1, 22]], [2, 6], "int32");
    const { inputs, targets } = shiftTokens(tokens);
    const names = model.linearLayers().map((l) => l.name);
    assert.deepEqual(names.slice(0, 4), [
      "blocks.0.attn.qkv",
      "blocks.0.attn.out",
      "blocks.0.mlp.fc",
      "blocks.0.mlp.proj",
    ]);

    const captured = await captureLinear(model, inputs, names, (logits) => meanCrossEntropy(logits, targets));
    const variables = [...model.params.values()];
    const { value, grads } = tf.variableGrads(
      () => meanCrossEntropy(model.forward(inputs), targets),
      variables,
    );
    assert.ok(
      Math.abs(captured.loss - (await value.data())[0]) < GRAD_TOLERANCE,
      "probes leave the loss unchanged",
    );

    for (const layer of model.linearLayers()) {
      const a = captured.inputs.get(layer.name)!;
      const s = captured.outputGrads.get(layer.name)!;
      assert.deepEqual(a.shape, [10, layer.inFeatures], `${layer.name} input shape`);
      assert.deepEqual(s.shape, [10, layer.outFeatures], `${layer.name} output-gradient shape`);
      const fromCapture = tf.tidy(() => tf.matMul(a, s, true, false)); // [I, O]
      const biasFromCapture = tf.tidy(() => tf.sum(s, 0)); // [O]
      const weightGrad = grads[model.params.get(`${layer.name}.weight`)!.name];
      const biasGrad = grads[model.params.get(`${layer.name}.bias`)!.name];
      const weightError = tf.tidy(() => tf.max(tf.abs(tf.sub(fromCapture, weightGrad))).dataSync()[0]);
      const biasError = tf.tidy(() => tf.max(tf.abs(tf.sub(biasFromCapture, biasGrad))).dataSync()[0]);
      assert.ok(weightError < GRAD_TOLERANCE, `${layer.name} weight gradient error ${weightError}`);
      assert.ok(biasError < GRAD_TOLERANCE, `${layer.name} bias gradient error ${biasError}`);
      tf.dispose([fromCapture, biasFromCapture]);
    }
    await assert.rejects(
      () => captureLinear(model, inputs, ["lm_head"], (l) => tf.sum(l)),
      /not a linear layer/,
    );
    for (const name of ["blocks.0.attn.qkv", "blocks.1.mlp.fc"]) {
      const wrong = tf.zeros([10, 5]) as tf.Tensor2D;
      const capture = { layers: new Set([name]), inputs: new Map(), probes: new Map([[name, wrong]]) };
      assert.throws(() => tf.tidy(() => model.forward(inputs, capture)), /Capture probe for/);
      tf.dispose([wrong, ...capture.inputs.values()]);
    }
    tf.dispose([
      tokens,
      inputs,
      targets,
      value,
      ...Object.values(grads),
      ...captured.inputs.values(),
      ...captured.outputGrads.values(),
    ]);
    model.dispose();
  });
}
