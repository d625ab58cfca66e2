/**
 * Influence-engine throughput for the two reference shapes (vocabulary 4,096, context 128, random
 * weights and random tokens): factor fitting (EK-FAC covariance pass, eigendecompositions and the
 * eigenvalue-correction pass, all tracked layers, true Fisher) and token scoring, in training tokens
 * per second. Each is set beside the training throughput of the same shape, because scoring costs
 * about one forward and one backward pass per token and should keep up with one training epoch.
 * The CPU may be shared with other work, so compare runs made under the same conditions.
 */

import { initBackend } from "../lib/backend/init.ts";
import type { Corpus, QuerySets, Tokenizer } from "../lib/data/types.ts";
import {
  buildQueryGradient,
  fitFactors,
  resolvedEigenMethod,
  scoreTokens,
  selectLayers,
} from "../lib/influence/mod.ts";
import { createModel } from "../lib/model/gpt.ts";
import { Rng } from "../lib/util/rng.ts";
import { BENCH_SHAPES, benchTrainShape } from "./train.ts";

/** Sizes of one influence measurement. */
export interface InfluenceBenchOptions {
  /** Chunks of 128 tokens fitted and scored. */
  chunks: number;
  /** Chunks per batch for fitting and scoring. */
  batchSize: number;
  /** Measure training throughput too (adds about a minute). */
  compareTraining: boolean;
  /** Scoring and training measurements; the median is reported. */
  runs: number;
}

const DEFAULT_OPTIONS: InfluenceBenchOptions = { chunks: 64, batchSize: 16, compareTraining: true, runs: 3 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Tracked layers of the benchmark: every attention and MLP projection. */
const TRACKED = ["blocks.*.attn.*", "blocks.*.mlp.*"];

function randomCorpus(vocab: number, chunks: number, blockSize: number): Corpus {
  const rng = Rng.derive(1, "bench-influence-corpus");
  const tokens = Int32Array.from({ length: chunks * blockSize }, () => rng.int(vocab));
  return {
    blockSize,
    numChunks: chunks,
    tokens,
    docIds: new Int32Array(chunks * blockSize),
    chunkSplit: new Uint8Array(chunks),
    documents: {
      source: ["random"],
      toxic: new Uint8Array(1),
      tokens: Int32Array.of(chunks * blockSize),
      rowId: ["r"],
      text: [""],
    },
    stats: {},
  };
}

/** Build a tokenizer over space-separated ids, enough for random queries. */
function idTokenizer(vocab: number): Tokenizer {
  return {
    kind: "bpe",
    vocabSize: vocab,
    eotId: 0,
    padId: 0,
    encode: (text) => Int32Array.from(text.split(" ").filter(Boolean).map(Number)),
    decode: (ids) => Array.from(ids).join(" "),
    tokenText: (id) => String(id),
  };
}

function randomQueries(vocab: number, count: number): QuerySets {
  const rng = Rng.derive(2, "bench-influence-queries");
  const text = (length: number) => Array.from({ length }, () => 1 + rng.int(vocab - 1)).join(" ");
  const rows = (prefix: string) =>
    Array.from(
      { length: count },
      (_, i) => ({ id: `${prefix}${i}`, prompt: text(12), continuation: text(20) }),
    );
  return { toxic: rows("t"), nontoxic: rows("n") };
}

/** Fitting and scoring rates of one shape, in tokens per second, plus the training rate. */
export async function benchInfluenceShape(
  shape: "a" | "b",
  options: InfluenceBenchOptions = DEFAULT_OPTIONS,
): Promise<Record<string, number>> {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const config = BENCH_SHAPES[shape];
  const model = createModel(config, 1);
  const corpus = randomCorpus(config.vocab_size, options.chunks, config.context);
  const chunkIds = Int32Array.from({ length: options.chunks }, (_, i) => i);
  const tokens = options.chunks * config.context;
  const out: Record<string, number> = {};
  try {
    const layers = selectLayers(model.linearLayers(), TRACKED);
    // Warm-up: one small batch through fitting and scoring compiles every kernel once.
    await fitFactors(model, corpus, layers, chunkIds.subarray(0, 2), {
      strategy: "ekfac",
      fisher: "true",
      seed: 1,
      batchSize: 2,
    });

    let start = performance.now();
    const factors = await fitFactors(model, corpus, layers, chunkIds, {
      strategy: "ekfac",
      fisher: "true",
      seed: 1,
      batchSize: options.batchSize,
    });
    out[`influence_${shape}_fit_tokens_per_s`] = tokens / ((performance.now() - start) / 1000);
    out[`influence_${shape}_fit_factors`] = factors.layers.length;

    start = performance.now();
    const query = await buildQueryGradient(
      model,
      factors,
      idTokenizer(config.vocab_size),
      randomQueries(config.vocab_size, 32),
      {
        differential: true,
        damping: "heuristic",
      },
    );
    out[`influence_${shape}_query_gradient_s`] = (performance.now() - start) / 1000;

    await scoreTokens(model, query, corpus, chunkIds.subarray(0, 2), { batchSize: 2 });
    const rates: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      start = performance.now();
      await scoreTokens(model, query, corpus, chunkIds, { batchSize: options.batchSize });
      rates.push(tokens / ((performance.now() - start) / 1000));
    }
    out[`influence_${shape}_score_tokens_per_s`] = median(rates);
  } finally {
    model.dispose();
  }
  if (options.compareTraining) {
    const train = await benchTrainShape(shape, true, { warmupSteps: 2, steps: 4, runs: options.runs });
    out[`influence_${shape}_train_tokens_per_s`] = train.median;
    out[`influence_${shape}_score_over_train`] = out[`influence_${shape}_score_tokens_per_s`] / train.median;
  }
  return out;
}

/** Influence throughput for shapes a (width 128, 4 layers) and b (width 256, 6 layers). */
export async function benchInfluence(
  options: InfluenceBenchOptions = DEFAULT_OPTIONS,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const shape of ["a", "b"] as const) Object.assign(out, await benchInfluenceShape(shape, options));
  out.influence_eigen_lapack = resolvedEigenMethod("auto") === "lapack" ? 1 : 0;
  return out;
}

if (import.meta.main) {
  const shape = Deno.args[0] as "a" | "b" | undefined;
  const result = shape ? await benchInfluenceShape(shape) : await benchInfluence();
  for (const [name, value] of Object.entries(result)) console.log(`${name.padEnd(40)} ${value.toFixed(2)}`);
}
