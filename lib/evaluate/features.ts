/**
 * Hashed n-gram features for the built-in text classifiers: lowercase word unigrams and bigrams plus
 * character n-grams inside each word, hashed with a sign bit into a fixed number of buckets and
 * L2-normalised per text. Rows are stored in compressed sparse row (CSR) form.
 */

/** Settings of the feature hashing; saved beside a trained classifier so scoring uses the same ones. */
export interface FeatureOptions {
  /** log2 of the number of hash buckets (16 to 22). */
  bucketBits: number;
  /** Largest word n-gram (1 = unigrams only, 2 adds bigrams). */
  wordNgrams: number;
  /** Smallest and largest character n-gram inside a word (with `<` and `>` marking the word edges);
   *  0 for `charMax` turns character n-grams off. */
  charMin: number;
  charMax: number;
}

/** Defaults: 2^18 buckets, word 1-2-grams, character 3-5-grams. */
export const DEFAULT_FEATURES: FeatureOptions = { bucketBits: 18, wordNgrams: 2, charMin: 3, charMax: 5 };

/** Sparse rows in CSR form: the features of row r are `indices[offsets[r] .. offsets[r + 1])`. */
export interface SparseRows {
  numRows: number;
  numFeatures: number;
  offsets: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

// Words are runs of letters, digits, apostrophes and the symbols people use to mask swear words.
const WORD_PATTERN = /[\p{L}\p{N}'*@$#]+/gu;

// Separate hash seeds keep word unigrams, word bigrams and character n-grams in different streams.
const SEED_WORD = 0x1234567;
const SEED_BIGRAM = 0x2345678;
const SEED_CHAR = 0x3456789;

/** Check feature options and return them; throws a RangeError naming the bad field. */
export function validateFeatureOptions(options: FeatureOptions): FeatureOptions {
  if (!Number.isInteger(options.bucketBits) || options.bucketBits < 10 || options.bucketBits > 24) {
    throw new RangeError(`feature bucketBits must be an integer in [10, 24], got ${options.bucketBits}`);
  }
  if (!Number.isInteger(options.wordNgrams) || options.wordNgrams < 1 || options.wordNgrams > 3) {
    throw new RangeError(`feature wordNgrams must be 1, 2 or 3, got ${options.wordNgrams}`);
  }
  if (options.charMax !== 0 && (options.charMin < 1 || options.charMax < options.charMin)) {
    throw new RangeError(
      `feature character n-gram range [${options.charMin}, ${options.charMax}] is invalid: ` +
        `use 1 <= charMin <= charMax, or charMax 0 to turn character n-grams off`,
    );
  }
  return options;
}

/** Split lowercase text into words. */
export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(WORD_PATTERN) ?? [];
}

// FNV-1a over text[start, end), continuing from `h`.
function fnvRange(text: string, start: number, end: number, h: number): number {
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// Final avalanche so low bits (the bucket) and the top bit (the sign) are independent.
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes features of one text into a bucket -> signed count map. */
function accumulate(text: string, options: FeatureOptions, mask: number, counts: Map<number, number>): void {
  const add = (h: number) => {
    const mixed = mix(h);
    const bucket = mixed & mask;
    const sign = (mixed >>> 31) === 1 ? -1 : 1;
    counts.set(bucket, (counts.get(bucket) ?? 0) + sign);
  };
  const words = tokenizeWords(text);
  const wordHashes = words.map((word) => fnvRange(word, 0, word.length, SEED_WORD));
  for (const h of wordHashes) add(h);

  for (let n = 2; n <= options.wordNgrams; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      let h = SEED_BIGRAM + n;
      for (let j = i; j < i + n; j++) h = Math.imul(h ^ wordHashes[j], 0x01000193) >>> 0;
      add(h);
    }
  }

  if (options.charMax === 0) return;
  for (const word of words) {
    const marked = `<${word}>`;
    for (let n = options.charMin; n <= options.charMax; n++) {
      for (let start = 0; start + n <= marked.length; start++) {
        add(fnvRange(marked, start, start + n, SEED_CHAR + n));
      }
    }
  }
}

/** Featurize texts into L2-normalised hashed n-gram rows (weights 1 + log|count|, with the hash sign). */
export function featurize(texts: readonly string[], options: FeatureOptions = DEFAULT_FEATURES): SparseRows {
  validateFeatureOptions(options);
  const numFeatures = 1 << options.bucketBits;
  const mask = numFeatures - 1;
  const offsets = new Int32Array(texts.length + 1);
  const indexChunks: number[] = [];
  const valueChunks: number[] = [];
  const counts = new Map<number, number>();

  for (let r = 0; r < texts.length; r++) {
    counts.clear();
    accumulate(texts[r], options, mask, counts);
    let norm = 0;
    const start = indexChunks.length;
    for (const [bucket, count] of counts) {
      if (count === 0) continue;
      const value = Math.sign(count) * (1 + Math.log(Math.abs(count)));
      indexChunks.push(bucket);
      valueChunks.push(value);
      norm += value * value;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = start; k < valueChunks.length; k++) valueChunks[k] *= scale;
    offsets[r + 1] = indexChunks.length;
  }
  return {
    numRows: texts.length,
    numFeatures,
    offsets,
    indices: Int32Array.from(indexChunks),
    values: Float32Array.from(valueChunks),
  };
}
