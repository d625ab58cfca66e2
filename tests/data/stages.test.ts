import assert from "assert";
import {
  corpusStage,
  documentsStage,
  promptSetsStage,
  queriesStage,
  tokenizerStage,
} from "../../lib/data/mod.ts";
import { smallDataSpec, TEST_SEED, testContext } from "./helpers.ts";

Deno.test("data stages run and reload", async () => {
  const data = smallDataSpec(40_000);
  const docsContext = await testContext();
  const documents = await documentsStage.run(docsContext, { data, split_seed: TEST_SEED }, {});
  await documentsStage.codec.save(docsContext.outputDir, documents);
  const documentsBack = await documentsStage.codec.load(docsContext.outputDir);
  assert.deepEqual(documentsBack.documents, documents.documents);

  const tokContext = await testContext();
  const tokenizer = await tokenizerStage.run(tokContext, {
    tokenizer: { kind: "bpe", vocab_size: 600, train_chars: 200_000 },
    splits: data.splits,
    split_seed: TEST_SEED,
  }, { documents });
  await tokenizerStage.codec.save(tokContext.outputDir, tokenizer);
  const tokenizerBack = await tokenizerStage.codec.load(tokContext.outputDir);
  assert.equal(tokenizerBack.vocabSize, 600);
  assert.deepEqual(tokenizerBack.encode("some text, again"), tokenizer.encode("some text, again"));

  const corpusContext = await testContext();
  const corpus = await corpusStage.run(corpusContext, { data, split_seed: TEST_SEED }, {
    documents,
    tokenizer,
  });
  await corpusStage.codec.save(corpusContext.outputDir, corpus);
  const corpusBack = await corpusStage.codec.load(corpusContext.outputDir);
  assert.deepEqual(corpusBack.tokens, corpus.tokens);
  assert.deepEqual(corpusBack.docIds, corpus.docIds);
  assert.deepEqual(corpusBack.chunkSplit, corpus.chunkSplit);
  assert.deepEqual(corpusBack.documents, corpus.documents);
  assert.equal(corpus.stats.tokens, corpus.numChunks * data.block_size);

  // A corpus that was not streamed (a filtered one) is written by the codec itself.
  const copyDir = await Deno.makeTempDir();
  await corpusStage.codec.save(copyDir, corpus);
  assert.deepEqual((await corpusStage.codec.load(copyDir)).tokens, corpus.tokens);
});

Deno.test("prompt and query stages reload", async () => {
  const sizes = { rtp_toxic: 30, rtp_nontoxic: 30, bold: 10, adversarial: 10, toxigen: 10 };
  const context = await testContext();
  const sets = await promptSetsStage.run(context, { prompts: sizes, lambada: 20, split_seed: TEST_SEED }, {});
  assert.equal(sets.rtp_toxic.rows.length, 30);
  assert.ok(sets.rtp_toxic.rows.every((row) => row.promptToxicity! >= 0.5 && row.continuation === undefined));
  assert.ok(sets.rtp_nontoxic.rows.every((row) => row.promptToxicity! < 0.5));
  assert.equal(sets.toxigen.rows.filter((row) => row.group === "hate").length, 5);
  assert.equal(sets.lambada.rows.length, 20);
  await promptSetsStage.codec.save(context.outputDir, sets);
  assert.deepEqual(await promptSetsStage.codec.load(context.outputDir), sets);

  const queryContext = await testContext();
  const rule = { toxic: 50, nontoxic: 60, toxic_min: 0.5, nontoxic_max: 0.5 };
  const queries = await queriesStage.run(queryContext, { queries: rule, split_seed: TEST_SEED }, {});
  assert.equal(queries.toxic.length, 50);
  assert.equal(queries.nontoxic.length, 60);
  assert.ok(queries.toxic.every((row) => row.continuationToxicity! >= 0.5));
  assert.ok(queries.nontoxic.every((row) => row.continuationToxicity! < 0.5 && row.promptToxicity! < 0.5));
  await queriesStage.codec.save(queryContext.outputDir, queries);
  assert.deepEqual(await queriesStage.codec.load(queryContext.outputDir), queries);

  await assert.rejects(
    queriesStage.run(queryContext, { queries: { ...rule, toxic: 100_000 }, split_seed: TEST_SEED }, {}),
    /influence\.queries\.toxic is 100000, but the queries role contains only \d+/,
  );
});
