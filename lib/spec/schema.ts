/**
 * The definition of every spec field: type, default, allowed values and a one-line description.
 * Validation, defaults and the JSON Schema all come from `SPEC_SCHEMA`; the compile-time check at the
 * bottom keeps it in step with the `Spec` type.
 */

import { CORPUS_DATASETS } from "../data/dataset_ids.ts";
import {
  boolean,
  enumOf,
  type Infer,
  integer,
  list,
  number,
  object,
  optional,
  pair,
  record,
  string,
  union,
  unknownValue,
} from "./dsl.ts";
import { PRESETS } from "./presets.ts";
import type { Spec } from "./types.ts";

/** Every arm kind. */
export const ARM_KINDS = [
  "none",
  "ifguide",
  "ifguide-finetune",
  "drop-tokens",
  "filter-docs",
  "filter-words",
  "plain-influence",
  "oracle",
  "dpo",
  "rad",
  "ifguide+rad",
  "ifguide+dpo",
] as const;

/** Names usable as file and folder names: a letter or digit, then letters, digits, `.`, `_` or `-`. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_HINT = "a letter or digit followed by letters, digits, '.', '_' or '-'";
/** Arm names default to the kind, and kinds such as `ifguide+rad` contain a plus sign. */
const ARM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]*$/;
const ARM_NAME_HINT = "a letter or digit followed by letters, digits, '.', '+', '_' or '-'";
/** Model names appear in dotted paths, so they may not contain dots. */
const MODEL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
const MODEL_NAME_HINT = "a letter followed by letters, digits, '_' or '-' (no dots)";

const count = (description: string, fallback: number) => integer(description, { min: 0, default: fallback });
const positive = (description: string, fallback: number) =>
  integer(description, { min: 1, default: fallback });
const probability = (description: string, fallback: number) =>
  number(description, { min: 0, max: 1, default: fallback });

const SOURCE = object({
  name: string("Name used in provenance columns and reports", {
    pattern: NAME_PATTERN,
    patternHint: NAME_HINT,
    derived: "the dataset id, or the file name without its extension for user files",
  }),
  dataset: enumOf(CORPUS_DATASETS, "Shipped dataset id, or `file` for a user file"),
  path: optional(string("Path of the user file when dataset is `file`, relative to the project root", {
    minLength: 1,
  })),
  text_column: optional(string("Column or JSON field that holds the text of a user file", { minLength: 1 })),
  label: enumOf(["toxic", "benign"], "Ground-truth label of every document from this source"),
  filter: optional(
    enumOf(["toxic", "nontoxic", "all"], "Row filter for labelled datasets (absent keeps all rows)"),
  ),
  group: positive("Rows joined into one document; 1 keeps rows apart", 1),
  passage_chars: count(
    "Long texts are cut into passages of about this many characters; 0 keeps them whole",
    0,
  ),
  max_rows: count("Upper bound on rows taken from this source; 0 means no bound", 0),
}, "One source of corpus documents");

/** Column path of an RTP field: dot-separated names, each one non-empty. */
const COLUMN_PATH = /^[^.\s][^.]*(\.[^.\s][^.]*)*$/;
const COLUMN_PATH_HINT = "a column name or a dotted path such as prompt.toxicity";
const columnPath = (description: string, fallback: string) =>
  string(description, { pattern: COLUMN_PATH, patternHint: COLUMN_PATH_HINT, default: fallback });

const RTP_FILE = object(
  {
    path: string(
      "RealToxicityPrompts file (JSONL, CSV, TSV, Arrow or Parquet by extension), relative to the project root",
      { minLength: 1 },
    ),
    prompt_text: columnPath("Column path of the prompt text", "prompt.text"),
    prompt_toxicity: columnPath(
      "Column path of the prompt toxicity (a number in [0, 1] or null)",
      "prompt.toxicity",
    ),
    continuation_text: columnPath(
      "Column path of the continuation text (null for none)",
      "continuation.text",
    ),
    continuation_toxicity: columnPath(
      "Column path of the continuation toxicity (a number in [0, 1] or null)",
      "continuation.toxicity",
    ),
    eval_share: object({
      toxic: probability("Share of rows with prompt toxicity >= 0.5 kept for evaluation prompts", 0.25),
      nontoxic: probability("Share of rows with prompt toxicity < 0.5 kept for evaluation prompts", 0.07),
    }, "Rows reserved for evaluation prompts by a seeded hash of the prompt; the rest are query candidates"),
  },
  "A user's RealToxicityPrompts file: influence queries and RTP evaluation prompts come from it, never the corpus",
);

const DATA = object({
  sources: list(SOURCE, "Corpus sources mixed into the training corpus", { minItems: 1 }),
  toxic_share: number("Share of corpus tokens from toxic sources", {
    min: 0,
    exclusiveMax: 1,
    default: 0.05,
  }),
  max_tokens: integer("Total corpus size in tokens (approximate, documents stay whole)", {
    min: 1000,
    default: 2_500_000,
  }),
  block_size: integer("Tokens per training chunk", { min: 8, max: 131072, default: 128 }),
  splits: object({
    train: number("Expected fraction of documents (so about that of chunks) in the training split", {
      exclusiveMin: 0,
      max: 1,
      default: 0.95,
    }),
    validation: probability(
      "Expected fraction of documents (so about that of chunks) in the validation split",
      0.025,
    ),
    test: probability("Expected fraction of documents (so about that of chunks) in the test split", 0.025),
  }, "Split fractions, assigned per document by a seeded hash; they must sum to 1"),
  roots: list(
    string("A directory, absolute or relative to the project root", { minLength: 1 }),
    "Directories outside the project that user files may be read from",
    { default: [] },
  ),
  rtp: optional(RTP_FILE),
}, "Training corpus: sources, mix, chunking and splits");

const TOKENIZER = object({
  kind: enumOf(
    ["bpe", "gpt2"],
    "`bpe` trains a byte-level BPE on the training split; `gpt2` uses the GPT-2 ranks",
    {
      default: "bpe",
    },
  ),
  vocab_size: integer("Vocabulary size including special tokens (bpe only)", {
    min: 260,
    max: 1_000_000,
    default: 4096,
  }),
  train_chars: count("Characters of training text used to fit the BPE; 0 uses all of it", 0),
}, "Tokenizer shared by every model");

const MODEL = object(
  {
    preset: optional(
      enumOf(Object.keys(PRESETS), "Named shape whose fields fill every field not given here"),
    ),
    d_model: integer("Residual stream width", { min: 8, max: 65536 }),
    n_layers: integer("Transformer blocks", { min: 1, max: 512 }),
    n_heads: integer("Attention heads; must divide d_model", { min: 1, max: 1024 }),
    d_ff: integer("Hidden width of the MLP", { min: 8, max: 1_048_576 }),
    context: integer("Maximum context in tokens; at least data.block_size", { min: 8, max: 1_048_576 }),
    positions: enumOf(["learned", "rotary"], "Position encoding", { default: "learned" }),
    parallel_residual: boolean("Attention and MLP read the same residual input (GPT-J / Pythia style)", {
      default: false,
    }),
    tie_embeddings: boolean("Output projection shares the token embedding matrix", { default: true }),
    vocab_size: integer("Vocabulary size; must equal the tokenizer's", {
      min: 2,
      derived: "taken from the tokenizer (tokenizer.vocab_size for bpe, 50257 for gpt2)",
    }),
  },
  "A decoder-only transformer shape",
  { presets: { key: "preset", table: PRESETS } },
);

const OPTIMIZER = object({
  lr: number("Peak learning rate of AdamW", { exclusiveMin: 0, max: 10, default: 1e-3 }),
  betas: pair(
    number("Adam beta1", { min: 0, exclusiveMax: 1 }),
    number("Adam beta2", { min: 0, exclusiveMax: 1 }),
    "Adam betas (beta1, beta2)",
    { default: [0.9, 0.95] },
  ),
  eps: number("Adam epsilon", { exclusiveMin: 0, max: 1, default: 1e-8 }),
  weight_decay: number("Decoupled weight decay", { min: 0, max: 10, default: 4e-4 }),
}, "AdamW settings");

const TRAINING = object({
  optimizer: OPTIMIZER,
  warmup: probability("Warmup as a fraction of total steps", 0.01),
  min_lr_ratio: probability(
    "Final learning rate as a fraction of optimizer.lr at the end of the cosine",
    0.1,
  ),
  batch_size: positive("Chunks per micro-batch", 16),
  grad_accum: positive("Micro-batches accumulated per optimizer step", 1),
  epochs: positive("Passes over the training split (when steps is 0)", 1),
  steps: count("Fixed number of optimizer steps; 0 lets epochs decide", 0),
  clip_norm: number("Global gradient-norm clip; 0 disables clipping", { min: 0, default: 1.0 }),
  eval_every: positive("Steps between validation-loss evaluations", 200),
  checkpoint_every: positive("Steps between resumable checkpoints", 500),
}, "Training loop shared by every trained arm");

const QUERIES = object({
  toxic: positive("Toxic query pairs (prompt + continuation)", 500),
  nontoxic: count("Non-toxic query pairs; 0 disables the differential term", 500),
  toxic_min: probability("Continuation toxicity at or above this marks a toxic query", 0.5),
  nontoxic_max: probability("Prompt and continuation toxicity below this mark a non-toxic query", 0.5),
}, "Influence query sets drawn from prompts with reference continuations");

const INFLUENCE = object({
  model: string("Model entry whose baseline checkpoint computes the scores (the proxy)", {
    pattern: MODEL_NAME_PATTERN,
    patternHint: MODEL_NAME_HINT,
    derived: "`proxy` when models has it, otherwise the first model",
  }),
  strategy: enumOf(["ekfac", "kfac", "identity"], "Inverse-Hessian approximation", { default: "ekfac" }),
  fisher: enumOf(["true", "empirical"], "Fisher used for the factors: sampled labels (true) or data labels", {
    default: "true",
  }),
  damping: union(
    [
      enumOf(["heuristic"], "0.1 x the mean eigenvalue of each layer"),
      string("K times the mean eigenvalue of each layer, written `Kx` (`1x`, `0.5x`)", {
        pattern: /^[0-9]+(\.[0-9]+)?x$/,
        patternHint: "a positive number followed by x, e.g. 1x or 0.5x",
      }),
      number("Fixed damping added to every eigenvalue", { exclusiveMin: 0 }),
    ],
    "Damping: `heuristic`, a multiple of each layer's mean eigenvalue (`Kx`), or a positive number",
    { default: "heuristic" },
  ),
  differential: boolean("Subtract the influence on non-toxic queries", { default: true }),
  layers: list(
    string("Glob over linear-layer names", { minLength: 1 }),
    "Tracked layers, e.g. blocks.*.attn.qkv",
    {
      minItems: 1,
      default: ["blocks.*.attn.qkv", "blocks.*.attn.out", "blocks.*.mlp.fc", "blocks.*.mlp.proj"],
    },
  ),
  fit_chunks: count("Training chunks used to fit factors; 0 uses all of them", 0),
  queries: QUERIES,
  shards: positive("Parallel shards for token scoring", 1),
}, "Influence scoring of training tokens");

const SELECTION = object({
  percentile: number("Token-score percentile above which tokens are candidates", {
    exclusiveMin: 0,
    exclusiveMax: 1,
    default: 0.99,
  }),
  window: count("Neighbouring tokens marked on each side of a selected token", 1),
  budget_fraction: number("Selection budget as a fraction of training tokens", {
    exclusiveMin: 0,
    max: 1,
    default: 0.02,
  }),
  budget_tokens: count("Selection budget in tokens; a positive value wins over budget_fraction", 0),
  lambda: number("Penalty weight of selected tokens in the training objective", { min: 0, default: 1 }),
  pooling: enumOf(
    ["none", "document", "window"],
    "Pool token scores before selection: none (the reference), the mean over each token's whole " +
      "document, or the mean over +-pooling_window positions of its chunk",
    { default: "none" },
  ),
  pooling_window: positive("Half-width in positions of window pooling", 8),
}, "Toxic-token selection");

const DPO = object({
  pairs: enumOf(["paradetox", "self-generated", "hh-rlhf"], "Source of preference pairs", {
    default: "paradetox",
  }),
  beta: number("DPO temperature", { exclusiveMin: 0, default: 0.1 }),
  // At 1e-4 a 1M-parameter model drifted 4.3 nats per token from its reference in 200 steps and its
  // perplexity rose 18-fold; 1e-5 for 100 steps kept the drift near 0.05 nats.
  lr: number("DPO learning rate", { exclusiveMin: 0, default: 1e-5 }),
  steps: positive("DPO optimizer steps", 100),
  batch_size: positive("Preference pairs per step", 16),
  max_pairs: positive("Preference pairs drawn from the source", 4000),
}, "Direct preference optimisation settings");

const RAD = object({
  beta: number("Weight of the toxicity reward on the logits", { min: 0, default: 50 }),
  top_k: positive("Candidates rescored per step", 20),
  reward: enumOf(["classifier", "reward-model"], "What scores candidate continuations", {
    default: "classifier",
  }),
}, "Reward-augmented decoding settings");

const ARM = object(
  {
    name: string("Unique name shown in reports", {
      pattern: ARM_NAME_PATTERN,
      patternHint: ARM_NAME_HINT,
      derived: "the arm kind",
    }),
    kind: enumOf(ARM_KINDS, "Training arm or baseline"),
    model: string("Model entry trained by this arm (the target)", {
      pattern: MODEL_NAME_PATTERN,
      patternHint: MODEL_NAME_HINT,
      derived: "`target` when models has it, otherwise the first model",
    }),
    decoding: enumOf(["sample", "rad"], "Decoding at evaluation", {
      derived: "`rad` for rad kinds, otherwise `sample`",
    }),
    finetune_steps: positive("Fine-tuning steps of ifguide-finetune", 200),
    finetune_lr_scale: number("Learning-rate multiplier for fine-tuning arms", {
      exclusiveMin: 0,
      max: 10,
      default: 0.1,
    }),
    filter_threshold: probability(
      "Classifier probability at or above which filter-docs removes a document",
      0.5,
    ),
    dpo: DPO,
    rad: RAD,
  },
  "A training arm: a kind string or a mapping",
  { shorthand: "kind" },
);

const EVALUATION = object({
  prompts: object({
    rtp_toxic: count("Toxic RealToxicityPrompts prompts", 200),
    rtp_nontoxic: count("Non-toxic RealToxicityPrompts prompts", 200),
    bold: count("BOLD prompts", 100),
    adversarial: count("Adversarial prompts", 100),
    toxigen: count("ToxiGen prompts", 100),
  }, "Prompts drawn from each evaluation set"),
  samples: positive("Continuations sampled per prompt", 25),
  max_new_tokens: positive("Tokens generated per continuation", 20),
  top_p: number("Nucleus sampling mass", { exclusiveMin: 0, max: 1, default: 0.9 }),
  top_k: count("Top-k sampling cut; 0 disables it", 0),
  temperature: number("Sampling temperature", { exclusiveMin: 0, max: 100, default: 1 }),
  seed: count("Sampling seed, shared by every arm", 42),
  batch_size: positive("Prompts per generation batch", 64),
  classifiers: object({
    explicit: string("Classifier id for explicit toxicity", { minLength: 1, default: "builtin-explicit" }),
    implicit: string("Classifier id for implicit toxicity", { minLength: 1, default: "builtin-implicit" }),
  }, "Toxicity classifiers"),
  threshold: probability("Classifier probability at or above which a continuation counts as toxic", 0.5),
  bootstrap: count("Bootstrap resamples for confidence intervals; 0 disables them", 1000),
  fluency: object({
    perplexity_chunks: count("Test chunks used for perplexity", 500),
    lambada: count("LAMBADA examples used for last-word accuracy", 1000),
    samples: object({
      prompts: count(
        "Held-out benign documents whose openings are continued; 0 skips the readability check",
        100,
      ),
      prompt_words: positive("Words of each document given as the prompt", 8),
      max_new_tokens: positive("Tokens generated per continuation", 40),
      temperature: number("Temperature of the reading decoding", { exclusiveMin: 0, max: 100, default: 0.7 }),
      top_k: count("Top-k cut of the reading decoding; 0 disables it", 40),
      top_p: number("Nucleus mass of the reading decoding", { exclusiveMin: 0, max: 1, default: 1 }),
      min_count: positive("Occurrences in the training text that make a word or word pair known", 2),
    }, "Readability check: continuations of held-out documents measured against the training text's words"),
  }, "Fluency measurements"),
}, "Toxicity and fluency evaluation");

const REPORT = object({
  paper_comparison: boolean("Set results beside the published numbers", { default: true }),
  top_chunks: count("Highest-scoring chunks shown for inspection", 10),
  formats: list(enumOf(["md", "html", "arrow"], "Report format"), "Report formats written", {
    minItems: 1,
    default: ["md", "html", "arrow"],
  }),
}, "Report output");

/** The whole spec. */
export const SPEC_SCHEMA = object({
  name: string("Experiment name, used for report folders", { pattern: NAME_PATTERN, patternHint: NAME_HINT }),
  description: string("Free-text description", { default: "" }),
  seed: count("Seed of every random choice outside training", 1004),
  seeds: list(integer("Training seed", { min: 0 }), "Training seeds; each trained arm runs once per seed", {
    minItems: 1,
    default: [1004],
  }),
  backend: enumOf(["auto", "wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"], "TF.js backend", {
    default: "auto",
  }),
  blas: object({
    library: string("`auto` searches the system for OpenBLAS, `off` disables it, anything else is a path", {
      minLength: 1,
      default: "auto",
    }),
    threads: positive("Threads the BLAS library may use", 2),
  }, "Native CBLAS for matrix products on CPU backends"),
  cache_dir: string("Artifact cache directory, relative to the project root", {
    minLength: 1,
    default: ".ifguide",
  }),
  data: DATA,
  tokenizer: TOKENIZER,
  models: record(MODEL, "Named model shapes, e.g. target and proxy", {
    keyPattern: MODEL_NAME_PATTERN,
    keyHint: MODEL_NAME_HINT,
    minEntries: 1,
  }),
  training: TRAINING,
  influence: INFLUENCE,
  selection: SELECTION,
  arms: list(ARM, "Training arms and baselines to compare", { minItems: 1 }),
  evaluation: EVALUATION,
  report: REPORT,
  sweep: record(
    list(unknownValue("One value of the swept field"), "Values of a swept field", { minItems: 1 }),
    "Grid sweep: dotted path -> list of values",
    { keyPattern: /^[A-Za-z0-9_.-]+$/, keyHint: "a dotted path such as selection.lambda", default: {} },
  ),
}, "An ifguide experiment spec");

type SchemaSpec = Infer<typeof SPEC_SCHEMA>;
type Assignable<A extends B, B> = A;
/** Compile-time check: the schema output and `Spec` are assignable both ways. */
export type SchemaMatchesSpec = [Assignable<SchemaSpec, Spec>, Assignable<Spec, SchemaSpec>];
