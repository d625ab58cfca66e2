/**
 * Generation throughput: new tokens per second of batched sampling with the key/value cache, for the
 * two reference shapes (vocabulary 4,096, context 128), 32 rows per batch, prompts of 8-24 tokens,
 * 20 new tokens, nucleus sampling (top-p 0.9) as in the evaluation protocol. Median over runs; the
 * CPU may be shared with other work.
 */

import { initBackend } from "../lib/backend/init.ts";
import { generate } from "../lib/model/generate.ts";
import { createModel } from "../lib/model/gpt.ts";
import { Rng } from "../lib/util/rng.ts";
import { BENCH_SHAPES } from "./train.ts";

/** Sizes of one generation measurement. */
export interface GenerateBenchOptions {
  prompts: number;
  batchSize: number;
  maxNewTokens: number;
  runs: number;
}

const DEFAULT_OPTIONS: GenerateBenchOptions = { prompts: 64, batchSize: 32, maxNewTokens: 20, runs: 3 };

/** Median new tokens per second of one shape (stop token disabled, so every row produces maxNewTokens). */
export async function benchGenerateShape(
  shape: "a" | "b",
  blas: boolean,
  options: GenerateBenchOptions = DEFAULT_OPTIONS,
): Promise<{ median: number; runs: number[] }> {
  await initBackend("wasm", { library: blas ? "auto" : "off", threads: 2 });
  const config = BENCH_SHAPES[shape];
  const model = createModel(config, 1);
  const rng = Rng.derive(1, "bench-prompts");
  const prompts = Array.from(
    { length: options.prompts },
    () => Int32Array.from({ length: 8 + rng.int(17) }, () => rng.int(config.vocab_size)),
  );
  const sampling = {
    maxNewTokens: options.maxNewTokens,
    temperature: 1,
    topP: 0.9,
    topK: 0,
    seed: 5,
    batchSize: options.batchSize,
  };
  const runs: number[] = [];
  try {
    await generate(model, prompts.slice(0, options.batchSize), 1, sampling); // warm-up
    for (let run = 0; run < options.runs; run++) {
      const start = performance.now();
      const outputs = await generate(model, prompts, 1, sampling);
      const tokens = outputs.reduce((sum, o) => sum + o.length, 0);
      runs.push(tokens / ((performance.now() - start) / 1000));
    }
  } finally {
    model.dispose();
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], runs };
}

/** Median generation tokens/s for shapes a and b with BLAS. */
export async function benchGenerate(
  options: GenerateBenchOptions = DEFAULT_OPTIONS,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const shape of ["a", "b"] as const) {
    out[`generate_${shape}_blas_tokens_per_s`] = (await benchGenerateShape(shape, true, options)).median;
  }
  return out;
}

if (import.meta.main) {
  const shape = (Deno.args[0] ?? "a") as "a" | "b";
  console.log(
    shape,
    await benchGenerateShape(shape, Deno.args[1] !== "off", { ...DEFAULT_OPTIONS, runs: 1 }),
  );
}
