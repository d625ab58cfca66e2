/**
 * Cuts documents into fixed-size chunks with one buffer per split. Documents of a split are joined
 * only with documents of the same split. A chunk is complete once its buffer contains `blockSize`
 * tokens for it, and complete chunks are handed out in the order they completed, whatever their split.
 * That order depends only on the documents appended, not on how often chunks are taken.
 */

import { SPLIT_CODES, type SplitName } from "./types.ts";

/** Split names indexed by split code. */
export const SPLIT_NAMES: readonly SplitName[] = (Object.keys(SPLIT_CODES) as SplitName[])
  .sort((a, b) => SPLIT_CODES[a] - SPLIT_CODES[b]);

/** Number of splits (train, validation, test). */
export const SPLIT_COUNT = SPLIT_NAMES.length;

/** Taken queue entries that trigger dropping them from the queue array. */
const QUEUE_COMPACT_AT = 4096;

/** Chunks taken from a `SplitChunker`; arrays are row-major [numChunks, blockSize]. */
export interface TakenChunks {
  numChunks: number;
  tokens: Int32Array;
  docIds: Int32Array;
  /** Split code of each chunk. */
  split: Uint8Array;
}

class SplitBuffer {
  tokens: Int32Array;
  docIds: Int32Array;
  /** Start of the first token not yet taken. */
  start = 0;
  /** End of the buffered tokens. */
  end = 0;
  /** Tokens appended since the start (taken, buffered and in the partial chunk). */
  appended = 0;

  constructor(capacity: number) {
    this.tokens = new Int32Array(capacity);
    this.docIds = new Int32Array(capacity);
  }

  /** Make room for `extra` more tokens, dropping taken tokens first. */
  reserve(extra: number): void {
    if (this.start > 0) {
      this.tokens.copyWithin(0, this.start, this.end);
      this.docIds.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end + extra <= this.tokens.length) return;
    const capacity = Math.max(this.tokens.length * 2, this.end + extra);
    const tokens = new Int32Array(capacity);
    tokens.set(this.tokens.subarray(0, this.end));
    const docIds = new Int32Array(capacity);
    docIds.set(this.docIds.subarray(0, this.end));
    this.tokens = tokens;
    this.docIds = docIds;
  }
}

/** Per-split chunking with a shared queue of complete chunks. */
export class SplitChunker {
  readonly blockSize: number;
  readonly #buffers: SplitBuffer[];
  /** Split codes of the complete chunks not yet taken, in completion order, from `#head`. */
  #queue: number[] = [];
  #head = 0;

  /** `capacity` is the initial buffer size of each split, in tokens. */
  constructor(blockSize: number, capacity = blockSize * 4) {
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`invalid block size ${blockSize}; expected a positive integer`);
    }
    this.blockSize = blockSize;
    this.#buffers = Array.from({ length: SPLIT_COUNT }, () => new SplitBuffer(Math.max(capacity, blockSize)));
  }

  /** Append the tokens of one document (end-of-text included) to the buffer of `split`. */
  append(split: number, tokens: ArrayLike<number>, docId: number): void {
    const buffer = this.#buffers[split];
    if (buffer === undefined) {
      throw new RangeError(`invalid split code ${split}; expected 0 (train), 1 (validation) or 2 (test)`);
    }
    buffer.reserve(tokens.length);
    buffer.tokens.set(tokens, buffer.end);
    buffer.docIds.fill(docId, buffer.end, buffer.end + tokens.length);
    buffer.end += tokens.length;
    const before = Math.floor(buffer.appended / this.blockSize);
    buffer.appended += tokens.length;
    const after = Math.floor(buffer.appended / this.blockSize);
    for (let c = before; c < after; c++) this.#queue.push(split);
  }

  /** Complete chunks not yet taken. */
  get ready(): number {
    return this.#queue.length - this.#head;
  }

  /** Tokens held in all buffers (complete chunks not yet taken and partial chunks). */
  get buffered(): number {
    return this.#buffers.reduce((sum, buffer) => sum + buffer.end - buffer.start, 0);
  }

  /** Tokens of each split's partial chunk (what would be dropped as its ragged tail). */
  get partialTokens(): number[] {
    return this.#buffers.map((buffer) => buffer.appended % this.blockSize);
  }

  /** Remove and return the first `count` complete chunks, in completion order. */
  take(count: number): TakenChunks {
    if (!Number.isInteger(count) || count < 0 || count > this.ready) {
      throw new RangeError(`cannot take ${count} chunks; ${this.ready} complete chunks are ready`);
    }
    const block = this.blockSize;
    const tokens = new Int32Array(count * block);
    const docIds = new Int32Array(count * block);
    const split = new Uint8Array(count);
    for (let c = 0; c < count; c++) {
      const code = this.#queue[this.#head + c];
      const buffer = this.#buffers[code];
      tokens.set(buffer.tokens.subarray(buffer.start, buffer.start + block), c * block);
      docIds.set(buffer.docIds.subarray(buffer.start, buffer.start + block), c * block);
      buffer.start += block;
      split[c] = code;
    }
    this.#head += count;
    if (this.#head >= QUEUE_COMPACT_AT && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return { numChunks: count, tokens, docIds, split };
  }
}
