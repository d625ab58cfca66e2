/**
 * Loss batches for the influence engine: training chunks with the summed next-token loss, and
 * prompt + completion queries whose loss covers the completion tokens only.
 *
 * Shape legend: B rows, T positions per row. Position t carries the loss of predicting token t + 1.
 */

import type { Corpus, PromptRow, Tokenizer } from "../data/types.ts";
import type { LossBatch } from "./capture.ts";

/** A batch of whole corpus chunks: every position but the last predicts the next token. */
export function chunkBatch(corpus: Corpus, chunkIds: ArrayLike<number>): LossBatch {
  const { blockSize: time } = corpus;
  const rows = chunkIds.length;
  const tokens = new Int32Array(rows * time);
  const targets = new Int32Array(rows * time);
  const weights = new Float32Array(rows * time);
  for (let r = 0; r < rows; r++) {
    const chunk = chunkIds[r];
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= corpus.numChunks) {
      throw new RangeError(`chunk id ${chunk} is outside the corpus (0..${corpus.numChunks - 1})`);
    }
    const source = corpus.tokens.subarray(chunk * time, (chunk + 1) * time);
    tokens.set(source, r * time);
    targets.set(source.subarray(1), r * time);
    weights.fill(1, r * time, r * time + time - 1);
  }
  return { batch: rows, time, tokens, targets, weights };
}

/** Token ids of one query: the prompt followed by the completion, and where the completion starts. */
export interface EncodedQuery {
  tokens: Int32Array;
  /** Index of the first completion token in `tokens`; at least 1 so it has a context. */
  completionStart: number;
}

/**
 * Encode a prompt + completion pair for a model with `context` positions. A prompt that does not
 * fit loses tokens from its start; an empty prompt becomes the end-of-text token so the first
 * completion token has a context. Returns null when the row has no completion text.
 */
export function encodeQuery(row: PromptRow, tokenizer: Tokenizer, context: number): EncodedQuery | null {
  if (!row.continuation) return null;
  let prompt = tokenizer.encode(row.prompt);
  let completion = tokenizer.encode(row.continuation);
  if (completion.length === 0) return null;
  if (prompt.length === 0) prompt = Int32Array.of(tokenizer.eotId);
  if (completion.length > context - 1) completion = completion.subarray(0, context - 1);
  if (prompt.length + completion.length > context) {
    prompt = prompt.subarray(prompt.length - (context - completion.length));
  }
  const tokens = new Int32Array(prompt.length + completion.length);
  tokens.set(prompt);
  tokens.set(completion, prompt.length);
  return { tokens, completionStart: prompt.length };
}

/**
 * A padded batch of encoded queries. Padding goes to the right, so causal attention keeps it away
 * from real positions; it carries no loss and its activations are masked out.
 */
export function queryBatch(queries: EncodedQuery[], padId: number): LossBatch {
  const rows = queries.length;
  const time = Math.max(2, ...queries.map((q) => q.tokens.length));
  const tokens = new Int32Array(rows * time).fill(padId);
  const targets = new Int32Array(rows * time);
  const weights = new Float32Array(rows * time);
  const mask = new Uint8Array(rows * time);
  queries.forEach((query, r) => {
    const offset = r * time;
    tokens.set(query.tokens, offset);
    mask.fill(1, offset, offset + query.tokens.length);
    for (let t = query.completionStart - 1; t < query.tokens.length - 1; t++) {
      targets[offset + t] = query.tokens[t + 1];
      weights[offset + t] = 1;
    }
  });
  return { batch: rows, time, tokens, targets, weights, mask };
}
