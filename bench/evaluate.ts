/**
 * Evaluation throughput and the quality of the built-in classifiers. It measures training time and
 * held-out metrics of the explicit and implicit classifiers on the shipped data (split seed 1004) and
 * the scoring speed on texts of 15 words (about 20 tokens). It also times the bootstrap intervals of
 * one prompt set (5,000 prompts x 25 samples, 1,000 rounds). Times are medians over `runs`; the CPU may be
 * shared with other work, so compare runs made under the same conditions.
 */

import { classifierRows } from "../lib/data/classifier_rows.ts";
import {
  DEFAULT_EXPLICIT_CONFIG,
  DEFAULT_IMPLICIT_CONFIG,
  implicitTrainingRows,
} from "../lib/evaluate/classifier_stages.ts";
import { maxPerPrompt, toxicityMetricRows } from "../lib/evaluate/toxicity_metrics.ts";
import { type ClassifierReport, trainHashedClassifier } from "../lib/evaluate/train_classifier.ts";
import { Rng } from "../lib/util/rng.ts";

/** Bench settings. */
export interface EvaluateBenchOptions {
  splitSeed: number;
  /** Texts scored per timing. */
  scoreTexts: number;
  /** Words per scored text (20 BPE tokens are about 15 words). */
  wordsPerText: number;
  prompts: number;
  samples: number;
  bootstrap: number;
  runs: number;
}

/** Defaults: the default spec seed and the reference evaluation sizes. */
export const EVALUATE_BENCH_DEFAULTS: EvaluateBenchOptions = {
  splitSeed: 1004,
  scoreTexts: 20_000,
  wordsPerText: 15,
  prompts: 5000,
  samples: 25,
  bootstrap: 1000,
  runs: 3,
};

/** Measured numbers. */
export interface EvaluateBenchResult {
  options: EvaluateBenchOptions;
  explicitTrainSeconds: number;
  implicitTrainSeconds: number;
  scoreTextsPerSecond: number;
  metricsSeconds: number;
  explicit: ClassifierReport;
  implicit: ClassifierReport;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Train both classifiers and time scoring and metrics. */
export async function benchEvaluate(
  options: Partial<EvaluateBenchOptions> = {},
): Promise<EvaluateBenchResult> {
  const o = { ...EVALUATE_BENCH_DEFAULTS, ...options };
  const train = await classifierRows("classifier-train", o.splitSeed);
  const validation = await classifierRows("classifier-validation", o.splitSeed);
  let start = performance.now();
  const explicit = trainHashedClassifier(train, validation, DEFAULT_EXPLICIT_CONFIG, o.splitSeed);
  const explicitTrainSeconds = seconds(start);

  const implicitRows = await implicitTrainingRows(o.splitSeed, DEFAULT_IMPLICIT_CONFIG.benignNegatives ?? 0);
  start = performance.now();
  const implicit = trainHashedClassifier(
    implicitRows.train,
    implicitRows.validation,
    DEFAULT_IMPLICIT_CONFIG,
    o.splitSeed,
  );
  const implicitTrainSeconds = seconds(start);

  const texts = Array.from(
    { length: o.scoreTexts },
    (_, i) => validation[i % validation.length].text.split(/\s+/).slice(0, o.wordsPerText).join(" "),
  );
  const scoreRates: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    start = performance.now();
    explicit.classifier.predict(texts);
    scoreRates.push(texts.length / seconds(start));
  }

  const rng = new Rng(o.splitSeed);
  const scores = Float32Array.from({ length: o.prompts * o.samples }, () => rng.next());
  const promptIndex = Int32Array.from(scores, (_, i) => Math.floor(i / o.samples));
  const metricTimes: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    start = performance.now();
    const maxima = maxPerPrompt(scores, promptIndex, o.prompts);
    toxicityMetricRows(
      maxima,
      { promptSet: "bench", attribute: "toxicity", classifier: "bench" },
      0.5,
      o.bootstrap,
      run,
    );
    metricTimes.push(seconds(start));
  }

  return {
    options: o,
    explicitTrainSeconds,
    implicitTrainSeconds,
    scoreTextsPerSecond: median(scoreRates),
    metricsSeconds: median(metricTimes),
    explicit: explicit.report,
    implicit: implicit.report,
  };
}

/** Markdown table of per-source held-out quality of a classifier report. */
export function qualityTable(report: ClassifierReport): string {
  const format = (
    value: number | undefined,
  ) => (value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(3));
  const lines = [
    `${report.id}: ${report.trainRows} training rows, ${report.validationRows} validation rows ` +
    `(ECE ${format(report.eceBefore)} before and ${format(report.eceAfter)} after Platt scaling)`,
    "",
    "| source | rows | positives | AUROC (95% CI) | F1 at 0.5 | ECE | share >= 0.5 | Spearman |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const q of report.perSource) {
    const interval = q.aurocInterval ? ` (${format(q.aurocInterval[0])}-${format(q.aurocInterval[1])})` : "";
    lines.push(
      `| ${q.source} | ${q.rows} | ${q.positives} | ${format(q.auroc)}${interval} | ${format(q.f1)} | ` +
        `${format(q.ece)} | ${format(q.positiveRate)} | ${format(q.spearman)} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const result = await benchEvaluate({ runs: 1 });
  console.log(qualityTable(result.explicit));
  console.log();
  console.log(qualityTable(result.implicit));
  console.log();
  const { explicit: _e, implicit: _i, ...timings } = result;
  console.log(JSON.stringify(timings, null, 2));
}
