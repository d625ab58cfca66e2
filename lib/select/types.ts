/**
 * Types of the selection stage: token scores in the (chunk id, position) key space, the selection
 * mask and its statistics. Arrays are row-major over the scored chunks: entry (c, t) is at index
 * c * blockSize + t, where c indexes `chunkIds`.
 */

/** Token scores of the scored (training) chunks, held in memory. */
export interface TokenScores {
  numChunks: number;
  blockSize: number;
  /** Corpus chunk id of each scored chunk, [numChunks]. */
  chunkIds: Int32Array;
  /** Score of every token position, [numChunks * blockSize]. */
  scores: Float32Array;
}

/** One record batch of scores: three equally long columns in the (chunk id, position) key space. */
export interface ScoreBatch {
  chunkIds: Int32Array;
  positions: Int32Array;
  scores: Float32Array;
}

/**
 * A re-readable stream of score batches. Selection reads it several times (validation and histogram,
 * quantile refinement, candidate gathering), so `batches()` must restart from the first row each call.
 */
export interface ScoreSource {
  /** Origin of the scores for error messages: a file path or `in-memory token scores`. */
  label: string;
  batches(): AsyncIterable<ScoreBatch>;
}

/** Reason the marking loop ended. */
export type StopReason =
  /** The next window would have marked more tokens than the budget allows. */
  | "budget"
  /** Every above-threshold position of every chunk was visited within the budget. */
  | "exhausted"
  /** No score is strictly above the threshold (for example, an all-equal score matrix). */
  | "no-candidates";

/** Statistics of one selection, stored in its manifest. */
export interface SelectionStats {
  /** Quantile level p in [0, 1] and the threshold tau it gave. */
  percentile: number;
  threshold: number;
  /** Quantile convention used for tau. */
  quantileMethod: string;
  window: number;
  blockSize: number;
  scoredTokens: number;
  scoredChunks: number;
  /** Positions with a score strictly above the threshold, and the chunks holding them. */
  candidateTokens: number;
  candidateChunks: number;
  /** Budget in tokens after resolving `budget_tokens` / `budget_fraction`. */
  budgetTokens: number;
  tokensSelected: number;
  /** tokensSelected / budgetTokens (0 when the budget is 0). */
  budgetUsed: number;
  /** Scored chunks with at least one selected position. */
  chunksTouched: number;
  stopReason: StopReason;
  /** Corpus chunk id and position of the window that overflowed the budget, when stopReason is `budget`. */
  stoppedAt?: { chunkId: number; position: number; windowTokens: number };
}

/** Chunk ranking by the harmonic mean of the normalised above-threshold count and sum. */
export interface ChunkRanking {
  /** Corpus chunk ids in rank order, highest first; only chunks with at least one candidate. */
  chunkIds: Int32Array;
  /** Harmonic-mean rank score of each ranked chunk. */
  rankScores: Float64Array;
  /** Above-threshold count and score sum of each ranked chunk (before normalisation). */
  counts: Int32Array;
  sums: Float64Array;
}

/** The output of the selection stage. */
export interface SelectionResult {
  numChunks: number;
  blockSize: number;
  /** Corpus chunk id of each scored chunk, [numChunks]. */
  chunkIds: Int32Array;
  /** 1 where a token is selected, [numChunks * blockSize]. */
  mask: Uint8Array;
  ranking: ChunkRanking;
  stats: SelectionStats;
}
