/**
 * The input of the report renderer: every number a report shows, gathered by the runner from cached
 * artifacts into one plain value. The renderer computes nothing beyond aggregates across seeds, ratios
 * of shown values and comparisons of shown intervals. Optional parts that are absent are left out of the
 * report with a one-line note.
 */

import type { MetricRow } from "../evaluate/types.ts";
import type { ArmKind } from "../spec/types.ts";

/** A row of the IF-Guide paper's main table (Coalson et al., 2025) that an arm is comparable with. */
export type PaperRow = "none" | "dpo" | "rad" | "ifguide" | "ifguide+rad";

/** One node of the executed plan, for the provenance section. */
export interface PlanNodeInfo {
  /** Node id in the plan (`train/none/1004`). */
  id: string;
  /** Stage name (`train`, `factors`, ...). */
  stage: string;
  /** Cache key of the node's artifact. */
  key: string;
  /** True when the artifact came from the cache in this run. */
  cached: boolean;
  /** Wall-clock seconds the stage took when it was computed (also when loaded from the cache now). */
  seconds: number;
}

/** Fingerprint of one input dataset or file. */
export interface DataFingerprint {
  /** Dataset or file name. */
  name: string;
  /** Content hash (hex). */
  sha256: string;
  /** Rows or documents, when known. */
  rows?: number;
}

/** Run identity and provenance. */
export interface ReportMeta {
  /** Spec name (`pretrain`). */
  specName: string;
  /** Run id, also the report folder's name. */
  runId: string;
  /** Resolved spec as a JSON-compatible object; printed as YAML in the provenance section. */
  spec: unknown;
  /** Executed plan nodes in plan order. */
  plan: PlanNodeInfo[];
  /** Fingerprints of the data the run read. */
  fingerprints: DataFingerprint[];
  /** Library and tool versions by name: `deno`, `tfjs`, `backend`, `blas`, ... */
  versions: Record<string, string>;
  /** Training seeds (one trained model per arm and seed). */
  seeds: number[];
  /** Evaluation seed (sampling of generations, bootstrap). */
  evaluationSeed: number;
  /** ISO-8601 start and end times of the run. */
  startedAt: string;
  endedAt: string;
}

/**
 * One measured value, as the evaluation stages produce it. The report reads these conventions:
 * - toxicity metrics `emt`, `emt_std` and `tp` carry the `attribute` (`toxicity`, `insult`, ...) and the
 *   `classifier` id that scored the generations, on prompt sets `rtp_all`, `rtp_toxic`, `rtp_nontoxic`,
 *   `bold`, `adversarial`, `toxigen_hate`, `toxigen_neutral` and their group splits (`bold:gender`).
 * - fluency metrics `perplexity`, `lambada_last_token` and `lambada_last_word` have no classifier.
 *   Their prompt set names the evaluation data (`corpus_test`, `lambada`), and the main table ignores it.
 * - a row without `arm` is a run-level metric, listed in its own table.
 * - a row without `seed` is pooled over seeds; see `MetricTable` for how it is shown.
 */
export type { MetricRow };

/** Classifier ids of the explicit and the implicit toxicity classifier of the run. */
export interface ClassifierRoles {
  /** Classifier id of explicit toxicity (the main table's EMT and TP). */
  explicit: string;
  /** Classifier id of implicit toxicity, when the run scored it. */
  implicit?: string;
}

/** One arm of the experiment. */
export interface ArmInfo {
  /** Unique arm name (the row label). */
  name: string;
  kind: ArmKind;
  /** Decoding used at evaluation. */
  decoding: "sample" | "rad";
  /** Row of the IF-Guide paper's main table this arm is comparable with, if any. */
  paperRow?: PaperRow;
}

/** Attribution quality of one selection method against ground-truth toxic spans. */
export interface AttributionQualityRow {
  /** Method or strategy (`differential ekfac`, `plain`, `random`, `word list`). */
  method: string;
  /** Token-level precision, recall and F1 of the selected tokens. */
  precision: number;
  recall: number;
  f1: number;
  /** Token-level AUROC and AUPRC of the scores (NaN for methods without scores). */
  auroc: number;
  auprc: number;
  /** Token-level AUROC of the influence scores before pooling, when the selection pooled them. */
  unpooledAuroc?: number;
  /** Tokens the method selected. */
  tokensSelected?: number;
  /** Chunk-level precision, recall, F1, AUROC and AUPRC, when chunks carry labels. */
  chunkPrecision?: number;
  chunkRecall?: number;
  chunkF1?: number;
  chunkAuroc?: number;
  chunkAuprc?: number;
  /** Share of the selected tokens that are among the corpus's most frequent token types. */
  frequentShare?: number;
  /** Share of the selected tokens coming from each corpus source, by source name. */
  budgetShare?: Record<string, number>;
}

/** Precision and recall of one method as the selection budget grows. */
export interface BudgetCurve {
  method: string;
  points: Array<{
    /** Budget as a fraction of training tokens. */
    budget: number;
    precision: number;
    recall: number;
  }>;
}

/** Histogram of token scores, split by the label of the document the token comes from. */
export interface ScoreHistogram {
  /** Name of the scored quantity (`differential score`). */
  label: string;
  /** Bin edges, ascending; one more than the counts. */
  edges: number[];
  /** Token counts per bin for tokens in toxic documents. */
  toxic: number[];
  /** Token counts per bin for tokens in benign documents. */
  benign: number[];
}

/** A scored token of a top chunk. */
export interface ChunkToken {
  /** Decoded token text (plain text; the renderer escapes it). */
  text: string;
  /** Token score; NaN when unknown. */
  score: number;
  selected: boolean;
  /** True when the token comes from a document labelled toxic. */
  toxic?: boolean;
}

/** A highly ranked chunk, shown with its selected tokens highlighted. */
export interface TopChunk {
  /** Chunk id in the corpus. */
  chunkId: number;
  /** Corpus source of the chunk. */
  source: string;
  /** Chunk score used for ranking. */
  score: number;
  /** Ground-truth label of the chunk's document, when known. */
  toxic?: boolean;
  /** Tokens with scores and selection flags. Preferred over `html`. */
  tokens?: ChunkToken[];
  /**
   * Escaped HTML fragment with `<mark>`, `<b>` or `<strong>` around selected tokens, used when `tokens`
   * is absent. The renderer keeps its text and highlights, drops `span` and `br` tags, and shows any
   * other tag as literal text.
   */
  html?: string;
}

/** How often a token type was selected. */
export interface SelectedTokenType {
  token: string;
  count: number;
  /** Share of all selected tokens. */
  share: number;
}

/** Statistics of one score-based selection (percentile, threshold, budget, tokens selected, ...). */
export interface SelectionSummary {
  method: string;
  /** Statistic name to value, shown in insertion order. */
  stats: Record<string, number | string>;
}

/** Everything about influence attribution and token selection. */
export interface AttributionData {
  quality: AttributionQualityRow[];
  /** Pooling applied to the influence scores before selection and measurement (`none` when absent). */
  pooling?: string;
  /** Selection statistics per score-based method, when recorded. */
  selections?: SelectionSummary[];
  curves: BudgetCurve[];
  histograms: ScoreHistogram[];
  topChunks: TopChunk[];
  topTokens: SelectedTokenType[];
}

/** Quality of one toxicity classifier on held-out labelled data. */
export interface ClassifierQualityRow {
  classifier: string;
  /** Evaluation data (`jigsaw test`, `toxigen`, or `all` for every held-out row pooled). */
  source: string;
  auroc: number;
  /** 95% interval of the AUROC, when computed. */
  aurocLow?: number;
  aurocHigh?: number;
  f1: number;
  /** Share of rows scored at or above the decision threshold (the false-positive rate on benign data). */
  positiveRate?: number;
  /** Expected calibration error. */
  ece: number;
  /** Spearman correlation with reference scores, when available. */
  spearman?: number;
  n: number;
}

/** One generated continuation shown as a sample. */
export interface SampleGeneration {
  arm: string;
  promptSet: string;
  prompt: string;
  continuation: string;
  /** Explicit toxicity score of the continuation. */
  toxicity?: number;
}

/** Continuations of one held-out benign document: the document's own and each arm's. */
export interface ReadingSample {
  prompt: string;
  /** The document's own continuation, cut to the generated length. */
  human: string;
  /** Continuation per arm under the reading decoding, in arm order. */
  arms: Array<{ arm: string; continuation: string }>;
}

/** Settings of the readability check, as the report states them. */
export interface ReadingSettings {
  temperature: number;
  topK: number;
  topP: number;
  maxNewTokens: number;
  minCount: number;
}

/** Language-model fluency and generated samples. */
export interface ModelData {
  /** Held-out continuations under the reading decoding (absent when the check is off). */
  reading?: { settings: ReadingSettings; samples: ReadingSample[] };
  /** Perplexity of a unigram model of the training corpus on the validation chunks (a floor to beat). */
  unigramPerplexity: number;
  /** Validation perplexity per trained model. */
  validation: Array<{ model: string; perplexity: number }>;
  samples: SampleGeneration[];
}

/** Per-source counts of the training corpus. */
export interface CorpusSourceStats {
  source: string;
  documents: number;
  tokens: number;
  /** Share of documents labelled toxic. */
  toxicShare: number;
}

/** Training corpus statistics. */
export interface CorpusData {
  documents: number;
  tokens: number;
  /** Share of documents labelled toxic. */
  toxicShare: number;
  sources: CorpusSourceStats[];
}

/** A swept parameter value. */
export type SweepValue = string | number | boolean;

/** Position of a run inside a sweep: dotted spec path to its value. */
export type SweepPoint = Record<string, SweepValue>;

/** Everything one report shows. */
export interface ReportData {
  meta: ReportMeta;
  results: MetricRow[];
  classifierRoles: ClassifierRoles;
  arms: ArmInfo[];
  attribution?: AttributionData;
  classifiers?: ClassifierQualityRow[];
  model?: ModelData;
  corpus?: CorpusData;
  /** Set when this run is one point of a sweep. */
  sweep?: { paths: string[]; point: SweepPoint };
}
