/** Batched generation: batch-size independence, cache correctness, stop token and the logit hook. */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { generate } from "../../lib/model/generate.ts";
import { createModel, type GPT } from "../../lib/model/gpt.ts";
import type { LogitProcessor, SamplingOptions } from "../../lib/model/types.ts";
import { tinyConfig } from "../train/fixtures.ts";

/** Logits seen by the processor equal the model's logits / temperature within float32 rounding. */
const LOGIT_TOLERANCE = 1e-4;

const PROMPTS = [[3], [1, 2, 3, 4, 5, 6], [7, 7], [9, 4, 2], [12, 0, 5, 1], [22]].map((p) =>
  Int32Array.from(p)
);
const SAMPLING: SamplingOptions = { maxNewTokens: 6, temperature: 0.9, topP: 0.9, topK: 8, seed: 17 };

function asLists(outputs: Int32Array[]): number[][] {
  return outputs.map((o) => Array.from(o));
}

/** Greedy decoding by recomputing the full forward pass for every new token (no cache, no padding). */
async function greedyWithoutCache(model: GPT, prompt: Int32Array, steps: number): Promise<number[]> {
  const context = Array.from(prompt);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const logits = tf.tidy(() => model.forward(tf.tensor2d(context, [1, context.length], "int32")));
    const values = await logits.data();
    logits.dispose();
    const vocab = model.config.vocab_size;
    const last = values.subarray((context.length - 1) * vocab);
    let best = 0;
    for (let v = 1; v < vocab; v++) if (last[v] > last[best]) best = v;
    out.push(best);
    context.push(best);
  }
  return out;
}

for (const positions of ["learned", "rotary"] as const) {
  Deno.test(`generate ${positions} independent of batch size`, async () => {
    await initBackend("wasm", { library: "auto", threads: 2 });
    const model = createModel(tinyConfig({ positions }), 3);
    const one = asLists(await generate(model, PROMPTS, 3, { ...SAMPLING, batchSize: 1 }));
    const four = asLists(await generate(model, PROMPTS, 3, { ...SAMPLING, batchSize: 4 }));
    const all = asLists(await generate(model, PROMPTS, 3, { ...SAMPLING, batchSize: 18 }));
    assert.equal(one.length, PROMPTS.length * 3);
    assert.deepEqual(four, one);
    assert.deepEqual(all, one);
    assert.ok(one.every((o) => o.length === SAMPLING.maxNewTokens));
    const otherSeed = asLists(await generate(model, PROMPTS, 3, { ...SAMPLING, seed: 18, batchSize: 4 }));
    assert.notDeepEqual(otherSeed, one, "another seed gives other samples");
    model.dispose();
  });

  Deno.test(`generate ${positions} cache equals full recompute`, async () => {
    await initBackend("wasm", { library: "auto", threads: 2 });
    const model = createModel(tinyConfig({ positions }), 5);
    const greedy = asLists(await generate(model, PROMPTS, 1, { ...SAMPLING, temperature: 0, batchSize: 6 }));
    for (let p = 0; p < PROMPTS.length; p++) {
      assert.deepEqual(
        greedy[p],
        await greedyWithoutCache(model, PROMPTS[p], SAMPLING.maxNewTokens),
        `prompt ${p}`,
      );
    }
    model.dispose();
  });
}

Deno.test("generate stop token and processor hook", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const model = createModel(tinyConfig(), 9);
  const stopToken = 4;
  const seen: Array<{ logits: Float32Array; contexts: number[][] }> = [];
  // Forces token 11 twice, then the stop token.
  const processor: LogitProcessor = {
    process(logits, vocab, contexts) {
      seen.push({ logits: logits.slice(), contexts: contexts.map((c) => Array.from(c)) });
      const out = new Float32Array(logits.length).fill(-Infinity);
      contexts.forEach((context, b) => {
        const generated = context.length - PROMPTS[b].length;
        out[b * vocab + (generated < 2 ? 11 : stopToken)] = 0;
      });
      return out;
    },
  };
  const outputs = await generate(model, PROMPTS, 1, {
    ...SAMPLING,
    processor,
    stopToken,
    batchSize: PROMPTS.length,
  });
  assert.deepEqual(asLists(outputs), PROMPTS.map(() => [11, 11]));
  assert.equal(seen.length, 3, "three steps: two forced tokens and the stop token");
  assert.deepEqual(seen[0].contexts, PROMPTS.map((p) => Array.from(p)), "contexts are unpadded prompts");
  assert.deepEqual(seen[1].contexts, PROMPTS.map((p) => [...p, 11]));

  // The processor gets the model's last-position logits divided by the temperature.
  const vocab = model.config.vocab_size;
  for (let b = 0; b < PROMPTS.length; b++) {
    const logits = tf.tidy(() =>
      model.forward(tf.tensor2d(Array.from(PROMPTS[b]), [1, PROMPTS[b].length], "int32"))
    );
    const values = await logits.data();
    logits.dispose();
    const last = values.subarray((PROMPTS[b].length - 1) * vocab);
    for (let v = 0; v < vocab; v++) {
      const got = seen[0].logits[b * vocab + v];
      assert.ok(
        Math.abs(got - last[v] / SAMPLING.temperature) < LOGIT_TOLERANCE,
        `row ${b} token ${v}: ${got} vs ${last[v] / SAMPLING.temperature}`,
      );
    }
  }
  model.dispose();
});

Deno.test("generate rejects bad options", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const model = createModel(tinyConfig(), 1);
  await assert.rejects(() => generate(model, [new Int32Array(0)], 1, SAMPLING), /prompt 0 is empty/);
  await assert.rejects(() => generate(model, PROMPTS, 1, { ...SAMPLING, topP: 0 }), /topP/);
  await assert.rejects(() => generate(model, PROMPTS, 1, { ...SAMPLING, maxNewTokens: 16 }), /context/);
  await assert.rejects(() => generate(model, [Int32Array.of(99)], 1, SAMPLING), /outside the vocabulary/);
  model.dispose();
});

Deno.test("generate keeps the last tokens of long prompts", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const model = createModel(tinyConfig(), 4);
  // Context 16 and 6 new tokens leave 10 prompt tokens; the first 5 of this 15-token prompt drop.
  const long = Int32Array.from({ length: 15 }, (_, i) => (i * 7) % 23);
  const options = { ...SAMPLING, temperature: 0 };
  const [fromLong] = await generate(model, [long], 1, options);
  const [fromTail] = await generate(model, [long.subarray(5)], 1, options);
  assert.deepEqual(Array.from(fromLong), Array.from(fromTail));
  const progress: number[] = [];
  await generate(model, PROMPTS, 2, { ...SAMPLING, batchSize: 5, onProgress: (done) => progress.push(done) });
  assert.deepEqual(progress, [5, 10, 12]);
  model.dispose();
});
