/**
 * The readability stage: continue the openings of held-out benign corpus documents under two
 * decodings (the evaluation's and a reading decoding that trims the unlikely tail), and measure the
 * continuations and the documents' own continuations against the training corpus's words.
 */

import { join } from "node:path";
import type { Corpus, PromptSet, Tokenizer } from "../data/types.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import { readArrow, tableFromColumns, writeArrow } from "../util/arrow.ts";
import { bootstrapMean } from "./bootstrap.ts";
import { metricsCodec, type ModelInput, withModel } from "./evaluation_stages.ts";
import { generatePromptSet } from "./generations.ts";
import { buildLexicon, heldOutPassages, textReadability, trainingTexts } from "./readability.ts";
import type { MetricRow } from "./types.ts";

/** Temperature, top-k and top-p of one decoding. */
export interface ReadingDecoding {
  temperature: number;
  topK: number;
  topP: number;
}

/** Config of `readabilityStage`. */
export interface ReadabilityConfig {
  /** Held-out benign documents continued; each gives one prompt. */
  prompts: number;
  /** Words of each document used as the prompt. */
  promptWords: number;
  maxNewTokens: number;
  /** The decoding of the toxicity evaluation. */
  evaluation: ReadingDecoding;
  /** The decoding that shows what the model reads like with the unlikely tail cut off. */
  reading: ReadingDecoding;
  /** Occurrences in the training text at or above which a word or word pair counts as known. */
  minCount: number;
  seed: number;
  batchSize: number;
  bootstrap: number;
  arm?: string;
  trainingSeed?: number;
}

/** Inputs of `readabilityStage`. */
export interface ReadabilityInputs extends ModelInput {
  tokenizer: Tokenizer;
  corpus: Corpus;
}

/** Text sources measured: the two decodings and the documents' own continuations. */
export const READABILITY_SOURCES = ["reading", "evaluation", "human"] as const;
export type ReadabilitySource = typeof READABILITY_SOURCES[number];

/** Prompt-set name of a source in the metric rows (`samples_reading`, ..., `human_text`). */
export function readabilitySet(source: ReadabilitySource): string {
  return source === "human" ? "human_text" : `samples_${source}`;
}

/** Sample field behind each metric row. */
const METRIC_FIELDS = {
  known_words: "knownWordRate",
  known_bigrams: "knownBigramRate",
  repeated_trigrams: "repeatedTrigramRate",
} as const;

/** One measured continuation. */
export interface ReadabilitySample {
  source: ReadabilitySource;
  promptId: string;
  prompt: string;
  continuation: string;
  knownWordRate: number;
  knownBigramRate: number;
  repeatedTrigramRate: number;
}

/** Output of `readabilityStage`: metric rows and every measured continuation. */
export interface Readability {
  metrics: MetricRow[];
  samples: ReadabilitySample[];
}

/** Codec: `metrics.json` + `metrics.arrow` (as other metric stages) and `samples.arrow`. */
export const readabilityCodec: ArtifactCodec<Readability> = {
  async save(dir, value) {
    await metricsCodec.save(dir, value.metrics);
    const pick = (key: "knownWordRate" | "knownBigramRate" | "repeatedTrigramRate") =>
      Float64Array.from(value.samples, (sample) => sample[key]);
    await writeArrow(
      join(dir, "samples.arrow"),
      tableFromColumns({
        source: value.samples.map((sample) => sample.source),
        prompt_id: value.samples.map((sample) => sample.promptId),
        prompt: value.samples.map((sample) => sample.prompt),
        continuation: value.samples.map((sample) => sample.continuation),
        known_word_rate: pick("knownWordRate"),
        known_bigram_rate: pick("knownBigramRate"),
        repeated_trigram_rate: pick("repeatedTrigramRate"),
      }),
    );
  },
  async load(dir) {
    const metrics = await metricsCodec.load(dir);
    const table = await readArrow(join(dir, "samples.arrow"));
    const column = (name: string) => table.getChild(name)!.toArray();
    const text = (name: string) => Array.from(column(name) as ArrayLike<string>, String);
    const numbers = (name: string) => column(name) as Float64Array;
    const [source, promptId, prompt, continuation] = ["source", "prompt_id", "prompt", "continuation"].map(
      text,
    );
    const [words, bigrams, trigrams] = ["known_word_rate", "known_bigram_rate", "repeated_trigram_rate"].map(
      numbers,
    );
    return {
      metrics,
      samples: source.map((value, i) => ({
        source: value as ReadabilitySource,
        promptId: promptId[i],
        prompt: prompt[i],
        continuation: continuation[i],
        knownWordRate: words[i],
        knownBigramRate: bigrams[i],
        repeatedTrigramRate: trigrams[i],
      })),
    };
  },
};

/**
 * Compute the mean and bootstrap interval of the finite values as one metric row. NaN values (texts
 * with too few words) are left out, and no row is made when nothing is left.
 */
function meanRows(
  values: number[],
  base: Omit<MetricRow, "value" | "n">,
  config: ReadabilityConfig,
): MetricRow[] {
  const finite = Float64Array.from(values.filter(Number.isFinite));
  if (finite.length === 0) return [];
  const interval = bootstrapMean(finite, config.bootstrap, config.seed);
  return [{ ...base, value: interval.value, ciLow: interval.low, ciHigh: interval.high, n: finite.length }];
}

/** Continue held-out benign documents and measure known words, known word pairs and repeated trigrams. */
export const readabilityStage: StageDefinition<ReadabilityConfig, ReadabilityInputs, Readability> = {
  name: "readability",
  version: "1",
  usesBackend: true,
  codec: readabilityCodec,
  async run(context, config, inputs) {
    const rows = heldOutPassages(inputs.corpus, config.prompts, config.promptWords);
    if (rows.length === 0) {
      throw new Error(
        "the corpus has no benign test-split document long enough to cut a prompt from; " +
          "give data.splits.test a larger share or set evaluation.fluency.samples.prompts to 0",
      );
    }
    const lexicon = buildLexicon(trainingTexts(inputs.corpus), config.minCount);
    const set: PromptSet = { name: "held_out_documents", rows };
    const samples: ReadabilitySample[] = [];
    const measure = (source: ReadabilitySource, index: number, continuation: string) => {
      const score = textReadability(continuation, lexicon);
      samples.push({
        source,
        promptId: rows[index].id,
        prompt: rows[index].prompt,
        continuation,
        knownWordRate: score.knownWordRate,
        knownBigramRate: score.knownBigramRate,
        repeatedTrigramRate: score.repeatedTrigramRate,
      });
    };
    // The reference continuation is cut to the same number of tokens the models generate.
    rows.forEach((row, i) => {
      const tokens = inputs.tokenizer.encode(row.continuation ?? "").subarray(0, config.maxNewTokens);
      measure("human", i, inputs.tokenizer.decode(tokens));
    });
    return await withModel(inputs, async (model) => {
      const decodings = [["reading", config.reading], ["evaluation", config.evaluation]] as const;
      for (const [index, [source, decoding]] of decodings.entries()) {
        const generations = await generatePromptSet(model, inputs.tokenizer, set, {
          samples: 1,
          maxNewTokens: config.maxNewTokens,
          ...decoding,
          seed: config.seed,
          batchSize: config.batchSize,
          decoding: source,
        }, {
          signal: context.signal,
          onCall: (done) =>
            context.events.progress(index * rows.length + done, 2 * rows.length, "prompts", source),
        });
        generations.text.forEach((text, i) => measure(source, generations.promptIndex[i], text));
      }
      const metrics: MetricRow[] = [];
      const labels = { arm: config.arm, seed: config.trainingSeed };
      for (const source of READABILITY_SOURCES) {
        const own = samples.filter((sample) => sample.source === source);
        const promptSet = readabilitySet(source);
        for (const metric of ["known_words", "known_bigrams", "repeated_trigrams"] as const) {
          const field = METRIC_FIELDS[metric];
          metrics.push(
            ...meanRows(own.map((sample) => sample[field]), { ...labels, promptSet, metric }, config),
          );
        }
      }
      return { metrics, samples };
    });
  },
};
