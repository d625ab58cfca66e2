import assert from "assert";
import {
  buildPromptSets,
  buildQuerySets,
  normalizeText,
  promptSetsStage,
  queriesStage,
  readRtpFile,
  roleIndex,
  rtpFileRole,
  rtpFileRoles,
  type RtpRow,
} from "../../lib/data/mod.ts";
import type { PromptSetSizes, QuerySpec } from "../../lib/spec/types.ts";
import { TEST_SEED, testContext } from "./helpers.ts";
import { RTP_CSV, RTP_JSONL, rtpSpec } from "./rtp_helpers.ts";

const RULE: QuerySpec = { toxic: 12, nontoxic: 9, toxic_min: 0.5, nontoxic_max: 0.5 };
const SIZES: PromptSetSizes = { rtp_toxic: 8, rtp_nontoxic: 10, bold: 0, adversarial: 0, toxigen: 0 };

async function fixtureRows(): Promise<RtpRow[]> {
  const rows: RtpRow[] = [];
  for await (const row of readRtpFile(rtpSpec(RTP_JSONL))) rows.push(row);
  return rows;
}

function texts(rows: Array<{ prompt: string; continuation?: string }>): Set<string> {
  return new Set(
    rows.flatMap((row) => [row.prompt, row.continuation ?? ""]).filter((t) => t !== "").map(normalizeText),
  );
}

Deno.test("rtp roles follow the hash rule", async () => {
  const spec = rtpSpec(RTP_JSONL);
  const roles = await rtpFileRoles(spec, TEST_SEED);
  const rows = await fixtureRows();
  // Brute-force reference: every usable row lands in the role its prompt hash gives it.
  const expectedEval = rows.filter((row) =>
    row.promptToxicity !== undefined && rtpFileRole(row, spec, TEST_SEED) === "eval-prompts"
  );
  const expectedQueries = rows.filter((row) =>
    row.continuation !== undefined && rtpFileRole(row, spec, TEST_SEED) === "queries"
  );
  assert.deepEqual(roles.evalPrompts.map((r) => r.rowId), expectedEval.map((r) => r.rowId));
  assert.deepEqual(roles.queries.map((r) => r.rowId), expectedQueries.map((r) => r.rowId));
  assert.equal(roles.rows, 120);
  assert.equal(roles.rows - roles.dropped, roles.queries.length + roles.evalPrompts.length);
  assert.ok(roles.evalPrompts.length >= 30, "the evaluation role is filled");
  assert.ok(roles.queries.length >= 30, "the query role is filled");

  // Shares of the two prompt classes differ: with both at 0 every row is a query candidate.
  const none = await rtpFileRoles(rtpSpec(RTP_JSONL, { eval_share: { toxic: 0, nontoxic: 0 } }), TEST_SEED);
  assert.equal(none.evalPrompts.length, 0);
  assert.equal(none.queries.length, 119);
});

Deno.test("rtp roles disjoint, seeded and order free", async () => {
  const roles = await rtpFileRoles(rtpSpec(RTP_JSONL), TEST_SEED);
  const queryTexts = texts(roles.queries);
  for (const text of texts(roles.evalPrompts)) assert.ok(!queryTexts.has(text), `shared text: ${text}`);

  const lines = (await Deno.readTextFile(RTP_JSONL)).trim().split("\n").reverse();
  const dir = await Deno.makeTempDir({ prefix: "ifguide-rtp-" });
  await Deno.writeTextFile(`${dir}/reversed.jsonl`, lines.join("\n"));
  const reversed = await rtpFileRoles(rtpSpec(`${dir}/reversed.jsonl`), TEST_SEED);
  const ids = (rows: RtpRow[]) => rows.map((row) => row.rowId).sort();
  assert.deepEqual(ids(reversed.queries), ids(roles.queries));
  assert.deepEqual(ids(reversed.evalPrompts), ids(roles.evalPrompts));

  const other = await rtpFileRoles(rtpSpec(RTP_JSONL), TEST_SEED + 1);
  assert.notDeepEqual(ids(other.evalPrompts), ids(roles.evalPrompts), "another seed gives another split");
});

Deno.test("rtp roles drop shipped corpus and repeated texts", async () => {
  const index = await roleIndex(TEST_SEED);
  const corpusText =
    index.entries().find((entry) => entry.source === "rtp" && entry.role === "corpus")!.units[0];
  const classifierText = index.entries().find((entry) => entry.role === "classifier-train")!.units[0];
  const lines = (await Deno.readTextFile(RTP_JSONL)).trim().split("\n");
  const extra = [corpusText, `  ${classifierText.toUpperCase()} `].map((prompt, i) =>
    JSON.stringify({
      prompt: { text: prompt, toxicity: 0.9 },
      continuation: { text: ` a made-up ending ${i}`, toxicity: 0.9 },
    })
  );
  // A repeat of row 1 with other whitespace: it has the same role and is kept once.
  const repeat = lines[1].replace("In note 1,", "In  note 1,");
  const dir = await Deno.makeTempDir({ prefix: "ifguide-rtp-" });
  await Deno.writeTextFile(`${dir}/leaky.jsonl`, [...lines, ...extra, repeat].join("\n"));
  const roles = await rtpFileRoles(
    rtpSpec(`${dir}/leaky.jsonl`, { eval_share: { toxic: 1, nontoxic: 1 } }),
    TEST_SEED,
  );
  const keptTexts = texts([...roles.queries, ...roles.evalPrompts]);
  assert.ok(!keptTexts.has(normalizeText(corpusText)), "a shipped corpus text never becomes a prompt");
  assert.ok(!keptTexts.has(normalizeText(classifierText)), "a classifier text never becomes a prompt");
  const note1 = [...roles.queries, ...roles.evalPrompts].filter((row) =>
    normalizeText(row.prompt) === "in note 1, a lighthouse was described by"
  );
  assert.equal(note1.length, 1);
});

Deno.test("rtp file query and prompt sets", async () => {
  const spec = rtpSpec(RTP_JSONL);
  const fileIds = new Set((await fixtureRows()).map((row) => row.rowId));
  const queries = await buildQuerySets(RULE, TEST_SEED, { file: spec });
  assert.equal(queries.toxic.length, RULE.toxic);
  assert.equal(queries.nontoxic.length, RULE.nontoxic);
  for (const row of queries.toxic) assert.ok(row.continuationToxicity! >= RULE.toxic_min, row.id);
  for (const row of queries.nontoxic) {
    assert.ok(
      row.continuationToxicity! < RULE.nontoxic_max && row.promptToxicity! < RULE.nontoxic_max,
      row.id,
    );
  }
  const sets = await buildPromptSets(SIZES, 1, TEST_SEED, { file: spec });
  assert.equal(sets.rtp_toxic.rows.length, SIZES.rtp_toxic);
  assert.equal(sets.rtp_nontoxic.rows.length, SIZES.rtp_nontoxic);
  for (const row of sets.rtp_toxic.rows) {
    assert.ok(row.promptToxicity! >= 0.5, `${row.id} has a toxic prompt`);
    assert.equal(row.continuation, undefined);
  }
  for (const row of sets.rtp_nontoxic.rows) assert.ok(row.promptToxicity! < 0.5);

  const queryRows = [...queries.toxic, ...queries.nontoxic];
  const promptRows = [...sets.rtp_toxic.rows, ...sets.rtp_nontoxic.rows];
  for (const row of [...queryRows, ...promptRows]) {
    assert.ok(fileIds.has(row.id), `${row.id} comes from the file`);
  }
  const promptIds = new Set(promptRows.map((row) => row.id));
  assert.ok(queryRows.every((row) => !promptIds.has(row.id)), "queries and evaluation prompts are disjoint");

  // The flattened CSV contains the same rows, so it gives the same sets.
  assert.deepEqual(await buildQuerySets(RULE, TEST_SEED, { file: rtpSpec(RTP_CSV) }), queries);
  await assert.rejects(
    buildQuerySets({ ...RULE, toxic: 500 }, TEST_SEED, { file: spec }),
    /influence\.queries\.toxic is 500, but the queries role contains only \d+ toxic RTP pairs of .*prompts\.jsonl/,
  );
});

Deno.test("rtp file through the data stages", async () => {
  const rtp_file = rtpSpec(RTP_CSV);
  const base = await testContext();
  const lines: string[] = [];
  const context = { ...base, events: { ...base.events, log: (line: string) => lines.push(line) } };
  const queries = await queriesStage.run(context, { queries: RULE, split_seed: TEST_SEED, rtp_file }, {});
  const sets = await promptSetsStage.run(context, {
    prompts: SIZES,
    lambada: 1,
    split_seed: TEST_SEED,
    rtp_file,
  }, {});
  assert.ok([...queries.toxic, ...queries.nontoxic].every((row) => row.id.includes("-fixture.txt:")));
  assert.equal(sets.rtp_toxic.rows.length, SIZES.rtp_toxic);
  assert.equal(lines.length, 2, "each stage logs the row counts of the file");
  assert.match(
    lines[0],
    /^RTP file .*prompts_flat\.csv: 120 rows, \d+ query candidates, \d+ evaluation prompts, 1 dropped/,
  );
  const shipped = await queriesStage.run(context, { queries: RULE, split_seed: TEST_SEED }, {});
  assert.ok(
    shipped.toxic.every((row) => !row.id.includes("fixture")),
    "without rtp_file the shipped rows are used",
  );
});
