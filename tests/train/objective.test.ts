/** The penalty objective: reduction to plain cross-entropy, mask alignment with targets, and sign. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { chunkBatch, disposeBatch } from "../../lib/train/batches.ts";
import { meanCrossEntropy, penaltyWeights, weightedCrossEntropy } from "../../lib/train/objective.ts";
import { Rng } from "../../lib/util/rng.ts";
import { patternCorpus } from "./fixtures.ts";

/** Float32 losses of a few terms agree with float64 hand values to this tolerance. */
const LOSS_TOLERANCE = 1e-6;

Deno.test("penalty empty mask equals mean CE", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const rng = Rng.derive(3, "objective");
  const logits = tf.tensor3d(Float32Array.from({ length: 2 * 5 * 7 }, () => rng.normal() * 2), [2, 5, 7]);
  const targets = tf.tensor2d(Int32Array.from({ length: 10 }, () => rng.int(7)), [2, 5], "int32");
  const plain = (await meanCrossEntropy(logits, targets).data())[0];
  const someMask = Uint8Array.from({ length: 10 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const cases: Array<[string, Uint8Array, number]> = [
    ["lambda 0, empty mask", new Uint8Array(10), 0],
    ["lambda 1, empty mask", new Uint8Array(10), 1],
  ];
  for (const [label, mask, lambda] of cases) {
    const weights = tf.tensor2d(penaltyWeights(mask, lambda), [2, 5]);
    const weighted = (await weightedCrossEntropy(logits, targets, weights).data())[0];
    assert.ok(Math.abs(weighted - plain) < LOSS_TOLERANCE, `${label}: ${weighted} vs ${plain}`);
    weights.dispose();
  }
  // lambda 0 with a mask drops the selected terms; the denominator still counts them.
  const nll = await tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, 7)), 2)).data();
  let kept = 0;
  someMask.forEach((m, i) => (kept += m ? 0 : nll[i]));
  const dropWeights = tf.tensor2d(penaltyWeights(someMask, 0), [2, 5]);
  const dropped = (await weightedCrossEntropy(logits, targets, dropWeights).data())[0];
  assert.ok(
    Math.abs(dropped - kept / 10) < LOSS_TOLERANCE,
    `lambda 0 with a mask: ${dropped} vs ${kept / 10}`,
  );
  dropWeights.dispose();

  const penalised = tf.tensor2d(penaltyWeights(someMask, 1), [2, 5]);
  const value = (await weightedCrossEntropy(logits, targets, penalised).data())[0];
  assert.ok(value < plain, "penalised terms lower the loss value");
  tf.dispose([logits, targets, penalised]);
});

Deno.test("penalty mask aligned with targets on 6 tokens", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  // One chunk of 6 tokens over a 3-token vocabulary; label terms predict tokens 1..5 = [0, 1, 2, 1, 0].
  const corpus = patternCorpus(1, 6, 3, 1, 0);
  corpus.tokens.set([2, 0, 1, 2, 1, 0]);
  const mask = new Uint8Array(6);
  mask[3] = 1; // penalise the term whose target is token 3 (a "2"), i.e. label index 2
  const lambda = 1;
  const batch = chunkBatch(corpus, [0], penaltyWeights(mask, lambda));
  assert.deepEqual(Array.from(await batch.targets.data()), [0, 1, 2, 1, 0]);
  assert.deepEqual(Array.from(await batch.weights!.data()), [1, 1, -1, 1, 1]);

  // Every row has probabilities [1/6, 2/6, 3/6], so NLL(0) = ln 6, NLL(1) = ln 3, NLL(2) = ln 2.
  const row = [0, Math.log(2), Math.log(3)];
  const logits = tf.variable(tf.tensor3d([row, row, row, row, row].flat(), [1, 5, 3]));
  const expected = (Math.log(6) + Math.log(3) - lambda * Math.log(2) + Math.log(3) + Math.log(6)) / 5;
  const { value, grads } = tf.variableGrads(
    () => weightedCrossEntropy(logits, batch.targets, batch.weights!),
    [logits],
  );
  const loss = (await value.data())[0];
  assert.ok(Math.abs(loss - expected) < LOSS_TOLERANCE, `loss ${loss} vs hand value ${expected}`);

  // Sign: gradient descent lowers the target logit of the penalised term and raises the others'.
  const g = await grads[logits.name].data();
  const targetsByIndex = [0, 1, 2, 1, 0];
  targetsByIndex.forEach((target, i) => {
    const gradient = g[i * 3 + target];
    if (i === 2) assert.ok(gradient > 0, `penalised term ${i}: gradient ${gradient} should be positive`);
    else assert.ok(gradient < 0, `ordinary term ${i}: gradient ${gradient} should be negative`);
  });
  // d loss / d z_target = weight * (p_target - 1) / 5 for the penalised term: -1 * (1/2 - 1) / 5.
  assert.ok(Math.abs(g[2 * 3 + 2] - 0.1) < LOSS_TOLERANCE, `penalised gradient ${g[8]} vs 0.1`);
  disposeBatch(batch);
  tf.dispose([logits, value, ...Object.values(grads)]);
});

Deno.test("penaltyWeights rejects negative lambda", () => {
  assert.throws(() => penaltyWeights(new Uint8Array(3), -1), /lambda/);
});
