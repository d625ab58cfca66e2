/**
 * Training, calibration and the held-out quality report of a hashed-feature classifier. The same
 * recipe serves the explicit classifier (several sources, several attributes, soft targets) and the
 * implicit one (ToxiGen statements, one attribute).
 *
 * The validation rows are split in two by a seeded hash of their text. Each half is scored with Platt
 * maps fitted on the other half (cross-fitting), so the quality report uses every validation row while
 * no row is scored by a calibration fitted on it.
 */

import type { StageEvents } from "../runner/events.ts";
import { fnv1a32 } from "../util/hash.ts";
import { bootstrapInterval } from "./bootstrap.ts";
import { applyPlatt, fitPlatt, type PlattMap } from "./calibration.ts";
import { type FeatureOptions, featurize } from "./features.ts";
import { HashedLinearClassifier } from "./hashed_classifier.ts";
import { sigmoid, trainLogistic } from "./logistic.ts";
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
  /**
   * Source-name prefixes of the validation rows that fit the Platt maps; empty or absent uses all
   * rows. With `["rtp-"]` the scores follow Perspective's scale on web sentences, which puts ordinary
   * text near 0.1 instead of near 0.
   */
  calibrationSources?: string[];
}

/** Held-out quality of one source. */
export interface SourceQuality {
  source: string;
  rows: number;
  positives: number;
  auroc: number;
  f1: number;
  ece: number;
  /** 95% bootstrap interval of the AUROC over rows. */
  aurocInterval?: [number, number];
  /** Fraction of rows scored at or above the threshold (the false-positive rate of a benign source). */
  positiveRate: number;
  /** Spearman correlation with the soft target, for sources with soft targets. */
  spearman?: number;
  /** AUROC of the other attributes where the source scores them (target >= 0.5 is positive). */
  attributeAuroc?: Record<string, number>;
}

/** Training and held-out quality report returned by `trainHashedClassifier` with the classifier. */
export interface ClassifierReport {
  id: string;
  trainRows: number;
  /** Validation rows; each is scored with calibration fitted on the other half of them. */
  validationRows: number;
  trainRowsPerSource: Record<string, number>;
  /** ECE of `toxicity` on the validation rows, before and after (cross-fitted) Platt scaling. */
  eceBefore: number;
  eceAfter: number;
  /** Platt maps shipped with the classifier, fitted on all validation rows. */
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

/** Fit one Platt map per attribute on the rows that score it; `logits` is [rows, A]. */
function fitPlattMaps(
  rows: ClassifierRow[],
  logits: Float32Array,
  attributes: string[],
  sources: string[] = [],
): PlattMap[] {
  const A = attributes.length;
  const used = (row: ClassifierRow) =>
    sources.length === 0 || sources.some((prefix) => row.source.startsWith(prefix));
  const { targets, weights } = buildTargets(rows, attributes, false);
  return attributes.map((_, a) => {
    const z: number[] = [];
    const y: number[] = [];
    for (let r = 0; r < rows.length; r++) {
      if (weights[r * A + a] === 0 || !used(rows[r])) continue;
      z.push(logits[r * A + a]);
      y.push(targets[r * A + a]);
    }
    return fitPlatt(z, y);
  });
}

/** Rounds of the bootstrap interval of each source's AUROC. */
const AUROC_BOOTSTRAP_ROUNDS = 200;

/** Held-out quality of a group of rows with calibrated scores. */
export function measureQuality(
  source: string,
  rows: ClassifierRow[],
  scores: Record<string, Float32Array>,
  threshold: number,
  seed = 0,
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
  const interval = bootstrapInterval(
    rows.length,
    (indices) => auroc(Array.from(indices, (i) => toxicity[i]), Array.from(indices, (i) => binary[i])),
    AUROC_BOOTSTRAP_ROUNDS,
    seed,
  );
  if (Number.isFinite(interval.value)) quality.aurocInterval = [interval.low, interval.high];
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

  // Cross-fitting: each validation half is scored with Platt maps fitted on the other half, so every
  // reported row is held out from both training and calibration. The shipped maps use all validation rows.
  const halves = [calibrationRows, heldOutRows];
  const halfLogits = halves.map((rows) => classifier.logits(rows.map((row) => row.text)));
  const halfMaps = halves.map((rows, h) =>
    fitPlattMaps(rows, halfLogits[h], config.attributes, config.calibrationSources)
  );
  const reportRows = [...heldOutRows, ...calibrationRows];
  const N = reportRows.length;
  const rawLogits = new Float32Array(N * A);
  rawLogits.set(halfLogits[1]);
  rawLogits.set(halfLogits[0], heldOutRows.length * A);
  const scores: Record<string, Float32Array> = {};
  const uncalibrated = new Float32Array(N);
  config.attributes.forEach((name, a) => {
    const column = new Float32Array(N);
    for (let r = 0; r < N; r++) {
      // Rows of the held-out half use the maps of the calibration half, and the other way round.
      const map = r < heldOutRows.length ? halfMaps[0][a] : halfMaps[1][a];
      column[r] = applyPlatt(map, rawLogits[r * A + a]);
      if (name === "toxicity") uncalibrated[r] = sigmoid(rawLogits[r * A + a]);
    }
    scores[name] = column;
  });
  const labels = reportRows.map((row) => row.label);
  const calibration = fitPlattMaps(reportRows, rawLogits, config.attributes, config.calibrationSources);
  classifier.calibration = calibration;

  const bySource = new Map<string, number[]>();
  reportRows.forEach((row, i) => {
    if (!bySource.has(row.source)) bySource.set(row.source, []);
    bySource.get(row.source)!.push(i);
  });
  const perSource = [...bySource.keys()].sort().map((source) => {
    const picked = bySource.get(source)!;
    const subset: Record<string, Float32Array> = {};
    for (const name of config.attributes) subset[name] = Float32Array.from(picked, (i) => scores[name][i]);
    return measureQuality(source, picked.map((i) => reportRows[i]), subset, config.threshold, seed);
  });

  const report: ClassifierReport = {
    id: config.id,
    trainRows: trainRows.length,
    validationRows: N,
    trainRowsPerSource: countBySource(trainRows),
    eceBefore: expectedCalibrationError(uncalibrated, labels),
    eceAfter: expectedCalibrationError(scores.toxicity, labels),
    calibration,
    perSource,
    overall: measureQuality("all", reportRows, scores, config.threshold, seed),
    losses,
  };
  classifier.report = report as unknown as Record<string, unknown>;
  return { classifier, report };
}
