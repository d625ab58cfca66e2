/**
 * Profanity-list matching for the `filter-words` baseline and the word-list selection. The list is
 * the English list of the LDNOOBW "List of Dirty, Naughty, Obscene and Otherwise Bad Words" (npm
 * `naughty-words` 1.2.0, CC-BY-4.0, 403 entries, 124 of them phrases), shipped in node_modules, so
 * nothing is fetched at run time.
 *
 * Matching is by whole words: text is cut into maximal runs of letters and digits, lower-cased, and
 * an entry matches when its own words appear consecutively. Entries without letters or digits (an
 * emoji) match as plain substrings.
 */

import naughtyWords from "profanity-words";
import type { Corpus, Tokenizer } from "../data/types.ts";

const WORD_PATTERN = /[\p{L}\p{N}]+/gu;

/** Return the English profanity list of `naughty-words`. */
export function profanityList(): string[] {
  const lists = naughtyWords as unknown as Record<string, string[]>;
  if (!Array.isArray(lists.en)) {
    throw new Error("the profanity-words package has no 'en' list; check the import-map entry in deno.json");
  }
  return lists.en;
}

/** A word with its UTF-16 span in the text it came from. */
interface WordSpan {
  word: string;
  start: number;
  end: number;
}

function splitWords(text: string): WordSpan[] {
  return Array.from(text.matchAll(WORD_PATTERN), (match) => ({
    word: match[0].toLowerCase(),
    start: match.index!,
    end: match.index! + match[0].length,
  }));
}

/** Whole-word matcher over a word list. */
export class WordListMatcher {
  readonly size: number;
  #phrasesByFirstWord = new Map<string, string[][]>();
  #symbols: string[] = [];

  constructor(entries: string[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const words = splitWords(entry).map((span) => span.word);
      if (words.length === 0) {
        if (entry.trim() !== "") this.#symbols.push(entry.trim());
        continue;
      }
      const phrases = this.#phrasesByFirstWord.get(words[0]) ?? [];
      phrases.push(words);
      this.#phrasesByFirstWord.set(words[0], phrases);
    }
  }

  /** UTF-16 spans [start, end) of every list entry found in `text`. */
  findSpans(text: string): Array<[number, number]> {
    const spans: Array<[number, number]> = [];
    const words = splitWords(text);
    for (let i = 0; i < words.length; i++) {
      const phrases = this.#phrasesByFirstWord.get(words[i].word);
      if (phrases === undefined) continue;
      for (const phrase of phrases) {
        if (i + phrase.length > words.length) continue;
        if (phrase.every((word, k) => words[i + k].word === word)) {
          spans.push([words[i].start, words[i + phrase.length - 1].end]);
        }
      }
    }
    for (const symbol of this.#symbols) {
      for (let at = text.indexOf(symbol); at >= 0; at = text.indexOf(symbol, at + symbol.length)) {
        spans.push([at, at + symbol.length]);
      }
    }
    return spans;
  }

  /** True when `text` contains at least one list entry. */
  matches(text: string): boolean {
    return this.findSpans(text).length > 0;
  }
}

/** Create a matcher over the shipped English profanity list. */
export function profanityMatcher(): WordListMatcher {
  return new WordListMatcher(profanityList());
}

/** Documents to keep: 1 for documents whose text contains no list entry, [documents]. */
export function keepDocumentsWithoutWords(texts: string[], matcher: WordListMatcher): Uint8Array {
  return Uint8Array.from(texts, (text) => matcher.matches(text) ? 0 : 1);
}

/**
 * Mask of the tokens that spell a list entry, aligned with the scored chunks ([chunkIds.length x
 * blockSize]). Each chunk's text is rebuilt from its tokens' texts; a token is selected when its text
 * overlaps a matched span. Words cut by a chunk boundary are matched only by the part inside the chunk.
 */
export function wordListMask(
  corpus: Corpus,
  tokenizer: Tokenizer,
  chunkIds: Int32Array,
  matcher: WordListMatcher,
): Uint8Array {
  const { blockSize } = corpus;
  const mask = new Uint8Array(chunkIds.length * blockSize);
  const starts = new Int32Array(blockSize + 1);
  for (let c = 0; c < chunkIds.length; c++) {
    const base = chunkIds[c] * blockSize;
    let text = "";
    for (let t = 0; t < blockSize; t++) {
      starts[t] = text.length;
      text += tokenizer.tokenText(corpus.tokens[base + t]);
    }
    starts[blockSize] = text.length;
    for (const [start, end] of matcher.findSpans(text)) {
      for (let t = 0; t < blockSize; t++) {
        if (starts[t] < end && starts[t + 1] > start) mask[c * blockSize + t] = 1;
      }
    }
  }
  return mask;
}
