/**
 * Recipes of the baseline arm kinds for the planner: the checkpoint each starts from, the post-training
 * it applies, and how it decodes. Also the RAD reward kinds with the artifacts each one needs.
 */

import type { Tokenizer } from "../data/types.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";
import type { ArmKind, ArmSpec, RadSpec } from "../spec/types.ts";
import { RAD_SAMPLER_TOP_P, RadProcessor } from "./rad.ts";
import { type CandidateScorer, ClassifierScorer } from "./rad_scorer.ts";
import { type PrefixRewardModel, PrefixRewardScorer } from "./reward_model.ts";

/** Arm kinds implemented by the baselines module. */
export type BaselineArmKind = "dpo" | "rad" | "ifguide+dpo" | "ifguide+rad";

/** The recipe of one baseline arm kind. */
export interface BaselineRecipe {
  kind: BaselineArmKind;
  /**
   * Arm kind whose trained checkpoint this arm starts from: `none` is the standard-loss baseline of the
   * same model entry, `ifguide` the IF-Guide pre-training arm of that entry.
   */
  startsFrom: "none" | "ifguide";
  /** Training applied to that checkpoint: the `dpo` stage, or nothing (the checkpoint is used as is). */
  posttrain: "dpo" | "none";
  /** Decoding at evaluation. */
  decoding: "sample" | "rad";
  /** One line for plans and reports. */
  description: string;
}

/** The four baseline arm kinds: DPO and RAD on the baseline, and both on top of IF-Guide. */
export const BASELINE_RECIPES: Readonly<Record<BaselineArmKind, BaselineRecipe>> = {
  "dpo": {
    kind: "dpo",
    startsFrom: "none",
    posttrain: "dpo",
    decoding: "sample",
    description: "DPO fine-tuning of the standard-loss baseline",
  },
  "rad": {
    kind: "rad",
    startsFrom: "none",
    posttrain: "none",
    decoding: "rad",
    description: "reward-augmented decoding of the standard-loss baseline",
  },
  "ifguide+dpo": {
    kind: "ifguide+dpo",
    startsFrom: "ifguide",
    posttrain: "dpo",
    decoding: "sample",
    description: "DPO fine-tuning of the IF-Guide checkpoint",
  },
  "ifguide+rad": {
    kind: "ifguide+rad",
    startsFrom: "ifguide",
    posttrain: "none",
    decoding: "rad",
    description: "reward-augmented decoding of the IF-Guide checkpoint",
  },
};

/** Look up the recipe of an arm kind; undefined when the kind is not a baseline arm. */
export function baselineRecipe(kind: ArmKind): BaselineRecipe | undefined {
  return (BASELINE_RECIPES as Record<string, BaselineRecipe>)[kind];
}

/** Return the decoding of an arm: `rad` when its kind decodes with RAD or its `decoding` field is `rad`. */
export function armDecoding(arm: Pick<ArmSpec, "kind" | "decoding">): "sample" | "rad" {
  return arm.decoding === "rad" || baselineRecipe(arm.kind)?.decoding === "rad" ? "rad" : "sample";
}

/** Artifacts a RAD scorer may need. */
export interface RadDependencies {
  tokenizer: Tokenizer;
  /** The explicit classifier, for `reward: classifier`. */
  classifier?: ToxicityClassifier;
  /** The trained prefix reward model, for `reward: reward-model`. */
  rewardModel?: PrefixRewardModel;
}

/** A RAD reward kind: the artifacts it needs and how its scorer is built from them. */
export interface RadRewardKind {
  needs: Array<"classifier" | "reward-model">;
  createScorer(dependencies: RadDependencies): CandidateScorer;
}

/** The reward kinds `rad.reward` may name. */
export const RAD_REWARDS: Readonly<Record<RadSpec["reward"], RadRewardKind>> = {
  "classifier": {
    needs: ["classifier"],
    createScorer({ tokenizer, classifier }) {
      if (!classifier) {
        throw new Error("RAD reward 'classifier' needs the explicit classifier artifact, but none was given");
      }
      return new ClassifierScorer(tokenizer, classifier);
    },
  },
  "reward-model": {
    needs: ["reward-model"],
    createScorer({ rewardModel }) {
      if (!rewardModel) {
        throw new Error(
          "RAD reward 'reward-model' needs the trained reward-model artifact, but none was given; add the reward-model stage to the plan",
        );
      }
      return new PrefixRewardScorer(rewardModel);
    },
  },
};

/**
 * Build the RAD processor of an arm. `topP` is the evaluation's nucleus threshold; the sampler itself
 * must then run with top-p 1 and top-k 0 (see `radSamplingOptions`).
 */
export function createRadProcessor(rad: RadSpec, topP: number, dependencies: RadDependencies): RadProcessor {
  const kind = RAD_REWARDS[rad.reward];
  if (!kind) {
    throw new RangeError(
      `unknown RAD reward '${rad.reward}'; expected one of ${Object.keys(RAD_REWARDS).join(", ")}`,
    );
  }
  return new RadProcessor({ beta: rad.beta, topK: rad.top_k, topP, scorer: kind.createScorer(dependencies) });
}

/**
 * Return the sampler's own top-p and top-k for an arm's decoding. Plain sampling uses the evaluation's
 * values. RAD filters inside its processor, so the sampler gets top-k 0 and the nucleus
 * `RAD_SAMPLER_TOP_P`.
 */
export function samplerFilter(
  decoding: "sample" | "rad",
  evaluation: { top_p: number; top_k: number },
): { topP: number; topK: number } {
  return decoding === "rad"
    ? { topP: RAD_SAMPLER_TOP_P, topK: 0 }
    : { topP: evaluation.top_p, topK: evaluation.top_k };
}
