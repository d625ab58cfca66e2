/**
 * Public API of the data stage: shipped-dataset loaders, role splits, tokenizers, query and prompt
 * sets, classifier rows, DPO pairs, the corpus builder and the stage definitions.
 */

export * from "./types.ts";
export {
  dataRoot,
  gunzip,
  readShipped,
  setDataRoot,
  ShippedDataError,
  verifyShippedData,
} from "./shipped.ts";
export { normalizeText } from "./normalize.ts";
export {
  assignRole,
  hashUnit,
  type Role,
  ROLE_PRECEDENCE,
  ROLE_TABLES,
  type RoleSource,
  type RoleTable,
  toxigenValidationGroups,
} from "./roles.ts";
export { type RoleEntry, type RoleIndex, roleIndex, rowsWithRole } from "./role_index.ts";
export { loadRtp, type RtpRow } from "./datasets/rtp.ts";
export { cleanTweet, type DavidsonRow, loadDavidson } from "./datasets/davidson.ts";
export { loadParadetox, type ParadetoxRow } from "./datasets/paradetox.ts";
export { type HhRlhfRow, loadHhRlhf } from "./datasets/hh_rlhf.ts";
export { loadToxigen, type ToxigenRow } from "./datasets/toxigen.ts";
export { type BoldRow, loadBold } from "./datasets/bold.ts";
export { type LambadaRow, loadLambada } from "./datasets/lambada.ts";
export { type BenignRow, loadGutenberg, loadNlpCorpus, loadSpeeches } from "./datasets/benign.ts";
export { BpeTokenizer, type BpeTokenizerJson, EOT_TEXT, PAD_TEXT } from "./tokenizer/bpe.ts";
export { trainTokenizer, type TrainTokenizerOptions } from "./tokenizer/train.ts";
export { loadGpt2Tokenizer } from "./tokenizer/gpt2.ts";
export { buildQuerySets, isNontoxicQuery, isToxicQuery } from "./queries.ts";
export { buildPromptSets, type EvaluationPromptSets } from "./prompts.ts";
export { type ClassifierRole, type ClassifierRow, classifierRows, implicitRows } from "./classifier_rows.ts";
export { type DpoPair, dpoPairs, type DpoSource } from "./dpo.ts";
export {
  buildDocumentPool,
  type CandidateDocument,
  CORPUS_DATASETS,
  type DocumentPool,
  RTP_TOXIC_MIN,
  type SourceCounts,
} from "./documents.ts";
export { cutPassages, groupRows, type PassageSpan, passageSpans, splitSentences } from "./passages.ts";
export {
  buildCorpusStream,
  type ChunkBatch,
  type CorpusBuildOptions,
  type CorpusSink,
  type CorpusStats,
  type DocumentBatch,
  selectDocuments,
} from "./corpus.ts";
export {
  candidateSplit,
  checkSplits,
  documentSplit,
  type SplitFractions,
  splitName,
  splitOfUnit,
  textsInSplit,
} from "./document_split.ts";
export { SPLIT_COUNT, SPLIT_NAMES, SplitChunker, type TakenChunks } from "./split_chunker.ts";
export {
  ArrowBatchFile,
  CORPUS_FILES,
  CorpusArrowWriter,
  readChunkBatches,
  readCorpus,
  splitCodeOf,
  splitLabel,
  writeCorpus,
} from "./corpus_io.ts";
export { readDocumentPool, readPoolDocuments, writeDocumentPool } from "./document_io.ts";
export { readPromptSets, writePromptSets } from "./prompt_io.ts";
export { filterCorpus } from "./filter.ts";
export { loadTokenizer, saveTokenizer, TOKENIZER_FILE } from "./tokenizer/io.ts";
export {
  DEFAULT_TEXT_COLUMN,
  readUserTexts,
  UserDataError,
  type UserFormat,
  userFormat,
  type UserRow,
} from "./user/read.ts";
export { userPromptSet } from "./user/prompt_set.ts";
export {
  RTP_FILE_FINGERPRINT,
  rtpFileFingerprint,
  shippedDataFingerprint,
  userFileFingerprints,
} from "./fingerprint.ts";
export {
  RTP_TOXIC_PROMPT_MIN,
  rtpFileRole,
  type RtpFileRoles,
  rtpFileRoles,
  type RtpSourceOptions,
} from "./rtp_file_roles.ts";
export { readRtpFile, rtpRowFromRecord } from "./user/rtp_file.ts";
export { lookupPath, readUserRecords, type UserRecord } from "./user/records.ts";
export {
  type CorpusConfig,
  corpusStage,
  DATA_STAGE_VERSION,
  type DocumentsConfig,
  documentsStage,
  type PromptSetsConfig,
  promptSetsStage,
  type QueriesConfig,
  queriesStage,
  type TokenizerConfig,
  tokenizerStage,
} from "./stages.ts";
export { formatCorpusStats } from "./stats_format.ts";
