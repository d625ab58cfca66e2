/**
 * Unigram perplexity: the perplexity of the validation targets under token frequencies counted on
 * the training split (add-one smoothing over the vocabulary). A trained model's validation
 * perplexity should be far below it; reports print both.
 */

import type { Corpus } from "../data/types.ts";
import { SPLIT_CODES } from "../data/types.ts";

/**
 * exp(mean over validation label tokens of -log p(token)), with p(v) = (count_train(v) + 1) /
 * (N_train + V). Label tokens are positions 1..T-1 of each chunk, as in the training loss. Returns
 * NaN when the corpus has no validation chunks. Computed in float64.
 */
export function unigramPerplexity(corpus: Corpus, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  let trainTokens = 0;
  const block = corpus.blockSize;
  for (let c = 0; c < corpus.numChunks; c++) {
    if (corpus.chunkSplit[c] !== SPLIT_CODES.train) continue;
    for (let t = 1; t < block; t++) counts[corpus.tokens[c * block + t]] += 1;
    trainTokens += block - 1;
  }
  let nll = 0;
  let terms = 0;
  const denominator = trainTokens + vocabSize;
  for (let c = 0; c < corpus.numChunks; c++) {
    if (corpus.chunkSplit[c] !== SPLIT_CODES.validation) continue;
    for (let t = 1; t < block; t++) {
      nll -= Math.log((counts[corpus.tokens[c * block + t]] + 1) / denominator);
      terms += 1;
    }
  }
  return terms === 0 ? Number.NaN : Math.exp(nll / terms);
}
