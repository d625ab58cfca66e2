import assert from "assert";
import type { ToxicityClassifier } from "../../lib/evaluate/types.ts";
import type { ArmKind, ArmSpec } from "../../lib/spec/types.ts";
import { ARM_REGISTRY, armTrainingPlan } from "../../lib/select/arms.ts";
import { toxicTokenMask } from "../../lib/select/baseline_masks.ts";
import type { SelectionResult } from "../../lib/select/types.ts";
import { corpusFromDocuments, scoresFromRows, selectionSpec } from "./helpers.ts";

function armSpec(kind: ArmKind, fields: Partial<ArmSpec> = {}): ArmSpec {
  return {
    name: kind,
    kind,
    model: "target",
    decoding: "sample",
    finetune_steps: 40,
    finetune_lr_scale: 0.1,
    filter_threshold: 0.5,
    dpo: { pairs: "paradetox", beta: 0.1, lr: 1e-5, steps: 10, batch_size: 4, max_pairs: 100 },
    rad: { beta: 50, top_k: 20, reward: "classifier" },
    ...fields,
  };
}

// Three chunks of 4 tokens; chunk 1 is validation and is not scored.
const corpus = corpusFromDocuments(
  [
    { tokens: [1, 2, 3, 4, 5], text: "a calm walk" },
    { tokens: [6, 7, 8], toxic: true, text: "you damn bitch" },
    { tokens: [9, 10, 11, 12], text: "rain today" },
  ],
  4,
  [0, 1, 0],
);

function maskOf(rows: number[][], chunkIds: number[]): SelectionResult {
  const scores = scoresFromRows(rows, chunkIds);
  return {
    numChunks: scores.numChunks,
    blockSize: scores.blockSize,
    chunkIds: scores.chunkIds,
    mask: Uint8Array.from(rows.flat()),
    ranking: {
      chunkIds: new Int32Array(),
      rankScores: new Float64Array(),
      counts: new Int32Array(),
      sums: new Float64Array(),
    },
    // The plan builders read only the mask, so the statistics are left empty.
    stats: {} as SelectionResult["stats"],
  };
}

Deno.test("ifguide weights align with targets", () => {
  // Scored chunks are corpus chunks 2 and 0, in that order; mask (0, 3) is corpus chunk 2 position 3.
  const mask = maskOf([[0, 0, 0, 1], [0, 1, 0, 0]], [2, 0]);
  const plan = armTrainingPlan(armSpec("ifguide"), {
    corpus,
    selectionSpec: selectionSpec({ lambda: 2 }),
    mask,
  });
  const expected = new Float32Array(12).fill(1);
  expected[2 * 4 + 3] = -2;
  expected[0 * 4 + 1] = -2;
  assert.deepEqual(plan.targetWeights, expected);
  assert.equal(plan.init, "scratch");
  assert.equal(plan.summary.tokens_weighted, 2);
});

Deno.test("drop-tokens weights zero", () => {
  const mask = maskOf([[0, 0, 0, 1]], [2]);
  const plan = armTrainingPlan(armSpec("drop-tokens"), { corpus, selectionSpec: selectionSpec(), mask });
  assert.equal(plan.targetWeights![11], 0);
  assert.equal(plan.targetWeights!.filter((w) => w !== 1).length, 1);
});

Deno.test("finetune starts from none", () => {
  const mask = maskOf([[0, 0, 0, 1]], [2]);
  const plan = armTrainingPlan(armSpec("ifguide-finetune"), { corpus, selectionSpec: selectionSpec(), mask });
  assert.equal(plan.init, "none-checkpoint");
  assert.equal(plan.steps, 40);
  assert.equal(plan.lrScale, 0.1);
  assert.equal(plan.targetWeights![11], -1);
});

Deno.test("oracle mask equals toxic tokens", () => {
  // Tokens by chunk: [d0 d0 d0 d0] [d0 d1 d1 d1] [d2 d2 d2 d2]; document 1 is toxic.
  assert.deepEqual(Array.from(toxicTokenMask(corpus, Int32Array.of(0, 1, 2))), [
    0,
    0,
    0,
    0,
    0,
    1,
    1,
    1,
    0,
    0,
    0,
    0,
  ]);
  const plan = armTrainingPlan(armSpec("oracle"), { corpus, selectionSpec: selectionSpec({ lambda: 1 }) });
  // Chunk 1 is validation, so the oracle weights stay 1 there: only training chunks are penalised.
  assert.deepEqual(Array.from(plan.targetWeights!), new Array(12).fill(1));

  const trainAll = { ...corpus, chunkSplit: Uint8Array.of(0, 0, 0) };
  const all = armTrainingPlan(armSpec("oracle"), {
    corpus: trainAll,
    selectionSpec: selectionSpec({ lambda: 1 }),
  });
  assert.deepEqual(Array.from(all.targetWeights!), [1, 1, 1, 1, 1, -1, -1, -1, 1, 1, 1, 1]);
});

Deno.test("filter-docs uses classifier threshold", () => {
  const classifier: ToxicityClassifier = {
    id: "hand",
    attributes: ["toxicity"],
    predict: (texts) => ({
      toxicity: Float32Array.from(texts, (text) => text.includes("bitch") ? 0.5 : 0.49),
    }),
  };
  const plan = armTrainingPlan(armSpec("filter-docs", { filter_threshold: 0.5 }), {
    corpus,
    selectionSpec: selectionSpec(),
    classifier,
  });
  assert.deepEqual(Array.from(plan.keepDocuments!), [1, 0, 1]);
  assert.equal(plan.summary.toxic_documents_removed, 1);
  assert.equal(plan.summary.tokens_removed, 3);
});

Deno.test("filter-words removes listed words", () => {
  const plan = armTrainingPlan(armSpec("filter-words"), { corpus, selectionSpec: selectionSpec() });
  assert.deepEqual(Array.from(plan.keepDocuments!), [1, 0, 1]);
  assert.equal(plan.summary.documents_removed, 1);
});

Deno.test("plain-influence drops top chunks", () => {
  const plainScores = scoresFromRows([[1, 1, 1, 1], [5, 0, 0, 0], [2, 2, 2, 2]], [0, 1, 2]);
  // 12 scored tokens x 0.7 = 8 tokens: two whole chunks, the highest sums 8 (chunk 2) and 5 (chunk 1).
  const plan = armTrainingPlan(armSpec("plain-influence"), {
    corpus,
    selectionSpec: selectionSpec({ budget_fraction: 0.7 }),
    plainScores,
  });
  assert.deepEqual(Array.from(plan.dropChunks!), [2, 1]);
  assert.equal(plan.summary.tokens_removed, 8);
});

Deno.test("missing arm input named", () => {
  assert.throws(
    () => armTrainingPlan(armSpec("ifguide"), { corpus, selectionSpec: selectionSpec() }),
    /arm 'ifguide' \(kind ifguide\) needs input 'mask'/,
  );
});

Deno.test("registry covers every arm kind", () => {
  for (const [kind, definition] of Object.entries(ARM_REGISTRY)) assert.equal(definition.kind, kind);
  assert.deepEqual(ARM_REGISTRY["plain-influence"].needs, ["plain-scores"]);
});
