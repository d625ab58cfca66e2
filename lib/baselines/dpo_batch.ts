/**
 * Tokenized preference pairs for DPO: encoding with truncation to the model context, and padded batches
 * with completion masks.
 *
 * Shape legend: B sequences in a batch (two per pair: chosen rows first, then rejected rows), T the
 * longest sequence of the batch.
 *
 * Every sequence is `[eot] + prompt + completion (+ eot)`. The leading end-of-text token is the start
 * symbol, so an empty prompt still conditions the first completion token. Only completion positions
 * (and the closing end-of-text token when present) are scored; the prompt and the padding are masked.
 */

import type { Tokenizer } from "../data/types.ts";

/** A preference pair in text form: `chosen` is preferred over `rejected` as a continuation of `prompt`. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** One tokenized sequence: tokens and the index of its first scored token. */
export interface EncodedSequence {
  tokens: Int32Array;
  /** Positions at or after this index are completion tokens and enter the log-probability. */
  completionStart: number;
}

/** A tokenized preference pair; both sequences share the same (possibly truncated) prompt tokens. */
export interface EncodedPair {
  chosen: EncodedSequence;
  rejected: EncodedSequence;
}

/** Encoding settings. */
export interface PairEncodingOptions {
  /** Model context; no sequence is longer. */
  context: number;
  /** Append an end-of-text token to each completion (for completions that are whole texts). */
  appendEnd: boolean;
}

/** Encoded pairs plus counts of what was dropped or shortened, for the stage log. */
export interface EncodedPairs {
  pairs: EncodedPair[];
  /** Pairs whose chosen and rejected completions were identical or empty after tokenization. */
  dropped: number;
  /** Pairs whose prompt or completions were cut to fit the context. */
  truncated: number;
}

/**
 * Tokenize preference pairs and fit them into the model context.
 *
 * Truncation keeps the completions and the end of the prompt: the completions are what the loss scores
 * and the last prompt tokens are the nearest context. When the longer completion plus the start token
 * already exceeds the context, the prompt is dropped and both completions are cut at the right end.
 */
export function encodePairs(
  tokenizer: Tokenizer,
  pairs: PreferencePair[],
  options: PairEncodingOptions,
): EncodedPairs {
  const { context } = options;
  if (!Number.isInteger(context) || context < 2) {
    throw new RangeError(`DPO needs a model context of at least 2 tokens, got ${context}`);
  }
  const out: EncodedPair[] = [];
  let dropped = 0;
  let truncated = 0;

  for (const pair of pairs) {
    const prompt = tokenizer.encode(pair.prompt);
    let chosen = completionTokens(tokenizer, pair.chosen, options.appendEnd);
    let rejected = completionTokens(tokenizer, pair.rejected, options.appendEnd);

    // The start token takes one position, and the prompt gets what the longer completion leaves over.
    const room = context - 1;
    const longest = Math.min(Math.max(chosen.length, rejected.length), room);
    const promptKeep = Math.min(prompt.length, room - longest);
    if (
      promptKeep < prompt.length || chosen.length > room - promptKeep || rejected.length > room - promptKeep
    ) {
      truncated += 1;
    }
    chosen = chosen.subarray(0, room - promptKeep);
    rejected = rejected.subarray(0, room - promptKeep);
    const promptPart = prompt.subarray(prompt.length - promptKeep);

    if (chosen.length === 0 || rejected.length === 0 || sameTokens(chosen, rejected)) {
      dropped += 1;
      continue;
    }
    out.push({
      chosen: joinSequence(tokenizer.eotId, promptPart, chosen),
      rejected: joinSequence(tokenizer.eotId, promptPart, rejected),
    });
  }
  return { pairs: out, dropped, truncated };
}

function completionTokens(tokenizer: Tokenizer, text: string, appendEnd: boolean): Int32Array {
  const ids = tokenizer.encode(text);
  if (!appendEnd) return ids;
  const withEnd = new Int32Array(ids.length + 1);
  withEnd.set(ids);
  withEnd[ids.length] = tokenizer.eotId;
  return withEnd;
}

function joinSequence(startId: number, prompt: Int32Array, completion: Int32Array): EncodedSequence {
  const tokens = new Int32Array(1 + prompt.length + completion.length);
  tokens[0] = startId;
  tokens.set(prompt, 1);
  tokens.set(completion, 1 + prompt.length);
  return { tokens, completionStart: 1 + prompt.length };
}

function sameTokens(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A padded batch of sequences, row-major. */
export interface SequenceBatch {
  rows: number;
  length: number;
  /** Token ids, [B * T]; padding uses the pad token. */
  tokens: Int32Array;
  /** 1 where the token at that position is a scored completion token, else 0, [B * T]. */
  mask: Float32Array;
}

/**
 * Pad sequences on the right into one batch. Right padding leaves every real position's logits
 * unchanged under causal attention, and the mask zeroes the padded positions.
 */
export function padSequences(sequences: EncodedSequence[], padId: number): SequenceBatch {
  const rows = sequences.length;
  let length = 1;
  for (const sequence of sequences) length = Math.max(length, sequence.tokens.length);
  const tokens = new Int32Array(rows * length).fill(padId);
  const mask = new Float32Array(rows * length);
  sequences.forEach((sequence, row) => {
    tokens.set(sequence.tokens, row * length);
    for (let t = sequence.completionStart; t < sequence.tokens.length; t++) mask[row * length + t] = 1;
  });
  return { rows, length, tokens, mask };
}

/** Pad a batch of pairs: rows [0, N) are the chosen sequences and rows [N, 2N) the rejected ones. */
export function padPairs(pairs: EncodedPair[], padId: number): SequenceBatch {
  return padSequences([...pairs.map((pair) => pair.chosen), ...pairs.map((pair) => pair.rejected)], padId);
}
