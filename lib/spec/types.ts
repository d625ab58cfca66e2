/**
 * The resolved, validated experiment spec: what the YAML loader returns after `extends` merging,
 * defaults and validation. Every stage reads its own slice of this type. Field names match the YAML
 * keys (snake_case), so a dotted path in an error message or a sweep names the same field here.
 */

import type { CorpusDatasetId } from "../data/dataset_ids.ts";

/** TF.js backend names accepted in a spec. `auto` picks the fastest one that loads. */
export type BackendName = "auto" | "wasm" | "cpu" | "webgpu" | "tensorflow" | "tensorflow-gpu";

/** A native CBLAS library used for matrix products on CPU backends. */
export interface BlasSpec {
  /** `auto` looks for OpenBLAS in the usual system paths, `off` disables it, anything else is a path. */
  library: string;
  /** Threads the BLAS library may use. */
  threads: number;
}

/** One source of corpus documents. */
export interface CorpusSourceSpec {
  /** Name used in provenance columns and reports. */
  name: string;
  /** A shipped dataset id (see `data/`), or `file` for a user file. */
  dataset: CorpusDatasetId;
  /** Path of a user file when `dataset` is `file` (JSONL, text, CSV, Arrow IPC or Parquet). */
  path?: string;
  /** Column (or JSON field) holding the text of a user file. */
  text_column?: string;
  /** Ground-truth label of every document from this source. */
  label: "toxic" | "benign";
  /** Optional row filter for labelled datasets: `toxic` keeps toxic rows, `nontoxic` keeps non-toxic rows. */
  filter?: "toxic" | "nontoxic" | "all";
  /** Rows joined into one document (threads of tweets, groups of sentences). 1 keeps rows apart. */
  group: number;
  /** Long texts (books, speeches) are cut into passages of about this many characters. 0 keeps texts whole. */
  passage_chars: number;
  /** Upper bound on rows taken from this source; 0 means no bound. */
  max_rows: number;
}

export interface DataSpec {
  sources: CorpusSourceSpec[];
  /** Share of corpus tokens that come from toxic sources, in [0, 1). */
  toxic_share: number;
  /** Total corpus size in tokens (approximate; documents are whole). */
  max_tokens: number;
  /** Tokens per training chunk. */
  block_size: number;
  /** Expected fractions of documents in each split (a seeded hash per document); they sum to 1. */
  splits: { train: number; validation: number; test: number };
  /** Directories outside the project that a spec may read user files from. */
  roots: string[];
  /**
   * A user's RealToxicityPrompts file. When present, the influence query sets and the RTP evaluation
   * prompts come from this file instead of the shipped RTP subsets. Its rows never enter the corpus.
   */
  rtp?: RtpFileSpec;
}

/** A RealToxicityPrompts file supplied by the user, with the column paths of its fields. */
export interface RtpFileSpec {
  /** JSONL, CSV, TSV, Arrow IPC or Parquet file (format from the extension; `.gz` allowed for text formats). */
  path: string;
  /** Dotted column path of the prompt text (nested JSON field or flattened column name). */
  prompt_text: string;
  /** Dotted column path of the prompt toxicity, a number in [0, 1] or null. */
  prompt_toxicity: string;
  /** Dotted column path of the continuation text; null marks a prompt without continuation. */
  continuation_text: string;
  /** Dotted column path of the continuation toxicity, a number in [0, 1] or null. */
  continuation_toxicity: string;
  /**
   * Share of rows reserved for evaluation prompts, by prompt toxicity (`toxic` for prompts at or
   * above 0.5). The other rows are influence-query candidates.
   */
  eval_share: { toxic: number; nontoxic: number };
}

export interface TokenizerSpec {
  /** `bpe` trains a byte-level BPE on the training split; `gpt2` uses the GPT-2 ranks. */
  kind: "bpe" | "gpt2";
  /** Vocabulary size including special tokens (bpe only). */
  vocab_size: number;
  /** Characters of training text used to fit the BPE; 0 uses all of it. */
  train_chars: number;
}

/** A decoder-only transformer shape. Presets fill every field; explicit fields override a preset. */
export interface ModelSpec {
  preset?: string;
  d_model: number;
  n_layers: number;
  n_heads: number;
  d_ff: number;
  /** Maximum context; must be at least `data.block_size`. */
  context: number;
  positions: "learned" | "rotary";
  parallel_residual: boolean;
  tie_embeddings: boolean;
  /** Set from the tokenizer at plan time. */
  vocab_size: number;
}

export interface OptimizerSpec {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
}

export interface TrainingSpec {
  optimizer: OptimizerSpec;
  /** Warmup as a fraction of total steps. */
  warmup: number;
  /** Final learning rate as a fraction of `optimizer.lr` at the end of the cosine. */
  min_lr_ratio: number;
  batch_size: number;
  grad_accum: number;
  epochs: number;
  /** Fixed number of optimizer steps; 0 means `epochs` decide. */
  steps: number;
  clip_norm: number;
  /** Steps between validation-loss evaluations (and best-checkpoint selection). */
  eval_every: number;
  /** Steps between resumable checkpoints. */
  checkpoint_every: number;
}

export interface QuerySpec {
  toxic: number;
  nontoxic: number;
  /** Continuation toxicity at or above this marks a toxic query. */
  toxic_min: number;
  /** Continuation and prompt toxicity below this mark a non-toxic query. */
  nontoxic_max: number;
}

export interface InfluenceSpec {
  /** Name of the entry in `models` whose baseline checkpoint computes the scores (the proxy). */
  model: string;
  strategy: "ekfac" | "kfac" | "identity";
  fisher: "true" | "empirical";
  /** `heuristic` is 0.1 x mean eigenvalue per layer; a number is used as is. */
  /** `heuristic` (0.1 x each layer's mean eigenvalue), `Kx` (K x that mean) or a fixed number. */
  damping: string | number;
  differential: boolean;
  /** Glob patterns over linear-layer names, e.g. `blocks.*.attn.qkv`. */
  layers: string[];
  /** Training chunks used to fit factors; 0 uses all of them. */
  fit_chunks: number;
  queries: QuerySpec;
  shards: number;
}

export interface SelectionSpec {
  percentile: number;
  window: number;
  /** Budget as a fraction of training tokens (<= 1) ... */
  budget_fraction: number;
  /** ... or as a token count; a positive value here wins over the fraction. */
  budget_tokens: number;
  /** Penalty weight for selected tokens in the objective. */
  lambda: number;
  /** Pooling of token scores before selection: none, document spans or a window of positions. */
  pooling: "none" | "document" | "window";
  /** Half-width of window pooling, in positions. */
  pooling_window: number;
}

export type ArmKind =
  | "none"
  | "ifguide"
  | "ifguide-finetune"
  | "drop-tokens"
  | "filter-docs"
  | "filter-words"
  | "plain-influence"
  | "oracle"
  | "dpo"
  | "rad"
  | "ifguide+rad"
  | "ifguide+dpo";

export interface DpoSpec {
  pairs: "paradetox" | "self-generated" | "hh-rlhf";
  beta: number;
  lr: number;
  steps: number;
  batch_size: number;
  /** Preference pairs drawn from the source. */
  max_pairs: number;
}

export interface RadSpec {
  beta: number;
  top_k: number;
  /** `classifier` scores prefix+candidate text with the explicit classifier; `reward-model` uses a prefix model. */
  reward: "classifier" | "reward-model";
}

export interface ArmSpec {
  /** Unique name shown in reports; defaults to the kind. */
  name: string;
  kind: ArmKind;
  /** Model entry trained by this arm (the target). */
  model: string;
  /** Decoding used at evaluation. `rad` kinds set this to `rad`. */
  decoding: "sample" | "rad";
  /** Fine-tuning steps (ifguide-finetune) . */
  finetune_steps: number;
  /** Learning rate multiplier for fine-tuning arms (reference: 0.1). */
  finetune_lr_scale: number;
  /** Classifier probability at or above which a document is removed (filter-docs). */
  filter_threshold: number;
  dpo: DpoSpec;
  rad: RadSpec;
}

export interface PromptSetSizes {
  rtp_toxic: number;
  rtp_nontoxic: number;
  bold: number;
  adversarial: number;
  toxigen: number;
}

export interface EvaluationSpec {
  prompts: PromptSetSizes;
  samples: number;
  max_new_tokens: number;
  top_p: number;
  top_k: number;
  temperature: number;
  seed: number;
  batch_size: number;
  classifiers: { explicit: string; implicit: string };
  threshold: number;
  bootstrap: number;
  fluency: { perplexity_chunks: number; lambada: number; samples: FluencySamplesSpec };
}

/** Readability check: openings of held-out benign documents continued by each model. */
export interface FluencySamplesSpec {
  /** Documents continued; 0 skips the check. */
  prompts: number;
  prompt_words: number;
  max_new_tokens: number;
  /** The reading decoding; the evaluation's own decoding is measured too. */
  temperature: number;
  top_k: number;
  top_p: number;
  /** Occurrences in the training text at or above which a word or word pair counts as known. */
  min_count: number;
}

export interface ReportSpec {
  paper_comparison: boolean;
  top_chunks: number;
  formats: Array<"md" | "html" | "arrow">;
}

export interface Spec {
  name: string;
  description: string;
  seed: number;
  /** Training seeds; each trained arm is repeated once per seed. */
  seeds: number[];
  backend: BackendName;
  blas: BlasSpec;
  cache_dir: string;
  data: DataSpec;
  tokenizer: TokenizerSpec;
  models: Record<string, ModelSpec>;
  training: TrainingSpec;
  influence: InfluenceSpec;
  selection: SelectionSpec;
  arms: ArmSpec[];
  evaluation: EvaluationSpec;
  report: ReportSpec;
  /** Dotted path -> values. Empty after expansion into single runs. */
  sweep: Record<string, unknown[]>;
}
