import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { encodePairs, padPairs, type PreferencePair } from "../../lib/baselines/dpo_batch.ts";
import { batchLogProbs, trainDpo } from "../../lib/baselines/dpo_train.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { silentEvents } from "../../lib/runner/events.ts";
import { AdamW, ADAMW_DEFAULTS } from "../../lib/train/adamw.ts";
import { ByteTokenizer, TINY_CONFIG } from "./fixtures.ts";

await initBackend("cpu");

const tokenizer = new ByteTokenizer();

const SUBJECTS = ["you", "they", "the cat", "my boss", "he", "she", "the team", "we"];
/** Pairs that prefer a kind word over a rude one after the same prompt. */
function kindPairs(subjects: string[]): PreferencePair[] {
  return subjects.flatMap((subject) => [
    { prompt: `${subject} are`, chosen: " kind", rejected: " awful" },
    { prompt: `${subject} seem`, chosen: " so kind", rejected: " so awful" },
  ]);
}

Deno.test("trainDpo raises preference accuracy", async () => {
  const train = encodePairs(tokenizer, kindPairs(SUBJECTS.slice(0, 6)), {
    context: TINY_CONFIG.context,
    appendEnd: true,
  });
  const held = encodePairs(tokenizer, kindPairs(SUBJECTS.slice(6)), {
    context: TINY_CONFIG.context,
    appendEnd: true,
  });
  const model = createModel(TINY_CONFIG, 5);
  try {
    const heldBatch = padPairs(held.pairs, 0);
    const before = await batchLogProbs(model, heldBatch);
    // AdamW may hold tensors past its dispose(); measure that on its own so the loop is held to zero.
    const bare = tf.memory().numTensors;
    new AdamW(model.params).dispose();
    const optimizerResidue = tf.memory().numTensors - bare;
    const tensorsBefore = tf.memory().numTensors;

    const result = await trainDpo(model, train.pairs, {
      beta: 0.5,
      lr: 3e-3,
      steps: 25,
      batchSize: 4,
      warmup: 0.1,
      clipNorm: 1,
      optimizer: { ...ADAMW_DEFAULTS, weightDecay: 0 },
      klEvery: 5,
      klPairs: 4,
      seed: 1,
    }, { events: silentEvents, signal: new AbortController().signal });

    const records = result.records;
    assert.equal(records.length, 25);
    assert.equal(records[0].accuracy, 0.5, "policy equals the reference at step 1, so every margin is a tie");
    const lastFive = records.slice(-5).reduce((sum, record) => sum + record.accuracy, 0) / 5;
    assert.ok(lastFive >= 0.9, `training accuracy over the last 5 steps ${lastFive}`);
    assert.ok(records[24].loss < records[0].loss, `loss ${records[0].loss} -> ${records[24].loss}`);

    const kls = records.filter((record) => record.kl !== undefined).map((record) => record.kl!);
    assert.equal(kls.length, 5);
    for (const kl of kls) assert.ok(Number.isFinite(kl) && kl >= -1e-6, `KL ${kl}`);
    assert.ok(kls[kls.length - 1] > 0, "the policy moved away from the reference");
    assert.equal(tf.memory().numTensors - tensorsBefore, optimizerResidue, "no tensors leak from the loop");

    // Held-out pairs: the implicit reward prefers the chosen side on every pair after training.
    const after = await batchLogProbs(model, heldBatch);
    const n = held.pairs.length;
    for (let i = 0; i < n; i++) {
      const margin = (after[i] - before[i]) - (after[n + i] - before[n + i]);
      assert.ok(margin > 0, `held-out pair ${i} margin ${margin}`);
    }
  } finally {
    model.dispose();
  }
});

Deno.test("encodePairs truncates to the context", () => {
  const pair = { prompt: "abcdefghij", chosen: "XYZ", rejected: "UV" };
  const encoded = encodePairs(tokenizer, [pair], { context: 8, appendEnd: true });
  assert.equal(encoded.truncated, 1);
  const { chosen, rejected } = encoded.pairs[0];
  // Start token + the last 3 prompt bytes + "XYZ" + end = 8 tokens; the rejected row shares the prompt.
  assert.deepEqual(
    Array.from(chosen.tokens),
    [256, ..."hij", ..."XYZ"].map((c) => typeof c === "number" ? c : c.charCodeAt(0)).concat([256]),
  );
  assert.equal(chosen.completionStart, 4);
  assert.equal(rejected.completionStart, 4);
  assert.deepEqual(Array.from(rejected.tokens.subarray(0, 4)), Array.from(chosen.tokens.subarray(0, 4)));

  const tooLong = encodePairs(tokenizer, [{ prompt: "p", chosen: "0123456789", rejected: "abc" }], {
    context: 6,
    appendEnd: false,
  });
  assert.deepEqual(
    Array.from(tooLong.pairs[0].chosen.tokens),
    [256, ..."01234"].map((c) => typeof c === "number" ? c : c.charCodeAt(0)),
  );
  assert.equal(tooLong.pairs[0].chosen.completionStart, 1);
});

Deno.test("encodePairs drops identical completions", () => {
  const encoded = encodePairs(tokenizer, [{ prompt: "a", chosen: "same", rejected: "same" }], {
    context: 16,
    appendEnd: true,
  });
  assert.equal(encoded.pairs.length, 0);
  assert.equal(encoded.dropped, 1);
});

Deno.test("padPairs masks prompt and padding", () => {
  const encoded = encodePairs(tokenizer, [{ prompt: "ab", chosen: "c", rejected: "de" }], {
    context: 16,
    appendEnd: false,
  });
  const batch = padPairs(encoded.pairs, 0);
  assert.equal(batch.rows, 2);
  assert.equal(batch.length, 5);
  assert.deepEqual(Array.from(batch.mask), [0, 0, 0, 1, 0, /* rejected */ 0, 0, 0, 1, 1]);
});
