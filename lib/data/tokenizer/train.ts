/** Train a byte-level BPE tokenizer of a requested vocabulary size on a sample of texts. */

import { BYTE_TOKENS, countPieces, trainBpe } from "./bpe_train.ts";
import { BpeTokenizer, SPECIAL_TOKENS } from "./bpe.ts";

/** Options of `trainTokenizer`. */
export interface TrainTokenizerOptions {
  /** Vocabulary size including the 256 bytes and the two special tokens. */
  vocabSize: number;
  /** Characters of text used for training; 0 uses all of it. Texts are taken in the order given. */
  maxChars?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Smallest vocabulary: the bytes, the special tokens and one merge. */
export const MIN_BPE_VOCAB = BYTE_TOKENS + SPECIAL_TOKENS + 1;

/** Train a BPE tokenizer; deterministic for the same texts in the same order. */
export function trainTokenizer(texts: Iterable<string>, options: TrainTokenizerOptions): BpeTokenizer {
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < MIN_BPE_VOCAB) {
    throw new RangeError(
      `invalid tokenizer vocab_size ${options.vocabSize}; expected an integer of at least ${MIN_BPE_VOCAB}`,
    );
  }
  const limit = options.maxChars ?? 0;
  function* sample(): Generator<string> {
    let used = 0;
    for (const text of texts) {
      if (limit > 0 && used >= limit) return;
      const part = limit > 0 && used + text.length > limit ? text.slice(0, limit - used) : text;
      used += part.length;
      yield part;
    }
  }
  const merges = trainBpe(countPieces(sample()), {
    merges: options.vocabSize - BYTE_TOKENS - SPECIAL_TOKENS,
    onProgress: options.onProgress,
  });
  return new BpeTokenizer(merges);
}
