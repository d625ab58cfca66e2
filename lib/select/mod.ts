/**
 * Public API of the selection stage: toxic-token selection, the selection artifact, training-arm
 * plans, attribution quality against ground truth, and inspection views.
 */

export * from "./types.ts";
export {
  arrowScoreSource,
  assertTokenScoresShape,
  collectTokenScores,
  denseScoreSource,
  type ScoreInput,
  scoreSourceOf,
  tokenScoresOf,
} from "./score_source.ts";
export { float32Key, keyToFloat32, quantileSorted, streamedQuantile } from "./quantile.ts";
export {
  type Candidates,
  markWindows,
  type PreparedSelection,
  prepareSelection,
  QUANTILE_METHOD,
  rankChunks,
  resolveBudget,
  SELECTION_EPSILON,
  selectTokens,
} from "./select.ts";
export {
  MASK_FILE,
  RANKING_FILE,
  readSelection,
  selectionCodec,
  STATS_FILE,
  writeSelection,
} from "./artifact.ts";
export { type SelectionInputs, selectionStage } from "./stage.ts";
export {
  NO_POOLING,
  pooledScoreSource,
  type PoolingKind,
  poolingOf,
  type PoolingSpec,
  poolTokenScores,
  windowPoolChunk,
} from "./pooling.ts";
export {
  ARM_REGISTRY,
  type ArmDefinition,
  type ArmInputs,
  type ArmNeed,
  type ArmTrainingPlan,
  armTrainingPlan,
  keepDocumentsBelowToxicity,
  weightsFromMask,
} from "./arms.ts";
export {
  chunkMask,
  chunkScoreSums,
  randomMask,
  randomScores,
  topInfluenceChunks,
  toxicTokenMask,
  trainingChunkIds,
} from "./baseline_masks.ts";
export {
  keepDocumentsWithoutWords,
  profanityList,
  profanityMatcher,
  wordListMask,
  WordListMatcher,
} from "./wordlist.ts";
export { auroc, averagePrecision, type SetMetrics, setMetrics } from "./ranking_metrics.ts";
export {
  type AssessedSelection,
  type AttributionQuality,
  attributionQuality,
  type ChunkLabelRule,
  type LevelQuality,
  MIN_PRECISION_LIFT,
  MIN_TOKEN_AUROC,
  type QualityContext,
  qualityContext,
  type SourceShare,
  TOP_TOKEN_TYPES,
  type TopToken,
} from "./quality.ts";
export {
  type AttributionComparison,
  type BudgetPoint,
  compareAttribution,
  type ComparisonInputs,
  type ComparisonRow,
  comparisonRows,
  comparisonTable,
  DEFAULT_CURVE_BUDGETS,
  randomBudgetCurve,
  selectionBudgetCurve,
} from "./comparison.ts";
export {
  type ChunkView,
  escapeHtml,
  highlightStrengths,
  renderChunkHtml,
  renderChunksHtml,
  renderChunkTerminal,
} from "./render.ts";
export { buildChunkView, type ChunkColumns, chunkViewFromCorpus, topRankedChunks } from "./views.ts";
export {
  attributionCodec,
  type AttributionConfig,
  type AttributionInputs,
  attributionStage,
  readAttribution,
} from "./attribution_stage.ts";
