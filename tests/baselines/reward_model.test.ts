import assert from "assert";
import { PrefixRewardScorer, scorePrefix } from "../../lib/baselines/reward_model.ts";
import { rewardModelCodec, rewardModelStage } from "../../lib/baselines/reward_stage.ts";
import { DEFAULT_REWARD_TRAINING, trainPrefixReward } from "../../lib/baselines/reward_train.ts";
import { silentEvents } from "../../lib/runner/events.ts";
import { Rng } from "../../lib/util/rng.ts";
import { ByteTokenizer } from "./fixtures.ts";

/** The incremental scorer and the direct formula sum the same float32 weights in another order. */
const SCORE_TOLERANCE = 1e-6;
const TEST_OPTIONS = { ...DEFAULT_REWARD_TRAINING, bucketsLog2: 12, epochs: 4 };

/** Rows of random lowercase words; rows containing the letter x are toxic. */
function syntheticRows(count: number, seed: number): Array<{ text: string; label: number }> {
  const rng = Rng.derive(seed, "reward-rows");
  const letters = "abcdefghijklmnopqrstuvwy";
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from(
      { length: 3 + rng.int(4) },
      () => Array.from({ length: 2 + rng.int(4) }, () => letters[rng.int(letters.length)]).join(""),
    );
    const toxic = i % 2 === 0;
    if (toxic) words.splice(rng.int(words.length), 0, "xx");
    return { text: words.join(" "), label: toxic ? 1 : 0 };
  });
}

const tokenizer = new ByteTokenizer();
const model = trainPrefixReward(tokenizer, syntheticRows(600, 1), TEST_OPTIONS, 11);

Deno.test("trainPrefixReward learns a toxic token", () => {
  assert.ok(model.metrics.heldout_accuracy >= 0.9, `held-out accuracy ${model.metrics.heldout_accuracy}`);
  const toxic = scorePrefix(model, tokenizer.encode("abc xx def"));
  const clean = scorePrefix(model, tokenizer.encode("abc ab def"));
  assert.ok(toxic > 0.5, `toxic prefix scored ${toxic}`);
  assert.ok(clean < 0.5, `clean prefix scored ${clean}`);
});

Deno.test("PrefixRewardScorer matches direct scores", () => {
  const scorer = new PrefixRewardScorer(model);
  const texts = ["hello world xx", "abc def", "q"];
  const encoded = texts.map((text) => tokenizer.encode(text));
  const candidates = [Int32Array.from([120, 97, 32]), Int32Array.from([120]), Int32Array.from([98, 99])];
  const steps = Math.max(...encoded.map((row) => row.length));
  for (let step = 0; step <= steps; step++) {
    const continuations = encoded.map((row) => row.subarray(0, Math.min(step, row.length)));
    const scores = scorer.score(continuations, candidates);
    let offset = 0;
    continuations.forEach((continuation, row) => {
      for (const candidate of candidates[row]) {
        const direct = scorePrefix(model, [...continuation, candidate]);
        assert.ok(
          Math.abs(scores[offset] - direct) <= SCORE_TOLERANCE,
          `step ${step} row ${row}: ${scores[offset]} vs ${direct}`,
        );
        offset += 1;
      }
    });
  }
});

Deno.test("rewardModelCodec round trip", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-reward-" });
  try {
    await rewardModelCodec.save(dir, model);
    const loaded = await rewardModelCodec.load(dir);
    assert.equal(loaded.bias, model.bias);
    assert.equal(loaded.bucketsLog2, model.bucketsLog2);
    assert.deepEqual(loaded.weights, model.weights);
    assert.deepEqual(loaded.metrics, model.metrics);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rewardModelStage deterministic", async () => {
  const context = {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: 11,
    key: "test",
    outputDir: "",
    scratchDir: "",
    versions: {},
  };
  const rows = syntheticRows(200, 2);
  const first = await rewardModelStage.run(context, TEST_OPTIONS, { tokenizer, rows });
  const second = await rewardModelStage.run(context, TEST_OPTIONS, { tokenizer, rows });
  assert.deepEqual(first.weights, second.weights);
  assert.equal(first.bias, second.bias);
});

Deno.test("trainPrefixReward rejects bad labels", () => {
  assert.throws(
    () => trainPrefixReward(tokenizer, [{ text: "a", label: 2 }, { text: "b", label: 0 }], TEST_OPTIONS, 1),
    /label 2/,
  );
});
