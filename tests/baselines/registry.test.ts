import assert from "assert";
import { RAD_SAMPLER_TOP_P } from "../../lib/baselines/rad.ts";
import { ClassifierScorer } from "../../lib/baselines/rad_scorer.ts";
import { PrefixRewardScorer } from "../../lib/baselines/reward_model.ts";
import {
  armDecoding,
  BASELINE_RECIPES,
  baselineRecipe,
  createRadProcessor,
  samplerFilter,
} from "../../lib/baselines/registry.ts";
import { ByteTokenizer, WordListClassifier } from "./fixtures.ts";

Deno.test("baseline recipes start points", () => {
  assert.deepEqual(
    Object.values(BASELINE_RECIPES).map((
      recipe,
    ) => [recipe.kind, recipe.startsFrom, recipe.posttrain, recipe.decoding]),
    [
      ["dpo", "none", "dpo", "sample"],
      ["rad", "none", "none", "rad"],
      ["ifguide+dpo", "ifguide", "dpo", "sample"],
      ["ifguide+rad", "ifguide", "none", "rad"],
    ],
  );
  assert.equal(baselineRecipe("ifguide"), undefined);
  assert.equal(baselineRecipe("none"), undefined);
});

Deno.test("armDecoding rad kinds and field", () => {
  assert.equal(armDecoding({ kind: "rad", decoding: "sample" }), "rad");
  assert.equal(armDecoding({ kind: "ifguide+rad", decoding: "sample" }), "rad");
  assert.equal(armDecoding({ kind: "ifguide", decoding: "rad" }), "rad");
  assert.equal(armDecoding({ kind: "dpo", decoding: "sample" }), "sample");
});

Deno.test("samplerFilter per decoding", () => {
  const evaluation = { top_p: 0.9, top_k: 0 };
  assert.deepEqual(samplerFilter("sample", evaluation), { topP: 0.9, topK: 0 });
  assert.deepEqual(samplerFilter("rad", evaluation), { topP: RAD_SAMPLER_TOP_P, topK: 0 });
});

Deno.test("createRadProcessor per reward kind", () => {
  const tokenizer = new ByteTokenizer();
  const classifier = new WordListClassifier(["bad"]);
  const rewardModel = { bucketsLog2: 4, bias: 0, weights: new Float32Array(16), metrics: {} };

  const byClassifier = createRadProcessor({ beta: 50, top_k: 20, reward: "classifier" }, 0.9, {
    tokenizer,
    classifier,
  });
  assert.ok(byClassifier.options.scorer instanceof ClassifierScorer);
  assert.equal(byClassifier.options.topP, 0.9);
  assert.equal(byClassifier.options.topK, 20);
  assert.equal(byClassifier.options.beta, 50);

  const byModel = createRadProcessor({ beta: 50, top_k: 20, reward: "reward-model" }, 0.9, {
    tokenizer,
    rewardModel,
  });
  assert.ok(byModel.options.scorer instanceof PrefixRewardScorer);

  assert.throws(
    () => createRadProcessor({ beta: 50, top_k: 20, reward: "classifier" }, 0.9, { tokenizer }),
    /classifier/,
  );
  assert.throws(
    () => createRadProcessor({ beta: 50, top_k: 20, reward: "reward-model" }, 0.9, { tokenizer }),
    /reward-model/,
  );
});
