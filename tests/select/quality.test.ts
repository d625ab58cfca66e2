import assert from "assert";
import { Rng } from "../../lib/util/rng.ts";
import { compareAttribution, comparisonTable } from "../../lib/select/comparison.ts";
import { attributionQuality, qualityContext } from "../../lib/select/quality.ts";
import type { TokenScores } from "../../lib/select/types.ts";
import { corpusFromDocuments, type HandDocument, pieceTokenizer, selectionSpec } from "./helpers.ts";

// Chunks of 4: [b b b b] [b t t t] [t t u u]; b = benign "books", t = toxic "tweets", u = benign "news".
const corpus = corpusFromDocuments(
  [
    { tokens: [1, 2, 1, 3, 1], source: "books" },
    { tokens: [4, 5, 4, 6, 1], toxic: true, source: "tweets" },
    { tokens: [7, 1], source: "news" },
  ],
  4,
);
const tokenizer = pieceTokenizer(["<eot>", " the", " cat", " sat", " you", " ugly", " pig", " rain"]);

Deno.test("quality token and chunk metrics", () => {
  const context = qualityContext(corpus, Int32Array.of(0, 1, 2), { tokenizer });
  assert.deepEqual(Array.from(context.tokenLabels), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(context.chunkLabels), [0, 1, 1]);
  const majority = qualityContext(corpus, Int32Array.of(0, 1, 2), { chunkLabel: "majority" });
  // Chunk 2 contains exactly 2 of 4 toxic tokens, which is not more than half.
  assert.deepEqual(Array.from(majority.chunkLabels), [0, 1, 0]);

  const mask = Uint8Array.of(1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0);
  const scores = Float32Array.of(0, 0, 0, 0, 0, 3, 2, 1, 1, 1, -1, 0);
  const quality = attributionQuality(context, { method: "hand", mask, scores });
  assert.equal(quality.tokensSelected, 3);
  assert.equal(quality.token.precision, 2 / 3);
  assert.equal(quality.token.recall, 2 / 5);
  assert.equal(quality.token.baseRate, 5 / 12);
  assert.equal(quality.token.lift, (2 / 3) / (5 / 12));
  assert.deepEqual(quality.warnings, []);
  // Positives 3, 2, 1, 1, 1 against negatives 0 x 6 and -1: every pair ordered correctly.
  assert.equal(quality.token.auroc, 1);
  assert.equal(quality.chunk.precision, 1 / 2);
  assert.equal(quality.chunk.recall, 1 / 2);
  // Chunk scores 0, 6, 1; labels 0, 1, 1.
  assert.equal(quality.chunk.auroc, 1);

  assert.deepEqual(quality.sources.map((s) => [s.source, s.selectedTokens, s.sourceTokens]), [
    ["tweets", 2, 5],
    ["books", 1, 5],
    ["news", 0, 2],
  ]);
  assert.deepEqual(quality.topTokens.map((t) => [t.text, t.count]), [[" the", 1], [" you", 1], [" ugly", 1]]);
});

Deno.test("frequent share with few types", () => {
  // Token 1 (" the") is the most frequent; a selection of only " the" tokens is all frequent tokens.
  const context = qualityContext(corpus, Int32Array.of(0, 1, 2), { tokenizer });
  const onlyThe = Uint8Array.from(context.tokenIds, (id) => (id === 1 ? 1 : 0));
  const quality = attributionQuality(context, { method: "the", mask: onlyThe });
  assert.equal(quality.frequentShare, 1);
  // With only 7 token types, all are among the 20 most frequent, so the corpus share is 1 too.
  assert.equal(quality.corpusFrequentShare, 1);
  assert.equal(quality.frequentTokenWarning, false);
  assert.ok(Number.isNaN(quality.token.auroc));
});

function syntheticCorpus(rng: Rng) {
  // 300 documents of 16 tokens; a tenth are toxic and use tokens 50..59, benign ones use 10..49.
  // Token 1 is a frequent "comma" in every document.
  const docs: HandDocument[] = [];
  for (let d = 0; d < 300; d++) {
    const toxic = d % 10 === 3;
    const tokens: number[] = [];
    for (let i = 0; i < 16; i++) {
      if (i % 3 === 0) tokens.push(1);
      else if (toxic) tokens.push(50 + rng.int(10));
      else tokens.push(10 + rng.int(40));
    }
    docs.push({ tokens, toxic, source: toxic ? "toxic-tweets" : "books" });
  }
  return corpusFromDocuments(docs, 32);
}

Deno.test("comparison ranks differential first", async () => {
  const rng = Rng.derive(5, "synthetic");
  const corpus = syntheticCorpus(rng);
  const chunkIds = Int32Array.from({ length: corpus.numChunks }, (_, c) => c);
  const labels = qualityContext(corpus, chunkIds).tokenLabels;
  const tokens = corpus.tokens;
  // Differential scores: high on toxic tokens plus noise. Plain scores: high on the frequent token.
  const differential: TokenScores = {
    numChunks: corpus.numChunks,
    blockSize: 32,
    chunkIds,
    scores: Float32Array.from(labels, (label) => 2 * label + rng.normal()),
  };
  const plain: TokenScores = {
    ...differential,
    scores: Float32Array.from(tokens, (id) => (id === 1 ? 3 : 0) + rng.normal()),
  };
  const pieces = Array.from({ length: 60 }, (_, i) => (i >= 50 ? ` slur${i}` : ` w${i}`));
  pieces[55] = " shit";
  const comparison = await compareAttribution({
    corpus,
    tokenizer: pieceTokenizer(pieces),
    spec: selectionSpec({ percentile: 0.9, window: 0, budget_fraction: 0.05 }),
    differential,
    plain,
    seed: 1,
  });
  const byMethod = Object.fromEntries(comparison.rows.map((row) => [row.method, row]));
  assert.deepEqual(Object.keys(byMethod), [
    "differential influence",
    "plain influence (tokens)",
    "plain influence (chunks)",
    "random",
    "word list",
  ]);
  const differentialRow = byMethod["differential influence"];
  assert.ok(differentialRow.precision > 0.6, `differential precision ${differentialRow.precision}`);
  assert.ok(differentialRow.precision > byMethod["random"].precision);
  assert.ok(differentialRow.precision > byMethod["plain influence (tokens)"].precision);
  assert.ok(differentialRow.tokenAuroc > 0.8);
  assert.equal(byMethod["random"].tokensSelected, differentialRow.tokensSelected);
  assert.equal(byMethod["word list"].precision, 1);

  const plainQuality = comparison.qualities.find((q) => q.method === "plain influence (tokens)")!;
  assert.equal(plainQuality.topTokens[0].text, " w1");
  assert.equal(plainQuality.frequentTokenWarning, true);
  assert.ok(
    plainQuality.warnings.some((w) => w.includes("most frequent token types")),
    plainQuality.warnings.join("; "),
  );
  const randomQuality = comparison.qualities.find((q) => q.method === "random")!;
  assert.ok(
    randomQuality.warnings.some((w) => w.includes("close to chance")),
    randomQuality.warnings.join("; "),
  );
  assert.ok(randomQuality.warnings.some((w) => w.includes("token AUROC")), randomQuality.warnings.join("; "));

  assert.equal(comparison.curves.filter((p) => p.method === "differential influence").length, 5);
  assert.equal(comparisonTable(comparison.rows).numRows, 5);
});
