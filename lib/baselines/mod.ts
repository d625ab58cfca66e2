/** Public face of the baselines: DPO fine-tuning, reward-augmented decoding and the arm registry. */

export {
  dpoLoss,
  type DpoLossParts,
  type PairLogProbs,
  type PreferenceStats,
  preferenceStats,
} from "./dpo_loss.ts";
export {
  type EncodedPair,
  type EncodedPairs,
  type EncodedSequence,
  encodePairs,
  padPairs,
  padSequences,
  type PairEncodingOptions,
  type PreferencePair,
  type SequenceBatch,
} from "./dpo_batch.ts";
export {
  DPO_PAIR_SOURCES,
  type DpoPairSource,
  type LoadedPairs,
  type PairSourceInputs,
  type SelfGeneratedOptions,
  type SelfGeneratedPairs,
  selfGeneratedPairs,
} from "./dpo_pairs.ts";
export {
  batchLogProbs,
  type DpoStepRecord,
  type DpoTrainContext,
  type DpoTrainOptions,
  type DpoTrainResult,
  type DpoTrainState,
  trainDpo,
} from "./dpo_train.ts";
export { dpoStage, type DpoStageConfig, dpoStageConfig, type DpoStageInputs, runDpo } from "./dpo_stage.ts";
export { selectCandidates } from "./rad_candidates.ts";
export { type CandidateScorer, ClassifierScorer } from "./rad_scorer.ts";
export {
  ContinuationTracker,
  type DecodingSettings,
  RAD_SAMPLER_TOP_P,
  type RadOptions,
  RadProcessor,
  radSamplingOptions,
  type RadStats,
  type RowContinuation,
} from "./rad.ts";
export { type PrefixRewardModel, PrefixRewardScorer, scorePrefix } from "./reward_model.ts";
export {
  DEFAULT_REWARD_TRAINING,
  type RewardTrainingOptions,
  type RewardTrainingRow,
  trainPrefixReward,
} from "./reward_train.ts";
export { rewardModelCodec, type RewardModelInputs, rewardModelStage } from "./reward_stage.ts";
export {
  armDecoding,
  BASELINE_RECIPES,
  type BaselineArmKind,
  type BaselineRecipe,
  baselineRecipe,
  createRadProcessor,
  RAD_REWARDS,
  type RadDependencies,
  type RadRewardKind,
  samplerFilter,
} from "./registry.ts";
