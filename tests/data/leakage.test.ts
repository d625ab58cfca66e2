import assert from "assert";
import {
  buildDocumentPool,
  buildPromptSets,
  buildQuerySets,
  classifierRows,
  dpoPairs,
  implicitRows,
  normalizeText,
  type Role,
  roleIndex,
} from "../../lib/data/mod.ts";
import { smallDataSpec, TEST_SEED } from "./helpers.ts";

Deno.test("roleIndex texts disjoint across roles", async () => {
  const index = await roleIndex(TEST_SEED);
  const exact = new Map<string, Role>();
  const normalised = new Map<string, Role>();
  for (const entry of index.entries()) {
    for (const unit of entry.units) {
      const previousExact = exact.get(unit);
      assert.ok(
        previousExact === undefined || previousExact === entry.role,
        `text in ${previousExact} and ${entry.role}: ${unit}`,
      );
      exact.set(unit, entry.role);
      const key = normalizeText(unit);
      const previous = normalised.get(key);
      assert.ok(
        previous === undefined || previous === entry.role,
        `normalised text in ${previous} and ${entry.role}: ${key}`,
      );
      normalised.set(key, entry.role);
    }
  }
  assert.ok(index.dropped > 0, "the shipped data contain duplicates, so some rows must be dropped");
});

Deno.test("roleIndex deterministic per seed", async () => {
  const a = await roleIndex(TEST_SEED);
  const b = await roleIndex(TEST_SEED + 1);
  const sample = a.entries().slice(0, 2000);
  const moved = sample.filter((entry) => b.roleOf(entry.rowId) !== entry.role).length;
  assert.ok(moved > 0, "another seed must move some rows");
  for (const entry of sample) assert.equal(a.roleOf(entry.rowId), entry.role);
});

Deno.test("corpus disjoint from evaluation data", async () => {
  const index = await roleIndex(TEST_SEED);
  const units = new Map(index.entries().map((entry) => [entry.rowId, entry.units]));
  const pool = await buildDocumentPool(smallDataSpec(200_000), TEST_SEED);

  const corpusTexts = new Set<string>();
  for (const doc of pool.documents) {
    for (const rowId of doc.rowIds) {
      assert.equal(index.roleOf(rowId), "corpus", `corpus document uses row ${rowId}`);
      for (const unit of units.get(rowId)!) corpusTexts.add(normalizeText(unit));
    }
  }

  const others: string[] = [];
  const sets = await buildPromptSets(
    { rtp_toxic: 200, rtp_nontoxic: 200, bold: 100, adversarial: 100, toxigen: 100 },
    0,
    TEST_SEED,
  );
  for (const [name, set] of Object.entries(sets)) {
    for (const row of set.rows) {
      // A LAMBADA continuation is only the last word, so the whole passage is what must stay out.
      if (name === "lambada") others.push(row.prompt + row.continuation);
      else others.push(row.prompt, row.continuation ?? "");
    }
  }
  const queries = await buildQuerySets(
    { toxic: 300, nontoxic: 300, toxic_min: 0.5, nontoxic_max: 0.5 },
    TEST_SEED,
  );
  for (const row of [...queries.toxic, ...queries.nontoxic]) others.push(row.prompt, row.continuation ?? "");
  for (const role of ["classifier-train", "classifier-validation"] as const) {
    for (const row of await classifierRows(role, TEST_SEED)) others.push(row.text);
    for (const row of await implicitRows(role, TEST_SEED)) others.push(row.text);
  }
  for (const pair of await dpoPairs("paradetox", 0, TEST_SEED)) others.push(pair.chosen, pair.rejected);

  let checked = 0;
  for (const text of others) {
    if (text.trim() === "") continue;
    checked++;
    assert.ok(
      !corpusTexts.has(normalizeText(text)),
      `evaluation or classifier text found in the corpus: ${text}`,
    );
  }
  assert.ok(checked > 10_000);
});

Deno.test("prompt and query sets disjoint", async () => {
  const sets = await buildPromptSets(
    { rtp_toxic: 300, rtp_nontoxic: 300, bold: 0, adversarial: 0, toxigen: 0 },
    10,
    TEST_SEED,
  );
  const queries = await buildQuerySets(
    { toxic: 400, nontoxic: 400, toxic_min: 0.5, nontoxic_max: 0.5 },
    TEST_SEED,
  );
  const queryPrompts = new Set(
    [...queries.toxic, ...queries.nontoxic].map((row) => normalizeText(row.prompt)),
  );
  for (const row of [...sets.rtp_toxic.rows, ...sets.rtp_nontoxic.rows]) {
    assert.ok(
      !queryPrompts.has(normalizeText(row.prompt)),
      `evaluation prompt is also a query: ${row.prompt}`,
    );
  }
  const train = new Set(
    (await classifierRows("classifier-train", TEST_SEED)).map((row) => normalizeText(row.text)),
  );
  for (const row of await classifierRows("classifier-validation", TEST_SEED)) {
    assert.ok(!train.has(normalizeText(row.text)), `validation row also in training: ${row.text}`);
  }
});

Deno.test("classifier rows disjoint from prompts and queries", async () => {
  // The default experiment's counts, which the RTP role shares must leave room for.
  const sets = await buildPromptSets(
    { rtp_toxic: 200, rtp_nontoxic: 200, bold: 0, adversarial: 0, toxigen: 0 },
    0,
    TEST_SEED,
  );
  const queries = await buildQuerySets(
    { toxic: 400, nontoxic: 400, toxic_min: 0.5, nontoxic_max: 0.5 },
    TEST_SEED,
  );
  const promptTexts = new Set<string>();
  const promptRows = [
    ...sets.rtp_toxic.rows,
    ...sets.rtp_nontoxic.rows,
    ...queries.toxic,
    ...queries.nontoxic,
  ];
  for (const row of promptRows) {
    promptTexts.add(normalizeText(row.prompt));
    if (row.continuation) promptTexts.add(normalizeText(row.continuation));
  }
  let continuations = 0;
  for (const role of ["classifier-train", "classifier-validation"] as const) {
    for (const row of await classifierRows(role, TEST_SEED)) {
      if (row.source === "rtp-continuation") continuations++;
      assert.ok(
        !promptTexts.has(normalizeText(row.text)),
        `${role} text is also a prompt or query: ${row.text}`,
      );
    }
  }
  assert.ok(continuations > 3000, `only ${continuations} RTP continuations in the classifier roles`);
});
