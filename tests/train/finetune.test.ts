/** Fine-tuning starts from the given checkpoint and rejects a checkpoint of another shape. */

import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "./fixtures.ts";

Deno.test("finetune starts from init checkpoint", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(12, 12, 23, 8, 2);
  const config = { model: tinyConfig(), training: tinyTraining({ steps: 3 }), seed: 1 };
  const base = await trainModel(await testContext("base"), config, { corpus });

  // With learning rate 0 the parameters stay those of the initial checkpoint.
  const frozen = {
    ...config,
    training: tinyTraining({ steps: 2, optimizer: { ...config.training.optimizer, lr: 0 } }),
  };
  const tuned = await trainModel(await testContext("tuned"), frozen, { corpus, init: base });
  for (const [name, param] of Object.entries(base.params)) {
    assert.deepEqual(tuned.params[name].values, param.values, `parameter ${name}`);
  }
  // A different seed does not matter for the parameters when starting from a checkpoint.
  const reseeded = await trainModel(await testContext("reseeded"), { ...frozen, seed: 99 }, {
    corpus,
    init: base,
  });
  assert.deepEqual(reseeded.params["tok_emb"].values, base.params["tok_emb"].values);

  const wider = { ...config, model: tinyConfig({ d_model: 32 }) };
  await assert.rejects(
    async () => trainModel(await testContext("wider"), wider, { corpus, init: base }),
    /differs from the requested/,
  );
});

Deno.test("trainer reports divergence", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(12, 12, 23, 8, 2);
  const training = tinyTraining({ steps: 4, warmup: 0, clip_norm: 0 });
  training.optimizer = { ...training.optimizer, lr: 1e38 };
  await assert.rejects(
    async () =>
      trainModel(await testContext("diverge"), { model: tinyConfig(), training, seed: 1 }, { corpus }),
    /Training diverged at step/,
  );
});
