/**
 * Word-level readability of generated text, measured against the words of the training corpus:
 *
 * - known words: share of a text's words that occur at least `minCount` times in the training text
 *   (invented words such as "acquainingered" are unknown);
 * - known bigrams: share of adjacent word pairs that occur at least `minCount` times in the training
 *   text (a local-grammar proxy: "the world are been" has unknown pairs);
 * - repeated trigrams: share of a text's word trigrams that already occurred earlier in the same text
 *   (decoding loops such as "and the world, and the world").
 *
 * Held-out human text measured the same way is the reference a model's samples are read against.
 */

import type { Corpus, PromptRow } from "../data/types.ts";
import { SPLIT_CODES } from "../data/types.ts";

/** Lower-cased words of a text: runs of letters or digits, with inner apostrophes kept ("don't"). */
export function wordsOf(text: string): string[] {
  const normalized = text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
  return normalized.match(/[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu) ?? [];
}

/** Word and adjacent-word-pair counts of a body of text. */
export interface Lexicon {
  words: Map<string, number>;
  bigrams: Map<string, number>;
  /** Occurrences at or above which a word or pair counts as known. */
  minCount: number;
}

/** Count the words and adjacent word pairs of `texts` (pairs do not cross text boundaries). */
export function buildLexicon(texts: Iterable<string>, minCount: number): Lexicon {
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`lexicon minCount must be a positive integer, got ${minCount}`);
  }
  const words = new Map<string, number>();
  const bigrams = new Map<string, number>();
  for (const text of texts) {
    const list = wordsOf(text);
    for (let i = 0; i < list.length; i++) {
      words.set(list[i], (words.get(list[i]) ?? 0) + 1);
      if (i > 0) {
        const pair = `${list[i - 1]} ${list[i]}`;
        bigrams.set(pair, (bigrams.get(pair) ?? 0) + 1);
      }
    }
  }
  return { words, bigrams, minCount };
}

/** Readability counts of one text; rates are NaN where the text has nothing to count. */
export interface TextReadability {
  words: number;
  knownWords: number;
  /** Share of known words, NaN for a text without words. */
  knownWordRate: number;
  /** Share of known adjacent pairs, NaN for a text with fewer than 2 words. */
  knownBigramRate: number;
  /** Share of trigrams seen earlier in the text, NaN for a text with fewer than 3 words. */
  repeatedTrigramRate: number;
}

/** Readability of one text against a lexicon. */
export function textReadability(text: string, lexicon: Lexicon): TextReadability {
  const list = wordsOf(text);
  const known = (map: Map<string, number>, key: string) => (map.get(key) ?? 0) >= lexicon.minCount;
  let knownWords = 0;
  let knownBigrams = 0;
  let repeated = 0;
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    if (known(lexicon.words, list[i])) knownWords++;
    if (i >= 1 && known(lexicon.bigrams, `${list[i - 1]} ${list[i]}`)) knownBigrams++;
    if (i >= 2) {
      const trigram = `${list[i - 2]} ${list[i - 1]} ${list[i]}`;
      if (seen.has(trigram)) repeated++;
      seen.add(trigram);
    }
  }
  const rate = (count: number, total: number) => total > 0 ? count / total : Number.NaN;
  return {
    words: list.length,
    knownWords,
    knownWordRate: rate(knownWords, list.length),
    knownBigramRate: rate(knownBigrams, list.length - 1),
    repeatedTrigramRate: rate(repeated, list.length - 2),
  };
}

/** Documents whose chunks all lie in one split, in document order. */
function documentsOfSplit(corpus: Corpus, split: number): number[] {
  // Per document: 0 not seen yet, 1 seen only in `split`, -1 seen in another split too.
  const state = new Int8Array(corpus.documents.text.length);
  const T = corpus.blockSize;
  for (let c = 0; c < corpus.numChunks; c++) {
    const inSplit = corpus.chunkSplit[c] === split;
    for (let t = 0; t < T; t++) {
      const doc = corpus.docIds[c * T + t];
      if (doc < 0 || doc >= state.length) continue;
      if (!inSplit) state[doc] = -1;
      else if (state[doc] === 0) state[doc] = 1;
    }
  }
  const docs: number[] = [];
  state.forEach((value, doc) => {
    if (value === 1) docs.push(doc);
  });
  return docs;
}

/** Texts of the documents that have tokens in training-split chunks (the lexicon's source). */
export function trainingTexts(corpus: Corpus): string[] {
  const T = corpus.blockSize;
  const used = new Uint8Array(corpus.documents.text.length);
  for (let c = 0; c < corpus.numChunks; c++) {
    if (corpus.chunkSplit[c] !== SPLIT_CODES.train) continue;
    for (let t = 0; t < T; t++) {
      const doc = corpus.docIds[c * T + t];
      if (doc >= 0 && doc < used.length) used[doc] = 1;
    }
  }
  const texts: string[] = [];
  used.forEach((flag, doc) => {
    if (flag) texts.push(corpus.documents.text[doc]);
  });
  return texts;
}

/**
 * Prompts cut from benign test-split documents: the first `promptWords` words of each document are
 * the prompt and the rest its reference continuation. Documents with fewer than `promptWords + 10`
 * words are skipped; at most `count` rows, in document order.
 */
export function heldOutPassages(corpus: Corpus, count: number, promptWords: number): PromptRow[] {
  const rows: PromptRow[] = [];
  for (const doc of documentsOfSplit(corpus, SPLIT_CODES.test)) {
    if (rows.length >= count) break;
    if (corpus.documents.toxic[doc]) continue;
    const text = corpus.documents.text[doc].replace(/\s+/g, " ").trim();
    const pieces = text.split(" ");
    if (wordsOf(text).length < promptWords + 10 || pieces.length <= promptWords) continue;
    rows.push({
      id: corpus.documents.rowId[doc],
      prompt: pieces.slice(0, promptWords).join(" "),
      continuation: " " + pieces.slice(promptWords).join(" "),
      group: "benign",
    });
  }
  return rows;
}
