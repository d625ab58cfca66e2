/**
 * Fluency measures: perplexity on held-out corpus chunks and LAMBADA accuracy under two rules.
 *
 * - `lambada_last_token`: the rule of the IF-Guide reference code. The whole passage is tokenized and
 *   the argmax prediction after the second-to-last token must equal the last token (for a multi-token
 *   final word this checks only its last piece).
 * - `lambada_last_word`: the standard rule. The passage is split at its last whitespace. Greedy decoding of
 *   as many tokens as the final word has must reproduce all of them. Greedy decoding reproduces the word
 *   exactly when the argmax after each prefix of the teacher-forced word is the next word token, which is
 *   what is computed.
 *
 * Shape legend: B batch, T tokens per row.
 */

import type { Tokenizer } from "../data/types.ts";
import { bootstrapMean, type Interval } from "./bootstrap.ts";
import type { EvalLanguageModel } from "./language_model.ts";

/** Result of `perplexity`. */
export interface PerplexityResult {
  perplexity: number;
  meanNll: number;
  tokens: number;
  chunks: number;
}

/**
 * Perplexity exp(mean token NLL) over chunks [numChunks, T] of equal length. Every next-token term
 * counts once, or, with `include` ([numChunks * T], 1 = count), only the terms whose target token is
 * included. Checks `signal` between batches.
 */
export async function perplexity(
  model: EvalLanguageModel,
  chunks: Int32Array,
  time: number,
  batchSize: number,
  signal?: AbortSignal,
  onBatch?: (done: number, total: number) => void,
  include?: Uint8Array,
): Promise<PerplexityResult> {
  if (time < 2 || chunks.length % time !== 0) {
    throw new RangeError(
      `perplexity needs [chunks, T] tokens with T >= 2; got ${chunks.length} tokens and T = ${time}`,
    );
  }
  const numChunks = chunks.length / time;
  let sum = 0;
  let count = 0;
  for (let start = 0; start < numChunks; start += batchSize) {
    signal?.throwIfAborted();
    const batch = Math.min(batchSize, numChunks - start);
    const nll = await model.tokenNll(chunks.subarray(start * time, (start + batch) * time), batch, time); // [B, T-1]
    for (let i = 0; i < nll.length; i++) {
      // Entry (b, j) of nll predicts token j + 1 of chunk start + b.
      const b = Math.floor(i / (time - 1));
      const target = (start + b) * time + (i % (time - 1)) + 1;
      if (include && !include[target]) continue;
      sum += nll[i];
      count += 1;
    }
    onBatch?.(start + batch, numChunks);
  }
  const meanNll = count > 0 ? sum / count : Number.NaN;
  return { perplexity: Math.exp(meanNll), meanNll, tokens: count, chunks: numChunks };
}

/** One LAMBADA passage tokenized for both rules. */
export interface LambadaItem {
  /** Tokens of the whole passage (last-token rule). */
  passage: Int32Array;
  /** Tokens of the passage up to its last whitespace (last-word rule). */
  context: Int32Array;
  /** Tokens of that whitespace character plus the final word (last-word rule). */
  word: Int32Array;
}

/** Tokenize passages for `lambadaAccuracy`; throws when a passage has no final word after whitespace. */
export function tokenizeLambada(passages: string[], tokenizer: Tokenizer): LambadaItem[] {
  return passages.map((text, i) => {
    const trimmed = text.trimEnd();
    // The final word follows the last whitespace character (a newline in some passages).
    const cut = trimmed.search(/\s\S+$/);
    if (cut <= 0) {
      throw new RangeError(
        `LAMBADA passage ${i} has no final word after whitespace: ${JSON.stringify(trimmed.slice(-60))}`,
      );
    }
    return {
      passage: tokenizer.encode(trimmed),
      context: tokenizer.encode(trimmed.slice(0, cut)),
      word: tokenizer.encode(trimmed.slice(cut)),
    };
  });
}

/** Per-passage correctness under both rules (1 correct, 0 wrong). */
export interface LambadaResult {
  lastToken: Uint8Array;
  lastWord: Uint8Array;
}

// Keeps only the last `limit` tokens, because a forward pass accepts at most the model context.
function tail(tokens: Int32Array, limit: number): Int32Array {
  return tokens.length > limit ? tokens.subarray(tokens.length - limit) : tokens;
}

/** Greedy predictions after every position of each row, rows right-padded into batches. */
async function greedyRows(
  model: EvalLanguageModel,
  rows: Int32Array[],
  batchSize: number,
  padId: number,
  signal?: AbortSignal,
): Promise<Int32Array[]> {
  const out: Int32Array[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    signal?.throwIfAborted();
    const batch = rows.slice(start, start + batchSize);
    const time = Math.max(...batch.map((row) => row.length));
    const tokens = new Int32Array(batch.length * time).fill(padId); // [B, T]
    batch.forEach((row, b) => tokens.set(row, b * time));
    const predictions = await model.greedyNext(tokens, batch.length, time); // [B, T]
    batch.forEach((row, b) => out.push(predictions.slice(b * time, b * time + row.length)));
  }
  return out;
}

/** Score LAMBADA items under both rules. */
export async function lambadaAccuracy(
  model: EvalLanguageModel,
  items: LambadaItem[],
  batchSize: number,
  padId: number,
  signal?: AbortSignal,
): Promise<LambadaResult> {
  const passages = items.map((item) => tail(item.passage, model.context));
  const joined = items.map((item) => {
    const full = new Int32Array(item.context.length + item.word.length);
    full.set(item.context);
    full.set(item.word, item.context.length);
    return tail(full, model.context);
  });
  const passagePredictions = await greedyRows(model, passages, batchSize, padId, signal);
  const joinedPredictions = await greedyRows(model, joined, batchSize, padId, signal);

  const lastToken = new Uint8Array(items.length);
  const lastWord = new Uint8Array(items.length);
  items.forEach((item, i) => {
    const tokens = passages[i];
    const T = tokens.length;
    lastToken[i] = T >= 2 && passagePredictions[i][T - 2] === tokens[T - 1] ? 1 : 0;

    const full = joined[i];
    const wordStart = full.length - item.word.length;
    let correct = wordStart >= 1 && item.word.length > 0;
    for (let t = wordStart; correct && t < full.length; t++) {
      correct = joinedPredictions[i][t - 1] === full[t];
    }
    lastWord[i] = correct ? 1 : 0;
  });
  return { lastToken, lastWord };
}

/** Accuracy with a bootstrap interval over passages. */
export function accuracyInterval(correct: Uint8Array, rounds: number, seed: number): Interval {
  return bootstrapMean(correct, rounds, seed);
}
