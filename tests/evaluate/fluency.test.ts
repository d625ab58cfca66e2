import assert from "assert";
import type { Tokenizer } from "../../lib/data/types.ts";
import { lambadaAccuracy, perplexity, tokenizeLambada } from "../../lib/evaluate/fluency.ts";
import type { EvalLanguageModel } from "../../lib/evaluate/language_model.ts";

// float32 NLL summed over thousands of terms: a relative error well below 1e-5 is expected.
const PERPLEXITY_TOLERANCE = 1e-4;

/** Build a model whose next-token distribution is uniform over `vocab` tokens. */
function uniformModel(vocab: number): EvalLanguageModel {
  return {
    vocabSize: vocab,
    context: 64,
    tokenNll: (_tokens, batch, time) =>
      Promise.resolve(new Float32Array(batch * (time - 1)).fill(Math.log(vocab))),
    greedyNext: (_tokens, batch, time) => Promise.resolve(new Int32Array(batch * time)),
    generate: () => Promise.reject(new Error("not used")),
  };
}

/** Word-level tokenizer over a fixed word list; a leading space belongs to the word. */
function wordTokenizer(words: string[]): Tokenizer {
  const vocabulary = ["<eot>", ...words.flatMap((w) => [w, ` ${w}`])];
  const ids = new Map(vocabulary.map((w, i) => [w, i]));
  return {
    kind: "bpe",
    vocabSize: vocabulary.length,
    eotId: 0,
    padId: 0,
    encode: (text) => Int32Array.from(text.match(/ ?[^ ]+/g) ?? [], (piece) => ids.get(piece)!),
    decode: (tokens) => Array.from(tokens, (id) => vocabulary[id]).join(""),
    tokenText: (id) => vocabulary[id],
  };
}

Deno.test("perplexity uniform model equals vocabulary", async () => {
  for (const vocab of [2, 50, 4096]) {
    const chunks = new Int32Array(7 * 16);
    const result = await perplexity(uniformModel(vocab), chunks, 16, 3);
    assert.ok(
      Math.abs(result.perplexity / vocab - 1) < PERPLEXITY_TOLERANCE,
      `vocab ${vocab}: ${result.perplexity}`,
    );
    assert.equal(result.tokens, 7 * 15);
  }
});

Deno.test("perplexity rejects ragged chunks", async () => {
  await assert.rejects(() => perplexity(uniformModel(4), new Int32Array(10), 4, 2), /T = 4/);
});

Deno.test("lambada rules hand example", async () => {
  const tokenizer = wordTokenizer(["the", "cat", "sat", "on", "mat", "dog"]);
  const id = (piece: string) => tokenizer.encode(piece)[0];
  // The model always predicts " mat" after " on" and " the" otherwise, whatever the position.
  const model: EvalLanguageModel = {
    ...uniformModel(tokenizer.vocabSize),
    greedyNext: (tokens) =>
      Promise.resolve(Int32Array.from(tokens, (t) => (t === id(" on") ? id(" mat") : id(" the")))),
  };
  const items = tokenizeLambada(
    ["the cat sat on mat", "the dog sat on the", "the cat sat on dog"],
    tokenizer,
  );
  const result = await lambadaAccuracy(model, items, 2, tokenizer.padId);
  // Passage 1: " mat" follows " on" under both rules.
  // Passage 2: the model predicts " mat" after " on", not the last token " the", so both rules fail.
  // Passage 3: " dog" is never predicted.
  assert.deepEqual(Array.from(result.lastToken), [1, 0, 0]);
  assert.deepEqual(Array.from(result.lastWord), [1, 0, 0]);
});

Deno.test("lambada rules differ on split words", async () => {
  // "catdog" is two tokens " cat" + "dog": the last-token rule checks only "dog".
  const tokenizer = wordTokenizer(["the", "cat", "dog"]);
  tokenizer.encode = (text) => {
    const ids: number[] = [];
    for (const piece of text.match(/ ?[^ ]+/g) ?? []) {
      if (piece === " catdog") ids.push(3, 5);
      else ids.push({ "the": 1, " the": 2, " cat": 4, "dog": 5 }[piece]!);
    }
    return Int32Array.from(ids);
  };
  // Predicts "dog" (5) after anything, so the first piece " cat" of the last word is missed.
  const model: EvalLanguageModel = {
    ...uniformModel(7),
    greedyNext: (tokens) => Promise.resolve(new Int32Array(tokens.length).fill(5)),
  };
  const result = await lambadaAccuracy(model, tokenizeLambada(["the the catdog"], tokenizer), 1, 0);
  assert.equal(result.lastToken[0], 1);
  assert.equal(result.lastWord[0], 0);
});
