/**
 * Byte-level BPE tokenizer (encode, decode, JSON form). Text is UTF-8 encoded, so every string
 * round-trips: `decode(encode(s)) === s.toWellFormed()`. A lone surrogate has no UTF-8 form, so it
 * is encoded as U+FFFD (bytes EF BF BD), the same replacement `TextEncoder` makes. Byte sequences
 * that are not valid UTF-8 decode to U+FFFD. `encodeBytes`/`decodeBytes` round-trip arbitrary bytes exactly.
 * The special tokens are never produced from text: `<|endoftext|>` in a string is encoded as plain text.
 */

import type { Tokenizer } from "../types.ts";
import { BYTE_TOKENS, MAX_VOCAB } from "./bpe_train.ts";
import { PIECE_PATTERN } from "./pretokenize.ts";
import { validSequenceLength } from "../utf8.ts";

/** Text of the end-of-text special token. */
export const EOT_TEXT = "<|endoftext|>";
/** Text of the padding special token. */
export const PAD_TEXT = "<|pad|>";

/** Number of special tokens appended after the merges. */
export const SPECIAL_TOKENS = 2;

/** Cached pieces before the word cache is emptied (bounds memory on very varied text). */
const PIECE_CACHE_LIMIT = 500_000;

/** Serialised form of a trained BPE tokenizer (the `tokenizer.json` artifact). */
export interface BpeTokenizerJson {
  format: "ifguide-bpe";
  version: 1;
  vocab_size: number;
  /** Merge k joins ids [left, right] into id 256 + k. */
  merges: Array<[number, number]>;
  special: { "<|endoftext|>": number; "<|pad|>": number };
}

/** A trained byte-level BPE tokenizer. */
export class BpeTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly vocabSize: number;
  readonly eotId: number;
  readonly padId: number;
  readonly merges: ReadonlyArray<readonly [number, number]>;
  /** Byte sequence of every non-special token. */
  readonly #tokenBytes: Uint8Array[];
  readonly #ranks = new Map<number, number>();
  readonly #cache = new Map<string, Int32Array>();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(merges: ReadonlyArray<readonly [number, number]>) {
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.vocabSize = BYTE_TOKENS + merges.length + SPECIAL_TOKENS;
    if (this.vocabSize > MAX_VOCAB) {
      throw new RangeError(`BPE vocabulary of ${this.vocabSize} exceeds the maximum of ${MAX_VOCAB}`);
    }
    this.eotId = BYTE_TOKENS + merges.length;
    this.padId = this.eotId + 1;
    this.#tokenBytes = [];
    for (let b = 0; b < BYTE_TOKENS; b++) this.#tokenBytes.push(Uint8Array.of(b));
    merges.forEach(([left, right], k) => {
      const id = BYTE_TOKENS + k;
      if (!(left < id && right < id && left >= 0 && right >= 0)) {
        throw new RangeError(`invalid BPE merge ${k}: [${left}, ${right}] must refer to ids below ${id}`);
      }
      const a = this.#tokenBytes[left];
      const b = this.#tokenBytes[right];
      const joined = new Uint8Array(a.length + b.length);
      joined.set(a);
      joined.set(b, a.length);
      this.#tokenBytes.push(joined);
      this.#ranks.set(left * MAX_VOCAB + right, k);
    });
  }

  /** Encode text; see the module comment for lone surrogates and special-token text. */
  encode(text: string): Int32Array {
    let out = new Int32Array(Math.max(16, text.length >> 1));
    let length = 0;
    for (const match of text.matchAll(PIECE_PATTERN)) {
      const ids = this.#encodePiece(match[0]);
      if (length + ids.length > out.length) {
        const grown = new Int32Array(Math.max(out.length * 2, length + ids.length));
        grown.set(out.subarray(0, length));
        out = grown;
      }
      out.set(ids, length);
      length += ids.length;
    }
    return out.slice(0, length);
  }

  /**
   * Encode arbitrary bytes exactly. Valid UTF-8 stretches are encoded as text; every byte of an
   * invalid sequence becomes its byte token.
   */
  encodeBytes(bytes: Uint8Array): Int32Array {
    const parts: Int32Array[] = [];
    let start = 0;
    let i = 0;
    while (i < bytes.length) {
      const size = validSequenceLength(bytes, i);
      if (size > 0) {
        i += size;
        continue;
      }
      if (i > start) parts.push(this.encode(this.#decoder.decode(bytes.subarray(start, i))));
      parts.push(Int32Array.of(bytes[i]));
      i += 1;
      start = i;
    }
    if (i > start) parts.push(this.encode(this.#decoder.decode(bytes.subarray(start, i))));
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Int32Array(total);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /** Concatenate the bytes of the ids; special tokens contribute their text. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.#bytesOf(ids[i]).length;
    const out = new Uint8Array(total);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.#bytesOf(ids[i]);
      out.set(bytes, offset);
      offset += bytes.length;
    }
    return out;
  }

  /** Decode ids to text; bytes that are not valid UTF-8 become U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return this.#decoder.decode(this.decodeBytes(ids));
  }

  /** Text of one token; bytes that are not valid UTF-8 on their own are shown as `\xNN`. */
  tokenText(id: number): string {
    const bytes = this.#bytesOf(id);
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return Array.from(
        bytes,
        (b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`),
      )
        .join("");
    }
  }

  /** Serialise the merges and special-token ids to the JSON artifact form. */
  toJSON(): BpeTokenizerJson {
    return {
      format: "ifguide-bpe",
      version: 1,
      vocab_size: this.vocabSize,
      merges: this.merges.map(([a, b]) => [a, b]),
      special: { "<|endoftext|>": this.eotId, "<|pad|>": this.padId },
    };
  }

  /** Rebuild a tokenizer from its JSON form, checking the ids it records. */
  static fromJSON(json: BpeTokenizerJson): BpeTokenizer {
    if (json?.format !== "ifguide-bpe" || json.version !== 1 || !Array.isArray(json.merges)) {
      throw new TypeError(
        `invalid tokenizer JSON: expected format 'ifguide-bpe' version 1 with a merges list`,
      );
    }
    const tokenizer = new BpeTokenizer(json.merges);
    if (tokenizer.vocabSize !== json.vocab_size || tokenizer.eotId !== json.special["<|endoftext|>"]) {
      throw new RangeError(
        `invalid tokenizer JSON: ${json.merges.length} merges give vocabulary ${tokenizer.vocabSize}, ` +
          `but the file records ${json.vocab_size}`,
      );
    }
    return tokenizer;
  }

  #bytesOf(id: number): Uint8Array {
    if (id === this.eotId) return this.#encoder.encode(EOT_TEXT);
    if (id === this.padId) return this.#encoder.encode(PAD_TEXT);
    const bytes = this.#tokenBytes[id];
    if (bytes === undefined) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
    return bytes;
  }

  #encodePiece(piece: string): Int32Array {
    const cached = this.#cache.get(piece);
    if (cached) return cached;
    const symbols = Array.from(this.#encoder.encode(piece));
    // Apply the lowest-ranked merge present until none applies (the order training learned them in).
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.#ranks.get(symbols[i] * MAX_VOCAB + symbols[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const id = BYTE_TOKENS + bestRank;
      const [left, right] = this.merges[bestRank];
      for (let i = bestAt; i + 1 < symbols.length; i++) {
        if (symbols[i] === left && symbols[i + 1] === right) symbols.splice(i, 2, id);
      }
    }
    const ids = Int32Array.from(symbols);
    if (this.#cache.size >= PIECE_CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(piece, ids);
    return ids;
  }
}
