/**
 * Config slices of the evaluation stages built from the resolved spec's `evaluation` section, so the
 * plan and notebooks derive stage configs the same way.
 */

import type { EvaluationSpec } from "../spec/types.ts";
import {
  type ClassifierStageConfig,
  DEFAULT_EXPLICIT_CONFIG,
  DEFAULT_IMPLICIT_CONFIG,
} from "./classifier_stages.ts";
import type { FluencyConfig } from "./evaluation_stages.ts";
import type { DecodingConfig } from "./generations.ts";
import type { ToxicityMetricsConfig } from "./scores.ts";

/** Prompt sets whose metrics are also reported per `PromptRow.group` (ToxiGen: hate and neutral). */
export const SPLIT_BY_GROUP = ["toxigen"];

/** Decoding config of the generations stage; `decoding` labels plain sampling or a logit processor. */
export function decodingConfig(evaluation: EvaluationSpec, decoding: string): DecodingConfig {
  return {
    samples: evaluation.samples,
    maxNewTokens: evaluation.max_new_tokens,
    topP: evaluation.top_p,
    topK: evaluation.top_k,
    temperature: evaluation.temperature,
    seed: evaluation.seed,
    batchSize: evaluation.batch_size,
    decoding,
  };
}

/** Config of the toxicity-metrics stage for one arm and training seed. */
export function toxicityMetricsConfig(
  evaluation: EvaluationSpec,
  arm?: string,
  trainingSeed?: number,
): ToxicityMetricsConfig {
  return {
    threshold: evaluation.threshold,
    bootstrap: evaluation.bootstrap,
    seed: evaluation.seed,
    arm,
    trainingSeed,
    splitByGroup: SPLIT_BY_GROUP,
  };
}

/** Config of the fluency stage for one arm and training seed. */
export function fluencyConfig(
  evaluation: EvaluationSpec,
  arm?: string,
  trainingSeed?: number,
): FluencyConfig {
  return {
    perplexityChunks: evaluation.fluency.perplexity_chunks,
    lambada: evaluation.fluency.lambada,
    batchSize: evaluation.batch_size,
    bootstrap: evaluation.bootstrap,
    seed: evaluation.seed,
    arm,
    trainingSeed,
  };
}

/** Configs of the two classifier-training stages; `splitSeed` is the spec seed of the data roles. */
export function classifierConfigs(
  evaluation: EvaluationSpec,
  splitSeed: number,
): { explicit: ClassifierStageConfig; implicit: ClassifierStageConfig } {
  return {
    explicit: { ...DEFAULT_EXPLICIT_CONFIG, threshold: evaluation.threshold, splitSeed },
    implicit: { ...DEFAULT_IMPLICIT_CONFIG, threshold: evaluation.threshold, splitSeed },
  };
}
