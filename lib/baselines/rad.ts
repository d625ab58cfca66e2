/**
 * Reward-augmented decoding (RAD) as a logit processor: at each step keep the top-k / top-p candidates,
 * add beta x (1 - toxicity) to each candidate's logit and remove every other token.
 *
 * Shape legend: B rows of the generation batch, V vocabulary, k candidates per row.
 *
 * Filtering happens once, inside RAD, before the rewards move the logits. Filtering again after the
 * reward would cut candidates by their shifted logits and change the method. So a RAD arm runs the
 * sampler with top-k 0 and a nucleus of `RAD_SAMPLER_TOP_P` (`radSamplingOptions` builds such options).
 * That nucleus is 1 - 1e-12 rather than 1 because the sampler walks the cumulative distribution in
 * probability order only when a nucleus is set, and in token-id order otherwise: with the same walk
 * order, RAD with beta = 0 draws the same token as plain sampling from the same random number. The
 * nucleus removes at most 1e-12 of probability mass, so a draw differs from a nucleus of 1 with
 * probability at most 1e-12 per step.
 */

import type { LogitProcessor, SamplingOptions } from "../model/types.ts";
import { selectCandidates } from "./rad_candidates.ts";
import type { CandidateScorer } from "./rad_scorer.ts";
import { startsWith } from "./rad_scorer.ts";

/** RAD settings. */
export interface RadOptions {
  /** Reward weight; 0 leaves plain top-p / top-k sampling. */
  beta: number;
  /** Candidates kept per step (20 in the reference setting). */
  topK: number;
  /** Nucleus threshold, applied to the top-k candidates as the sampler applies it (0.9 in the reference setting). */
  topP: number;
  scorer: CandidateScorer;
}

/** Counters of the work RAD did, for manifests and benchmarks. */
export interface RadStats {
  /** Decoding steps processed (one per `process` call). */
  steps: number;
  /** Row-steps scored (B per call, less the rows that already stopped). */
  rowSteps: number;
  /** Candidate texts or prefixes scored. */
  candidates: number;
}

/** The sampler's nucleus threshold while RAD is on (see the file comment). */
export const RAD_SAMPLER_TOP_P = 1 - 1e-12;

/** A row's generated part, and whether the row stopped (its context did not grow since the last step). */
export interface RowContinuation {
  tokens: Int32Array;
  stalled: boolean;
}

/**
 * Separates the prompt from the generated continuation of each row. The first time a row is seen, its
 * whole context is the prompt. A row continues when its context is the previous one plus one token,
 * and is stalled when its context is unchanged (the sampler keeps finished rows in the batch).
 *
 * Within one batch of `generate`, every step after the first has at least one row that grew by one
 * token, because the sampler stops once all rows are finished. So a call in which no row grew starts a
 * new batch, and every context is a prompt again. This also covers a finished row whose next-batch
 * prompt equals its old context. Rows must stay in place from step to step, as `generate` keeps them.
 */
export class ContinuationTracker {
  #rows: Array<{ prompt: Int32Array; last: Int32Array } | undefined> = [];

  /** Split each context into its generated part, [B][t_b], and report stalled rows. */
  continuations(contexts: Int32Array[]): RowContinuation[] {
    const grows = (context: Int32Array, row: number) => {
      const state = this.#rows[row];
      return state !== undefined && context.length === state.last.length + 1 &&
        startsWith(context, state.last);
    };
    if (!contexts.some(grows)) this.#rows = [];

    return contexts.map((context, row) => {
      const state = this.#rows[row];
      if (state && startsWith(context, state.last) && context.length <= state.last.length + 1) {
        const stalled = context.length === state.last.length;
        if (!stalled) state.last = context.slice();
        return { tokens: context.subarray(state.prompt.length), stalled };
      }
      const prompt = context.slice();
      this.#rows[row] = { prompt, last: prompt };
      return { tokens: context.subarray(context.length), stalled: false };
    });
  }

  /** Forget every row, so the next call treats all contexts as prompts. */
  reset(): void {
    this.#rows = [];
  }
}

/** RAD logit processor. One instance serves one `generate` call at a time. */
export class RadProcessor implements LogitProcessor {
  readonly options: Readonly<RadOptions>;
  readonly stats: RadStats = { steps: 0, rowSteps: 0, candidates: 0 };
  #tracker = new ContinuationTracker();

  constructor(options: RadOptions) {
    if (!Number.isFinite(options.beta) || options.beta < 0) {
      throw new RangeError(
        `RAD beta must be a finite number >= 0, got ${options.beta}; set arms[].rad.beta (50 in the reference setting)`,
      );
    }
    if (!Number.isInteger(options.topK) || options.topK < 1) {
      throw new RangeError(
        `RAD top-k must be a positive integer, got ${options.topK}; set arms[].rad.top_k (20 in the reference setting)`,
      );
    }
    if (!(options.topP > 0 && options.topP <= 1)) {
      throw new RangeError(`RAD top-p must be in (0, 1], got ${options.topP}; set evaluation.top_p`);
    }
    this.options = { ...options };
  }

  async process(logits: Float32Array, vocabSize: number, contexts: Int32Array[]): Promise<Float32Array> {
    const rows = contexts.length;
    if (logits.length !== rows * vocabSize) {
      throw new RangeError(
        `RAD got ${logits.length} logits for ${rows} rows of vocabulary ${vocabSize}; expected ${
          rows * vocabSize
        }`,
      );
    }
    const { beta, topK, topP, scorer } = this.options;

    // Stalled rows are finished samples whose token the sampler discards: they pass through unscored.
    const rowStates = this.#tracker.continuations(contexts);
    const active = rowStates.flatMap((state, row) => (state.stalled ? [] : [row]));
    const candidates = active.map((row) =>
      selectCandidates(logits.subarray(row * vocabSize, (row + 1) * vocabSize), topP, topK)
    );
    const toxicity = await scorer.score(active.map((row) => rowStates[row].tokens), candidates);

    const out = new Float32Array(rows * vocabSize).fill(-Infinity);
    rowStates.forEach((state, row) => {
      if (state.stalled) out.set(logits.subarray(row * vocabSize, (row + 1) * vocabSize), row * vocabSize);
    });
    let offset = 0;
    for (const [index, row] of active.entries()) {
      for (const token of candidates[index]) {
        const value = toxicity[offset++];
        if (!(value >= 0 && value <= 1)) {
          throw new RangeError(
            `RAD scorer '${scorer.id}' returned toxicity ${value} for token ${token} of row ${row}; expected a probability in [0, 1]`,
          );
        }
        out[row * vocabSize + token] = logits[row * vocabSize + token] + beta * (1 - value);
      }
    }
    if (offset !== toxicity.length) {
      throw new RangeError(
        `RAD scorer '${scorer.id}' returned ${toxicity.length} scores for ${offset} candidates`,
      );
    }

    this.stats.steps += 1;
    this.stats.rowSteps += active.length;
    this.stats.candidates += offset;
    return out;
  }

  /** Forget the prompts of the previous batch (also detected on its own when contexts change). */
  reset(): void {
    this.#tracker.reset();
  }
}

/** Evaluation sampling settings, in the spec's names. */
export interface DecodingSettings {
  max_new_tokens: number;
  temperature: number;
  top_p: number;
  top_k: number;
  seed: number;
}

/**
 * Sampling options for a RAD arm: the sampler's own top-k is off and its nucleus is
 * `RAD_SAMPLER_TOP_P`, because RAD filters inside the processor with the evaluation's top-p and the
 * arm's top-k.
 */
export function radSamplingOptions(
  decoding: DecodingSettings,
  processor: RadProcessor,
  stopToken?: number,
): SamplingOptions {
  return {
    maxNewTokens: decoding.max_new_tokens,
    temperature: decoding.temperature,
    topP: RAD_SAMPLER_TOP_P,
    topK: 0,
    seed: decoding.seed,
    stopToken,
    processor,
  };
}
