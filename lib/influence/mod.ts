/**
 * The influence engine: capture of a_t and s_t on tracked linear layers, identity / K-FAC / EK-FAC
 * curvature factors, (differential) query gradients and token-wise scores, with sharded scoring.
 */

export { type EigenResult, symmetricEigen } from "./eigen.ts";
export { decomposeSymmetric, type EigenMethod, resolvedEigenMethod } from "./eigen_select.ts";
export { globToRegExp, layersByName, selectLayers, type TrackedLayer } from "./layers.ts";
export {
  captureBatch,
  type CapturedBatch,
  type CapturedLayer,
  type CaptureModel,
  type CaptureOptions,
  disposeCaptured,
  type LossBatch,
} from "./capture.ts";
export { chunkBatch, type EncodedQuery, encodeQuery, queryBatch } from "./batches.ts";
export {
  type FactorStrategy,
  getStrategy,
  type LayerStatistics,
  STRATEGIES,
  type StrategyName,
} from "./strategies.ts";
export {
  applyCorrections,
  emptyFactorSet,
  type FactorSet,
  factorSetFromCovariances,
  type FisherKind,
  preconditionLayer,
} from "./factors.ts";
export {
  type DampingSpec,
  HEURISTIC_DAMPING_FACTOR,
  inverseCurvatureProduct,
  resolveDamping,
} from "./precondition.ts";
export {
  type CorrectionSums,
  type CovarianceSums,
  mergeCorrectionSums,
  mergeCovarianceSums,
} from "./statistics.ts";
export { accumulateCorrections, accumulateCovariances, fitFactors, type FitFactorsOptions } from "./fit.ts";
export {
  buildQueryGradient,
  type MeanGradient,
  meanQueryGradient,
  type QueryGradient,
  queryGradientFromMeans,
  type QueryGradientLayer,
} from "./query.ts";
export {
  type ChunkScoreBatch,
  chunkScores,
  type MultiScoreBatch,
  scoreChunks,
  scoreChunksMany,
  scoreTokens,
} from "./scores.ts";
export {
  factorsCodec,
  loadFactors,
  loadQueryGradient,
  queryGradientCodec,
  saveFactors,
  saveQueryGradient,
} from "./artifacts.ts";
export {
  checkScoreShards,
  concatShardScores,
  readScoreTable,
  type ScoreArtifact,
  scoreArtifactCodec,
  type ScoreManifest,
  shardRange,
  type ShardSpec,
  trainingChunkIds,
} from "./score_table.ts";
export { assertModelFitsCorpus, assertModelFitsTokenizer } from "./compat.ts";
export {
  type FactorsConfig,
  type FactorsInputs,
  factorsStage,
  fitChunkIds,
  mergeScoresStage,
  type QueryGradientConfig,
  type QueryGradientInputs,
  queryGradientStage,
  type ScoresConfig,
  type ScoresInputs,
  scoresStage,
} from "./stages.ts";
export {
  checkShardSet,
  correctedFactorsStage,
  type CorrectionShard,
  correctionShardCodec,
  correctionShardStage,
  type CovarianceShard,
  covarianceShardCodec,
  covarianceShardStage,
  eigenbasisStage,
  type FactorShardConfig,
} from "./factor_shards.ts";
