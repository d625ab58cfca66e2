import assert from "assert";
import {
  buildCorpusStream,
  buildDocumentPool,
  type CandidateDocument,
  type ChunkBatch,
  type CorpusSink,
  type DocumentBatch,
  type DocumentPool,
  documentSplit,
  SPLIT_CODES,
  SplitChunker,
  type SplitFractions,
  splitOfUnit,
  textsInSplit,
  tokenizerStage,
} from "../../lib/data/mod.ts";
import { BpeTokenizer } from "../../lib/data/tokenizer/bpe.ts";
import { smallDataSpec, TEST_SEED, testContext } from "./helpers.ts";

/**
 * Largest gap between a split's share of chunks and its fraction. At this corpus size (about 1 500
 * documents) a held-out split's share varied by about 0.006 (one standard deviation) over five seeds.
 */
const CHUNK_FRACTION_TOLERANCE = 0.015;
/** Largest gap between a split's share of hashed row ids and its fraction (20 000 ids). */
const HASH_FRACTION_TOLERANCE = 0.01;

const DEFAULT_SPLITS: SplitFractions = { train: 0.95, validation: 0.025, test: 0.025 };

Deno.test("documentSplit hash fractions", () => {
  const counts = [0, 0, 0];
  const ids = 20_000;
  for (let i = 0; i < ids; i++) counts[documentSplit(`row:${i}`, TEST_SEED, DEFAULT_SPLITS)]++;
  assert.ok(Math.abs(counts[0] / ids - 0.95) < HASH_FRACTION_TOLERANCE, `train ${counts[0]}`);
  assert.ok(Math.abs(counts[1] / ids - 0.025) < HASH_FRACTION_TOLERANCE, `validation ${counts[1]}`);
  assert.ok(Math.abs(counts[2] / ids - 0.025) < HASH_FRACTION_TOLERANCE, `test ${counts[2]}`);
  // The split depends on the row id and the seed only.
  assert.equal(
    documentSplit("row:7", TEST_SEED, DEFAULT_SPLITS),
    documentSplit("row:7", TEST_SEED, DEFAULT_SPLITS),
  );
  const moved = Array.from({ length: 200 }, (_, i) => `row:${i}`).filter((id) =>
    documentSplit(id, TEST_SEED, DEFAULT_SPLITS) !== documentSplit(id, TEST_SEED + 1, DEFAULT_SPLITS)
  );
  assert.ok(moved.length > 0);
});

Deno.test("splitOfUnit zero fractions", () => {
  const noTest = { train: 0.5, validation: 0.5, test: 0 };
  const trainOnly = { train: 1, validation: 0, test: 0 };
  const noValidation = { train: 0.9, validation: 0, test: 0.1 };
  // A value at or past the last boundary (rounding) goes to the last split with a positive fraction.
  assert.equal(splitOfUnit(1, noTest), SPLIT_CODES.validation);
  assert.equal(splitOfUnit(1, trainOnly), SPLIT_CODES.train);
  assert.equal(splitOfUnit(0.95, noValidation), SPLIT_CODES.test);
  for (let i = 0; i < 2_000; i++) {
    assert.notEqual(documentSplit(`row:${i}`, TEST_SEED, noTest), SPLIT_CODES.test);
    assert.equal(documentSplit(`row:${i}`, TEST_SEED, trainOnly), SPLIT_CODES.train);
    assert.notEqual(documentSplit(`row:${i}`, TEST_SEED, noValidation), SPLIT_CODES.validation);
  }
});

Deno.test("SplitChunker completion order", () => {
  const chunker = new SplitChunker(4, 4);
  chunker.append(SPLIT_CODES.train, [1, 1, 1], 0);
  chunker.append(SPLIT_CODES.test, [2, 2, 2, 2, 2], 1);
  chunker.append(SPLIT_CODES.train, [3, 3, 3, 3, 3, 3], 2);
  assert.equal(chunker.ready, 3);
  const chunks = chunker.take(3);
  assert.deepEqual(Array.from(chunks.split), [SPLIT_CODES.test, SPLIT_CODES.train, SPLIT_CODES.train]);
  assert.deepEqual(Array.from(chunks.tokens), [2, 2, 2, 2, 1, 1, 1, 3, 3, 3, 3, 3]);
  assert.deepEqual(Array.from(chunks.docIds), [1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2]);
  // The partial chunks remain: one token of test and one of train.
  assert.deepEqual(chunker.partialTokens, [1, 0, 1]);
  assert.equal(chunker.buffered, 2);
  assert.throws(() => chunker.take(1), /cannot take 1 chunks; 0 complete chunks are ready/);
});

/** Build a corpus from the default sources into memory with a byte-level tokenizer (no merges). */
async function buildInMemory(documents: CandidateDocument[], maxTokens: number, splits: SplitFractions) {
  const chunks: ChunkBatch[] = [];
  const docs: DocumentBatch[] = [];
  const sink: CorpusSink = {
    writeChunks: (batch) => (chunks.push(batch), Promise.resolve()),
    writeDocuments: (batch) => (docs.push(batch), Promise.resolve()),
  };
  const stats = await buildCorpusStream(() => documents, new BpeTokenizer([]), {
    blockSize: 64,
    maxTokens,
    toxicShare: 0.1,
    splits,
    seed: TEST_SEED,
    batchChunks: 64,
  }, sink);
  return { chunks, docs, stats };
}

Deno.test("corpus chunk split fractions", async () => {
  const spec = { ...smallDataSpec(300_000), splits: DEFAULT_SPLITS };
  const pool = await buildDocumentPool(spec, TEST_SEED);
  const { chunks, docs, stats } = await buildInMemory(pool.documents, 1_200_000, DEFAULT_SPLITS);
  const perSplit = stats.chunks_per_split;
  for (const name of ["train", "validation", "test"] as const) {
    const share = perSplit[name] / stats.chunks;
    assert.ok(
      Math.abs(share - DEFAULT_SPLITS[name]) < CHUNK_FRACTION_TOLERANCE,
      `${name}: ${perSplit[name]} of ${stats.chunks} chunks`,
    );
  }
  // Every token's document hashes to the split of its chunk.
  const rowIds = docs.flatMap((batch) => batch.rowId);
  for (const batch of chunks) {
    for (let i = 0; i < batch.docIds.length; i++) {
      const split = batch.split[Math.floor(i / 64)];
      assert.equal(documentSplit(rowIds[batch.docIds[i]], TEST_SEED, DEFAULT_SPLITS), split);
    }
  }
  // Each split drops less than one chunk.
  assert.ok(stats.dropped_tail_tokens < 3 * 64);
});

/** Build a pool of English-like train documents and one held-out document with a word of unused letters. */
function syntheticPool(): { pool: DocumentPool; heldOutWord: string } {
  const splits = { train: 0.8, validation: 0.1, test: 0.1 };
  const documents: CandidateDocument[] = [];
  let heldOut = false;
  const heldOutWord = "zqxj";
  for (let i = 0; documents.length < 60 || !heldOut; i++) {
    const rowId = `synthetic:${i}`;
    const train = documentSplit(rowId, TEST_SEED, splits) === SPLIT_CODES.train;
    if (train) {
      documents.push({
        source: "s",
        toxic: false,
        rowIds: [rowId],
        text: "the cat sat on the mat. ".repeat(20),
      });
    } else if (!heldOut) {
      documents.push({ source: "s", toxic: false, rowIds: [rowId], text: `${heldOutWord} `.repeat(400) });
      heldOut = true;
    }
  }
  const pool = { documents, sources: {}, budgetChars: { toxic: 0, benign: 0 } };
  return { pool, heldOutWord };
}

Deno.test("tokenizerStage trains on train split", async () => {
  const { pool, heldOutWord } = syntheticPool();
  const splits = { train: 0.8, validation: 0.1, test: 0.1 };
  const tokenizerSpec = { kind: "bpe" as const, vocab_size: 300, train_chars: 0 };
  const texts = textsInSplit(pool.documents, "train", TEST_SEED, splits);
  assert.equal(texts.length, pool.documents.length - 1);
  assert.ok(texts.every((text) => !text.includes(heldOutWord)));

  const tokenizer = await tokenizerStage.run(await testContext(), {
    tokenizer: tokenizerSpec,
    splits,
    split_seed: TEST_SEED,
  }, { documents: pool });
  // Its letters never occur in training text, so the held-out word stays one token per byte.
  assert.equal(tokenizer.encode(heldOutWord).length, heldOutWord.length);
  assert.ok(tokenizer.encode("the cat sat").length < "the cat sat".length);

  // With every document in train, the word is merged: the check above can fail.
  const all = await tokenizerStage.run(await testContext(), {
    tokenizer: tokenizerSpec,
    splits: { train: 1, validation: 0, test: 0 },
    split_seed: TEST_SEED,
  }, { documents: pool });
  assert.ok(all.encode(heldOutWord).length < heldOutWord.length);

  await assert.rejects(
    tokenizerStage.run(await testContext(), {
      tokenizer: tokenizerSpec,
      splits,
      split_seed: TEST_SEED,
    }, { documents: { ...pool, documents: pool.documents.filter((doc) => doc.text.includes(heldOutWord)) } }),
    /none of the 1 candidate documents is in the train split/,
  );
});
