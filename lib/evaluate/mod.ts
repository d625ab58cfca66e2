/** Public face of the evaluation stage folder: classifiers, generations, toxicity metrics, fluency, seeds. */

export * from "./types.ts";
export * from "./features.ts";
export * from "./logistic.ts";
export * from "./calibration.ts";
export * from "./quality.ts";
export * from "./hashed_classifier.ts";
export * from "./train_classifier.ts";
export * from "./registry.ts";
export * from "./bootstrap.ts";
export * from "./toxicity_metrics.ts";
export * from "./seeds.ts";
export * from "./language_model.ts";
export * from "./generations.ts";
export * from "./scores.ts";
export * from "./fluency.ts";
export * from "./classifier_stages.ts";
export * from "./evaluation_stages.ts";
export * from "./summary_stage.ts";
