/**
 * Compiles a validated spec into the IF-Guide plan:
 *
 *   documents -> tokenizer -> corpus -> train(none) of the scoring model -> factors -> query gradient
 *   -> scores -> selection -> arm data -> train / dpo per arm -> generate -> score (explicit, implicit)
 *   -> toxicity metrics, fluency; attribution quality beside them.
 *
 * Each node gets only the slice of the spec it depends on, so a change to one field reruns exactly the
 * stages downstream of it (a lambda sweep shares the baseline, factors, scores and selection).
 */

import type { ArmSpec, SelectionSpec, Spec } from "../spec/types.ts";
import { ARM_REGISTRY, attributionStage, selectionStage } from "../select/mod.ts";
import {
  corpusStage,
  documentsStage,
  promptSetsStage,
  queriesStage,
  rtpFileFingerprint,
  shippedDataFingerprint,
  tokenizerStage,
  userFileFingerprints,
} from "../data/mod.ts";
import { factorsStage, mergeScoresStage, queryGradientStage, scoresStage } from "../influence/stages.ts";
import {
  DEFAULT_EXPLICIT_CONFIG,
  DEFAULT_IMPLICIT_CONFIG,
  trainClassifierStage,
  trainImplicitClassifierStage,
} from "../evaluate/classifier_stages.ts";
import { fluencyStage } from "../evaluate/evaluation_stages.ts";
import { readabilityStage } from "../evaluate/readability_stage.ts";
import { dpoStage, dpoStageConfig } from "../baselines/dpo_stage.ts";
import { baselineRecipe, RAD_REWARDS } from "../baselines/registry.ts";
import type { ModelConfig } from "../model/types.ts";
import { type Plan, PlanBuilder } from "./graph.ts";
import {
  armDataStage,
  armGenerateStage,
  armMetricsStage,
  armRewardModelStage,
  armScoreStage,
  armTrainStage,
  PLANNED_REWARD_TRAINING,
} from "./adapters.ts";
import { withInputs } from "./remap.ts";

/** Selection settings recorded for arms whose data does not depend on them. */
const NEUTRAL_SELECTION: SelectionSpec = {
  percentile: 0,
  window: 0,
  budget_fraction: 0,
  budget_tokens: 0,
  lambda: 0,
  pooling: "none",
  pooling_window: 0,
};

/** Node ids of the shared (arm-independent) part of the plan. */
interface SharedNodes {
  corpus: string;
  tokenizer: string;
  promptSets: string;
  explicit: string;
  implicit: string;
  selection?: string;
  plainScores?: string;
  rewardModel?: string;
  /** Fingerprints of the shipped data and of the user RTP file (when named), for the query-set key. */
  rtpFingerprint: Record<string, string>;
}

/** Compile one single-run spec (sweep already expanded) into a plan. */
export async function buildPlan(spec: Spec): Promise<Plan> {
  const builder = new PlanBuilder(spec.seed);
  const splitSeed = spec.seed;
  const fingerprints = {
    shipped: await shippedDataFingerprint(),
    ...(await userFileFingerprints(spec.data).catch(() => ({}))),
  };

  // The user RTP file feeds only the query and prompt sets, so it stays out of the corpus keys.
  const { rtp: rtpFile, ...corpusData } = spec.data;
  // Query and prompt sets come from the shipped RTP rows (through the role split) or the user's file.
  const rtpFingerprints = { ...fingerprints, ...(await rtpFileFingerprint(spec.data).catch(() => ({}))) };
  const rtpConfig = rtpFile ? { rtp_file: rtpFile } : {};

  const documents = builder.add("documents", documentsStage, {
    config: { data: corpusData, split_seed: splitSeed },
    fingerprints,
  });
  const { toxic_share, max_tokens, block_size, splits } = spec.data;
  const tokenizer = builder.add("tokenizer", tokenizerStage, {
    config: { tokenizer: spec.tokenizer, splits, split_seed: splitSeed },
    inputs: { documents },
  });
  const corpus = builder.add("corpus", corpusStage, {
    config: { data: { toxic_share, max_tokens, block_size, splits }, split_seed: splitSeed },
    inputs: { documents, tokenizer },
  });
  const promptSets = builder.add("prompt-sets", promptSetsStage, {
    config: {
      prompts: spec.evaluation.prompts,
      lambada: spec.evaluation.fluency.lambada,
      split_seed: splitSeed,
      ...rtpConfig,
    },
    fingerprints: rtpFingerprints,
  });
  const explicit = builder.add("classifier:explicit", trainClassifierStage, {
    config: { ...DEFAULT_EXPLICIT_CONFIG, splitSeed },
    fingerprints,
  });
  const implicit = builder.add("classifier:implicit", trainImplicitClassifierStage, {
    config: { ...DEFAULT_IMPLICIT_CONFIG, splitSeed },
    fingerprints,
  });
  const shared: SharedNodes = {
    corpus,
    tokenizer,
    promptSets,
    explicit,
    implicit,
    rtpFingerprint: rtpFingerprints,
  };

  const needs = new Set(spec.arms.flatMap((arm) => ARM_REGISTRY[arm.kind].needs));
  const influenceSeed = spec.seeds[0];
  if (needs.has("mask") || needs.has("plain-scores")) {
    addInfluence(builder, spec, shared, influenceSeed, needs.has("plain-scores"));
  }
  if (
    spec.arms.some((arm) => armUsesRad(arm) && RAD_REWARDS[arm.rad.reward].needs.includes("reward-model"))
  ) {
    shared.rewardModel = builder.add("reward-model", armRewardModelStage, {
      config: { ...PLANNED_REWARD_TRAINING, split_seed: spec.seed },
      inputs: { tokenizer },
      fingerprints,
    });
  }

  for (const seed of spec.seeds) {
    for (const arm of orderArms(spec.arms)) addArm(builder, spec, shared, arm, seed);
  }
  return await builder.build();
}

/** Resolve the model shape of a `models` entry, with the tokenizer's vocabulary. */
export function modelConfig(spec: Spec, name: string): ModelConfig {
  const model = spec.models[name];
  if (!model) {
    throw new Error(`spec has no model '${name}'; models are: ${Object.keys(spec.models).join(", ")}`);
  }
  return { ...model } as ModelConfig;
}

/** Id of the standard-training node of a model and seed, added on first use. */
function baselineNode(
  builder: PlanBuilder,
  spec: Spec,
  shared: SharedNodes,
  model: string,
  seed: number,
): string {
  const id = `train:${model}:none:s${seed}`;
  if (builder.has(id)) return id;
  const data = dataNode(builder, spec, shared, noneArm(model));
  return builder.add(id, armTrainStage, {
    config: { model: modelConfig(spec, model), training: spec.training, seed },
    inputs: { data },
    seed,
  });
}

function noneArm(model: string): ArmSpec {
  return {
    name: "none",
    kind: "none",
    model,
    decoding: "sample",
    finetune_steps: 0,
    finetune_lr_scale: 1,
    filter_threshold: 0.5,
    dpo: { pairs: "paradetox", beta: 0.1, lr: 1e-4, steps: 0, batch_size: 1, max_pairs: 0 },
    rad: { beta: 0, top_k: 1, reward: "classifier" },
  };
}

/** Add (or reuse) the arm-data node of an arm. Arms whose data ignores their own settings share one. */
function dataNode(builder: PlanBuilder, spec: Spec, shared: SharedNodes, arm: ArmSpec): string {
  const definition = ARM_REGISTRY[arm.kind];
  const inputs: Record<string, string> = { corpus: shared.corpus };
  if (definition.needs.includes("mask")) inputs.mask = shared.selection!;
  if (definition.needs.includes("classifier")) inputs.classifier = shared.explicit;
  if (definition.needs.includes("plain-scores")) inputs.plainScores = shared.plainScores!;
  // The data of kinds that train nothing new (or only the baseline's data) is the baseline's.
  const dataKind = definition.plan === ARM_REGISTRY.none.plan || baselineRecipe(arm.kind) ? "none" : arm.kind;
  const id = dataKind === "none" ? "arm-data:none" : `arm-data:${arm.name}`;
  if (builder.has(id)) return id;
  const dataArm = dataKind === "none" ? noneArm(arm.model) : arm;
  // Only what shapes the data goes into the key: not the arm's name, model, decoding or DPO settings.
  const keyArm = { ...dataArm, name: dataArm.kind, model: "", decoding: "sample" as const };
  // An arm's data reads lambda and, for plain-influence filtering, the budget. The mask is an input
  // with its own key, and standard training reads no selection setting.
  const budget = definition.needs.includes("plain-scores")
    ? { budget_fraction: spec.selection.budget_fraction, budget_tokens: spec.selection.budget_tokens }
    : {};
  const selection = dataKind === "none"
    ? NEUTRAL_SELECTION
    : { ...NEUTRAL_SELECTION, lambda: spec.selection.lambda, ...budget };
  return builder.add(id, armDataStage, {
    config: { arm: keyArm, selection },
    inputs,
    seed: spec.seed,
  });
}

/** Adds EK-FAC factors, the query gradient(s), scores and the selection of the scoring model. */
function addInfluence(
  builder: PlanBuilder,
  spec: Spec,
  shared: SharedNodes,
  seed: number,
  withPlain: boolean,
): void {
  const influence = spec.influence;
  const checkpoint = baselineNode(builder, spec, shared, influence.model, seed);
  const rtpFile = spec.data.rtp;
  const queries = builder.add("queries", queriesStage, {
    config: { queries: influence.queries, split_seed: spec.seed, ...(rtpFile ? { rtp_file: rtpFile } : {}) },
    fingerprints: shared.rtpFingerprint,
  });
  const factors = builder.add("factors", factorsStage, {
    config: {
      strategy: influence.strategy,
      fisher: influence.fisher,
      layers: influence.layers,
      fit_chunks: influence.fit_chunks,
      seed: spec.seed,
    },
    inputs: { checkpoint, corpus: shared.corpus },
  });

  const scoreVariant = (differential: boolean): string => {
    const suffix = differential ? "" : ":plain";
    const query = builder.add(`query-gradient${suffix}`, queryGradientStage, {
      config: { differential, damping: influence.damping },
      inputs: { checkpoint, factors, queries, tokenizer: shared.tokenizer },
    });
    const shards = Math.max(1, influence.shards);
    const shardIds: Record<string, string> = {};
    for (let index = 0; index < shards; index++) {
      const id = shards === 1 ? `scores${suffix}` : `scores${suffix}:${index}`;
      shardIds[`shard${index}`] = builder.add(id, scoresStage, {
        config: { shard: { index, count: shards } },
        inputs: { checkpoint, query, corpus: shared.corpus },
      });
    }
    if (shards === 1) return shardIds.shard0;
    return builder.add(`scores${suffix}:merged`, mergeScoresStage, { config: {}, inputs: shardIds });
  };

  const scores = scoreVariant(true);
  const plain = withPlain || influence.differential ? scoreVariant(false) : undefined;
  shared.plainScores = plain;

  // Lambda only weights the penalty in training, and the window half-width matters only for window
  // pooling, so neither may change the selection's key.
  const { lambda: _lambda, pooling_window: poolingWindow, ...selectionRest } = spec.selection;
  const selectionKey = selectionRest.pooling === "window"
    ? { ...selectionRest, pooling_window: poolingWindow }
    : selectionRest;
  shared.selection = builder.add("selection", withInputs(selectionStage, scoreTable), {
    config: { ...selectionKey, lambda: 0 },
    inputs: selectionKey.pooling === "none" ? { scores } : { scores, corpus: shared.corpus },
  });
  builder.add(
    "attribution",
    withInputs(attributionStage, (inputs) => ({
      corpus: inputs.corpus,
      tokenizer: inputs.tokenizer,
      differential: scoreTable(inputs).scores,
      plain: inputs.plain ? (inputs.plain as { scores: unknown }).scores : undefined,
    })),
    {
      config: { selection: { ...selectionKey, lambda: 0 }, seed: spec.seed },
      inputs: { corpus: shared.corpus, tokenizer: shared.tokenizer, scores, ...(plain ? { plain } : {}) },
    },
  );
}

/** Replace a score artifact input by its in-memory token scores. */
function scoreTable(inputs: Record<string, unknown>): Record<string, unknown> {
  const artifact = inputs.scores as { scores: unknown };
  return { ...inputs, scores: artifact.scores };
}

/** Arms in dependency order: kinds that others start from (none, ifguide) first. */
function orderArms(arms: ArmSpec[]): ArmSpec[] {
  const rank = (arm: ArmSpec) => {
    if (arm.kind === "none") return 0;
    if (arm.kind === "ifguide") return 1;
    return 2;
  };
  return [...arms].sort((a, b) => rank(a) - rank(b));
}

function armUsesRad(arm: ArmSpec): boolean {
  return arm.decoding === "rad" || baselineRecipe(arm.kind)?.decoding === "rad";
}

/** Adds training (or DPO), generation, scoring, metrics and fluency nodes of one arm and seed. */
function addArm(builder: PlanBuilder, spec: Spec, shared: SharedNodes, arm: ArmSpec, seed: number): void {
  const recipe = baselineRecipe(arm.kind);
  const model = modelConfig(spec, arm.model);
  let checkpoint: string;
  if (recipe) {
    const start = recipe.startsFrom === "none"
      ? baselineNode(builder, spec, shared, arm.model, seed)
      : `train:${arm.model}:${ifguideArmName(spec)}:s${seed}`;
    if (!builder.has(start)) {
      throw new Error(`arm '${arm.name}' starts from the ifguide arm, but the spec has no ifguide arm`);
    }
    checkpoint = recipe.posttrain === "dpo"
      ? builder.add(`dpo:${arm.name}:s${seed}`, dpoStage, {
        config: dpoStageConfig(spec, arm),
        inputs: { checkpoint: start, tokenizer: shared.tokenizer, classifier: shared.explicit },
        seed,
      })
      : start;
  } else if (arm.kind === "none") {
    checkpoint = baselineNode(builder, spec, shared, arm.model, seed);
  } else {
    const data = dataNode(builder, spec, shared, arm);
    const finetune = ARM_REGISTRY[arm.kind].needs.includes("none-checkpoint");
    const training = finetune
      ? {
        ...spec.training,
        steps: arm.finetune_steps,
        optimizer: { ...spec.training.optimizer, lr: spec.training.optimizer.lr * arm.finetune_lr_scale },
      }
      : spec.training;
    checkpoint = builder.add(`train:${arm.model}:${arm.name}:s${seed}`, armTrainStage, {
      config: { model, training, seed },
      inputs: finetune ? { data, init: baselineNode(builder, spec, shared, arm.model, seed) } : { data },
      seed,
    });
  }

  const evaluation = spec.evaluation;
  const rad = armUsesRad(arm);
  const generate = builder.add(`generate:${arm.name}:s${seed}`, armGenerateStage, {
    config: {
      decoding: {
        samples: evaluation.samples,
        maxNewTokens: evaluation.max_new_tokens,
        topP: evaluation.top_p,
        topK: evaluation.top_k,
        temperature: evaluation.temperature,
        seed: evaluation.seed,
        batchSize: evaluation.batch_size,
        decoding: rad ? "rad" : "sample",
      },
      ...(rad ? { rad: arm.rad } : {}),
    },
    inputs: {
      checkpoint,
      tokenizer: shared.tokenizer,
      promptSets: shared.promptSets,
      ...(rad ? { classifier: shared.explicit } : {}),
      ...(rad && shared.rewardModel ? { rewardModel: shared.rewardModel } : {}),
    },
    seed: evaluation.seed,
  });
  const explicitScores = builder.add(`score:explicit:${arm.name}:s${seed}`, armScoreStage, {
    config: { classifier: evaluation.classifiers.explicit },
    inputs: { generations: generate, classifier: shared.explicit },
  });
  const implicitScores = builder.add(`score:implicit:${arm.name}:s${seed}`, armScoreStage, {
    config: { classifier: evaluation.classifiers.implicit },
    inputs: { generations: generate, classifier: shared.implicit },
  });
  builder.add(`metrics:${arm.name}:s${seed}`, armMetricsStage, {
    config: {
      threshold: evaluation.threshold,
      bootstrap: evaluation.bootstrap,
      seed: evaluation.seed,
      arm: arm.name,
      trainingSeed: seed,
      splitByGroup: ["toxigen"],
    },
    inputs: {
      generations: generate,
      explicit: explicitScores,
      implicit: implicitScores,
      promptSets: shared.promptSets,
    },
  });
  const fluencyId = `fluency:${checkpoint}`;
  if (!builder.has(fluencyId)) {
    builder.add(fluencyId, fluencyStage, {
      config: {
        perplexityChunks: evaluation.fluency.perplexity_chunks,
        lambada: evaluation.fluency.lambada,
        batchSize: evaluation.batch_size,
        bootstrap: evaluation.bootstrap,
        seed: evaluation.seed,
        trainingSeed: seed,
      },
      inputs: { checkpoint, tokenizer: shared.tokenizer, corpus: shared.corpus },
    });
  }
  const samples = evaluation.fluency.samples;
  const readabilityId = `readability:${checkpoint}`;
  if (samples.prompts > 0 && !builder.has(readabilityId)) {
    builder.add(readabilityId, readabilityStage, {
      config: {
        prompts: samples.prompts,
        promptWords: samples.prompt_words,
        maxNewTokens: samples.max_new_tokens,
        evaluation: { temperature: evaluation.temperature, topK: evaluation.top_k, topP: evaluation.top_p },
        reading: { temperature: samples.temperature, topK: samples.top_k, topP: samples.top_p },
        minCount: samples.min_count,
        seed: evaluation.seed,
        batchSize: evaluation.batch_size,
        bootstrap: evaluation.bootstrap,
        trainingSeed: seed,
      },
      inputs: { checkpoint, tokenizer: shared.tokenizer, corpus: shared.corpus },
    });
  }
}

/** Name of the spec's (first) ifguide arm, which ifguide+dpo and ifguide+rad start from. */
function ifguideArmName(spec: Spec): string {
  return spec.arms.find((arm) => arm.kind === "ifguide")?.name ?? "ifguide";
}
