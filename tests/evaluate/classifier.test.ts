import assert from "assert";
import {
  DEFAULT_EXPLICIT_CONFIG,
  DEFAULT_IMPLICIT_CONFIG,
  implicitTrainingRows,
} from "../../lib/evaluate/classifier_stages.ts";
import { classifierRows } from "../../lib/data/classifier_rows.ts";
import { applyPlatt, fitPlatt } from "../../lib/evaluate/calibration.ts";
import { featurize } from "../../lib/evaluate/features.ts";
import { HashedLinearClassifier } from "../../lib/evaluate/hashed_classifier.ts";
import { auroc, expectedCalibrationError, f1AtThreshold, spearman } from "../../lib/evaluate/quality.ts";
import { resolveClassifier } from "../../lib/evaluate/registry.ts";
import { trainHashedClassifier } from "../../lib/evaluate/train_classifier.ts";
import { Rng } from "../../lib/util/rng.ts";

const EXACT = 1e-12;
// Row norms are computed in float32.
const NORM_TOLERANCE = 1e-5;
// A Platt fit on 20,000 draws recovers its parameters to about two decimals.
const PLATT_TOLERANCE = 0.1;
/** Required held-out AUROC of the explicit classifier on every explicit source. */
const TARGET_AUROC = 0.9;
/** Held-out RTP continuations needed for a bootstrap AUROC interval about +-0.02 wide. */
const MIN_HELD_OUT_CONTINUATIONS = 800;
const SPLIT_SEED = 7;

Deno.test("featurize rows are unit norm", () => {
  const rows = featurize(["You are a wonderful person", "", "f*ck this"]);
  for (const r of [0, 2]) {
    let norm = 0;
    for (let k = rows.offsets[r]; k < rows.offsets[r + 1]; k++) norm += rows.values[k] ** 2;
    assert.ok(Math.abs(norm - 1) < NORM_TOLERANCE);
  }
  assert.equal(rows.offsets[2] - rows.offsets[1], 0);
  const again = featurize(["You are a wonderful person", "", "f*ck this"]);
  assert.deepEqual(again, rows);
});

Deno.test("quality measures hand examples", () => {
  assert.equal(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(auroc([0.5, 0.5], [0, 1]), 0.5);
  assert.ok(Number.isNaN(auroc([0.2, 0.3], [0, 0])));
  // tp 1 (0.8), fp 1 (0.6), fn 1 (0.3): F1 = 2 / (2 + 1 + 1).
  assert.equal(f1AtThreshold([0.8, 0.6, 0.3, 0.1], [1, 0, 1, 0], 0.5), 0.5);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < EXACT);
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < EXACT);
  // Two bins: predictions 0.1 (targets 0, 0) and 0.9 (targets 1, 0): |0.1 - 0| / 2 + |0.9 - 0.5| / 2.
  assert.ok(Math.abs(expectedCalibrationError([0.1, 0.1, 0.9, 0.9], [0, 0, 1, 0], 2) - 0.25) < EXACT);
});

Deno.test("Platt fit recovers a known map", () => {
  const rng = new Rng(4);
  const logits: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const z = 4 * rng.normal();
    logits.push(z);
    labels.push(rng.next() < applyPlatt({ a: 0.5, b: -1 }, z) ? 1 : 0);
  }
  const map = fitPlatt(logits, labels);
  assert.ok(Math.abs(map.a - 0.5) < PLATT_TOLERANCE, `a = ${map.a}`);
  assert.ok(Math.abs(map.b + 1) < PLATT_TOLERANCE, `b = ${map.b}`);
  // Separable labels keep a finite slope.
  const separable = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
  assert.ok(Number.isFinite(separable.a));
});

Deno.test("explicit classifier held-out quality", async () => {
  const train = await classifierRows("classifier-train", SPLIT_SEED);
  const validation = await classifierRows("classifier-validation", SPLIT_SEED);
  const trainIds = new Set(train.map((row) => row.rowId));
  const shared = validation.filter((row) => trainIds.has(row.rowId));
  assert.equal(
    shared.length,
    0,
    `validation rows also in training: ${shared.slice(0, 3).map((r) => r.rowId)}`,
  );
  const { classifier, report } = trainHashedClassifier(train, validation, DEFAULT_EXPLICIT_CONFIG, 1);
  const bySource = new Map(report.perSource.map((entry) => [entry.source, entry]));
  for (const source of ["davidson", "paradetox", "rtp-prompt", "rtp-continuation"]) {
    assert.ok(bySource.get(source)!.auroc >= TARGET_AUROC, `${source} AUROC ${bySource.get(source)!.auroc}`);
  }
  const continuations = bySource.get("rtp-continuation")!;
  assert.ok(continuations.rows >= MIN_HELD_OUT_CONTINUATIONS, `${continuations.rows} held-out continuations`);
  assert.ok(continuations.spearman! > 0.6);
  assert.ok(bySource.get("benign:nlp-corpus")!.positiveRate < 0.05);
  assert.ok(report.eceAfter < 0.05, `ECE ${report.eceAfter}`);

  // Save, load and resolve through the registry: identical scores.
  const dir = await Deno.makeTempDir();
  await classifier.save(dir);
  const loaded = await HashedLinearClassifier.load(dir);
  const texts = ["you are an idiot", "the weather is nice today", ""];
  assert.deepEqual(loaded.predict(texts), classifier.predict(texts));
  const resolved = await resolveClassifier("builtin-explicit", { builtin: { "builtin-explicit": loaded } });
  assert.equal(resolved, loaded);
  assert.deepEqual(resolved.attributes, DEFAULT_EXPLICIT_CONFIG.attributes);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("implicit classifier trains on ToxiGen", async () => {
  const { train, validation } = await implicitTrainingRows(SPLIT_SEED, 2000);
  const { report } = trainHashedClassifier(train, validation, DEFAULT_IMPLICIT_CONFIG, 1);
  const toxigen = report.perSource.find((entry) => entry.source === "toxigen")!;
  // Few statements from unseen target groups: better than chance, far from the explicit classifier.
  assert.ok(toxigen.auroc > 0.6, `ToxiGen AUROC ${toxigen.auroc}`);
});

Deno.test("registry rejects unknown ids", async () => {
  await assert.rejects(() => resolveClassifier("detoxify", { builtin: {} }), /unknown classifier 'detoxify'/);
  await assert.rejects(
    () => resolveClassifier("file:/nonexistent/scores.jsonl", { builtin: {} }),
    /cannot read/,
  );
});

Deno.test("registry loads a classifier module", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/length_classifier.ts`;
  await Deno.writeTextFile(
    path,
    `export default {
      id: "length",
      attributes: ["toxicity"],
      predict: (texts: string[]) => ({ toxicity: Float32Array.from(texts, (t) => Math.min(1, t.length / 10)) }),
    };\n`,
  );
  const classifier = await resolveClassifier(`module:${path}`, { builtin: {} });
  assert.equal(classifier.id, "length");
  assert.deepEqual(Array.from(classifier.predict(["abcde", ""]).toxicity), [0.5, 0]);
  await Deno.writeTextFile(`${dir}/bad.ts`, "export const nothing = 1;\n");
  await assert.rejects(() => resolveClassifier(`module:${dir}/bad.ts`, { builtin: {} }), /must export/);
  await Deno.remove(dir, { recursive: true });
});
