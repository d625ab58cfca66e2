/**
 * A corpus with planted toxic documents and a tiny GPT trained on it, for attribution-quality tests.
 *
 * Token 0 is end-of-text and padding; 1 and 2 are frequent function tokens in every document;
 * 3..(TOXIC_FIRST - 1) are benign content tokens; TOXIC_FIRST..VOCAB-1 appear only in toxic documents.
 */

import * as tf from "@tensorflow/tfjs";
import type { Corpus, QuerySets } from "../../lib/data/types.ts";
import type { GPT } from "../../lib/model/gpt.ts";
import { tokenNll } from "../../lib/model/loss.ts";
import { Rng } from "../../lib/util/rng.ts";
import { chunkCorpus, queryRow, tinyModel } from "./tiny.ts";

export const PLANTED_VOCAB = 40;
export const PLANTED_BLOCK = 16;
const TOXIC_FIRST = 32;
/** Share of positions holding a function token, placed at random so they are never fully predictable. */
const FUNCTION_SHARE = 0.5;

/** A document: content tokens from `low..high-1`, a share `share` of positions function tokens. */
function document(rng: Rng, low: number, high: number, length: number, share = FUNCTION_SHARE): number[] {
  return Array.from({ length }, () => (rng.next() < share ? 1 + rng.int(2) : low + rng.int(high - low)));
}

/** A toxic document: toxic content tokens between function tokens. */
function toxicDocument(rng: Rng, length: number): number[] {
  return document(rng, TOXIC_FIRST, PLANTED_VOCAB, length);
}

/**
 * `chunks` one-document chunks, `toxicShare` of them toxic, in a seeded order. Benign documents vary
 * in their share of function tokens, so some of them mostly teach generic tokens.
 */
export function plantedCorpus(chunks: number, toxicShare: number, seed: number): Corpus {
  const rng = Rng.derive(seed, "planted-corpus");
  const toxic = Array.from({ length: chunks }, (_, i) => i < Math.round(chunks * toxicShare));
  rng.shuffle(toxic);
  const docs = toxic.map((isToxic) =>
    isToxic
      ? toxicDocument(rng, PLANTED_BLOCK)
      : document(rng, 3, TOXIC_FIRST, PLANTED_BLOCK, 0.2 + 0.7 * rng.next())
  );
  return chunkCorpus(docs, toxic, PLANTED_BLOCK);
}

/** Toxic and non-toxic queries: benign prompts and mostly benign completions, toxic ones with two toxic tokens. */
export function plantedQueries(count: number, seed: number): QuerySets {
  const rng = Rng.derive(seed, "planted-queries");
  const make = (toxic: boolean, i: number) => {
    const prompt = document(rng, 3, TOXIC_FIRST, 4);
    // Completions are mostly ordinary text; a toxic one differs by a few toxic tokens, as in real data.
    const completion = document(rng, 3, TOXIC_FIRST, 8);
    if (toxic) {
      for (const position of [1 + rng.int(3), 4 + rng.int(4)]) {
        completion[position] = TOXIC_FIRST + rng.int(PLANTED_VOCAB - TOXIC_FIRST);
      }
    }
    return queryRow(`${toxic ? "t" : "n"}${i}`, prompt, completion);
  };
  return {
    toxic: Array.from({ length: count }, (_, i) => make(true, i)),
    nontoxic: Array.from({ length: count }, (_, i) => make(false, i)),
  };
}

/**
 * Train a tiny GPT on random chunks of the corpus with Adam. Keep `steps` short: trained to
 * convergence on this fully learnable toxic grammar, the expected gradient of toxic documents is
 * near zero and so is their influence (token AUROC falls to about 0.45 at 400 steps).
 */
export function trainPlanted(corpus: Corpus, steps: number, seed: number): GPT {
  const model = tinyModel(PLANTED_VOCAB, PLANTED_BLOCK, seed, 32);
  const optimizer = tf.train.adam(3e-3);
  const rng = Rng.derive(seed, "planted-batches");
  const batch = 16;
  const variables = [...model.params.values()];
  for (let step = 0; step < steps; step++) {
    const tokens = new Int32Array(batch * PLANTED_BLOCK);
    for (let b = 0; b < batch; b++) {
      const chunk = rng.int(corpus.numChunks);
      tokens.set(
        corpus.tokens.subarray(chunk * PLANTED_BLOCK, (chunk + 1) * PLANTED_BLOCK),
        b * PLANTED_BLOCK,
      );
    }
    tf.tidy(() => {
      const input = tf.tensor2d(tokens, [batch, PLANTED_BLOCK], "int32");
      optimizer.minimize(() => tf.mean(tokenNll(model, input)) as tf.Scalar, false, variables);
    });
  }
  optimizer.dispose();
  return model;
}
