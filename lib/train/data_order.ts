/**
 * Seeded order of training chunks. Epoch e visits the training chunks in a permutation drawn from
 * `Rng.derive(seed, "data-order", e)`; sequence number n (counting from the start of training) is
 * chunk `permutation(floor(n / count))[n % count]`. The order therefore depends only on the seed and
 * the position, which is what makes a resumed run identical to an uninterrupted one.
 */

import { Rng } from "../util/rng.ts";

/** Chunk ids of the training split in seeded order. */
export class DataOrder {
  readonly chunks: Int32Array;
  readonly seed: number;
  #epoch = -1;
  #permutation: number[] = [];

  constructor(chunks: Int32Array, seed: number) {
    if (chunks.length === 0) {
      throw new Error("The corpus has no training chunks; check data.splits and data.max_tokens.");
    }
    this.chunks = chunks;
    this.seed = seed;
  }

  /** Chunk ids of `size` consecutive sequences starting at sequence number `start`. */
  batch(start: number, size: number): number[] {
    const out: number[] = [];
    for (let n = start; n < start + size; n++) {
      const epoch = Math.floor(n / this.chunks.length);
      if (epoch !== this.#epoch) {
        this.#epoch = epoch;
        this.#permutation = Rng.derive(this.seed, "data-order", epoch).shuffle(Array.from(this.chunks));
      }
      out.push(this.#permutation[n % this.chunks.length]);
    }
    return out;
  }
}
