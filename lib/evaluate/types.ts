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
