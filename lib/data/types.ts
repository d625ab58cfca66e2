/**
 * Data types shared across stages: the tokenizer, the chunked corpus with per-token provenance, and
 * prompt/query sets. Token-aligned artifacts all use one key space: (chunk id, position).
 */

/** A text tokenizer with an end-of-text and a padding token. */
export interface Tokenizer {
  readonly kind: "bpe" | "gpt2";
  readonly vocabSize: number;
  readonly eotId: number;
  readonly padId: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** Text of a single token, for inspection views (bytes that are not valid UTF-8 shown escaped). */
  tokenText(id: number): string;
}

/** Chunk split codes stored in `Corpus.chunkSplit`. */
export const SPLIT_CODES = { train: 0, validation: 1, test: 2 } as const;
export type SplitName = keyof typeof SPLIT_CODES;

/** Per-document metadata of the corpus. Arrays are indexed by document id. */
export interface CorpusDocuments {
  /** Source name of each document (an entry of `data.sources`). */
  source: string[];
  /** 1 when the document comes from a toxic source (ground truth for attribution metrics). */
  toxic: Uint8Array;
  /** Number of tokens of each document in the corpus, end-of-text token included. */
  tokens: Int32Array;
  /** Stable id of the first source row of the document (for leakage checks and inspection). */
  rowId: string[];
  /** Text of the document (for filtering baselines and inspection). */
  text: string[];
}

/**
 * The tokenized corpus cut into fixed chunks of `blockSize` tokens. Flat arrays are row-major
 * [numChunks, blockSize]: token (chunk c, position t) is at index c * blockSize + t.
 */
export interface Corpus {
  blockSize: number;
  numChunks: number;
  /** Token ids, [numChunks * blockSize]. */
  tokens: Int32Array;
  /** Document id of every token, [numChunks * blockSize]; the end-of-text token belongs to the document it ends. */
  docIds: Int32Array;
  /** Split code of every chunk (SPLIT_CODES), [numChunks]. */
  chunkSplit: Uint8Array;
  documents: CorpusDocuments;
  /** Statistics printed and saved by the builder (documents, tokens, toxic share, per-source counts). */
  stats: Record<string, unknown>;
}

/** One prompt, optionally with a reference continuation and labels. */
export interface PromptRow {
  /** Stable id of the source row, `source:rowid`. */
  id: string;
  prompt: string;
  continuation?: string;
  /** Toxicity of the prompt and the continuation where the source has scores (Perspective for RTP). */
  promptToxicity?: number;
  continuationToxicity?: number;
  /** Free-form group label: `toxic`/`nontoxic` for RTP, the target group for ToxiGen, the domain for BOLD. */
  group?: string;
}

/** A named set of prompts used for evaluation or as influence queries. */
export interface PromptSet {
  name: string;
  rows: PromptRow[];
}

/** Toxic and non-toxic query pairs (prompt + continuation) for differential influence. */
export interface QuerySets {
  toxic: PromptRow[];
  nontoxic: PromptRow[];
}
