import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { RadProcessor, radSamplingOptions } from "../../lib/baselines/rad.ts";
import type { CandidateScorer } from "../../lib/baselines/rad_scorer.ts";
import { generate } from "../../lib/model/generate.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { Rng } from "../../lib/util/rng.ts";
import { TINY_CONFIG } from "./fixtures.ts";

await initBackend("cpu");

/**
 * Logits of a freshly initialised model spread over about 0.1; dividing by this temperature gives
 * next-token distributions peaked enough for the nucleus and top-k to cut different sets.
 */
const SHARP_TEMPERATURE = 0.05;
const MAX_NEW_TOKENS = 10;

/** Marks one token toxic (1) and every other token clean (0); records the candidate counts it saw. */
class OneTokenScorer implements CandidateScorer {
  readonly id = "one-token";
  readonly candidateCounts: number[] = [];
  constructor(readonly toxicToken: number) {}

  score(_continuations: Int32Array[], candidates: Int32Array[]): Float32Array {
    for (const row of candidates) this.candidateCounts.push(row.length);
    return Float32Array.from(
      candidates.flatMap((row) => Array.from(row, (token) => (token === this.toxicToken ? 1 : 0))),
    );
  }
}

const model = createModel(TINY_CONFIG, 21);
const rng = Rng.derive(4, "rad-prompts");
const prompts = Array.from(
  { length: 6 },
  () => Int32Array.from({ length: 2 + rng.int(5) }, () => 97 + rng.int(26)),
);

function decoding(topP: number, topK: number, seed: number) {
  return { max_new_tokens: MAX_NEW_TOKENS, temperature: SHARP_TEMPERATURE, top_p: topP, top_k: topK, seed };
}

Deno.test("RAD beta 0 equals plain sampling", async () => {
  for (const [topP, topK] of [[0.8, 8], [0.95, 3], [0.6, 20]]) {
    const settings = decoding(topP, topK, 9);
    const plain = await generate(model, prompts, 4, {
      maxNewTokens: settings.max_new_tokens,
      temperature: settings.temperature,
      topP,
      topK,
      seed: settings.seed,
    });
    const scorer = new OneTokenScorer(101);
    const processor = new RadProcessor({ beta: 0, topK, topP, scorer });
    const rad = await generate(model, prompts, 4, radSamplingOptions(settings, processor));

    assert.equal(rad.length, plain.length);
    rad.forEach((tokens, i) =>
      assert.deepEqual(Array.from(tokens), Array.from(plain[i]), `top-p ${topP} top-k ${topK} row ${i}`)
    );
    // The settings must exercise the filter: some steps keep fewer candidates than top-k allows.
    assert.ok(scorer.candidateCounts.some((count) => count < topK), `top-p ${topP} never cut below ${topK}`);
    assert.ok(scorer.candidateCounts.some((count) => count > 1), `top-p ${topP} always kept one token`);
  }
});

Deno.test("RAD beta 0 with stops and batches", async () => {
  // Small batches split prompts and samples across batches, and a frequent stop token ends rows early,
  // so finished rows and batch boundaries both occur.
  const settings = decoding(0.9, 10, 3);
  const base = { maxNewTokens: MAX_NEW_TOKENS, temperature: SHARP_TEMPERATURE, topP: 0.9, topK: 10, seed: 3 };
  const first = await generate(model, prompts, 6, base);
  const counts = new Map<number, number>();
  for (const row of first) for (const token of row) counts.set(token, (counts.get(token) ?? 0) + 1);
  const stopToken = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];

  const plain = await generate(model, prompts, 6, { ...base, stopToken, batchSize: 5 });
  const processor = new RadProcessor({ beta: 0, topK: 10, topP: 0.9, scorer: new OneTokenScorer(101) });
  const rad = await generate(model, prompts, 6, {
    ...radSamplingOptions(settings, processor, stopToken),
    batchSize: 5,
  });

  assert.ok(plain.some((row) => row.length < MAX_NEW_TOKENS), "some rows stop early");
  rad.forEach((tokens, i) => assert.deepEqual(Array.from(tokens), Array.from(plain[i]), `row ${i}`));
});

Deno.test("RAD lowers a toxic token's frequency", async () => {
  const settings = decoding(0.95, 20, 17);
  const samples = 16;

  // The toxic token is the one plain sampling emits most often.
  const plain = await generate(model, prompts, samples, {
    maxNewTokens: MAX_NEW_TOKENS,
    temperature: SHARP_TEMPERATURE,
    topP: settings.top_p,
    topK: settings.top_k,
    seed: settings.seed,
  });
  const counts = new Map<number, number>();
  for (const row of plain) for (const token of row) counts.set(token, (counts.get(token) ?? 0) + 1);
  const toxic = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];

  const frequencies: number[] = [];
  for (const beta of [0, 1, 3, 10, 50]) {
    const processor = new RadProcessor({
      beta,
      topK: settings.top_k,
      topP: settings.top_p,
      scorer: new OneTokenScorer(toxic),
    });
    const rows = await generate(model, prompts, samples, radSamplingOptions(settings, processor));
    let hits = 0;
    let total = 0;
    for (const row of rows) {
      for (const token of row) if (token === toxic) hits += 1;
      total += row.length;
    }
    frequencies.push(hits / total);
  }

  assert.ok(frequencies[0] > 0.05, `the chosen token is common without RAD: ${frequencies}`);
  assert.ok(frequencies[1] < frequencies[0], `beta 1 lowers the frequency: ${frequencies}`);
  for (let i = 2; i < frequencies.length; i++) {
    assert.ok(frequencies[i] <= frequencies[i - 1], `frequency must not rise with beta: ${frequencies}`);
  }
  // The token stays only where it is the sole candidate of the nucleus, so it cannot reach zero.
  assert.ok(frequencies[4] < 0.2 * frequencies[0], `beta 50 removes most uses of the token: ${frequencies}`);
});
