/**
 * cpu, wasm (with and without BLAS) and webgpu train a tiny model to the same loss after 5 steps
 * and decode the same greedy continuations from it.
 * webgpu runs only where an adapter exists (Mesa's lavapipe counts) and is skipped otherwise.
 */

import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import type { BackendName } from "../../lib/spec/types.ts";
import { generate } from "../../lib/model/generate.ts";
import { modelFromCheckpoint } from "../../lib/model/checkpoint.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "./fixtures.ts";

/** Max |loss difference| between backends after 5 AdamW steps (float32 kernels summing in different orders). */
const BACKEND_LOSS_TOLERANCE = 1e-3;

/** Losses of 5 training steps plus the validation loss, and greedy continuations of the result. */
async function runOn(backend: BackendName, blas: string): Promise<{ losses: number[]; tokens: number[][] }> {
  await initBackend(backend, { library: blas, threads: 2 });
  const corpus = patternCorpus(24, 12, 23, 9, 2);
  const result = await trainModel(await testContext(`backends-${backend}-${blas}`), {
    model: tinyConfig(),
    training: tinyTraining({ steps: 5, eval_every: 5, checkpoint_every: 100 }),
    seed: 3,
  }, { corpus });
  const model = modelFromCheckpoint(result);
  const prompts = [[1, 2, 3], [7], [20, 21, 22, 0, 1]].map((p) => Int32Array.from(p));
  const outputs = await generate(model, prompts, 1, {
    maxNewTokens: 4,
    temperature: 0,
    topP: 1,
    topK: 0,
    seed: 1,
  });
  model.dispose();
  return {
    losses: result.history.map((r) => r.trainLoss!).concat([result.metrics.finalValLoss]),
    tokens: outputs.map((o) => Array.from(o)),
  };
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  return (await gpu.requestAdapter().catch(() => null)) !== null;
}

Deno.test("backends agree on loss after 5 steps", async () => {
  const reference = await runOn("wasm", "auto");
  const others: Array<[BackendName, string]> = [["wasm", "off"], ["cpu", "auto"], ["cpu", "off"]];
  if (await hasWebGpuAdapter()) others.push(["webgpu", "off"]);
  else console.warn("webgpu skipped: no WebGPU adapter (install mesa-vulkan-drivers for a software one)");
  for (const [backend, blas] of others) {
    const { losses, tokens } = await runOn(backend, blas);
    reference.losses.forEach((want, i) => {
      assert.ok(
        Math.abs(losses[i] - want) <= BACKEND_LOSS_TOLERANCE,
        `${backend} blas=${blas} loss ${i}: ${losses[i]} vs wasm+BLAS ${want}`,
      );
    });
    assert.deepEqual(tokens, reference.tokens, `${backend} blas=${blas} greedy continuations`);
  }
  await initBackend("wasm", { library: "auto", threads: 2 });
});
