/**
 * Training, calibration and the held-out quality report of a hashed-feature classifier. The same
 * recipe serves the explicit classifier (several sources, several attributes, soft targets) and the
 * implicit one (ToxiGen statements, one attribute).
 *
 * The validation rows are split in two by a seeded hash of their text: one half fits the Platt maps,
 * the other half is never seen by training or calibration and gives the quality report.
 */

import type { StageEvents } from "../runner/events.ts";
import { fnv1a32 } from "../util/hash.ts";
import { fitPlatt, type PlattMap } from "./calibration.ts";
import { type FeatureOptions, featurize } from "./features.ts";
import { HashedLinearClassifier } from "./hashed_classifier.ts";
import { trainLogistic } from "./logistic.ts";
import { auroc, expectedCalibrationError, f1AtThreshold, spearman } from "./quality.ts";

/** One labelled text for classifier training; `label` is the toxicity target in [0, 1] (soft where scored). */
export interface ClassifierRow {
  text: string;
  label: number;
  /** Dataset the row comes from; quality is reported per source. */
  source: string;
  /** Targets of further attributes in [0, 1] where the source scores them (Perspective for RTP). */
  attributes?: Record<string, number>;
}

/** Settings of classifier training. */
export interface ClassifierTrainConfig {
  /** Id recorded in manifests and reports. */
  id: string;
  /** Attributes to learn; `toxicity` comes from `label`, the others from `attributes`. */
  attributes: string[];
  features: FeatureOptions;
  epochs: number;
  learningRate: number;
  l2: number;
  /** Weight rows so every source carries the same total weight (true), or weight all rows equally. */
  balanceSources: boolean;
  /** Probability at which F1 and true-positive rates are reported. */
  threshold: number;
}

/** Held-out quality of one source. */
export interface SourceQuality {
  source: string;
  rows: number;
  positives: number;
  auroc: number;
  f1: number;
  ece: number;
  /** Fraction of rows scored at or above the threshold (the false-positive rate of a benign source). */
  positiveRate: number;
  /** Spearman correlation with the soft target, for sources with soft targets. */
  spearman?: number;
  /** AUROC of the other attributes where the source scores them (target >= 0.5 is positive). */
  attributeAuroc?: Record<string, number>;
}

/** What `trainHashedClassifier` reports besides the classifier. */
export interface ClassifierReport {
  id: string;
  trainRows: number;
  calibrationRows: number;
  heldOutRows: number;
  trainRowsPerSource: Record<string, number>;
  /** ECE of `toxicity` on the held-out half, before and after Platt scaling. */
  eceBefore: number;
  eceAfter: number;
  calibration: PlattMap[];
  perSource: SourceQuality[];
  /** Every held-out row pooled. */
  overall: SourceQuality;
  losses: number[];
}

const SPLIT_LABEL = 0x5eed;

/** Split validation rows into a calibration half and a held-out report half by a seeded hash of the text. */
export function splitValidation(rows: ClassifierRow[], seed: number): [ClassifierRow[], ClassifierRow[]] {
  const calibration: ClassifierRow[] = [];
  const heldOut: ClassifierRow[] = [];
  for (const row of rows) {
    (fnv1a32(row.text, seed ^ SPLIT_LABEL) % 2 === 0 ? calibration : heldOut).push(row);
  }
  return [calibration, heldOut];
}

/**
 * Build the [N, A] target and weight arrays. A row without a score for an attribute gets weight 0
 * there, except rows with toxicity exactly 0: a text labelled non-toxic counts as free of every
 * attribute (insult, threat and the rest are kinds of toxicity).
 */
export function buildTargets(
  rows: ClassifierRow[],
  attributes: string[],
  balanceSources: boolean,
): { targets: Float32Array; weights: Float32Array } {
  const A = attributes.length;
  const targets = new Float32Array(rows.length * A);
  const weights = new Float32Array(rows.length * A);
  const perSource = countBySource(rows);
  const sources = Object.keys(perSource).length;

  rows.forEach((row, r) => {
    if (!(row.label >= 0 && row.label <= 1)) {
      throw new RangeError(
        `classifier row ${r} (${row.source}) has label ${row.label}; labels must be in [0, 1]`,
      );
    }
    const rowWeight = balanceSources ? rows.length / (sources * perSource[row.source]) : 1;
    attributes.forEach((name, a) => {
      const value = name === "toxicity"
        ? row.label
        : row.attributes?.[name] ?? (row.label === 0 ? 0 : undefined);
      if (value === undefined || !Number.isFinite(value)) return;
      targets[r * A + a] = value;
      weights[r * A + a] = rowWeight;
    });
  });
  return { targets, weights };
}

function countBySource(rows: ClassifierRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.source] = (counts[row.source] ?? 0) + 1;
  return counts;
}

/** Held-out quality of a group of rows with calibrated scores. */
export function measureQuality(
  source: string,
  rows: ClassifierRow[],
  scores: Record<string, Float32Array>,
  threshold: number,
): SourceQuality {
  const toxicity = scores.toxicity;
  const soft = rows.map((row) => row.label);
  const binary = soft.map((value) => (value >= 0.5 ? 1 : 0));
  const quality: SourceQuality = {
    source,
    rows: rows.length,
    positives: binary.reduce((sum: number, value) => sum + value, 0),
    auroc: auroc(toxicity, binary),
    f1: f1AtThreshold(toxicity, binary, threshold),
    ece: expectedCalibrationError(toxicity, soft),
    positiveRate: toxicity.reduce((sum: number, value) => sum + (value >= threshold ? 1 : 0), 0) /
      rows.length,
  };
  if (soft.some((value) => value > 0 && value < 1)) quality.spearman = spearman(toxicity, soft);

  const attributeAuroc: Record<string, number> = {};
  for (const name of Object.keys(scores)) {
    if (name === "toxicity") continue;
    const picked = rows.flatMap((row, i) => (row.attributes?.[name] !== undefined ? [i] : []));
    if (picked.length === 0) continue;
    const value = auroc(
      picked.map((i) => scores[name][i]),
      picked.map((i) => (rows[i].attributes![name] >= 0.5 ? 1 : 0)),
    );
    if (Number.isFinite(value)) attributeAuroc[name] = value;
  }
  if (Object.keys(attributeAuroc).length > 0) quality.attributeAuroc = attributeAuroc;
  return quality;
}

/** Train, calibrate and report a classifier. Checks `signal` between epochs. */
export function trainHashedClassifier(
  trainRows: ClassifierRow[],
  validationRows: ClassifierRow[],
  config: ClassifierTrainConfig,
  seed: number,
  events?: StageEvents,
  signal?: AbortSignal,
): { classifier: HashedLinearClassifier; report: ClassifierReport } {
  if (trainRows.length === 0) throw new RangeError(`classifier '${config.id}' has no training rows`);
  const [calibrationRows, heldOutRows] = splitValidation(validationRows, seed);
  if (calibrationRows.length === 0 || heldOutRows.length === 0) {
    throw new RangeError(
      `classifier '${config.id}' needs validation rows for calibration and for the report; ` +
        `got ${validationRows.length} validation rows in total`,
    );
  }

  const A = config.attributes.length;
  const { targets, weights } = buildTargets(trainRows, config.attributes, config.balanceSources);
  const losses: number[] = [];
  const model = trainLogistic(
    featurize(trainRows.map((row) => row.text), config.features),
    targets,
    weights,
    A,
    {
      epochs: config.epochs,
      learningRate: config.learningRate,
      l2: config.l2,
      seed,
      signal,
      onEpoch: (epoch, loss) => {
        losses.push(loss);
        events?.progress(epoch + 1, config.epochs, "epochs", `loss ${loss.toFixed(4)}`);
        events?.metric(`${config.id}.loss`, loss, epoch);
      },
    },
  );

  const identity = config.attributes.map(() => ({ a: 1, b: 0 }));
  const classifier = new HashedLinearClassifier(
    {
      id: config.id,
      attributes: config.attributes,
      features: config.features,
      calibration: identity,
      report: {},
    },
    model,
  );

  // Fit one Platt map per attribute on the calibration half, using only rows that score the attribute.
  const calibrationLogits = classifier.logits(calibrationRows.map((row) => row.text));
  const { targets: calTargets, weights: calWeights } = buildTargets(
    calibrationRows,
    config.attributes,
    false,
  );
  const calibration = config.attributes.map((_, a) => {
    const z: number[] = [];
    const y: number[] = [];
    for (let r = 0; r < calibrationRows.length; r++) {
      if (calWeights[r * A + a] === 0) continue;
      z.push(calibrationLogits[r * A + a]);
      y.push(calTargets[r * A + a]);
    }
    return fitPlatt(z, y);
  });

  const heldOutTexts = heldOutRows.map((row) => row.text);
  const heldOutLabels = heldOutRows.map((row) => row.label);
  const eceBefore = expectedCalibrationError(classifier.predict(heldOutTexts).toxicity, heldOutLabels);
  classifier.calibration = calibration;
  const scores = classifier.predict(heldOutTexts);

  const bySource = new Map<string, number[]>();
  heldOutRows.forEach((row, i) => {
    if (!bySource.has(row.source)) bySource.set(row.source, []);
    bySource.get(row.source)!.push(i);
  });
  const perSource = [...bySource.keys()].sort().map((source) => {
    const picked = bySource.get(source)!;
    const subset: Record<string, Float32Array> = {};
    for (const name of config.attributes) subset[name] = Float32Array.from(picked, (i) => scores[name][i]);
    return measureQuality(source, picked.map((i) => heldOutRows[i]), subset, config.threshold);
  });

  const report: ClassifierReport = {
    id: config.id,
    trainRows: trainRows.length,
    calibrationRows: calibrationRows.length,
    heldOutRows: heldOutRows.length,
    trainRowsPerSource: countBySource(trainRows),
    eceBefore,
    eceAfter: expectedCalibrationError(scores.toxicity, heldOutLabels),
    calibration,
    perSource,
    overall: measureQuality("all", heldOutRows, scores, config.threshold),
    losses,
  };
  classifier.report = report as unknown as Record<string, unknown>;
  return { classifier, report };
}
