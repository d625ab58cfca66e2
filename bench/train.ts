/**
 * Training throughput of the two reference shapes, with and without the CBLAS matmul, plus a
 * per-kernel profile of one step. Random tokens, batch 16 x context 128 (2,048 tokens per step),
 * vocabulary 4,096; time = forward + backward + clipping + AdamW of one step, after warm-up steps.
 * Results are medians over runs; the CPU may be shared with other work, so compare runs made under
 * the same conditions.
 */

import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/init.ts";
import { createModel, type GPT } from "../lib/model/gpt.ts";
import type { ModelConfig } from "../lib/model/types.ts";
import { AdamW } from "../lib/train/adamw.ts";
import { type ChunkBatch, disposeBatch } from "../lib/train/batches.ts";
import { trainStep } from "../lib/train/step.ts";
import { Rng } from "../lib/util/rng.ts";

/** The two reference shapes: (a) width 128, 4 layers, 4 heads; (b) width 256, 6 layers, 8 heads. */
export const BENCH_SHAPES: Record<"a" | "b", ModelConfig> = {
  a: {
    d_model: 128,
    n_layers: 4,
    n_heads: 4,
    d_ff: 512,
    context: 128,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: 4096,
  },
  b: {
    d_model: 256,
    n_layers: 6,
    n_heads: 8,
    d_ff: 1024,
    context: 128,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: 4096,
  },
};

/** Sequences per step and tokens per sequence of the benchmark. */
export const BENCH_BATCH = 16;
export const BENCH_TIME = 128;

/** How long each measurement runs. */
export interface TrainBenchOptions {
  warmupSteps: number;
  steps: number;
  runs: number;
}

const DEFAULT_OPTIONS: TrainBenchOptions = { warmupSteps: 2, steps: 5, runs: 3 };

function randomBatch(config: ModelConfig, seed: number): ChunkBatch {
  const rng = Rng.derive(seed, "bench-batch");
  const size = BENCH_BATCH * BENCH_TIME;
  const inputs = Int32Array.from({ length: size }, () => rng.int(config.vocab_size));
  const targets = Int32Array.from({ length: size }, () => rng.int(config.vocab_size));
  return {
    inputs: tf.tensor2d(inputs, [BENCH_BATCH, BENCH_TIME], "int32"),
    targets: tf.tensor2d(targets, [BENCH_BATCH, BENCH_TIME], "int32"),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function withSetup<T>(
  shape: "a" | "b",
  blas: boolean,
  fn: (model: GPT, optimizer: AdamW, batch: ChunkBatch) => Promise<T>,
): Promise<T> {
  await initBackend("wasm", { library: blas ? "auto" : "off", threads: 2 });
  const model = createModel(BENCH_SHAPES[shape], 1);
  const optimizer = new AdamW(model.params);
  const batch = randomBatch(BENCH_SHAPES[shape], 2);
  try {
    return await fn(model, optimizer, batch);
  } finally {
    disposeBatch(batch);
    optimizer.dispose();
    model.dispose();
  }
}

/** Training tokens per second of one shape: the median over runs of each run's median step. */
export async function benchTrainShape(
  shape: "a" | "b",
  blas: boolean,
  options: TrainBenchOptions = DEFAULT_OPTIONS,
): Promise<{ median: number; runs: number[] }> {
  const runs: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const rate = await withSetup(shape, blas, async (model, optimizer, batch) => {
      for (let i = 0; i < options.warmupSteps; i++) await trainStep(model, optimizer, [batch], 1e-4, 1);
      const seconds: number[] = [];
      for (let i = 0; i < options.steps; i++) {
        const start = performance.now();
        await trainStep(model, optimizer, [batch], 1e-4, 1);
        seconds.push((performance.now() - start) / 1000);
      }
      return (BENCH_BATCH * BENCH_TIME) / median(seconds);
    });
    runs.push(rate);
  }
  return { median: median(runs), runs };
}

/** Time per kernel of one training step (summed over calls), largest first. */
export async function profileTrainStep(
  shape: "a" | "b",
  blas: boolean,
): Promise<Array<{ kernel: string; ms: number; calls: number }>> {
  return await withSetup(shape, blas, async (model, optimizer, batch) => {
    await trainStep(model, optimizer, [batch], 1e-4, 1);
    const profile = await tf.profile(async () => {
      await trainStep(model, optimizer, [batch], 1e-4, 1);
    });
    const totals = new Map<string, { ms: number; calls: number }>();
    for (const kernel of profile.kernels) {
      const ms = await kernel.kernelTimeMs;
      const entry = totals.get(kernel.name) ?? { ms: 0, calls: 0 };
      entry.ms += typeof ms === "number" ? ms : 0;
      entry.calls += 1;
      totals.set(kernel.name, entry);
    }
    return [...totals].map(([kernel, v]) => ({ kernel, ...v })).sort((x, y) => y.ms - x.ms);
  });
}

/**
 * Median training tokens/s for shapes a and b, with and without BLAS, plus the load conditions.
 * The slower runs without BLAS time 3 steps after 1 warm-up step.
 */
export async function benchTrain(
  options: TrainBenchOptions = DEFAULT_OPTIONS,
): Promise<Record<string, number>> {
  // The 1-minute load average before the runs: above the core count, other work shares the CPU.
  const out: Record<string, number> = {
    train_load_average_1m: Deno.loadavg()[0],
    train_cpu_cores: navigator.hardwareConcurrency,
  };
  for (const shape of ["a", "b"] as const) {
    for (const blas of [true, false]) {
      out[`train_${shape}_${blas ? "blas" : "wasm"}_tokens_per_s`] =
        (await benchTrainShape(shape, blas, blas ? options : { ...options, warmupSteps: 1, steps: 3 }))
          .median;
    }
  }
  return out;
}

if (import.meta.main) {
  const shape = (Deno.args[0] ?? "a") as "a" | "b";
  const blas = Deno.args[1] !== "off";
  if (Deno.args[2] === "profile") {
    const rows = await profileTrainStep(shape, blas);
    const total = rows.reduce((s, r) => s + r.ms, 0);
    console.log(`total kernel time ${total.toFixed(0)} ms`);
    for (const r of rows.slice(0, 25)) {
      console.log(
        `${r.kernel.padEnd(24)} ${r.ms.toFixed(1).padStart(8)} ms  ${String(r.calls).padStart(5)} calls`,
      );
    }
  } else {
    console.log(
      shape,
      blas ? "blas" : "wasm",
      await benchTrainShape(shape, blas, { warmupSteps: 2, steps: 5, runs: 1 }),
    );
  }
}
