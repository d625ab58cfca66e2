import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import type { Corpus, PromptSet, Tokenizer } from "../../lib/data/types.ts";
import {
  fluencyStage,
  generateStage,
  generationsCodec,
  scoreGenerationsStage,
  toxicityMetricsStage,
} from "../../lib/evaluate/evaluation_stages.ts";
import { type DecodingConfig, generatePromptSet } from "../../lib/evaluate/generations.ts";
import { languageModelFromGpt } from "../../lib/evaluate/language_model.ts";
import { promptMaxima } from "../../lib/evaluate/scores.ts";
import { comparePromptMaxima } from "../../lib/evaluate/seeds.ts";
import { Rng } from "../../lib/util/rng.ts";
import type { ToxicityClassifier } from "../../lib/evaluate/types.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { generate } from "../../lib/model/generate.ts";
import type { ModelConfig } from "../../lib/model/types.ts";
import { silentEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";

// Float32 logits of exactly 0 give log(V) per token up to rounding.
const UNIFORM_TOLERANCE = 1e-5;

const CONFIG: ModelConfig = {
  d_model: 16,
  n_layers: 1,
  n_heads: 2,
  d_ff: 32,
  context: 32,
  positions: "learned",
  parallel_residual: false,
  tie_embeddings: true,
  vocab_size: 27,
};

/** Letters a-z are ids 1-26 and id 0 is end-of-text (also used as padding). */
const letters: Tokenizer = {
  kind: "bpe",
  vocabSize: 27,
  eotId: 0,
  padId: 0,
  encode: (text) => Int32Array.from(text.replace(/[^a-z]/g, ""), (c) => c.charCodeAt(0) - 96),
  decode: (ids) => Array.from(ids, (id) => (id === 0 ? "" : String.fromCharCode(id + 96))).join(""),
  tokenText: (id) => (id === 0 ? "<eot>" : String.fromCharCode(id + 96)),
};

/** Scores a text by the share of its letters that are vowels, under two attributes. */
const vowels: ToxicityClassifier = {
  id: "vowels",
  attributes: ["toxicity", "insult"],
  predict(texts) {
    const share = Float32Array.from(
      texts,
      (t) => (t.length === 0 ? 0 : (t.match(/[aeiou]/g)?.length ?? 0) / t.length),
    );
    return { toxicity: share, insult: share.map((v) => 1 - v) };
  },
};

const SETS: PromptSet[] = [
  {
    name: "rtp_toxic",
    rows: [{ id: "a", prompt: "the cat" }, { id: "b", prompt: "dogs bark" }, { id: "c", prompt: "x" }],
  },
  { name: "rtp_nontoxic", rows: [{ id: "d", prompt: "hello there" }, { id: "e", prompt: "good day" }] },
];

const DECODING: DecodingConfig = {
  samples: 3,
  maxNewTokens: 6,
  topP: 0.9,
  topK: 0,
  temperature: 1,
  seed: 42,
  batchSize: 4,
  decoding: "sample",
};

// Every stage context of this file lives under one temporary folder, removed when the process exits.
const TEMP_ROOT = await Deno.makeTempDir({ prefix: "ifguide-evaluate-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(TEMP_ROOT, { recursive: true }));

async function context(): Promise<StageContext> {
  return {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: 1,
    key: "test",
    outputDir: await Deno.makeTempDir({ dir: TEMP_ROOT }),
    scratchDir: await Deno.makeTempDir({ dir: TEMP_ROOT }),
    versions: {},
  };
}

async function evaluateOnce(batchSize: number) {
  const model = languageModelFromGpt(createModel(CONFIG, 7), generate);
  const generations = await generateStage.run(await context(), { ...DECODING, batchSize }, {
    model,
    tokenizer: letters,
    promptSets: SETS,
  });
  const scores = await scoreGenerationsStage.run(await context(), { classifier: "vowels" }, {
    generations,
    classifiers: [vowels],
  });
  const metrics = await toxicityMetricsStage.run(
    await context(),
    { threshold: 0.5, bootstrap: 200, seed: 3, splitByGroup: [] },
    { generations, scores: [scores], promptSets: SETS },
  );
  return { generations, scores, metrics };
}

Deno.test("evaluation repeat gives identical results", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const first = await evaluateOnce(4);
  const second = await evaluateOnce(4);
  assert.deepEqual(second.generations, first.generations);
  assert.deepEqual(second.metrics, first.metrics);
  // The sampler's streams are per (prompt, sample), so the batch size does not change the samples.
  const rebatched = await evaluateOnce(7);
  assert.deepEqual(rebatched.generations.tokens, first.generations.tokens);

  assert.equal(first.generations.text.length, 5 * 3);
  assert.deepEqual(Array.from(first.generations.sampleIndex.slice(0, 4)), [0, 1, 2, 0]);
  const sets = new Set(first.metrics.map((row) => row.promptSet));
  assert.deepEqual([...sets].sort(), ["rtp_all", "rtp_nontoxic", "rtp_toxic"]);
  const emt = first.metrics.find((row) =>
    row.promptSet === "rtp_all" && row.metric === "emt" && row.attribute === "toxicity"
  )!;
  assert.equal(emt.n, 5);
  assert.equal(emt.classifier, "vowels");
});

Deno.test("generations Arrow round trip", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const { generations } = await evaluateOnce(4);
  const dir = await Deno.makeTempDir();
  await generationsCodec.save(dir, generations);
  const loaded = await generationsCodec.load(dir);
  assert.deepEqual(loaded, generations);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file classifier scores stored generations", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const { generations } = await evaluateOnce(4);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/scores.jsonl`;
  const lines = [...new Set(generations.text)].map((text) =>
    JSON.stringify({ text, toxicity: text.length / 10 })
  );
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const scores = await scoreGenerationsStage.run(await context(), { classifier: `file:${path}` }, {
    generations,
    classifiers: [],
  });
  assert.deepEqual(
    Array.from(scores.attributes.toxicity),
    generations.text.map((t) => Math.fround(t.length / 10)),
  );
  await Deno.writeTextFile(path, lines.slice(1).join("\n") + "\n");
  await assert.rejects(
    async () =>
      scoreGenerationsStage.run(await context(), { classifier: `file:${path}` }, {
        generations,
        classifiers: [],
      }),
    /has no score for text/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("prompt maxima pair two arms", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const { generations, scores } = await evaluateOnce(4);
  const maxima = promptMaxima(generations, scores, "toxicity", SETS, []);
  assert.equal(maxima.get("rtp_toxic")!.length, 3);
  assert.equal(maxima.get("rtp_all")!.length, 5);
  // An arm compared with itself differs by exactly zero.
  const same = comparePromptMaxima(maxima.get("rtp_all")!, maxima.get("rtp_all")!, "emt", 0.5, 100, 1);
  assert.equal(same.difference, 0);
  assert.throws(() => promptMaxima(generations, scores, "threat", SETS, []), /no attribute 'threat'/);
});

Deno.test("GPT adapter uniform perplexity and fluency stage", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  // All-zero parameters make every logit 0, so the next-token distribution is uniform.
  const gpt = createModel(CONFIG, 3);
  gpt.loadParams(new Map([...gpt.params].map(([name, variable]) => [name, new Float32Array(variable.size)])));
  const model = languageModelFromGpt(gpt, generate);
  const blockSize = 16;
  const rng = new Rng(2);
  const corpus = {
    blockSize,
    numChunks: 6,
    tokens: Int32Array.from({ length: 6 * blockSize }, () => 1 + rng.int(26)),
    chunkSplit: Uint8Array.from([0, 2, 2, 1, 2, 0]),
    // The first half of every chunk is benign document 0, the second half toxic document 1.
    docIds: Int32Array.from({ length: 6 * blockSize }, (_, i) => (i % blockSize < blockSize / 2 ? 0 : 1)),
    documents: { toxic: Uint8Array.from([0, 1]) },
  } as unknown as Corpus;
  const rows = await fluencyStage.run(await context(), {
    perplexityChunks: 2,
    lambada: 4,
    batchSize: 2,
    bootstrap: 100,
    seed: 1,
  }, { model, tokenizer: letters, corpus });
  const ppl = rows.find((row) => row.metric === "perplexity")!;
  assert.ok(Math.abs(ppl.value / CONFIG.vocab_size - 1) < UNIFORM_TOLERANCE, `perplexity ${ppl.value}`);
  // Benign targets are positions 1 .. blockSize/2 - 1 of each of the 2 test chunks.
  assert.equal(ppl.n, 2 * (blockSize / 2 - 1));
  const pplAll = rows.find((row) => row.metric === "perplexity_all")!;
  assert.ok(Math.abs(pplAll.value / CONFIG.vocab_size - 1) < UNIFORM_TOLERANCE, `perplexity ${pplAll.value}`);
  assert.equal(pplAll.n, 2 * (blockSize - 1));
  const metrics = rows.map((row) => row.metric).sort();
  assert.deepEqual(metrics, ["lambada_last_token", "lambada_last_word", "perplexity", "perplexity_all"]);
  // Argmax of uniform logits is token 0 (end-of-text), which never appears in a passage.
  for (const row of rows.filter((r) => r.promptSet === "lambada")) assert.equal(row.value, 0);
  gpt.dispose();
});

Deno.test("prompt ranges match whole-set samples", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const model = languageModelFromGpt(createModel(CONFIG, 7), generate);
  const words = ["red", "blue", "green", "tall", "small", "quick", "slow", "dark", "light", "warm"];
  const set: PromptSet = {
    name: "bold",
    rows: Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, prompt: words[i % 10] })),
  };
  const whole = await generatePromptSet(model, letters, set, DECODING);
  const part = await generatePromptSet(model, letters, set, DECODING, { start: 8, end: 16 });
  const K = DECODING.samples;
  assert.deepEqual(part.tokens, whole.tokens.slice(8 * K, 16 * K));
  assert.deepEqual(Array.from(part.promptIndex), Array.from(whole.promptIndex.slice(8 * K, 16 * K)));
  await assert.rejects(() => generatePromptSet(model, letters, set, DECODING, { start: 3 }), /multiple of/);
});

Deno.test("generate stage resumes from scratch", async () => {
  await initBackend("wasm", { library: "auto", threads: 2 });
  const model = languageModelFromGpt(createModel(CONFIG, 7), generate);
  const first = await context();
  const generated = await generateStage.run(first, DECODING, { model, tokenizer: letters, promptSets: SETS });
  // A second run over the same scratch folder must not sample again.
  const failing = { ...model, generate: () => Promise.reject(new Error("sampled again")) };
  const resumed = await generateStage.run(
    { ...(await context()), scratchDir: first.scratchDir },
    DECODING,
    { model: failing, tokenizer: letters, promptSets: SETS },
  );
  assert.deepEqual(resumed, generated);
});
