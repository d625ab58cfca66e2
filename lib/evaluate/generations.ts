/**
 * Sampled continuations of evaluation prompts, and their Arrow table
 * (`generations.arrow`: prompt_set, prompt_id, prompt_index, sample_index, tokens list<int32>, text).
 * Rows are prompt-major within each prompt set: prompt 0's K samples first.
 */

import * as arrow from "apache-arrow";
import type { PromptSet, Tokenizer } from "../data/types.ts";
import type { LogitProcessor, SamplingOptions } from "../model/types.ts";
import { Rng } from "../util/rng.ts";
import type { EvalLanguageModel } from "./language_model.ts";

/** Decoding settings of an evaluation; all of them are part of the generations' cache key. */
export interface DecodingConfig {
  samples: number;
  maxNewTokens: number;
  topP: number;
  topK: number;
  temperature: number;
  seed: number;
  /** Rows decoded together inside the sampler; the samples do not depend on it. */
  batchSize: number;
  /** Label of the decoding (`sample` or `rad`) recorded with the generations. */
  decoding: string;
}

/**
 * Prompts passed to one sampler call. Each call gets the seed `Rng.derive(seed, set, first prompt)`,
 * so the samples depend on this constant but not on `batchSize`.
 */
export const PROMPTS_PER_CALL = 8;

/** Generated continuations, one entry per (prompt, sample). */
export interface Generations {
  promptSet: string[];
  promptId: string[];
  promptIndex: Int32Array;
  sampleIndex: Int32Array;
  tokens: Int32Array[];
  text: string[];
}

/** Create an empty generations value, for concatenation. */
export function emptyGenerations(): Generations {
  return {
    promptSet: [],
    promptId: [],
    promptIndex: new Int32Array(0),
    sampleIndex: new Int32Array(0),
    tokens: [],
    text: [],
  };
}

/** Concatenate generations in order. */
export function concatGenerations(parts: Generations[]): Generations {
  const join = (pick: (g: Generations) => Int32Array) => {
    const out = new Int32Array(parts.reduce((n, g) => n + pick(g).length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(pick(part), offset);
      offset += pick(part).length;
    }
    return out;
  };
  return {
    promptSet: parts.flatMap((g) => g.promptSet),
    promptId: parts.flatMap((g) => g.promptId),
    promptIndex: join((g) => g.promptIndex),
    sampleIndex: join((g) => g.sampleIndex),
    tokens: parts.flatMap((g) => g.tokens),
    text: parts.flatMap((g) => g.text),
  };
}

/** Options of `generatePromptSet`. */
export interface PromptSetRun {
  /** Logit processor (reward-augmented decoding); absent for plain sampling. */
  processor?: LogitProcessor;
  signal?: AbortSignal;
  /** Called after every sampler call with the prompts done so far (counted from 0) and the set size. */
  onCall?: (done: number, total: number) => void;
  /** First and end prompt index to sample, multiples of `PROMPTS_PER_CALL` (default: the whole set). */
  start?: number;
  end?: number;
}

/**
 * Sample continuations for one prompt set, or for the prompts [start, end) of it. A range gives the
 * same samples as the whole set does for those prompts, so a run can resume block by block.
 */
export async function generatePromptSet(
  model: EvalLanguageModel,
  tokenizer: Tokenizer,
  set: PromptSet,
  config: DecodingConfig,
  run: PromptSetRun = {},
): Promise<Generations> {
  const { processor, signal, onCall } = run;
  const start = run.start ?? 0;
  const end = Math.min(run.end ?? set.rows.length, set.rows.length);
  if (start % PROMPTS_PER_CALL !== 0) {
    throw new RangeError(`prompt range start ${start} must be a multiple of ${PROMPTS_PER_CALL}`);
  }
  const parts: Generations[] = [];
  for (let first = start; first < end; first += PROMPTS_PER_CALL) {
    signal?.throwIfAborted();
    const rows = set.rows.slice(first, Math.min(first + PROMPTS_PER_CALL, end));
    const prompts = rows.map((row) => {
      const encoded = tokenizer.encode(row.prompt);
      // An empty prompt starts from the end-of-text token, as unconditional samples do.
      return encoded.length > 0 ? encoded : Int32Array.of(tokenizer.eotId);
    });
    const options: SamplingOptions = {
      maxNewTokens: config.maxNewTokens,
      temperature: config.temperature,
      topP: config.topP,
      topK: config.topK,
      seed: Rng.derive(config.seed, set.name, first).nextUint32(),
      stopToken: tokenizer.eotId,
      batchSize: config.batchSize,
      processor,
    };
    const outputs = await model.generate(prompts, config.samples, options);
    if (outputs.length !== rows.length * config.samples) {
      throw new Error(
        `sampler returned ${outputs.length} continuations for ${rows.length} prompts x ${config.samples} samples`,
      );
    }
    const K = config.samples;
    parts.push({
      promptSet: outputs.map(() => set.name),
      promptId: outputs.map((_, i) => rows[Math.floor(i / K)].id),
      promptIndex: Int32Array.from(outputs, (_, i) => first + Math.floor(i / K)),
      sampleIndex: Int32Array.from(outputs, (_, i) => i % K),
      tokens: outputs.map((tokens) => Int32Array.from(tokens)),
      text: outputs.map((tokens) => tokenizer.decode(tokens)),
    });
    onCall?.(Math.min(first + PROMPTS_PER_CALL, end), set.rows.length);
  }
  return concatGenerations(parts);
}

/** Build the Arrow table of generations. */
export function generationsToTable(generations: Generations): arrow.Table {
  const offsets = new Int32Array(generations.tokens.length + 1);
  generations.tokens.forEach((tokens, i) => (offsets[i + 1] = offsets[i] + tokens.length));
  const flat = new Int32Array(offsets[offsets.length - 1]);
  generations.tokens.forEach((tokens, i) => flat.set(tokens, offsets[i]));
  const child = arrow.makeData({ type: new arrow.Int32(), length: flat.length, data: flat });
  const listType = new arrow.List(new arrow.Field("item", new arrow.Int32(), false));
  const tokens = arrow.makeVector(
    arrow.makeData({
      type: listType,
      length: generations.tokens.length,
      nullCount: 0,
      valueOffsets: offsets,
      child,
    }),
  );
  return new arrow.Table({
    prompt_set: arrow.vectorFromArray(generations.promptSet, new arrow.Utf8()),
    prompt_id: arrow.vectorFromArray(generations.promptId, new arrow.Utf8()),
    prompt_index: arrow.makeVector(generations.promptIndex),
    sample_index: arrow.makeVector(generations.sampleIndex),
    tokens,
    text: arrow.vectorFromArray(generations.text, new arrow.Utf8()),
  });
}

/** Read generations back from their Arrow table; fails naming a missing column. */
export function generationsFromTable(table: arrow.Table): Generations {
  const column = (name: string) => {
    const vector = table.getChild(name);
    if (!vector) throw new Error(`generations table has no column '${name}'; regenerate the artifact`);
    return vector;
  };
  const tokens: Int32Array[] = [];
  for (const value of column("tokens")) tokens.push(Int32Array.from(value as arrow.Vector<arrow.Int32>));
  return {
    promptSet: Array.from(column("prompt_set"), String),
    promptId: Array.from(column("prompt_id"), String),
    promptIndex: Int32Array.from(column("prompt_index") as Iterable<number>),
    sampleIndex: Int32Array.from(column("sample_index") as Iterable<number>),
    tokens,
    text: Array.from(column("text"), String),
  };
}
