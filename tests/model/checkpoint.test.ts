/** Checkpoints survive a save/load round trip, rebuild the same model, and reject damaged files. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import {
  checkpointFromModel,
  loadCheckpoint,
  modelFromCheckpoint,
  saveCheckpoint,
} from "../../lib/model/checkpoint.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { countParams } from "../../lib/model/params.ts";
import { tinyConfig } from "../train/fixtures.ts";

Deno.test("checkpoint round trip rebuilds model", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const config = tinyConfig({ positions: "rotary", tie_embeddings: false });
  const model = createModel(config, 12);
  const checkpoint = await checkpointFromModel(model, 7, { bestValLoss: 2.5 }, [{ step: 7, trainLoss: 3 }]);
  const total = Object.values(checkpoint.params).reduce((sum, p) => sum + p.values.length, 0);
  assert.equal(total, countParams(config));

  const dir = await Deno.makeTempDir();
  await saveCheckpoint(dir, checkpoint);
  const loaded = await loadCheckpoint(dir);
  assert.deepEqual(loaded.config, config);
  assert.equal(loaded.step, 7);
  assert.deepEqual(loaded.metrics, { bestValLoss: 2.5 });
  assert.deepEqual(loaded.history, [{ step: 7, trainLoss: 3 }]);
  for (const [name, param] of Object.entries(checkpoint.params)) {
    assert.deepEqual(loaded.params[name].shape, param.shape, `${name} shape`);
    assert.deepEqual(loaded.params[name].values, param.values, `${name} values`);
  }

  const rebuilt = modelFromCheckpoint(loaded);
  const tokens = tf.tensor2d([[1, 2, 3, 4]], [1, 4], "int32");
  const a = await model.forward(tokens).data();
  const b = await rebuilt.forward(tokens).data();
  assert.deepEqual(b, a, "same logits from the rebuilt model");

  // A truncated parameter file is reported, not silently loaded.
  const bytes = await Deno.readFile(`${dir}/params.bin`);
  await Deno.writeFile(`${dir}/params.bin`, bytes.subarray(0, bytes.length - 4));
  await assert.rejects(() => loadCheckpoint(dir), /damaged/);

  // Same seed, same parameters; another seed, other parameters.
  const again = await checkpointFromModel(createModel(config, 12), 0);
  const other = await checkpointFromModel(createModel(config, 13), 0);
  assert.deepEqual(again.params["tok_emb"].values, checkpoint.params["tok_emb"].values);
  assert.notDeepEqual(other.params["tok_emb"].values, checkpoint.params["tok_emb"].values);
  tf.dispose(tokens);
  model.dispose();
  rebuilt.dispose();
});

Deno.test("model rejects invalid config", () => {
  assert.throws(() => createModel(tinyConfig({ n_heads: 3 }), 1), /divisible by n_heads/);
  assert.throws(
    () => createModel(tinyConfig({ d_model: 6, n_heads: 2, positions: "rotary" }), 1),
    /even head width/,
  );
});
