/**
 * A calibrated multi-attribute text classifier: hashed n-gram features, a logistic layer and one Platt
 * map per attribute. It implements `ToxicityClassifier` and saves as `classifier.json` (settings,
 * calibration, quality report) plus `weights.bin` (little-endian float32, [F, A] then the bias [A]).
 */

import { join } from "node:path";
import { readJson, writeFileAtomic, writeJsonAtomic } from "../util/atomic.ts";
import { applyPlatt, type PlattMap } from "./calibration.ts";
import { type FeatureOptions, featurize, validateFeatureOptions } from "./features.ts";
import { linearLogits, type LinearModel } from "./logistic.ts";
import type { ToxicityClassifier } from "./types.ts";

/** Format tag written into `classifier.json`; loading another format fails. */
export const HASHED_CLASSIFIER_FORMAT = "ifguide-hashed-linear-v1";

/** Texts featurized per block in `predict`, bounding the memory of one call. */
const PREDICT_BLOCK = 4096;

/** Contents of `classifier.json`: everything but the weights. */
export interface HashedClassifierMeta {
  format: string;
  id: string;
  attributes: string[];
  features: FeatureOptions;
  calibration: PlattMap[];
  /** Free-form training and quality report (sizes, metrics per source). */
  report: Record<string, unknown>;
}

/** A trained hashed-feature classifier. */
export class HashedLinearClassifier implements ToxicityClassifier {
  readonly id: string;
  readonly attributes: string[];
  readonly features: FeatureOptions;
  readonly model: LinearModel;
  calibration: PlattMap[];
  report: Record<string, unknown>;

  constructor(meta: Omit<HashedClassifierMeta, "format">, model: LinearModel) {
    if (!meta.attributes.includes("toxicity")) {
      throw new RangeError(
        `classifier '${meta.id}' must score 'toxicity'; it has ${meta.attributes.join(", ")}`,
      );
    }
    if (model.numOutputs !== meta.attributes.length || meta.calibration.length !== meta.attributes.length) {
      throw new RangeError(
        `classifier '${meta.id}' has ${meta.attributes.length} attributes, ${model.numOutputs} outputs and ` +
          `${meta.calibration.length} calibration maps; they must be equal`,
      );
    }
    this.id = meta.id;
    this.attributes = meta.attributes;
    this.features = validateFeatureOptions(meta.features);
    this.calibration = meta.calibration;
    this.report = meta.report;
    this.model = model;
  }

  /** Uncalibrated logits, [texts.length, A] row-major. */
  logits(texts: string[]): Float32Array {
    const A = this.attributes.length;
    const out = new Float32Array(texts.length * A);
    for (let start = 0; start < texts.length; start += PREDICT_BLOCK) {
      const block = texts.slice(start, start + PREDICT_BLOCK);
      out.set(linearLogits(this.model, featurize(block, this.features)), start * A);
    }
    return out;
  }

  /** Calibrated probability of every attribute for every text. */
  predict(texts: string[]): Record<string, Float32Array> {
    const logits = this.logits(texts);
    const A = this.attributes.length;
    const out: Record<string, Float32Array> = {};
    this.attributes.forEach((name, a) => {
      const column = new Float32Array(texts.length);
      for (let i = 0; i < texts.length; i++) column[i] = applyPlatt(this.calibration[a], logits[i * A + a]);
      out[name] = column;
    });
    return out;
  }

  /** Write `classifier.json` and `weights.bin` into `dir`, each atomically. */
  async save(dir: string): Promise<void> {
    const meta: HashedClassifierMeta = {
      format: HASHED_CLASSIFIER_FORMAT,
      id: this.id,
      attributes: this.attributes,
      features: this.features,
      calibration: this.calibration,
      report: this.report,
    };
    const { weights, bias } = this.model;
    const payload = new Float32Array(weights.length + bias.length);
    payload.set(weights);
    payload.set(bias, weights.length);
    await writeFileAtomic(join(dir, "weights.bin"), new Uint8Array(payload.buffer));
    await writeJsonAtomic(join(dir, "classifier.json"), meta);
  }

  /** Load a classifier written by `save`; fails with the path when the files do not match. */
  static async load(dir: string): Promise<HashedLinearClassifier> {
    const metaPath = join(dir, "classifier.json");
    const meta = await readJson<HashedClassifierMeta>(metaPath);
    if (meta.format !== HASHED_CLASSIFIER_FORMAT) {
      throw new Error(
        `${metaPath} has format '${meta.format}', expected '${HASHED_CLASSIFIER_FORMAT}'; retrain the classifier`,
      );
    }
    const bytes = await Deno.readFile(join(dir, "weights.bin"));
    const F = 1 << meta.features.bucketBits;
    const A = meta.attributes.length;
    const expected = (F * A + A) * Float32Array.BYTES_PER_ELEMENT;
    if (bytes.byteLength !== expected) {
      throw new Error(
        `${
          join(dir, "weights.bin")
        } has ${bytes.byteLength} bytes, expected ${expected} for ${F} buckets x ` +
          `${A} attributes; the artifact is damaged, delete it and retrain`,
      );
    }
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    const model: LinearModel = {
      numFeatures: F,
      numOutputs: A,
      weights: all.subarray(0, F * A),
      bias: all.subarray(F * A),
    };
    return new HashedLinearClassifier(meta, model);
  }
}
