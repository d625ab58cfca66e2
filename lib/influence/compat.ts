/**
 * Checks that a scoring model fits the data it scores. The scoring model may be a proxy rather than
 * the trained target, so it must share the corpus's vocabulary and fit its chunks.
 */

import type { Corpus, Tokenizer } from "../data/types.ts";

/** The model fields these checks read. */
export interface ModelShape {
  vocab_size: number;
  context: number;
}

/** Throw when the model's context is shorter than a chunk or a corpus token id is outside its vocabulary. */
export function assertModelFitsCorpus(model: ModelShape, corpus: Corpus, role = "scoring model"): void {
  if (corpus.blockSize > model.context) {
    throw new RangeError(
      `the ${role} has context ${model.context} but corpus chunks have ${corpus.blockSize} tokens; ` +
        `use a checkpoint with context >= ${corpus.blockSize} or rebuild the corpus with a smaller data.block_size`,
    );
  }
  let maxToken = -1;
  for (let i = 0; i < corpus.tokens.length; i++) if (corpus.tokens[i] > maxToken) maxToken = corpus.tokens[i];
  if (maxToken >= model.vocab_size) {
    throw new RangeError(
      `the ${role} has a vocabulary of ${model.vocab_size} but the corpus contains token id ${maxToken}; ` +
        `the checkpoint was trained with another tokenizer, so score with a model trained on this corpus`,
    );
  }
}

/** Throw when the tokenizer produces ids the model cannot embed. */
export function assertModelFitsTokenizer(
  model: ModelShape,
  tokenizer: Tokenizer,
  role = "scoring model",
): void {
  if (tokenizer.vocabSize > model.vocab_size) {
    throw new RangeError(
      `the ${role} has a vocabulary of ${model.vocab_size} but the tokenizer has ${tokenizer.vocabSize} tokens; ` +
        `use a checkpoint trained with this tokenizer`,
    );
  }
}
