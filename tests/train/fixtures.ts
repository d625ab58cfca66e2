/** Small synthetic corpora, configs and stage contexts for model and training tests. */

import type { Corpus } from "../../lib/data/types.ts";
import type { ModelConfig } from "../../lib/model/types.ts";
import { silentEvents, type StageEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import type { TrainingSpec } from "../../lib/spec/types.ts";
import { Rng } from "../../lib/util/rng.ts";

/** Build a tiny model config: 2 layers, width 16, 2 heads. */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    d_model: 16,
    n_layers: 2,
    n_heads: 2,
    d_ff: 32,
    context: 16,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: 23,
    ...overrides,
  };
}

/** Training settings for short test runs. */
export function tinyTraining(overrides: Partial<TrainingSpec> = {}): TrainingSpec {
  return {
    optimizer: { lr: 3e-3, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 4e-4 },
    warmup: 0.2,
    min_lr_ratio: 0.1,
    batch_size: 4,
    grad_accum: 1,
    epochs: 1,
    steps: 6,
    clip_norm: 1,
    eval_every: 2,
    checkpoint_every: 2,
    ...overrides,
  };
}

/**
 * Build a corpus of `numChunks` chunks whose tokens follow a learnable pattern: each token is the
 * previous one plus 1 or 2, modulo the vocabulary. The last `validation` chunks are validation.
 */
export function patternCorpus(
  numChunks: number,
  blockSize: number,
  vocab: number,
  seed = 7,
  validation = 2,
): Corpus {
  const rng = Rng.derive(seed, "corpus");
  const tokens = new Int32Array(numChunks * blockSize);
  let current = 0;
  for (let i = 0; i < tokens.length; i++) {
    current = (current + 1 + rng.int(2)) % vocab;
    tokens[i] = current;
  }
  const chunkSplit = new Uint8Array(numChunks);
  for (let c = numChunks - validation; c < numChunks; c++) chunkSplit[c] = 1;
  return {
    blockSize,
    numChunks,
    tokens,
    docIds: new Int32Array(tokens.length),
    chunkSplit,
    documents: {
      source: ["synthetic"],
      toxic: new Uint8Array(1),
      tokens: Int32Array.of(tokens.length),
      rowId: ["synthetic:0"],
      text: [""],
    },
    stats: {},
  };
}

/** Build a stage context on a fresh temporary scratch folder. */
export async function testContext(
  key = "test",
  events: StageEvents = silentEvents,
  signal: AbortSignal = new AbortController().signal,
  scratchDir?: string,
): Promise<StageContext> {
  return {
    events,
    signal,
    seed: 1,
    key,
    outputDir: await Deno.makeTempDir(),
    scratchDir: scratchDir ?? (await Deno.makeTempDir()),
    versions: {},
  };
}
