/**
 * cpu, wasm (with and without BLAS) and webgpu train a tiny model to the same loss after 5 steps.
 * webgpu runs only where an adapter exists (Mesa's lavapipe counts) and is skipped otherwise.
 */

import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import type { BackendName } from "../../lib/spec/types.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "./fixtures.ts";

/** Max |loss difference| between backends after 5 AdamW steps (float32 kernels summing in different orders). */
const BACKEND_LOSS_TOLERANCE = 1e-3;

async function lossesOn(backend: BackendName, blas: string): Promise<number[]> {
  await initBackend(backend, { library: blas, threads: 2 });
  const corpus = patternCorpus(24, 12, 23, 9, 2);
  const result = await trainModel(await testContext(`backends-${backend}-${blas}`), {
    model: tinyConfig(),
    training: tinyTraining({ steps: 5, eval_every: 5, checkpoint_every: 100 }),
    seed: 3,
  }, { corpus });
  return result.history.map((r) => r.trainLoss!).concat([result.metrics.finalValLoss]);
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  return (await gpu.requestAdapter().catch(() => null)) !== null;
}

Deno.test("backends agree on loss after 5 steps", async () => {
  const reference = await lossesOn("wasm", "auto");
  const others: Array<[BackendName, string]> = [["wasm", "off"], ["cpu", "auto"], ["cpu", "off"]];
  if (await hasWebGpuAdapter()) others.push(["webgpu", "off"]);
  else console.warn("webgpu skipped: no WebGPU adapter (install mesa-vulkan-drivers for a software one)");
  for (const [backend, blas] of others) {
    const losses = await lossesOn(backend, blas);
    reference.forEach((want, i) => {
      assert.ok(
        Math.abs(losses[i] - want) <= BACKEND_LOSS_TOLERANCE,
        `${backend} blas=${blas} loss ${i}: ${losses[i]} vs wasm+BLAS ${want}`,
      );
    });
  }
  await initBackend("wasm", { library: "auto", threads: 2 });
});
