/**
 * The DPO training loop: fine-tunes a model on tokenized preference pairs against a frozen reference.
 *
 * Shape legend: N pairs in a batch, B = 2N sequences (chosen rows first), T padded length,
 * L = T - 1 predicted positions, M scored completion positions of the KL monitor batch, V vocabulary.
 *
 * The reference is the model as it is before the first update. Its log-probabilities of every pair, and
 * its next-token distributions on a small monitor batch, are computed once up front, so no second copy
 * of the weights is kept in memory.
 */

import * as tf from "@tensorflow/tfjs";
import type { TrainingRecord } from "../model/checkpoint.ts";
import type { GPT } from "../model/gpt.ts";
import { sequenceLogProbs, shiftTokens } from "../model/loss.ts";
import type { StageEvents } from "../runner/events.ts";
import { AdamW, type AdamWOptions, clipByGlobalNorm } from "../train/adamw.ts";
import { learningRate } from "../train/schedule.ts";
import { Rng } from "../util/rng.ts";
import { type EncodedPair, padPairs, type SequenceBatch } from "./dpo_batch.ts";
import { dpoLoss, preferenceStats } from "./dpo_loss.ts";

/** DPO loop settings. */
export interface DpoTrainOptions {
  beta: number;
  /** Peak learning rate, reached after the warmup and then held. */
  lr: number;
  steps: number;
  /** Pairs per optimizer step. */
  batchSize: number;
  /** Linear warmup as a fraction of the steps. */
  warmup: number;
  /** Global gradient-norm clip; 0 disables it. */
  clipNorm: number;
  optimizer: AdamWOptions;
  /** Steps between KL measurements on the monitor batch (the last step is always measured). */
  klEvery: number;
  /** Pairs in the KL monitor batch. */
  klPairs: number;
  seed: number;
}

/** Everything needed to continue a DPO run after `step` steps. */
export interface DpoTrainState {
  step: number;
  params: Map<string, Float32Array>;
  /** AdamW moments as exported by `AdamW.exportState`. */
  optimizer: Map<string, Float32Array>;
  history: TrainingRecord[];
}

/** Event sink, abort signal, and the save and resume hooks of the loop. */
export interface DpoTrainContext {
  events: StageEvents;
  signal: AbortSignal;
  /** State of an interrupted run of the same pairs and options; the model passed in is still the reference. */
  resume?: DpoTrainState | null;
  /** Called with the state every `every` steps (not after the last step). */
  checkpoint?: { every: number; save(state: DpoTrainState): Promise<void> };
}

/** Statistics of one DPO step. */
export interface DpoStepRecord {
  step: number;
  loss: number;
  /** Mean reward margin beta * (log-ratio of chosen - log-ratio of rejected). */
  margin: number;
  /** Share of pairs with a positive margin (ties count one half). */
  accuracy: number;
  chosenReward: number;
  rejectedReward: number;
  gradNorm: number;
  lr: number;
  /** Mean per-token KL(policy || reference) on the monitor batch, where measured. */
  kl?: number;
}

/** The curve of a DPO run plus the loss records in the trainer's format. */
export interface DpoTrainResult {
  records: DpoStepRecord[];
  history: TrainingRecord[];
}

/**
 * Token id written into padding. Padding comes after every real token of its row and is masked, so
 * under causal attention any valid id gives the same results; 0 is valid in every vocabulary.
 */
const FILLER_TOKEN = 0;

/** Pairs whose reference log-probabilities are known. */
interface ReferencedPair {
  pair: EncodedPair;
  referenceChosen: number;
  referenceRejected: number;
}

/**
 * Train `model` in place with DPO for `options.steps` steps. Pairs are visited in a seeded order,
 * reshuffled at every pass. Metrics go to `context.events` as `dpo.loss`, `dpo.margin`,
 * `dpo.accuracy`, `dpo.chosen_reward`, `dpo.rejected_reward`, `dpo.grad_norm` and `dpo.kl`.
 */
export async function trainDpo(
  model: GPT,
  pairs: EncodedPair[],
  options: DpoTrainOptions,
  context: DpoTrainContext,
): Promise<DpoTrainResult> {
  validateOptions(options, pairs.length, model.config.context);
  const padId = FILLER_TOKEN;
  const referenced = await referenceLogProbs(model, pairs, options.batchSize, padId, context.signal);
  const monitorPairs = Rng.derive(options.seed, "dpo-kl").shuffle([...pairs]).slice(0, options.klPairs);
  const monitor = new KlMonitor(model, padPairs(monitorPairs, padId));

  const optimizer = new AdamW(model.params, options.optimizer);
  const nameOf = new Map([...model.params].map(([name, variable]) => [variable.name, name]));
  const schedule = { lr: options.lr, warmup: options.warmup, minLrRatio: 1 };
  const order = new PairOrder(referenced.length, options.seed);
  const records: DpoStepRecord[] = [];
  let history: TrainingRecord[] = [];
  let start = 0;

  try {
    if (context.resume) {
      model.loadParams(context.resume.params);
      optimizer.importState(context.resume.optimizer, context.resume.step);
      history = [...context.resume.history];
      start = context.resume.step;
      context.events.log(`resuming DPO at step ${start} of ${options.steps}`);
    }

    for (let step = start; step < options.steps; step++) {
      context.signal.throwIfAborted();
      const batchPairs = Array.from(
        { length: options.batchSize },
        (_, i) => referenced[order.at(step * options.batchSize + i)],
      );
      const lr = learningRate(step, options.steps, schedule);
      const record = await optimizerStep(model, optimizer, nameOf, batchPairs, options, padId, lr);
      record.step = step + 1;
      if ((step + 1) % options.klEvery === 0 || step + 1 === options.steps) {
        record.kl = await monitor.measure();
      }
      records.push(record);
      history.push({ step: step + 1, trainLoss: record.loss, lr });
      report(context.events, record, options.steps);

      const checkpoint = context.checkpoint;
      if (checkpoint && (step + 1) % checkpoint.every === 0 && step + 1 < options.steps) {
        await checkpoint.save({
          step: step + 1,
          params: await model.exportParams(),
          optimizer: await optimizer.exportState(),
          history: [...history],
        });
      }
    }
  } finally {
    optimizer.dispose();
    monitor.dispose();
  }
  return { records, history };
}

/**
 * The seeded visiting order of the pairs: pass e is a shuffle drawn from `(seed, e)`, and position i of
 * the whole run is pair `at(i)`, so a resumed run continues exactly where the interrupted one stopped.
 */
class PairOrder {
  #count: number;
  #seed: number;
  #pass = -1;
  #order: number[] = [];

  constructor(count: number, seed: number) {
    this.#count = count;
    this.#seed = seed;
  }

  at(position: number): number {
    const pass = Math.floor(position / this.#count);
    if (pass !== this.#pass) {
      this.#order = Rng.derive(this.#seed, "dpo-order", pass).shuffle(
        Array.from({ length: this.#count }, (_, i) => i),
      );
      this.#pass = pass;
    }
    return this.#order[position % this.#count];
  }
}

/** Forward, backward and one AdamW update on a batch of pairs. */
async function optimizerStep(
  model: GPT,
  optimizer: AdamW,
  nameOf: Map<string, string>,
  batchPairs: ReferencedPair[],
  options: DpoTrainOptions,
  padId: number,
  lr: number,
): Promise<DpoStepRecord> {
  const batch = padPairs(batchPairs.map((item) => item.pair), padId);
  const count = batchPairs.length;
  const tokens = tf.tensor2d(batch.tokens, [batch.rows, batch.length], "int32");
  const mask = tf.tensor2d(batch.mask, [batch.rows, batch.length]);
  const referenceChosen = tf.tensor1d(batchPairs.map((item) => item.referenceChosen));
  const referenceRejected = tf.tensor1d(batchPairs.map((item) => item.referenceRejected));
  let outputs: tf.Tensor[] = [];

  try {
    const { value, grads } = tf.variableGrads(() => {
      const logProbs = sequenceLogProbs(model, tokens, mask); // [B]
      const parts = dpoLoss({
        policyChosen: tf.slice(logProbs, [0], [count]),
        policyRejected: tf.slice(logProbs, [count], [count]),
        referenceChosen,
        referenceRejected,
      }, options.beta);
      outputs = [parts.margins, parts.chosenRewards, parts.rejectedRewards].map((tensor) => tf.keep(tensor));
      return parts.loss;
    }, [...model.params.values()]);

    const named = new Map<string, tf.Tensor>();
    for (const [variableName, gradient] of Object.entries(grads)) {
      named.set(nameOf.get(variableName)!, gradient);
    }
    const gradNorm = clipByGlobalNorm(named, options.clipNorm);
    optimizer.apply(named, lr);
    tf.dispose([...named.values()]);

    const loss = (await value.data())[0];
    value.dispose();
    const [margins, chosen, rejected] = await Promise.all(outputs.map((tensor) => tensor.data()));
    const stats = preferenceStats(margins);
    return {
      step: 0,
      loss,
      margin: stats.margin,
      accuracy: stats.accuracy,
      chosenReward: mean(chosen),
      rejectedReward: mean(rejected),
      gradNorm,
      lr,
    };
  } finally {
    tf.dispose([tokens, mask, referenceChosen, referenceRejected, ...outputs]);
  }
}

/** Reference log-probabilities of every pair under the model as it is now. */
async function referenceLogProbs(
  model: GPT,
  pairs: EncodedPair[],
  batchSize: number,
  padId: number,
  signal: AbortSignal,
): Promise<ReferencedPair[]> {
  const out: ReferencedPair[] = [];
  for (let start = 0; start < pairs.length; start += batchSize) {
    signal.throwIfAborted();
    const slice = pairs.slice(start, start + batchSize);
    const values = await batchLogProbs(model, padPairs(slice, padId));
    slice.forEach((pair, i) => {
      out.push({ pair, referenceChosen: values[i], referenceRejected: values[slice.length + i] });
    });
  }
  return out;
}

/** Summed completion log-probability of every row of a padded batch, [B]. */
export async function batchLogProbs(model: GPT, batch: SequenceBatch): Promise<Float32Array> {
  const logProbs = tf.tidy(() =>
    sequenceLogProbs(
      model,
      tf.tensor2d(batch.tokens, [batch.rows, batch.length], "int32"),
      tf.tensor2d(batch.mask, [batch.rows, batch.length]),
    )
  );
  const values = (await logProbs.data()) as Float32Array;
  logProbs.dispose();
  return values;
}

/**
 * Mean per-token KL(policy || reference) over the completion positions of a fixed batch: the exact
 * sum over the vocabulary at each position, against the reference distributions stored at creation.
 */
class KlMonitor {
  #model: GPT;
  #inputs: tf.Tensor2D;
  #positions: tf.Tensor1D;
  #referenceLogProbs: tf.Tensor2D;

  constructor(model: GPT, batch: SequenceBatch) {
    this.#model = model;
    const tokens = tf.tensor2d(batch.tokens, [batch.rows, batch.length], "int32");
    const { inputs, targets } = shiftTokens(tokens);
    this.#inputs = inputs; // [B, L]
    tf.dispose([tokens, targets]);
    // Row-major index b * L + (t - 1) of every position t whose token is a scored completion token.
    const length = batch.length - 1;
    const positions: number[] = [];
    for (let b = 0; b < batch.rows; b++) {
      for (let t = 1; t < batch.length; t++) {
        if (batch.mask[b * batch.length + t] > 0) positions.push(b * length + t - 1);
      }
    }
    this.#positions = tf.tensor1d(positions, "int32"); // [M]
    this.#referenceLogProbs = this.#logProbs(); // [M, V]
  }

  #logProbs(): tf.Tensor2D {
    return tf.tidy(() => {
      const logits = this.#model.forward(this.#inputs); // [B, L, V]
      const [rows, length, vocab] = logits.shape;
      const flat = tf.reshape(logits, [rows * length, vocab]); // [B*L, V]
      return tf.logSoftmax(tf.gather(flat, this.#positions)) as tf.Tensor2D; // [M, V]
    });
  }

  async measure(): Promise<number> {
    const kl = tf.tidy(() => {
      const policy = this.#logProbs(); // [M, V]
      const perPosition = tf.sum(tf.mul(tf.exp(policy), tf.sub(policy, this.#referenceLogProbs)), 1); // [M]
      return tf.mean(perPosition);
    });
    const value = (await kl.data())[0];
    kl.dispose();
    return value;
  }

  dispose(): void {
    tf.dispose([this.#inputs, this.#positions, this.#referenceLogProbs]);
  }
}

function report(events: StageEvents, record: DpoStepRecord, total: number): void {
  events.metric("dpo.loss", record.loss, record.step);
  events.metric("dpo.margin", record.margin, record.step);
  events.metric("dpo.accuracy", record.accuracy, record.step);
  events.metric("dpo.chosen_reward", record.chosenReward, record.step);
  events.metric("dpo.rejected_reward", record.rejectedReward, record.step);
  events.metric("dpo.grad_norm", record.gradNorm, record.step);
  if (record.kl !== undefined) events.metric("dpo.kl", record.kl, record.step);
  const kl = record.kl !== undefined ? ` kl ${record.kl.toFixed(4)}` : "";
  events.progress(
    record.step,
    total,
    "step",
    `loss ${record.loss.toFixed(3)} acc ${record.accuracy.toFixed(2)}${kl}`,
  );
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length > 0 ? sum / values.length : 0;
}

function validateOptions(options: DpoTrainOptions, pairCount: number, context: number): void {
  if (pairCount === 0) {
    throw new RangeError(
      "DPO has no preference pairs to train on; check arms[].dpo.pairs and arms[].dpo.max_pairs",
    );
  }
  const positiveIntegers: Array<[string, number]> = [
    ["steps", options.steps],
    ["batch_size", options.batchSize],
    ["kl_every", options.klEvery],
    ["kl_pairs", options.klPairs],
  ];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`DPO setting '${name}' must be a positive integer, got ${value}`);
    }
  }
  if (!(options.lr > 0)) {
    throw new RangeError(`DPO learning rate must be positive, got ${options.lr}; set arms[].dpo.lr`);
  }
  if (!(options.warmup >= 0 && options.warmup < 1)) {
    throw new RangeError(`DPO warmup must be in [0, 1), got ${options.warmup}`);
  }
  if (context < 2) throw new RangeError(`DPO needs a model context of at least 2, got ${context}`);
}
