/**
 * Preference pairs for DPO from each source a spec may name: ParaDetox rewrites, HH-RLHF harmless
 * dialogues, or pairs built from the model's own samples ranked by the explicit classifier.
 */

import { dpoPairs } from "../data/dpo.ts";
import type { PromptRow, Tokenizer } from "../data/types.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";
import { generate } from "../model/generate.ts";
import type { GPT } from "../model/gpt.ts";
import type { DpoSpec } from "../spec/types.ts";
import { Rng } from "../util/rng.ts";
import type { PreferencePair } from "./dpo_batch.ts";

/** Sampling settings for self-generated pairs. */
export interface SelfGeneratedOptions {
  /** Continuations sampled per prompt; the least and the most toxic of them form the pair. */
  samples: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  /** Prompts whose most and least toxic samples differ by less than this toxicity are skipped. */
  minSpread: number;
  seed: number;
  /** Rows decoded together by the sampler; the samples do not depend on it. */
  batchSize: number;
}

/** Self-generated pairs plus what was skipped, for the stage log. */
export interface SelfGeneratedPairs {
  pairs: PreferencePair[];
  /** Prompts skipped because their samples' toxicity spread was below `minSpread`. */
  skipped: number;
  /** Mean toxicity gap between the chosen and the rejected sample of the kept pairs. */
  meanSpread: number;
}

/** Prompts sent to one sampler call; each call has its own seed, so batching does not change samples. */
const PROMPTS_PER_CALL = 8;

/**
 * Sample continuations of each prompt from the model, score them with the classifier, and prefer the
 * least toxic over the most toxic continuation. Prompts are encoded after an end-of-text token, as the
 * DPO sequences are, and samples stop at end-of-text.
 */
export async function selfGeneratedPairs(
  model: GPT,
  tokenizer: Tokenizer,
  classifier: ToxicityClassifier,
  prompts: PromptRow[],
  options: SelfGeneratedOptions,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<SelfGeneratedPairs> {
  if (!Number.isInteger(options.samples) || options.samples < 2) {
    throw new RangeError(
      `self-generated DPO pairs need at least 2 samples per prompt, got ${options.samples}`,
    );
  }
  const pairs: PreferencePair[] = [];
  let skipped = 0;
  let spreadSum = 0;

  for (let first = 0; first < prompts.length; first += PROMPTS_PER_CALL) {
    signal?.throwIfAborted();
    const rows = prompts.slice(first, first + PROMPTS_PER_CALL);
    const encoded = rows.map((row) => {
      const ids = tokenizer.encode(row.prompt);
      const withStart = new Int32Array(ids.length + 1);
      withStart[0] = tokenizer.eotId;
      withStart.set(ids, 1);
      return withStart;
    });
    const outputs = await generate(model, encoded, options.samples, {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      topP: options.topP,
      topK: options.topK,
      seed: Rng.derive(options.seed, "dpo-self-generated", first).nextUint32(),
      stopToken: tokenizer.eotId,
      batchSize: options.batchSize,
      signal,
    });
    const texts = outputs.map((tokens) => tokenizer.decode(tokens));
    const toxicity = classifier.predict(texts).toxicity;

    rows.forEach((row, p) => {
      let low = p * options.samples;
      let high = low;
      for (let s = p * options.samples; s < (p + 1) * options.samples; s++) {
        if (toxicity[s] < toxicity[low]) low = s;
        if (toxicity[s] > toxicity[high]) high = s;
      }
      const spread = toxicity[high] - toxicity[low];
      if (spread < options.minSpread || texts[low] === texts[high]) {
        skipped += 1;
        return;
      }
      pairs.push({ prompt: row.prompt, chosen: texts[low], rejected: texts[high] });
      spreadSum += spread;
    });
    onProgress?.(Math.min(first + PROMPTS_PER_CALL, prompts.length), prompts.length);
  }
  return { pairs, skipped, meanSpread: pairs.length > 0 ? spreadSum / pairs.length : 0 };
}

/** Inputs a pair source may read when it loads its pairs. */
export interface PairSourceInputs {
  /** The model being fine-tuned, before any update (self-generated pairs sample from it). */
  model: GPT;
  tokenizer: Tokenizer;
  classifier?: ToxicityClassifier;
  prompts?: PromptRow[];
  /** Upper bound on pairs (on prompts for self-generated pairs); 0 means no bound. */
  limit: number;
  /** Seed of the data roles, so the DPO rows are the ones no other role uses. */
  roleSeed: number;
  sampling: SelfGeneratedOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Pairs of a source plus one line for the stage log. */
export interface LoadedPairs {
  pairs: PreferencePair[];
  summary: string;
}

/** A pair source: what it needs from the plan, how its completions end, and how it loads. */
export interface DpoPairSource {
  /** Artifacts the source reads besides the checkpoint and the tokenizer. */
  needs: Array<"prompts" | "classifier">;
  /**
   * Append an end-of-text token to each completion: true for completions that are whole texts (a
   * rewrite, a final assistant turn), false for sampled continuations cut at a token budget.
   */
  appendEnd: boolean;
  description: string;
  load(inputs: PairSourceInputs): Promise<LoadedPairs>;
}

async function loadShipped(source: "paradetox" | "hh-rlhf", inputs: PairSourceInputs): Promise<LoadedPairs> {
  const rows = await dpoPairs(source, inputs.limit, inputs.roleSeed);
  const pairs = rows.map((row) => ({ prompt: row.prompt, chosen: row.chosen, rejected: row.rejected }));
  return { pairs, summary: `${pairs.length} ${source} pairs` };
}

/**
 * The pair sources `dpo.pairs` may name.
 *
 * ParaDetox pairs have an empty prompt: the sequence starts at the end-of-text token. Rewrites often
 * share their first words with the toxic original. Identical leading tokens give the same log-ratio on
 * both sides, so they cancel in the DPO margin. An empty prompt and a shared-prefix prompt therefore
 * train the same way, up to tokenization at the split point.
 */
export const DPO_PAIR_SOURCES: Readonly<Record<DpoSpec["pairs"], DpoPairSource>> = {
  "paradetox": {
    needs: [],
    appendEnd: true,
    description: "ParaDetox: neutral rewrite preferred over the toxic sentence, empty prompt",
    load: (inputs) => loadShipped("paradetox", inputs),
  },
  "hh-rlhf": {
    needs: [],
    appendEnd: true,
    description: "HH-RLHF harmless: chosen over rejected final assistant turn after the shared dialogue",
    load: (inputs) => loadShipped("hh-rlhf", inputs),
  },
  "self-generated": {
    needs: ["prompts", "classifier"],
    appendEnd: false,
    description:
      "model samples for query prompts: least toxic preferred over most toxic by the explicit classifier",
    async load(inputs) {
      if (!inputs.classifier || !inputs.prompts) {
        throw new Error(
          "DPO pairs 'self-generated' need the explicit classifier and the query prompts as stage inputs; wire both into the dpo stage",
        );
      }
      const prompts = inputs.limit > 0 ? inputs.prompts.slice(0, inputs.limit) : inputs.prompts;
      const result = await selfGeneratedPairs(
        inputs.model,
        inputs.tokenizer,
        inputs.classifier,
        prompts,
        inputs.sampling,
        inputs.signal,
        inputs.onProgress,
      );
      return {
        pairs: result.pairs,
        summary: `${result.pairs.length} self-generated pairs from ${prompts.length} prompts ` +
          `(${result.skipped} skipped for a toxicity spread below ${inputs.sampling.minSpread}, mean spread ${
            result.meanSpread.toFixed(3)
          })`,
      };
    },
  },
};
