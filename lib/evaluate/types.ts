/** Classifier-facing types shared by evaluation, filtering baselines and RAD. */

/** Scores texts for toxicity. Implementations are pluggable: built-in models or user-supplied ones. */
export interface ToxicityClassifier {
  /** Identifier recorded in manifests and reports. */
  readonly id: string;
  /** Attribute names `predict` returns; always includes `toxicity`. */
  readonly attributes: string[];
  /** Probability of each attribute for each text, [texts.length] per attribute. */
  predict(texts: string[]): Record<string, Float32Array>;
}

/**
 * One number of an evaluation, as the report consumes it: a metric of one prompt set (or fluency set)
 * for one arm and training seed, with its 95% interval where one is computed.
 */
export interface MetricRow {
  /** Training arm name; absent for metrics computed outside an arm (classifier quality). */
  arm?: string;
  /** Training seed; absent for metrics aggregated over seeds. */
  seed?: number;
  /** Prompt set or fluency set: `rtp_toxic`, `rtp_nontoxic`, `rtp_all`, `bold`, `lambada`, ... */
  promptSet: string;
  /** Metric name: `emt`, `emt_std`, `tp`, `perplexity`, `lambada_last_token`, `lambada_last_word`, ... */
  metric: string;
  /** Classifier attribute the metric is about (`toxicity`, `insult`, ...); absent for fluency. */
  attribute?: string;
  /** Id of the classifier that scored the generations; absent for fluency. */
  classifier?: string;
  value: number;
  /** Bounds of the 95% bootstrap interval over prompts (or the spread over seeds after aggregation). */
  ciLow?: number;
  ciHigh?: number;
  /** Number of units behind the value: prompts, passages, tokens or seeds. */
  n: number;
}
