import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { type Corpus, SPLIT_CODES, type Tokenizer } from "../../lib/data/types.ts";
import { languageModelFromGpt } from "../../lib/evaluate/language_model.ts";
import {
  buildLexicon,
  heldOutPassages,
  textReadability,
  trainingTexts,
  wordsOf,
} from "../../lib/evaluate/readability.ts";
import {
  readabilityCodec,
  type ReadabilityConfig,
  readabilityStage,
} from "../../lib/evaluate/readability_stage.ts";
import { generate } from "../../lib/model/generate.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { silentEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";

Deno.test("readability words keep inner apostrophes", () => {
  assert.deepEqual(wordsOf("Don\u2019t STOP\u2014the 2 cats' toys!"), [
    "don't",
    "stop",
    "the",
    "2",
    "cats",
    "toys",
  ]);
  assert.deepEqual(wordsOf(" ,.; "), []);
});

Deno.test("readability rates on a hand-counted text", () => {
  // Words: the x3, cat x2, the rest once. Pairs: "the cat" x2, the rest once.
  const lexicon = buildLexicon(["the cat sat on the mat", "The cat ran"], 2);
  const score = textReadability("the cat sat the cat sat", lexicon);
  assert.equal(score.words, 6);
  assert.equal(score.knownWords, 4); // the, cat, the, cat
  assert.equal(score.knownWordRate, 4 / 6);
  // Pairs: the cat (known), cat sat, sat the, the cat (known), cat sat.
  assert.equal(score.knownBigramRate, 2 / 5);
  // Trigrams: the cat sat, cat sat the, sat the cat, the cat sat (a repeat).
  assert.equal(score.repeatedTrigramRate, 1 / 4);
  // Pairs do not cross text boundaries: "mat the" was never counted.
  assert.equal(lexicon.bigrams.get("mat the"), undefined);
  // Too few words leave the rate undefined rather than 0 or 1.
  const short = textReadability("cat", lexicon);
  assert.equal(short.knownWordRate, 1);
  assert.ok(Number.isNaN(short.knownBigramRate));
  assert.ok(Number.isNaN(short.repeatedTrigramRate));
  assert.ok(Number.isNaN(textReadability("", lexicon).knownWordRate));
  assert.throws(() => buildLexicon([], 0), /positive integer/);
});

const LONG =
  "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";

/** Five documents over four chunks of 4 tokens; token values are irrelevant here. */
function passageCorpus(): Corpus {
  const T = 4;
  // Chunk 0 (train): doc 0; chunk 1 (test): doc 1, doc 2; chunk 2 (train) and 3 (test): doc 3; chunk 3: doc 4.
  const docIds = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4];
  return {
    blockSize: T,
    numChunks: 4,
    tokens: new Int32Array(16),
    docIds: Int32Array.from(docIds),
    chunkSplit: Uint8Array.from([SPLIT_CODES.train, SPLIT_CODES.test, SPLIT_CODES.train, SPLIT_CODES.test]),
    documents: {
      source: ["a", "a", "a", "a", "a"],
      toxic: Uint8Array.from([0, 0, 1, 0, 0]),
      tokens: Int32Array.from([4, 2, 2, 5, 3]),
      rowId: ["d0", "d1", "d2", "d3", "d4"],
      text: ["train text", `  ${LONG}\n more`, `toxic ${LONG}`, `spans ${LONG}`, "too short to use"],
    },
    stats: {},
  };
}

Deno.test("readability prompts come from benign test documents", () => {
  const corpus = passageCorpus();
  // Doc 2 is toxic, doc 3 also has training tokens, doc 4 is too short, doc 0 is training text.
  const rows = heldOutPassages(corpus, 10, 3);
  assert.deepEqual(rows.map((row) => row.id), ["d1"]);
  assert.equal(rows[0].prompt, "one two three");
  assert.equal(rows[0].continuation, ` ${LONG.split(" ").slice(3).join(" ")} more`);
  assert.deepEqual(heldOutPassages(corpus, 0, 3), []);
  assert.deepEqual(trainingTexts(corpus), ["train text", `spans ${LONG}`]);
});

/** Letters a-z are ids 1-26, space is 27 and id 0 is end-of-text. */
const SPACE_ID = 27;

function letterOf(id: number): string {
  if (id === 0) return "";
  if (id === SPACE_ID) return " ";
  return String.fromCharCode(id + 96);
}

const letters: Tokenizer = {
  kind: "bpe",
  vocabSize: 28,
  eotId: 0,
  padId: 0,
  encode: (text) =>
    Int32Array.from(
      text.toLowerCase().replace(/[^a-z ]/g, ""),
      (c) => (c === " " ? SPACE_ID : c.charCodeAt(0) - 96),
    ),
  decode: (ids) => Array.from(ids, letterOf).join(""),
  tokenText: (id) => (id === 0 ? "<eot>" : letterOf(id)),
};

const STAGE_CONFIG: ReadabilityConfig = {
  prompts: 4,
  promptWords: 3,
  maxNewTokens: 12,
  evaluation: { temperature: 1, topK: 0, topP: 0.9 },
  reading: { temperature: 0.7, topK: 5, topP: 1 },
  minCount: 1,
  seed: 3,
  batchSize: 4,
  bootstrap: 50,
};

async function stageContext(): Promise<StageContext> {
  return {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: 0,
    key: "test",
    outputDir: await Deno.makeTempDir(),
    scratchDir: await Deno.makeTempDir(),
    versions: {},
  };
}

Deno.test("readability stage measures both decodings and the reference", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const corpus = passageCorpus();
  const gpt = createModel({
    d_model: 16,
    n_layers: 1,
    n_heads: 2,
    d_ff: 32,
    context: 32,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: 28,
  }, 5);
  const model = languageModelFromGpt(gpt, generate);
  const context = await stageContext();
  const result = await readabilityStage.run(context, STAGE_CONFIG, { model, tokenizer: letters, corpus });
  // One held-out document, so one continuation per source.
  assert.deepEqual(result.samples.map((sample) => sample.source), ["human", "reading", "evaluation"]);
  // The reference is cut to the generated length: 12 letter or space tokens.
  const human = result.samples[0];
  assert.equal(human.continuation, " four five s");
  assert.equal(human.prompt, "one two three");
  // "four" and "five" occur in the training text (doc 3); "s" does not.
  assert.equal(human.knownWordRate, 2 / 3);
  // Continuations too short for pairs or trigrams give no row for that metric, never a NaN row.
  assert.ok(result.metrics.every((row) => row.n > 0 && Number.isFinite(row.value)));
  const human3 = result.metrics.filter((row) => row.promptSet === "human_text").map((row) => row.metric);
  assert.deepEqual(human3, ["known_words", "known_bigrams", "repeated_trigrams"]);
  const words = result.metrics.find((row) => row.promptSet === "human_text" && row.metric === "known_words")!;
  assert.equal(words.value, 2 / 3);
  assert.equal(words.n, 1);
  for (const sample of result.samples.slice(1)) assert.ok(sample.continuation.length <= 12);

  // Same seed, same samples; the codec keeps every field.
  const again = await readabilityStage.run(context, STAGE_CONFIG, { model, tokenizer: letters, corpus });
  assert.deepEqual(again.samples, result.samples);
  const dir = await Deno.makeTempDir();
  await readabilityCodec.save(dir, result);
  const loaded = await readabilityCodec.load(dir);
  assert.deepEqual(loaded.samples.map((s) => s.continuation), result.samples.map((s) => s.continuation));
  assert.deepEqual(loaded.samples.map((s) => s.source), result.samples.map((s) => s.source));
  assert.equal(loaded.samples[0].knownWordRate, human.knownWordRate);
  assert.deepEqual(loaded.metrics.map((row) => row.value), result.metrics.map((row) => row.value));

  // A corpus without a usable held-out document raises an error that names the fix.
  const bare = { ...corpus, chunkSplit: corpus.chunkSplit.map(() => SPLIT_CODES.train) };
  await assert.rejects(
    () => readabilityStage.run(context, STAGE_CONFIG, { model, tokenizer: letters, corpus: bare }),
    /samples\.prompts to 0/,
  );
  gpt.dispose();
  for (const path of [dir, context.outputDir, context.scratchDir]) {
    await Deno.remove(path, { recursive: true });
  }
});
