import assert from "assert";
import {
  buildCorpusStream,
  buildDocumentPool,
  type CandidateDocument,
  type ChunkBatch,
  CorpusArrowWriter,
  type CorpusSink,
  type CorpusStats,
  type DocumentBatch,
  documentSplit,
  filterCorpus,
  readChunkBatches,
  readCorpus,
  selectDocuments,
  trainTokenizer,
  writeCorpus,
} from "../../lib/data/mod.ts";
import { writeCorpusStats } from "../../lib/data/corpus_io.ts";
import { sha256File } from "../../lib/util/hash.ts";
import { smallDataSpec, TEST_SEED } from "./helpers.ts";

const spec = smallDataSpec(60_000);
const BLOCK = spec.block_size;

const fixture = (async () => {
  const pool = await buildDocumentPool(spec, TEST_SEED);
  const tokenizer = trainTokenizer(pool.documents.map((doc) => doc.text), {
    vocabSize: 700,
    maxChars: 300_000,
  });
  return { pool, tokenizer };
})();

async function build(
  dir: string,
  documents: () => AsyncIterable<CandidateDocument> | Iterable<CandidateDocument>,
  batchChunks = 16,
) {
  const { tokenizer } = await fixture;
  const writer = new CorpusArrowWriter(dir, BLOCK);
  const stats = await buildCorpusStream(documents, tokenizer, {
    blockSize: BLOCK,
    maxTokens: spec.max_tokens,
    toxicShare: spec.toxic_share,
    splits: spec.splits,
    seed: TEST_SEED,
    batchChunks,
  }, writer);
  await writer.close();
  await writeCorpusStats(dir, stats);
  return stats;
}

Deno.test("corpus provenance aligned", async () => {
  const { pool, tokenizer } = await fixture;
  const dir = await Deno.makeTempDir();
  const stats = await build(dir, () => pool.documents);
  const corpus = await readCorpus(dir);
  assert.equal(corpus.numChunks, stats.chunks);
  assert.equal(corpus.tokens.length, corpus.numChunks * BLOCK);

  // Along the chunks of one split, document ids never decrease, and each document's token run
  // decodes to its text plus end-of-text.
  const runs = new Map<number, number[]>();
  const lastOfSplit = [-1, -1, -1];
  const runSplit = new Map<number, number>();
  for (let c = 0; c < corpus.numChunks; c++) {
    const split = corpus.chunkSplit[c];
    for (let i = c * BLOCK; i < (c + 1) * BLOCK; i++) {
      const docId = corpus.docIds[i];
      assert.ok(
        docId >= lastOfSplit[split],
        `document ${docId} after ${lastOfSplit[split]} in split ${split}`,
      );
      lastOfSplit[split] = docId;
      const run = runs.get(docId) ?? [];
      run.push(corpus.tokens[i]);
      runs.set(docId, run);
      assert.equal(runSplit.get(docId) ?? split, split, `document ${docId} straddles two splits`);
      runSplit.set(docId, split);
    }
  }
  // Every document in the table has tokens in the chunks.
  assert.equal(runs.size, corpus.documents.text.length);
  for (const [docId, run] of runs) {
    assert.equal(corpus.documents.tokens[docId], run.length);
    if (lastOfSplit.includes(docId)) continue; // may be cut by its split's dropped tail
    assert.equal(run[run.length - 1], tokenizer.eotId, `document ${docId} must end with end-of-text`);
    assert.equal(tokenizer.decode(run.slice(0, -1)), corpus.documents.text[docId]);
  }

  // The toxic share counts tokens of toxic documents; it is within one document of the request.
  let toxicTokens = 0;
  for (let i = 0; i < corpus.docIds.length; i++) toxicTokens += corpus.documents.toxic[corpus.docIds[i]];
  assert.equal(toxicTokens, stats.toxic_tokens);
  const largestToxicDoc = Math.max(
    ...Array.from(runs).filter(([d]) => corpus.documents.toxic[d]).map(([, r]) => r.length),
  );
  // Three ragged tails are dropped, one per split.
  assert.ok(Math.abs(toxicTokens - spec.toxic_share * spec.max_tokens) <= largestToxicDoc + 3 * BLOCK);
  assert.equal(
    stats.chunks_per_split.train + stats.chunks_per_split.validation + stats.chunks_per_split.test,
    stats.chunks,
  );
  assert.ok(stats.chunks_per_split.validation > 0);
  assert.ok(stats.chunks_per_split.test > 0);
});

Deno.test("corpus built in batches", async () => {
  const { pool, tokenizer } = await fixture;
  let passes = 0;
  let maxPending = 0;
  // Documents come from an async generator, so the builder cannot hold them as an array.
  async function* stream(): AsyncGenerator<CandidateDocument> {
    passes++;
    for (const doc of pool.documents) yield doc;
  }
  const chunkBatches: ChunkBatch[] = [];
  const documentBatches: DocumentBatch[] = [];
  const sink: CorpusSink = {
    writeChunks: (batch) => {
      chunkBatches.push(batch);
      maxPending = Math.max(maxPending, batch.numChunks);
      return Promise.resolve();
    },
    writeDocuments: (batch) => {
      documentBatches.push(batch);
      return Promise.resolve();
    },
  };
  const batchChunks = 8;
  const stats = await buildCorpusStream(stream, tokenizer, {
    blockSize: BLOCK,
    maxTokens: spec.max_tokens,
    toxicShare: spec.toxic_share,
    splits: spec.splits,
    seed: TEST_SEED,
    batchChunks,
  }, sink);
  assert.equal(passes, 2);
  assert.ok(chunkBatches.length >= Math.floor(stats.chunks / batchChunks));
  assert.ok(maxPending <= batchChunks);
  chunkBatches.forEach((batch, i) =>
    i > 0 && assert.equal(batch.firstChunk, chunkBatches[i - 1].firstChunk + chunkBatches[i - 1].numChunks)
  );
  // Buffered tokens stay below one batch, one partial chunk per split and the largest document.
  const largest = Math.max(...pool.documents.map((doc) => tokenizer.encode(doc.text).length + 1));
  assert.ok(stats.peak_buffered_tokens <= batchChunks * BLOCK + 3 * BLOCK + largest);
  assert.ok(stats.peak_buffered_tokens < stats.tokens / 4);
  assert.equal(documentBatches.reduce((sum, batch) => sum + batch.source.length, 0), stats.documents);

  // Chunk order does not depend on the batch size: a build in batches of 16 contains the same chunks.
  const dir = await Deno.makeTempDir();
  await build(dir, () => pool.documents, 16);
  const other = await readCorpus(dir);
  const concat = (parts: Int32Array[]) => Int32Array.from(parts.flatMap((part) => Array.from(part)));
  assert.deepEqual(concat(chunkBatches.map((batch) => batch.tokens)), other.tokens);
  assert.deepEqual(concat(chunkBatches.map((batch) => batch.docIds)), other.docIds);
  assert.deepEqual(
    Uint8Array.from(chunkBatches.flatMap((batch) => Array.from(batch.split))),
    other.chunkSplit,
  );
});

Deno.test("corpus deterministic bytes", async () => {
  const { pool } = await fixture;
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  await build(a, () => pool.documents);
  await build(b, () => pool.documents);
  for (const file of ["corpus.arrow", "documents.arrow", "stats.json"]) {
    assert.equal(await sha256File(`${a}/${file}`), await sha256File(`${b}/${file}`), file);
  }
  const again = await buildDocumentPool(spec, TEST_SEED);
  assert.deepEqual(
    again.documents.map((doc) => doc.rowIds.join()),
    pool.documents.map((doc) => doc.rowIds.join()),
  );
});

Deno.test("readChunkBatches streams file", async () => {
  const { pool } = await fixture;
  const dir = await Deno.makeTempDir();
  const stats = await build(dir, () => pool.documents, 4);
  let chunks = 0;
  let batches = 0;
  for await (const batch of readChunkBatches(`${dir}/corpus.arrow`)) {
    assert.equal(batch.firstChunk, chunks);
    assert.equal(batch.tokens.length, batch.numChunks * BLOCK);
    chunks += batch.numChunks;
    batches++;
  }
  assert.equal(chunks, stats.chunks);
  assert.ok(batches > 1);
});

Deno.test("selectDocuments token quotas", () => {
  const sizes = Int32Array.from([50, 30, 40, 20, 60, 10]);
  const toxic = Uint8Array.from([1, 0, 1, 0, 0, 1]);
  const result = selectDocuments(sizes, toxic, 100, 0.5);
  // Quotas are 50 toxic and 50 benign tokens; a document that would overflow its quota is skipped.
  assert.deepEqual(Array.from(result.keep), [1, 1, 0, 1, 0, 0]);
  assert.equal(result.toxicTokens, 50);
  assert.equal(result.benignTokens, 50);
});

Deno.test("filterCorpus drops documents", async () => {
  const { pool } = await fixture;
  const dir = await Deno.makeTempDir();
  await build(dir, () => pool.documents);
  const corpus = await readCorpus(dir);
  const filtered = filterCorpus(corpus, (docId) => corpus.documents.toxic[docId] === 0);
  assert.equal(filtered.blockSize, corpus.blockSize);
  // Per split, the filtered chunks hold the kept tokens of that split in corpus order, less a
  // ragged tail shorter than one chunk.
  let chunks = 0;
  for (const code of [0, 1, 2]) {
    const keptTokens: number[] = [];
    for (let c = 0; c < corpus.numChunks; c++) {
      if (corpus.chunkSplit[c] !== code) continue;
      for (let i = c * BLOCK; i < (c + 1) * BLOCK; i++) {
        if (corpus.documents.toxic[corpus.docIds[i]] === 0) keptTokens.push(corpus.tokens[i]);
      }
    }
    const got: number[] = [];
    for (let c = 0; c < filtered.numChunks; c++) {
      if (filtered.chunkSplit[c] === code) got.push(...filtered.tokens.subarray(c * BLOCK, (c + 1) * BLOCK));
    }
    assert.equal(got.length, Math.floor(keptTokens.length / BLOCK) * BLOCK, `split ${code}`);
    assert.deepEqual(got, keptTokens.slice(0, got.length), `split ${code}`);
    chunks += got.length / BLOCK;
  }
  assert.equal(filtered.numChunks, chunks);
  // Every token's document is kept and in the split of its chunk.
  const stats = corpus.stats as unknown as CorpusStats;
  for (let i = 0; i < filtered.docIds.length; i++) {
    const docId = filtered.docIds[i];
    assert.equal(filtered.documents.toxic[docId], 0);
    const split = documentSplit(filtered.documents.rowId[docId], stats.split_seed, stats.splits);
    assert.equal(filtered.chunkSplit[Math.floor(i / BLOCK)], split);
  }
  assert.equal((filtered.stats as { toxic_tokens: number }).toxic_tokens, 0);
  // A filtered corpus survives a save and load, dropped documents included.
  const saved = await Deno.makeTempDir();
  await writeCorpus(saved, filtered);
  const reloaded = await readCorpus(saved);
  assert.deepEqual(reloaded.tokens, filtered.tokens);
  assert.deepEqual(reloaded.documents, filtered.documents);

  // Split codes outside train/validation/test (chunks an arm excludes) also survive a save and load.
  const excluded = {
    ...filtered,
    chunkSplit: Uint8Array.from(filtered.chunkSplit, (code, i) => (i % 3 === 0 ? 255 : code)),
  };
  const excludedDir = await Deno.makeTempDir();
  await writeCorpus(excludedDir, excluded);
  assert.deepEqual((await readCorpus(excludedDir)).chunkSplit, excluded.chunkSplit);

  // Splits follow the same rule: a corpus that keeps everything is rebuilt unchanged.
  const same = filterCorpus(corpus, () => true);
  assert.deepEqual(same.chunkSplit, corpus.chunkSplit);
  assert.deepEqual(same.tokens, corpus.tokens);
});
