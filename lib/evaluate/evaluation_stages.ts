/**
 * Evaluation stages: sample continuations, score them with a classifier, compute toxicity metrics, and
 * measure fluency. Generations are keyed apart from scores, so a new classifier re-scores stored
 * generations without sampling again.
 */

import { join } from "node:path";
import { type Corpus, type PromptSet, SPLIT_CODES, type Tokenizer } from "../data/types.ts";
import { loadLambada } from "../data/datasets/lambada.ts";
import { type Checkpoint, modelFromCheckpoint } from "../model/checkpoint.ts";
import { generate } from "../model/generate.ts";
import type { LogitProcessor } from "../model/types.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import { exists, readJson, writeJsonAtomic } from "../util/atomic.ts";
import { readArrow, tableFromColumns, writeArrow } from "../util/arrow.ts";
import { accuracyInterval, lambadaAccuracy, perplexity, tokenizeLambada } from "./fluency.ts";
import {
  concatGenerations,
  type DecodingConfig,
  generatePromptSet,
  type Generations,
  generationsFromTable,
  generationsToTable,
  PROMPTS_PER_CALL,
} from "./generations.ts";
import { type EvalLanguageModel, languageModelFromGpt } from "./language_model.ts";
import { type ClassifierContext, resolveClassifier } from "./registry.ts";
import {
  type GenerationScores,
  scoreGenerations,
  scoresFromTable,
  scoresToTable,
  toxicityMetrics,
  type ToxicityMetricsConfig,
} from "./scores.ts";
import type { MetricRow, ToxicityClassifier } from "./types.ts";

/** A model given either directly (tests, notebooks) or as a checkpoint. */
export interface ModelInput {
  model?: EvalLanguageModel;
  checkpoint?: Checkpoint;
}

/** Run `use` on the given model, or on a model built from the checkpoint and disposed afterwards. */
export async function withModel<T>(
  input: ModelInput,
  use: (model: EvalLanguageModel) => Promise<T>,
): Promise<T> {
  if (input.model) return await use(input.model);
  if (!input.checkpoint) {
    throw new Error("evaluation stage needs a model or a checkpoint input; neither was given");
  }
  const gpt = modelFromCheckpoint(input.checkpoint);
  try {
    return await use(languageModelFromGpt(gpt, generate));
  } finally {
    gpt.dispose();
  }
}

/** Inputs of `generateStage`. */
export interface GenerateInputs extends ModelInput {
  tokenizer: Tokenizer;
  promptSets: PromptSet[];
  /** Logit processor for guided decoding (reward-augmented decoding); absent for plain sampling. */
  processor?: LogitProcessor;
}

/** Codec of `generations.arrow`. */
export const generationsCodec: ArtifactCodec<Generations> = {
  save: (dir, value) => writeArrow(join(dir, "generations.arrow"), generationsToTable(value)),
  load: async (dir) => generationsFromTable(await readArrow(join(dir, "generations.arrow"))),
};

/** Prompts per resumable block of the generations stage (a multiple of `PROMPTS_PER_CALL`). */
export const RESUME_BLOCK_PROMPTS = 16 * PROMPTS_PER_CALL;

/**
 * Sample K continuations per prompt for every prompt set. Finished blocks of prompts are kept in the
 * scratch folder, so an interrupted run resumes at the first unfinished block with the same samples.
 */
export const generateStage: StageDefinition<DecodingConfig, GenerateInputs, Generations> = {
  name: "generate",
  version: "1",
  usesBackend: true,
  codec: generationsCodec,
  run(context, config, inputs) {
    return withModel(inputs, async (model) => {
      const parts: Generations[] = [];
      const total = inputs.promptSets.reduce((n, set) => n + set.rows.length, 0);
      let before = 0;
      for (const set of inputs.promptSets) {
        for (let start = 0; start < set.rows.length; start += RESUME_BLOCK_PROMPTS) {
          const scratch = join(context.scratchDir, `${set.name}.${start}.generations.arrow`);
          if (await exists(scratch)) {
            parts.push(generationsFromTable(await readArrow(scratch)));
            continue;
          }
          const part = await generatePromptSet(model, inputs.tokenizer, set, config, {
            processor: inputs.processor,
            signal: context.signal,
            start,
            end: start + RESUME_BLOCK_PROMPTS,
            onCall: (done) => context.events.progress(before + done, total, "prompts", set.name),
          });
          await writeArrow(scratch, generationsToTable(part));
          parts.push(part);
        }
        before += set.rows.length;
        context.events.progress(before, total, "prompts", set.name);
      }
      return concatGenerations(parts);
    });
  },
};

/** Config of `scoreGenerationsStage`: the classifier id (`builtin-explicit`, `file:...`, `module:...`). */
export interface ScoreConfig {
  classifier: string;
}

/** Inputs of `scoreGenerationsStage`: the generations and the trained built-in classifiers by id. */
export interface ScoreInputs {
  generations: Generations;
  classifiers: ToxicityClassifier[];
}

/** Codec of `scores.arrow`. */
export const scoresCodec: ArtifactCodec<GenerationScores> = {
  save: (dir, value) => writeArrow(join(dir, "scores.arrow"), scoresToTable(value)),
  load: async (dir) => scoresFromTable(await readArrow(join(dir, "scores.arrow"))),
};

/** Score stored generations with one classifier. */
export const scoreGenerationsStage: StageDefinition<ScoreConfig, ScoreInputs, GenerationScores> = {
  name: "score-generations",
  version: "1",
  usesBackend: false,
  codec: scoresCodec,
  async run(context, config, inputs) {
    const builtin: ClassifierContext["builtin"] = {};
    for (const classifier of inputs.classifiers) builtin[classifier.id] = classifier;
    const classifier = await resolveClassifier(config.classifier, { builtin });
    return scoreGenerations(
      inputs.generations,
      classifier,
      context.signal,
      (done, total) => context.events.progress(done, total, "texts", classifier.id),
    );
  },
};

/** Codec of metric rows: `metrics.json` and the same rows as `metrics.arrow`. */
export const metricsCodec: ArtifactCodec<MetricRow[]> = {
  async save(dir, rows) {
    await writeJsonAtomic(join(dir, "metrics.json"), rows);
    const column = (pick: (row: MetricRow) => number | undefined) =>
      Float64Array.from(rows, (row) => pick(row) ?? NaN);
    const text = (pick: (row: MetricRow) => string | undefined) => rows.map((row) => pick(row) ?? "");
    await writeArrow(
      join(dir, "metrics.arrow"),
      tableFromColumns({
        arm: text((row) => row.arm),
        seed: column((row) => row.seed),
        prompt_set: text((row) => row.promptSet),
        metric: text((row) => row.metric),
        attribute: text((row) => row.attribute),
        classifier: text((row) => row.classifier),
        value: column((row) => row.value),
        ci_low: column((row) => row.ciLow),
        ci_high: column((row) => row.ciHigh),
        n: column((row) => row.n),
      }),
    );
  },
  load: (dir) => readJson<MetricRow[]>(join(dir, "metrics.json")),
};

/** Inputs of `toxicityMetricsStage`. */
export interface ToxicityMetricsInputs {
  generations: Generations;
  /** Scores of the same generations by one or more classifiers (explicit, implicit, user-supplied). */
  scores: GenerationScores[];
  promptSets: PromptSet[];
}

/** EMT, EMT std and TP with bootstrap intervals, per prompt set, attribute and classifier. */
export const toxicityMetricsStage: StageDefinition<
  ToxicityMetricsConfig,
  ToxicityMetricsInputs,
  MetricRow[]
> = {
  name: "toxicity-metrics",
  version: "1",
  usesBackend: false,
  codec: metricsCodec,
  run(_context, config, inputs) {
    for (const scored of inputs.scores) {
      const rows = Object.values(scored.attributes)[0]?.length ?? 0;
      if (rows !== inputs.generations.text.length) {
        throw new Error(
          `scores of '${scored.classifier}' have ${rows} rows but the generations have ${inputs.generations.text.length}; ` +
            `re-run the scoring stage on these generations`,
        );
      }
    }
    return Promise.resolve(toxicityMetrics(inputs.generations, inputs.scores, inputs.promptSets, config));
  },
};

/** Config of `fluencyStage`. */
export interface FluencyConfig {
  /** Test-split corpus chunks scored for perplexity; 0 uses all of them. */
  perplexityChunks: number;
  /** LAMBADA passages scored; 0 skips LAMBADA. */
  lambada: number;
  batchSize: number;
  bootstrap: number;
  seed: number;
  arm?: string;
  trainingSeed?: number;
}

/** Inputs of `fluencyStage`. */
export interface FluencyInputs extends ModelInput {
  tokenizer: Tokenizer;
  corpus: Corpus;
}

/** Ids of the first `limit` test-split chunks (0: all). */
function testChunkIds(corpus: Corpus, limit: number): number[] {
  const picked: number[] = [];
  for (let c = 0; c < corpus.numChunks && (limit === 0 || picked.length < limit); c++) {
    if (corpus.chunkSplit[c] === SPLIT_CODES.test) picked.push(c);
  }
  return picked;
}

/** Mask over `testChunks(corpus, limit)` tokens: 1 where the token belongs to a benign document. */
export function benignTokenMask(corpus: Corpus, limit: number): Uint8Array {
  const T = corpus.blockSize;
  const picked = testChunkIds(corpus, limit);
  const mask = new Uint8Array(picked.length * T);
  picked.forEach((c, i) => {
    for (let t = 0; t < T; t++) mask[i * T + t] = corpus.documents.toxic[corpus.docIds[c * T + t]] ? 0 : 1;
  });
  return mask;
}

/** Test-split chunks of a corpus as [chunks, blockSize] tokens, the first `limit` of them (0: all). */
export function testChunks(corpus: Corpus, limit: number): Int32Array {
  const picked = testChunkIds(corpus, limit);
  const out = new Int32Array(picked.length * corpus.blockSize);
  picked.forEach((c, i) =>
    out.set(corpus.tokens.subarray(c * corpus.blockSize, (c + 1) * corpus.blockSize), i * corpus.blockSize)
  );
  return out;
}

/** Perplexity on held-out corpus chunks and LAMBADA accuracy under the last-token and last-word rules. */
export const fluencyStage: StageDefinition<FluencyConfig, FluencyInputs, MetricRow[]> = {
  name: "fluency",
  version: "2",
  usesBackend: true,
  codec: metricsCodec,
  run(context, config, inputs) {
    return withModel(inputs, async (model) => {
      const labels = { arm: config.arm, seed: config.trainingSeed };
      const rows: MetricRow[] = [];
      const chunks = testChunks(inputs.corpus, config.perplexityChunks);
      if (chunks.length === 0) {
        throw new Error("the corpus has no test-split chunks; give data.splits.test a share above 0");
      }
      // The main perplexity counts only tokens of benign documents: a detoxified model is meant to
      // assign toxic text a low probability, so toxic test documents would count against it.
      const benign = benignTokenMask(inputs.corpus, config.perplexityChunks);
      const progress = (done: number, total: number) =>
        context.events.progress(done, total, "chunks", "perplexity");
      const T = inputs.corpus.blockSize;
      const benignPpl = await perplexity(
        model,
        chunks,
        T,
        config.batchSize,
        context.signal,
        progress,
        benign,
      );
      const allPpl = await perplexity(model, chunks, T, config.batchSize, context.signal, progress);
      rows.push({
        ...labels,
        promptSet: "corpus_test",
        metric: "perplexity",
        value: benignPpl.perplexity,
        n: benignPpl.tokens,
      });
      rows.push({
        ...labels,
        promptSet: "corpus_test",
        metric: "perplexity_all",
        value: allPpl.perplexity,
        n: allPpl.tokens,
      });

      if (config.lambada > 0) {
        const passages = (await loadLambada(config.lambada)).map((row) => row.text);
        const result = await lambadaAccuracy(
          model,
          tokenizeLambada(passages, inputs.tokenizer),
          config.batchSize,
          inputs.tokenizer.padId,
          context.signal,
        );
        for (
          const [metric, correct] of [["lambada_last_token", result.lastToken], [
            "lambada_last_word",
            result.lastWord,
          ]] as const
        ) {
          const interval = accuracyInterval(correct, config.bootstrap, config.seed);
          rows.push({
            ...labels,
            promptSet: "lambada",
            metric,
            value: interval.value,
            ciLow: interval.low,
            ciHigh: interval.high,
            n: correct.length,
          });
        }
      }
      return rows;
    });
  },
};
