/** No tensor leaks: 20 training steps and 20 generation batches leave tf.memory().numTensors unchanged. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { generate } from "../../lib/model/generate.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { penaltyWeights } from "../../lib/train/objective.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "../train/fixtures.ts";

Deno.test("memory stable over training and generation", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(16, 12, 23, 2, 2);
  const mask = Uint8Array.from({ length: corpus.tokens.length }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const before = tf.memory().numTensors;
  await trainModel(await testContext("memory"), {
    model: tinyConfig(),
    training: tinyTraining({ steps: 20, grad_accum: 2, eval_every: 5, checkpoint_every: 10 }),
    seed: 1,
  }, { corpus, targetWeights: penaltyWeights(mask, 1) });
  assert.equal(tf.memory().numTensors, before, "training leaves no tensors");

  const model = createModel(tinyConfig({ positions: "rotary" }), 1);
  const withModel = tf.memory().numTensors;
  const prompts = Array.from(
    { length: 20 },
    (_, i) => Int32Array.from({ length: 1 + (i % 4) }, (_, t) => (i + t) % 23),
  );
  const outputs = await generate(model, prompts, 1, {
    maxNewTokens: 5,
    temperature: 1,
    topP: 0.95,
    topK: 0,
    seed: 2,
    batchSize: 1,
    stopToken: 3,
  });
  assert.equal(outputs.length, 20);
  assert.equal(tf.memory().numTensors, withModel, "20 generation batches leave no tensors");
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "dispose releases the model");
});
