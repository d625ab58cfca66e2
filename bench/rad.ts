/**
 * Cost of reward-augmented decoding per generated token, relative to plain sampling.
 *
 * Setup: reference shape (a) with random weights (width 128, 4 layers, vocabulary 4,096) and a BPE
 * tokenizer of 4,096 tokens trained on shipped Gutenberg text. 8 prompts x 4 samples are decoded as
 * one batch of 32 rows, 20 new tokens each, with top-p 0.9, RAD top-k 20 and beta 50.
 *
 * Both RAD scorers are timed: the explicit hashed n-gram classifier on decoded continuation +
 * candidate texts (up to 20 texts per row and step), and the hashed prefix reward model on token ids.
 * The classifier and the reward model carry seeded random weights, because their cost depends on the
 * features they compute and not on the weight values.
 *
 * The sampler sorts every token by probability when a nucleus is set. After RAD only the candidates
 * have non-zero probability and that sort is cheaper, so RAD's total can come out below plain
 * sampling on a small model. The processor times isolate what RAD itself adds.
 *
 * Times are medians over runs after one warm-up run. The CPU may be shared with other work, so
 * compare runs made under the same conditions.
 */

import { initBackend } from "../lib/backend/init.ts";
import { RadProcessor, radSamplingOptions } from "../lib/baselines/rad.ts";
import { type CandidateScorer, ClassifierScorer } from "../lib/baselines/rad_scorer.ts";
import { type PrefixRewardModel, PrefixRewardScorer } from "../lib/baselines/reward_model.ts";
import { loadGutenberg } from "../lib/data/datasets/benign.ts";
import { trainTokenizer } from "../lib/data/tokenizer/train.ts";
import { DEFAULT_FEATURES } from "../lib/evaluate/features.ts";
import { HashedLinearClassifier } from "../lib/evaluate/hashed_classifier.ts";
import { generate } from "../lib/model/generate.ts";
import { createModel, type GPT } from "../lib/model/gpt.ts";
import type { LogitProcessor, SamplingOptions } from "../lib/model/types.ts";
import { Rng } from "../lib/util/rng.ts";
import { BENCH_SHAPES } from "./train.ts";

/** Bench settings. */
export interface RadBenchOptions {
  prompts: number;
  samples: number;
  maxNewTokens: number;
  topP: number;
  radTopK: number;
  radBeta: number;
  /** Timed runs per decoder (after one warm-up run). */
  runs: number;
}

/** Defaults: the evaluation's reference decoding (20 new tokens, top-p 0.9) with RAD's k = 20, beta = 50. */
export const RAD_BENCH_DEFAULTS: RadBenchOptions = {
  prompts: 8,
  samples: 4,
  maxNewTokens: 20,
  topP: 0.9,
  radTopK: 20,
  radBeta: 50,
  runs: 3,
};

/** Milliseconds per generated token of each decoder and RAD's cost relative to plain sampling. */
export interface RadBenchResult {
  plainMsPerToken: number;
  radClassifierMsPerToken: number;
  radRewardModelMsPerToken: number;
  /** radClassifierMsPerToken / plainMsPerToken. */
  classifierRatio: number;
  /** radRewardModelMsPerToken / plainMsPerToken. */
  rewardModelRatio: number;
  /** Generated tokens per run (rows x new tokens). */
  tokensPerRun: number;
  /** Milliseconds per generated token spent inside the RAD processor (selection and scoring). */
  radClassifierProcessorMsPerToken: number;
  radRewardModelProcessorMsPerToken: number;
  /** Mean candidates scored per row and step. */
  candidatesPerRowStep: number;
  backend: string;
}

/** Characters of Gutenberg text the bench tokenizer is trained on. */
const TOKENIZER_CHARS = 1_000_000;
/** Spread of the random classifier and reward-model weights. */
const RANDOM_WEIGHT_SCALE = 0.1;

/** Time plain sampling and RAD with both scorers on the same prompts. */
export async function benchRad(options: Partial<RadBenchOptions> = {}): Promise<RadBenchResult> {
  const settings = { ...RAD_BENCH_DEFAULTS, ...options };
  const backend = await initBackend("auto");
  const paragraphs = (await loadGutenberg()).map((row) => row.text);
  const config = BENCH_SHAPES.a;
  const tokenizer = trainTokenizer(paragraphs, { vocabSize: config.vocab_size, maxChars: TOKENIZER_CHARS });
  const prompts = paragraphs.slice(0, settings.prompts).map((text) => tokenizer.encode(text).subarray(0, 12));
  const model = createModel(config, 1);

  try {
    const plainOptions: SamplingOptions = {
      maxNewTokens: settings.maxNewTokens,
      temperature: 1,
      topP: settings.topP,
      topK: 0,
      seed: 5,
      batchSize: settings.prompts * settings.samples,
    };
    const plain = await timePerToken(model, prompts, settings, () => plainOptions);

    const scorers: Record<string, CandidateScorer> = {
      classifier: new ClassifierScorer(tokenizer, randomClassifier()),
      rewardModel: new PrefixRewardScorer(randomRewardModel()),
    };
    const radOptions = (scorer: CandidateScorer) => ({
      beta: settings.radBeta,
      topK: settings.radTopK,
      topP: settings.topP,
      scorer,
    });
    const decoding = {
      max_new_tokens: settings.maxNewTokens,
      temperature: 1,
      top_p: settings.topP,
      top_k: 0,
      seed: 5,
    };
    const rad: Record<
      string,
      { msPerToken: number; processorMsPerToken: number; candidatesPerRowStep: number }
    > = {};
    for (const [name, scorer] of Object.entries(scorers)) {
      let processor = new RadProcessor(radOptions(scorer));
      const processorTimes: number[] = [];
      const msPerToken = await timePerToken(model, prompts, settings, () => {
        processor = new RadProcessor(radOptions(scorer));
        const timed = timeProcessor(processor, processorTimes);
        return {
          ...radSamplingOptions(decoding, processor),
          processor: timed,
          batchSize: plainOptions.batchSize,
        };
      });
      // The first entry is the warm-up run.
      const tokens = settings.prompts * settings.samples * settings.maxNewTokens;
      rad[name] = {
        msPerToken,
        processorMsPerToken: median(processorTimes.slice(1)) / tokens,
        candidatesPerRowStep: processor.stats.candidates / processor.stats.rowSteps,
      };
    }

    return {
      plainMsPerToken: plain,
      radClassifierMsPerToken: rad.classifier.msPerToken,
      radRewardModelMsPerToken: rad.rewardModel.msPerToken,
      classifierRatio: rad.classifier.msPerToken / plain,
      rewardModelRatio: rad.rewardModel.msPerToken / plain,
      radClassifierProcessorMsPerToken: rad.classifier.processorMsPerToken,
      radRewardModelProcessorMsPerToken: rad.rewardModel.processorMsPerToken,
      tokensPerRun: settings.prompts * settings.samples * settings.maxNewTokens,
      candidatesPerRowStep: rad.classifier.candidatesPerRowStep,
      backend: backend.name,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Wrap a processor so the milliseconds of each generate call spent inside it are appended to `times`
 * (one entry per call: the wrapper is made fresh for every run).
 */
function timeProcessor(processor: RadProcessor, times: number[]): LogitProcessor {
  const index = times.push(0) - 1;
  return {
    async process(logits, vocabSize, contexts) {
      const started = performance.now();
      const out = await processor.process(logits, vocabSize, contexts);
      times[index] += performance.now() - started;
      return out;
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds per generated token over `runs` timed runs, after one warm-up run. */
async function timePerToken(
  model: GPT,
  prompts: Int32Array[],
  settings: RadBenchOptions,
  makeOptions: () => SamplingOptions,
): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run <= settings.runs; run++) {
    const options = makeOptions();
    const started = performance.now();
    const outputs = await generate(model, prompts, settings.samples, options);
    const elapsed = performance.now() - started;
    const tokens = outputs.reduce((sum, row) => sum + row.length, 0);
    if (run > 0) times.push(elapsed / tokens);
  }
  return median(times);
}

function randomClassifier(): HashedLinearClassifier {
  const rng = Rng.derive(1, "bench-classifier");
  const numFeatures = 2 ** DEFAULT_FEATURES.bucketBits;
  const weights = Float32Array.from({ length: numFeatures }, () => RANDOM_WEIGHT_SCALE * rng.normal());
  return new HashedLinearClassifier(
    {
      id: "bench-random",
      attributes: ["toxicity"],
      features: DEFAULT_FEATURES,
      calibration: [{ a: 1, b: 0 }],
      report: {},
    },
    { numFeatures, numOutputs: 1, weights, bias: new Float32Array(1) },
  );
}

function randomRewardModel(): PrefixRewardModel {
  const rng = Rng.derive(1, "bench-reward-model");
  const bucketsLog2 = 18;
  const weights = Float32Array.from({ length: 2 ** bucketsLog2 }, () => RANDOM_WEIGHT_SCALE * rng.normal());
  return { bucketsLog2, bias: 0, weights, metrics: {} };
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchRad(), null, 2));
}
