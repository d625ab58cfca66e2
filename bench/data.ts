/**
 * Throughput of the data stage: BPE training, encoding and decoding speed of the trained BPE and of
 * GPT-2, and the time to build the default corpus (candidate pool, then tokenize and chunk).
 *
 * Setup: the benign and toxic sources of the default experiment. The BPE (vocabulary 4,096) trains on
 * the first `trainChars` characters of the candidate pool. Encoding runs over `encodeChars`
 * characters of pool text in 4,096-character pieces, once on a fresh tokenizer (cold piece cache) and
 * once more (warm). MB means 10^6 UTF-16 characters of input. Times are medians over `runs`; the CPU
 * may be shared with other work, so compare runs made under the same conditions.
 */

import { buildDocumentPool } from "../lib/data/documents.ts";
import { buildCorpusStream, type CorpusSink } from "../lib/data/corpus.ts";
import { trainTokenizer } from "../lib/data/tokenizer/train.ts";
import { BpeTokenizer } from "../lib/data/tokenizer/bpe.ts";
import { loadGpt2Tokenizer } from "../lib/data/tokenizer/gpt2.ts";
import type { CorpusSourceSpec, DataSpec } from "../lib/spec/types.ts";
import process from "node:process";

/** Bench settings. */
export interface DataBenchOptions {
  vocabSize: number;
  trainChars: number;
  encodeChars: number;
  /** Corpus size built by the corpus timing. */
  corpusTokens: number;
  runs: number;
  seed: number;
}

/** Defaults: the default experiment's vocabulary, 10 MB of training text, a 2.5M-token corpus. */
export const DATA_BENCH_DEFAULTS: DataBenchOptions = {
  vocabSize: 4096,
  trainChars: 10_000_000,
  encodeChars: 8_000_000,
  corpusTokens: 2_500_000,
  runs: 3,
  seed: 1004,
};

/** Measured numbers (seconds and MB/s). */
export interface DataBenchResult {
  options: DataBenchOptions;
  poolSeconds: number;
  trainSeconds: number;
  trainChars: number;
  encodeColdMBps: number;
  encodeWarmMBps: number;
  /** Encoding rates per CPU-second of this process (less sensitive to CPU sharing than wall time). */
  encodeColdCpuMBps: number;
  encodeWarmCpuMBps: number;
  decodeMBps: number;
  charsPerToken: number;
  gpt2EncodeMBps: number;
  corpusSeconds: number;
  corpusTokens: number;
  corpusToxicShare: number;
}

const PIECE_CHARS = 4096;

function source(
  fields: Partial<CorpusSourceSpec> & Pick<CorpusSourceSpec, "name" | "dataset" | "label">,
): CorpusSourceSpec {
  return { group: 1, passage_chars: 0, max_rows: 0, ...fields };
}

/** Build a data spec with the default experiment's sources at a given corpus size. */
export function defaultDataSpec(maxTokens: number): DataSpec {
  return {
    sources: [
      source({ name: "gutenberg", dataset: "gutenberg", label: "benign", passage_chars: 800 }),
      source({ name: "speeches", dataset: "us_speeches", label: "benign", passage_chars: 800 }),
      source({ name: "weblike", dataset: "nlp_corpus", label: "benign", group: 10 }),
      source({ name: "rtp-benign", dataset: "rtp", filter: "nontoxic", label: "benign" }),
      source({ name: "davidson-toxic", dataset: "davidson", filter: "toxic", label: "toxic", group: 6 }),
      source({ name: "rtp-toxic", dataset: "rtp", filter: "toxic", label: "toxic", group: 3 }),
    ],
    toxic_share: 0.1,
    max_tokens: maxTokens,
    block_size: 128,
    splits: { train: 0.9, validation: 0.05, test: 0.05 },
    roots: [],
  };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function time<T>(work: () => T): [T, number] {
  const start = performance.now();
  const value = work();
  return [value, (performance.now() - start) / 1000];
}

/** CPU seconds (user + system) of this process spent in `work`; robust to other processes sharing the CPU. */
function cpuTime(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Run the data bench and return its numbers (prints nothing). */
export async function benchData(options: Partial<DataBenchOptions> = {}): Promise<DataBenchResult> {
  const o = { ...DATA_BENCH_DEFAULTS, ...options };
  const poolStart = performance.now();
  const spec = defaultDataSpec(o.corpusTokens);
  const pool = await buildDocumentPool(spec, o.seed);
  const poolSeconds = (performance.now() - poolStart) / 1000;
  const texts = pool.documents.map((doc) => doc.text);

  const trainTimes: number[] = [];
  let tokenizer = trainTokenizer(texts, { vocabSize: o.vocabSize, maxChars: o.trainChars });
  for (let run = 0; run < o.runs; run++) {
    const [trained, seconds] = time(() =>
      trainTokenizer(texts, { vocabSize: o.vocabSize, maxChars: o.trainChars })
    );
    tokenizer = trained;
    trainTimes.push(seconds);
  }
  const trainChars = Math.min(o.trainChars, texts.reduce((sum, text) => sum + text.length, 0));

  const joined = texts.join("\n\n").slice(0, o.encodeChars);
  const pieces: string[] = [];
  for (let i = 0; i < joined.length; i += PIECE_CHARS) pieces.push(joined.slice(i, i + PIECE_CHARS));
  const megabytes = joined.length / 1e6;
  const encodeAll = (encode: (text: string) => Int32Array) => {
    let tokens = 0;
    for (const piece of pieces) tokens += encode(piece).length;
    return tokens;
  };

  const cold: number[] = [];
  const warm: number[] = [];
  const decode: number[] = [];
  const coldCpu: number[] = [];
  const warmCpu: number[] = [];
  let tokens = 0;
  for (let run = 0; run < o.runs; run++) {
    // A new tokenizer from the same merges starts with an empty piece cache.
    const coldTokenizer = new BpeTokenizer(tokenizer.merges);
    cold.push(megabytes / time(() => encodeAll((text) => coldTokenizer.encode(text)))[1]);
    const coldAgain = new BpeTokenizer(tokenizer.merges);
    coldCpu.push(megabytes / cpuTime(() => encodeAll((text) => coldAgain.encode(text))));
    const [count, seconds] = time(() => encodeAll((text) => coldTokenizer.encode(text)));
    tokens = count;
    warm.push(megabytes / seconds);
    warmCpu.push(megabytes / cpuTime(() => encodeAll((text) => coldTokenizer.encode(text))));
    const encoded = pieces.map((piece) => coldTokenizer.encode(piece));
    decode.push(megabytes / time(() => encoded.forEach((ids) => coldTokenizer.decode(ids)))[1]);
  }

  const gpt2 = await loadGpt2Tokenizer();
  const gpt2Times: number[] = [];
  for (let run = 0; run < o.runs; run++) {
    gpt2Times.push(megabytes / time(() => encodeAll((text) => gpt2.encode(text)))[1]);
  }

  const sink: CorpusSink = { writeChunks: () => Promise.resolve(), writeDocuments: () => Promise.resolve() };
  const corpusStart = performance.now();
  const stats = await buildCorpusStream(() => pool.documents, tokenizer, {
    blockSize: spec.block_size,
    maxTokens: spec.max_tokens,
    toxicShare: spec.toxic_share,
    splits: spec.splits,
    seed: o.seed,
  }, sink);
  const corpusSeconds = (performance.now() - corpusStart) / 1000;

  return {
    options: o,
    poolSeconds,
    trainSeconds: median(trainTimes),
    trainChars,
    encodeColdMBps: median(cold),
    encodeWarmMBps: median(warm),
    encodeColdCpuMBps: median(coldCpu),
    encodeWarmCpuMBps: median(warmCpu),
    decodeMBps: median(decode),
    charsPerToken: joined.length / tokens,
    gpt2EncodeMBps: median(gpt2Times),
    corpusSeconds,
    corpusTokens: stats.tokens,
    corpusToxicShare: stats.toxic_share,
  };
}

if (import.meta.main) console.log(JSON.stringify(await benchData({ runs: 1 }), null, 2));
