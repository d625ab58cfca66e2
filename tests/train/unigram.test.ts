/** Unigram perplexity against a hand count, and a trained model beating it. */

import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { trainModel } from "../../lib/train/trainer.ts";
import { unigramPerplexity } from "../../lib/train/unigram.ts";
import { patternCorpus, testContext, tinyConfig, tinyTraining } from "./fixtures.ts";

/** Float64 arithmetic on a handful of terms. */
const TOLERANCE = 1e-12;

Deno.test("unigramPerplexity hand count", () => {
  // Two chunks of 3 tokens, vocabulary 3: train targets [1, 1], validation targets [1, 2].
  const corpus = patternCorpus(2, 3, 3, 1, 1);
  corpus.tokens.set([0, 1, 1, 2, 1, 2]);
  // p(1) = (2 + 1) / (2 + 3), p(2) = (0 + 1) / (2 + 3).
  const want = Math.exp(-(Math.log(3 / 5) + Math.log(1 / 5)) / 2);
  assert.ok(Math.abs(unigramPerplexity(corpus, 3) - want) < TOLERANCE);
});

Deno.test("trained model beats unigram perplexity", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = patternCorpus(40, 17, 23, 3, 4);
  const result = await trainModel(await testContext("unigram"), {
    model: tinyConfig(),
    training: tinyTraining({ steps: 60, eval_every: 20, checkpoint_every: 100 }),
    seed: 2,
  }, { corpus });
  assert.ok(result.metrics.unigramPerplexity > 20, `unigram ${result.metrics.unigramPerplexity}`);
  assert.ok(
    result.metrics.valPerplexity < 0.5 * result.metrics.unigramPerplexity,
    `validation ${result.metrics.valPerplexity} vs unigram ${result.metrics.unigramPerplexity}`,
  );
});
