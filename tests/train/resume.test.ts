/** A run interrupted after a checkpoint and resumed gives the same result as an uninterrupted run. */

import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import type { StageEvents } from "../../lib/runner/events.ts";
import { penaltyWeights } from "../../lib/train/objective.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "./fixtures.ts";

Deno.test("resume after crash equals uninterrupted run", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(20, 12, 23, 5, 3);
  const mask = Uint8Array.from({ length: corpus.tokens.length }, (_, i) => (i % 7 === 3 ? 1 : 0));
  const inputs = { corpus, targetWeights: penaltyWeights(mask, 1) };
  const config = {
    model: tinyConfig(),
    training: tinyTraining({ steps: 7, grad_accum: 2, checkpoint_every: 2, eval_every: 3 }),
    seed: 4,
  };

  const straight = await trainModel(await testContext("resume"), config, inputs);

  // Abort after step 5 reports progress: the last saved state is from step 4, so step 5 is replayed.
  const controller = new AbortController();
  const logs: string[] = [];
  const events: StageEvents = {
    progress: (done) => {
      if (done === 5) controller.abort(new Error("simulated crash"));
    },
    metric: () => {},
    log: (message) => logs.push(message),
    warning: () => {},
  };
  const first = await testContext("resume", events, controller.signal);
  await assert.rejects(() => trainModel(first, config, inputs), /simulated crash/);
  const resumed = await trainModel(
    await testContext("resume", events, new AbortController().signal, first.scratchDir),
    config,
    inputs,
  );

  assert.ok(logs.some((line) => line.includes("resuming training at step 4")), `logs: ${logs.join(" | ")}`);
  assert.equal(resumed.step, straight.step);
  assert.deepEqual(resumed.history, straight.history);
  for (const [name, param] of Object.entries(straight.params)) {
    assert.deepEqual(resumed.params[name].values, param.values, `parameter ${name}`);
  }

  // Best-checkpoint selection: the returned step has the lowest validation loss.
  const evaluated = straight.history.filter((r) => r.valLoss !== undefined);
  const best = evaluated.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
  assert.equal(straight.step, best.step);
  assert.equal(straight.metrics.bestValLoss, best.valLoss);
});

Deno.test("resume state of another run is ignored", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(12, 12, 23, 6, 2);
  const config = { model: tinyConfig(), training: tinyTraining({ steps: 4, checkpoint_every: 2 }), seed: 4 };
  const ctx = await testContext("run-a");
  await trainModel(ctx, config, { corpus });
  const logs: string[] = [];
  const events: StageEvents = {
    progress: () => {},
    metric: () => {},
    log: (m) => logs.push(m),
    warning: () => {},
  };
  const other = await trainModel(await testContext("run-b", events, undefined, ctx.scratchDir), config, {
    corpus,
  });
  assert.equal(logs.length, 0, "a different key does not resume");
  assert.equal(other.metrics.steps, 4);
});
