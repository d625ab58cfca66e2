/**
 * Named model shapes that a spec can start from (`models.<name>.preset`). Explicit fields in the spec
 * override the preset. `vocab_size` is absent because the tokenizer sets it.
 */

import type { ModelSpec } from "./types.ts";

/** Every model field a preset fills. */
export type PresetShape = Omit<ModelSpec, "preset" | "vocab_size">;

const CPU_SHAPE = {
  context: 128,
  positions: "learned",
  parallel_residual: false,
  tie_embeddings: true,
} as const;

const PYTHIA_SHAPE = {
  context: 2048,
  positions: "rotary",
  parallel_residual: true,
  tie_embeddings: false,
} as const;

/**
 * Model presets. The `cpu-*` shapes are sized for CPU training (names give rough parameter counts); `pythia-*` and `llama-3.2-1b` are the published shapes of those models.
 */
export const PRESETS: Readonly<Record<string, Readonly<PresetShape>>> = {
  "cpu-0.3m": { d_model: 64, n_layers: 2, n_heads: 2, d_ff: 256, ...CPU_SHAPE },
  "cpu-1m": { d_model: 128, n_layers: 4, n_heads: 4, d_ff: 512, ...CPU_SHAPE },
  "cpu-5m": { d_model: 256, n_layers: 6, n_heads: 8, d_ff: 1024, ...CPU_SHAPE },
  "pythia-160m": { d_model: 768, n_layers: 12, n_heads: 12, d_ff: 3072, ...PYTHIA_SHAPE },
  "pythia-410m": { d_model: 1024, n_layers: 24, n_heads: 16, d_ff: 4096, ...PYTHIA_SHAPE },
  "pythia-1b": { d_model: 2048, n_layers: 16, n_heads: 8, d_ff: 8192, ...PYTHIA_SHAPE },
  "llama-3.2-1b": {
    d_model: 2048,
    n_layers: 16,
    n_heads: 32,
    d_ff: 8192,
    context: 2048,
    positions: "rotary",
    parallel_residual: false,
    tie_embeddings: true,
  },
};

/** Vocabulary size of the GPT-2 byte-level BPE (50,000 merges + 256 bytes + end-of-text). */
export const GPT2_VOCAB_SIZE = 50257;
