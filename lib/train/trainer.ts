/**
 * The training loop: AdamW with a warmup + cosine schedule, global-norm clipping, gradient
 * accumulation, the penalty objective, seeded data order, periodic validation with best-checkpoint
 * selection, and resumable state in the stage's scratch folder.
 *
 * `training.batch_size` is the number of chunks per forward pass (micro-batch); one optimizer step
 * uses `batch_size * grad_accum` chunks. Without `training.steps`, a run takes
 * ceil(epochs * trainChunks / (batch_size * grad_accum)) steps.
 */

import * as tf from "@tensorflow/tfjs";
import { type Checkpoint, modelFromCheckpoint, type TrainingRecord } from "../model/checkpoint.ts";
import { createModel, type GPT } from "../model/gpt.ts";
import type { ModelConfig } from "../model/types.ts";
import type { Corpus } from "../data/types.ts";
import { SPLIT_CODES } from "../data/types.ts";
import type { StageContext } from "../runner/stage.ts";
import type { TrainingSpec } from "../spec/types.ts";
import { canonicalJson } from "../util/hash.ts";
import { AdamW } from "./adamw.ts";
import { type ChunkBatch, chunkBatch, disposeBatch } from "./batches.ts";
import { trainStep } from "./step.ts";
import { DataOrder } from "./data_order.ts";
import { meanCrossEntropy } from "./objective.ts";
import { loadState, runFingerprint, saveState, type TrainingState } from "./resume.ts";
import { learningRate } from "./schedule.ts";
import { unigramPerplexity } from "./unigram.ts";

/** Config slice of a training run. */
export interface TrainConfig {
  model: ModelConfig;
  training: TrainingSpec;
  /** Seed of parameter initialisation and data order. */
  seed: number;
}

/** Inputs of a training run. */
export interface TrainInputs {
  corpus: Corpus;
  /** [numChunks * blockSize]; entry (c, t) weights the loss term predicting token t of chunk c. */
  targetWeights?: Float32Array;
  /** Start from these parameters (fine-tuning); the optimizer starts fresh. */
  init?: Checkpoint;
}

/** Chunk ids of one split. */
export function splitChunks(corpus: Corpus, split: keyof typeof SPLIT_CODES): Int32Array {
  const code = SPLIT_CODES[split];
  const ids: number[] = [];
  for (let c = 0; c < corpus.numChunks; c++) if (corpus.chunkSplit[c] === code) ids.push(c);
  return Int32Array.from(ids);
}

/** Optimizer steps of a run over `trainChunks` chunks. */
export function totalSteps(training: TrainingSpec, trainChunks: number): number {
  if (training.steps > 0) return training.steps;
  const perStep = training.batch_size * training.grad_accum;
  return Math.max(1, Math.ceil((training.epochs * trainChunks) / perStep));
}

/** Mean cross-entropy of the model over the given chunks (plain, unweighted). */
export async function evaluateLoss(
  model: GPT,
  corpus: Corpus,
  chunkIds: Int32Array,
  batchSize: number,
): Promise<number> {
  let total = 0;
  let terms = 0;
  for (let start = 0; start < chunkIds.length; start += batchSize) {
    const ids = Array.from(chunkIds.subarray(start, start + batchSize));
    const batch = chunkBatch(corpus, ids);
    const loss = tf.tidy(() => meanCrossEntropy(model.forward(batch.inputs), batch.targets));
    total += (await loss.data())[0] * batch.targets.size;
    terms += batch.targets.size;
    loss.dispose();
    disposeBatch(batch);
  }
  return total / terms;
}

function checkInputs(config: TrainConfig, inputs: TrainInputs): void {
  const { corpus, targetWeights, init } = inputs;
  const t = config.training;
  if (corpus.blockSize > config.model.context + 1) {
    throw new Error(
      `data.block_size (${corpus.blockSize}) needs a model context of at least ${
        corpus.blockSize - 1
      }, got ${config.model.context}.`,
    );
  }
  if (targetWeights && targetWeights.length !== corpus.numChunks * corpus.blockSize) {
    throw new Error(
      `targetWeights has ${targetWeights.length} entries, expected numChunks * blockSize = ${
        corpus.numChunks * corpus.blockSize
      }.`,
    );
  }
  if (
    init &&
    canonicalJson({ ...init.config, preset: undefined }) !==
      canonicalJson({ ...config.model, preset: undefined })
  ) {
    throw new Error(
      `The initial checkpoint's model config ${canonicalJson(init.config)} differs from the requested ${
        canonicalJson(config.model)
      }.`,
    );
  }
  for (const key of ["batch_size", "grad_accum", "eval_every", "checkpoint_every"] as const) {
    if (!Number.isInteger(t[key]) || t[key] < 1) {
      throw new Error(`training.${key} must be a positive integer, got ${t[key]}.`);
    }
  }
}

/** Train a model and return its best checkpoint (lowest validation loss; the last one without validation data). */
export async function trainModel(
  ctx: StageContext,
  config: TrainConfig,
  inputs: TrainInputs,
): Promise<Checkpoint> {
  checkInputs(config, inputs);
  const { corpus, targetWeights } = inputs;
  const t = config.training;
  const trainIds = splitChunks(corpus, "train");
  const validationIds = splitChunks(corpus, "validation");
  const order = new DataOrder(trainIds, config.seed);
  const total = totalSteps(t, trainIds.length);
  const schedule = { lr: t.optimizer.lr, warmup: t.warmup, minLrRatio: t.min_lr_ratio };
  const fingerprint = runFingerprint({
    key: ctx.key,
    config,
    chunks: corpus.numChunks,
    weighted: !!targetWeights,
    init: inputs.init?.step ?? null,
  });

  const model = inputs.init ? modelFromCheckpoint(inputs.init) : createModel(config.model, config.seed);
  const optimizer = new AdamW(model.params, {
    betas: t.optimizer.betas,
    eps: t.optimizer.eps,
    weightDecay: t.optimizer.weight_decay,
  });
  const shapes = new Map([...model.params].map(([name, v]) => [name, [...v.shape]]));

  let state: TrainingState = {
    step: 0,
    params: new Map(),
    optimizer: new Map(),
    best: null,
    history: [],
    seconds: 0,
  };
  const resumed = await loadState(ctx.scratchDir, fingerprint);
  if (resumed) {
    model.loadParams(resumed.params);
    optimizer.importState(resumed.optimizer, resumed.step);
    state = resumed;
    ctx.events.log(`resuming training at step ${resumed.step} of ${total}`);
  }
  const started = performance.now() - state.seconds * 1000;

  try {
    let lastLoss = Number.NaN;
    for (let step = state.step; step < total; step++) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("training aborted");
      const lr = learningRate(step, total, schedule);

      const batches: ChunkBatch[] = [];
      for (let micro = 0; micro < t.grad_accum; micro++) {
        const ids = order.batch((step * t.grad_accum + micro) * t.batch_size, t.batch_size);
        batches.push(chunkBatch(corpus, ids, targetWeights));
      }
      const { loss: stepLoss, gradNorm } = await trainStep(model, optimizer, batches, lr, t.clip_norm);
      batches.forEach(disposeBatch);
      if (!Number.isFinite(stepLoss) || !Number.isFinite(gradNorm)) {
        throw new Error(
          `Training diverged at step ${step + 1}: loss ${stepLoss}, gradient norm ${gradNorm}. ` +
            `Lower training.optimizer.lr (now ${t.optimizer.lr}) or set training.clip_norm.`,
        );
      }
      lastLoss = stepLoss;

      const record: TrainingRecord = { step: step + 1, trainLoss: lastLoss, lr };
      const isLast = step + 1 === total;
      if (validationIds.length > 0 && ((step + 1) % t.eval_every === 0 || isLast)) {
        record.valLoss = await evaluateLoss(model, corpus, validationIds, t.batch_size);
        ctx.events.metric("val_loss", record.valLoss, step + 1);
        if (!state.best || record.valLoss < state.best.valLoss) {
          state.best = { step: step + 1, valLoss: record.valLoss, params: await model.exportParams() };
        }
      }
      state.history.push(record);
      ctx.events.metric("train_loss", lastLoss, step + 1);
      ctx.events.metric("grad_norm", gradNorm, step + 1);
      ctx.events.progress(step + 1, total, "step", `loss ${lastLoss.toFixed(3)} lr ${lr.toExponential(2)}`);

      if ((step + 1) % t.checkpoint_every === 0 && !isLast) {
        state.step = step + 1;
        state.params = await model.exportParams();
        state.optimizer = await optimizer.exportState();
        state.seconds = (performance.now() - started) / 1000;
        await saveState(ctx.scratchDir, config.model, fingerprint, shapes, state);
      }
    }

    const tokensSeen = total * t.batch_size * t.grad_accum * (corpus.blockSize - 1);
    const finalParams = await model.exportParams();
    const chosen = state.best ?? { step: total, valLoss: Number.NaN, params: finalParams };
    const params: Checkpoint["params"] = {};
    for (const [name, values] of chosen.params) params[name] = { shape: shapes.get(name)!, values };
    const lastVal = [...state.history].reverse().find((r) => r.valLoss !== undefined)?.valLoss ?? Number.NaN;
    const metrics: Record<string, number> = {
      // Perplexities are in tokens of this corpus's tokenizer.
      valPerplexity: Math.exp(chosen.valLoss),
      unigramPerplexity: unigramPerplexity(corpus, config.model.vocab_size),
      steps: total,
      bestStep: chosen.step,
      bestValLoss: chosen.valLoss,
      finalValLoss: lastVal,
      finalTrainLoss: lastLoss,
      tokensSeen,
    };
    // Wall time stays out of the checkpoint (the artifact manifest records it), so identical runs,
    // resumed or not, give identical bytes.
    // Without validation chunks the validation metrics are undefined; JSON has no NaN, so drop them.
    for (const [name, value] of Object.entries(metrics)) if (!Number.isFinite(value)) delete metrics[name];
    return { config: { ...config.model }, params, step: chosen.step, metrics, history: state.history };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
