/**
 * Stages that connect the stage libraries where their input shapes differ from what the plan passes:
 * the arm data stage (mask, classifier or plain scores -> the corpus and loss weights an arm trains
 * on), arm training, evaluation with optional RAD decoding, and renamed inputs.
 */

import type { Corpus, PromptSet, Tokenizer } from "../data/types.ts";
import { filterCorpus, readCorpus, writeCorpus } from "../data/mod.ts";
import type { Checkpoint } from "../model/checkpoint.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import type { ArmSpec, RadSpec, SelectionSpec } from "../spec/types.ts";
import { armTrainingPlan, type SelectionResult } from "../select/mod.ts";
import type { TokenScores } from "../select/types.ts";
import type { ScoreArtifact } from "../influence/score_table.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";
import { trainStage } from "../train/stage.ts";
import type { TrainConfig } from "../train/trainer.ts";
import { generateStage } from "../evaluate/evaluation_stages.ts";
import type { DecodingConfig, Generations } from "../evaluate/generations.ts";
import { scoreGenerationsStage, toxicityMetricsStage } from "../evaluate/evaluation_stages.ts";
import type { GenerationScores, ToxicityMetricsConfig } from "../evaluate/scores.ts";
import type { MetricRow } from "../evaluate/types.ts";
import { createRadProcessor } from "../baselines/registry.ts";
import { radSamplingOptions } from "../baselines/rad.ts";
import type { PrefixRewardModel } from "../baselines/reward_model.ts";
import { rewardModelStage } from "../baselines/reward_stage.ts";
import { DEFAULT_REWARD_TRAINING, type RewardTrainingOptions } from "../baselines/reward_train.ts";
import { classifierRows } from "../data/mod.ts";
import { exists, readJson, writeJsonAtomic } from "../util/atomic.ts";
import { SPLIT_CODES } from "../data/types.ts";

/** Chunk split code that takes a chunk out of every split (removed by a filtering arm). */
const REMOVED_SPLIT = 255;

/** The corpus and loss weights one arm trains on. */
export interface ArmData {
  corpus: Corpus;
  targetWeights?: Float32Array;
  summary: Record<string, number>;
}

/** Config of the arm data stage. */
export interface ArmDataConfig {
  arm: ArmSpec;
  selection: SelectionSpec;
}

/** Inputs of the arm data stage; which ones are present depends on the arm kind's needs. */
export interface ArmDataInputs {
  corpus: Corpus;
  mask?: SelectionResult;
  classifier?: ToxicityClassifier;
  plainScores?: ScoreArtifact;
}

const WEIGHTS_FILE = "target_weights.f32";
const SUMMARY_FILE = "arm.json";

const armDataCodec: ArtifactCodec<ArmData> = {
  async save(dir, value) {
    if (!(await exists(`${dir}/corpus.arrow`))) await writeCorpus(dir, value.corpus);
    if (value.targetWeights) {
      await Deno.writeFile(`${dir}/${WEIGHTS_FILE}`, new Uint8Array(value.targetWeights.buffer));
    }
    await writeJsonAtomic(`${dir}/${SUMMARY_FILE}`, value.summary);
  },
  async load(dir) {
    const corpus = await readCorpus(dir);
    let targetWeights: Float32Array | undefined;
    if (await exists(`${dir}/${WEIGHTS_FILE}`)) {
      const bytes = await Deno.readFile(`${dir}/${WEIGHTS_FILE}`);
      targetWeights = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    }
    return {
      corpus,
      targetWeights,
      summary: await readJson<Record<string, number>>(`${dir}/${SUMMARY_FILE}`),
    };
  },
};

/** Builds an arm's training data from the arm registry's plan: filtered corpus and loss weights. */
export const armDataStage: StageDefinition<ArmDataConfig, ArmDataInputs, ArmData> = {
  name: "arm-data",
  version: "1",
  usesBackend: false,
  codec: armDataCodec,
  run(context, config, inputs) {
    const plan = armTrainingPlan(config.arm, {
      corpus: inputs.corpus,
      selectionSpec: config.selection,
      mask: inputs.mask,
      classifier: inputs.classifier,
      plainScores: inputs.plainScores?.scores as TokenScores | undefined,
    });
    let corpus = inputs.corpus;
    if (plan.keepDocuments) {
      const keep = plan.keepDocuments;
      corpus = filterCorpus(corpus, (docId) => keep[docId] === 1);
    }
    if (plan.dropChunks && plan.dropChunks.length > 0) {
      const chunkSplit = Uint8Array.from(corpus.chunkSplit);
      for (const chunk of plan.dropChunks) {
        if (chunkSplit[chunk] === SPLIT_CODES.train) chunkSplit[chunk] = REMOVED_SPLIT;
      }
      corpus = { ...corpus, chunkSplit };
    }
    for (const [name, value] of Object.entries(plan.summary)) {
      context.events.metric(name, value);
      context.events.log(`${config.arm.name}: ${name} = ${value}`);
    }
    return Promise.resolve({ corpus, targetWeights: plan.targetWeights, summary: plan.summary });
  },
};

/** Inputs of arm training: the arm's data and, for fine-tuning, the checkpoint to start from. */
export interface ArmTrainInputs {
  data: ArmData;
  init?: Checkpoint;
}

/** Trains one arm on its arm data; the train stage under the plan's input names. */
export const armTrainStage: StageDefinition<TrainConfig, ArmTrainInputs, Checkpoint> = {
  ...trainStage,
  run: (context, config, inputs) =>
    trainStage.run(context, config, {
      corpus: inputs.data.corpus,
      targetWeights: inputs.data.targetWeights,
      init: inputs.init,
    }),
};

/** Config of arm generation: the sampling settings plus RAD settings when the arm decodes with RAD. */
export interface ArmGenerateConfig {
  decoding: DecodingConfig;
  rad?: RadSpec;
}

/** Inputs of arm generation. */
export interface ArmGenerateInputs {
  checkpoint: Checkpoint;
  tokenizer: Tokenizer;
  promptSets: Record<string, PromptSet>;
  classifier?: ToxicityClassifier;
  rewardModel?: PrefixRewardModel;
}

/** Generates continuations for every prompt set; with `rad` set, through a RAD logit processor. */
export const armGenerateStage: StageDefinition<ArmGenerateConfig, ArmGenerateInputs, Generations> = {
  name: generateStage.name,
  version: generateStage.version,
  usesBackend: true,
  codec: generateStage.codec,
  run(context, config, inputs) {
    const promptSets = Object.values(inputs.promptSets).filter((set) => set.name !== "lambada");
    let decoding = config.decoding;
    let processor;
    if (config.rad) {
      processor = createRadProcessor(config.rad, config.decoding.topP, {
        tokenizer: inputs.tokenizer,
        classifier: inputs.classifier,
        rewardModel: inputs.rewardModel,
      });
      const options = radSamplingOptions({
        max_new_tokens: decoding.maxNewTokens,
        temperature: decoding.temperature,
        top_p: decoding.topP,
        top_k: decoding.topK,
        seed: decoding.seed,
      }, processor);
      decoding = { ...decoding, topP: options.topP, topK: options.topK, decoding: "rad" };
    }
    return generateStage.run(context, decoding, {
      checkpoint: inputs.checkpoint,
      tokenizer: inputs.tokenizer,
      promptSets,
      processor,
    });
  },
};

/** Inputs of scoring: the generations and the one classifier that scores them. */
export interface ArmScoreInputs {
  generations: Generations;
  classifier: ToxicityClassifier;
}

/** Scores generations with one classifier given as a single plan input. */
export const armScoreStage: StageDefinition<{ classifier: string }, ArmScoreInputs, GenerationScores> = {
  ...scoreGenerationsStage,
  run: (context, config, inputs) =>
    scoreGenerationsStage.run(context, config, {
      generations: inputs.generations,
      classifiers: [inputs.classifier],
    }),
};

/** Inputs of the toxicity metrics of one arm: generations and their explicit and implicit scores. */
export interface ArmMetricsInputs {
  generations: Generations;
  explicit: GenerationScores;
  implicit: GenerationScores;
  promptSets: Record<string, PromptSet>;
}

/** Toxicity metrics over both classifiers' scores of one arm's generations. */
export const armMetricsStage: StageDefinition<ToxicityMetricsConfig, ArmMetricsInputs, MetricRow[]> = {
  ...toxicityMetricsStage,
  run: (context, config, inputs) =>
    toxicityMetricsStage.run(context, config, {
      generations: inputs.generations,
      scores: [inputs.explicit, inputs.implicit],
      promptSets: Object.values(inputs.promptSets).filter((set) => set.name !== "lambada"),
    }),
};

/** Config of the reward-model stage as planned: training settings plus the role-split seed. */
export interface RewardConfig extends RewardTrainingOptions {
  /** Seed of the data roles, so the rows come from the classifier-training role. */
  split_seed: number;
}

/** Reward-model settings of planned runs. */
export const PLANNED_REWARD_TRAINING = DEFAULT_REWARD_TRAINING;

/** Trains RAD's prefix reward model on the classifier-training rows (never evaluation prompts). */
export const armRewardModelStage: StageDefinition<RewardConfig, { tokenizer: Tokenizer }, PrefixRewardModel> =
  {
    ...rewardModelStage,
    async run(context, config, inputs) {
      const { split_seed, ...options } = config;
      const rows = await classifierRows("classifier-train", split_seed);
      return await rewardModelStage.run(context, options, { tokenizer: inputs.tokenizer, rows });
    },
  };
