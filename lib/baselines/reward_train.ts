/**
 * Training of the prefix reward model on labelled classifier rows.
 *
 * Every prefix x_1..x_t (t = 1..n) of a row is a training example with the row's toxicity label, as
 * when the reward model must judge a continuation before it is finished. The loss of a row is the mean
 * binary cross-entropy over its prefixes. Because the score averages per-token contributions, the
 * gradient of one row needs a single suffix sum: a feature entering at position j appears in every
 * prefix t >= j with weight 1/t. Training is AdaGrad over shuffled rows, in Float64Array state
 * (the accumulators span many orders of magnitude); the weights are stored as float32.
 */

import type { Tokenizer } from "../data/types.ts";
import { Rng } from "../util/rng.ts";
import {
  bigramBucket,
  type PrefixRewardModel,
  scorePrefix,
  sigmoid,
  START_MARKER,
  unigramBucket,
} from "./reward_model.ts";

/** A labelled text: `label` is the toxicity target in [0, 1]. */
export interface RewardTrainingRow {
  text: string;
  label: number;
}

/** Reward-model training settings (defaults in `DEFAULT_REWARD_TRAINING`). */
export interface RewardTrainingOptions {
  bucketsLog2: number;
  epochs: number;
  /** AdaGrad step size. */
  learningRate: number;
  /** L2 penalty per row update, on the weights touched by that row. */
  l2: number;
  /** Tokens per row used as prefixes; RAD scores continuations of about 20 tokens. */
  maxPrefixTokens: number;
  /** Share of rows held out for the metrics. */
  holdout: number;
}

/** Defaults: 2^18 weights (1 MiB), three passes, prefixes up to 32 tokens, 10% held out. */
export const DEFAULT_REWARD_TRAINING: RewardTrainingOptions = {
  bucketsLog2: 18,
  epochs: 3,
  learningRate: 0.2,
  l2: 1e-6,
  maxPrefixTokens: 32,
  holdout: 0.1,
};

/** AdaGrad's denominator offset, so the first step of a feature is finite. */
const ADAGRAD_EPSILON = 1e-8;
/** Cross-entropy clamps probabilities this far from 0 and 1. */
const PROBABILITY_FLOOR = 1e-7;
/** A row counts as toxic for the accuracy metric at this label. */
const TOXIC_LABEL = 0.5;

/** Progress callback: rows processed so far out of the total over all epochs. */
export type RewardProgress = (done: number, total: number) => void;

/**
 * Train the prefix reward model. Rows are tokenized with the generating model's tokenizer, so the
 * reward model reads candidate token ids directly. The held-out metrics are the mean prefix
 * cross-entropy and the accuracy of the full-row score at 0.5.
 */
export function trainPrefixReward(
  tokenizer: Tokenizer,
  rows: RewardTrainingRow[],
  options: RewardTrainingOptions,
  seed: number,
  progress?: RewardProgress,
  signal?: AbortSignal,
): PrefixRewardModel {
  validateOptions(options);
  const examples = rows
    .map((row, index) => {
      if (!(row.label >= 0 && row.label <= 1)) {
        throw new RangeError(
          `reward-model row ${index} has label ${row.label}; labels must be toxicity targets in [0, 1]`,
        );
      }
      return { tokens: tokenizer.encode(row.text).subarray(0, options.maxPrefixTokens), label: row.label };
    })
    .filter((example) => example.tokens.length > 0);
  if (examples.length < 2) {
    throw new RangeError(`reward-model training needs at least 2 non-empty rows, got ${examples.length}`);
  }

  const rng = Rng.derive(seed, "reward-model");
  rng.shuffle(examples);
  const heldCount = Math.min(examples.length - 1, Math.round(examples.length * options.holdout));
  const held = examples.slice(0, heldCount);
  const train = examples.slice(heldCount);

  const size = 2 ** options.bucketsLog2;
  const weights = new Float64Array(size);
  const squares = new Float64Array(size);
  const state = { bias: logit(meanLabel(train)), biasSquares: 0 };
  const total = options.epochs * train.length;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = Rng.derive(seed, "reward-model-order", epoch).shuffle(train.map((_, i) => i));
    order.forEach((index, step) => {
      if (step % 1024 === 0) {
        signal?.throwIfAborted();
        progress?.(epoch * train.length + step, total);
      }
      updateRow(weights, squares, state, train[index].tokens, train[index].label, options);
    });
  }
  progress?.(total, total);

  const model: PrefixRewardModel = {
    bucketsLog2: options.bucketsLog2,
    bias: state.bias,
    weights: Float32Array.from(weights),
    metrics: {},
  };
  model.metrics = heldOutMetrics(model, held);
  model.metrics.train_rows = train.length;
  model.metrics.heldout_rows = held.length;
  return model;
}

/** Apply one AdaGrad step on all prefixes of one row. */
function updateRow(
  weights: Float64Array,
  squares: Float64Array,
  state: { bias: number; biasSquares: number },
  tokens: Int32Array,
  label: number,
  options: RewardTrainingOptions,
): void {
  const n = tokens.length;
  const mask = weights.length - 1;
  const buckets = new Int32Array(2 * n);
  let previous = START_MARKER;
  for (let j = 0; j < n; j++) {
    buckets[2 * j] = unigramBucket(tokens[j], mask);
    buckets[2 * j + 1] = bigramBucket(previous, tokens[j], mask);
    previous = tokens[j];
  }

  // Forward: the logit of prefix t is bias + (running sum) / t; dLoss/dlogit_t = (p_t - y) / n.
  const gradLogit = new Float64Array(n);
  let sum = 0;
  let biasGrad = 0;
  for (let t = 0; t < n; t++) {
    sum += weights[buckets[2 * t]] + weights[buckets[2 * t + 1]];
    gradLogit[t] = (sigmoid(state.bias + sum / (t + 1)) - label) / n;
    biasGrad += gradLogit[t];
  }

  // Backward: the features of position j share the gradient suffix sum_{t >= j} gradLogit_t / (t + 1).
  let suffix = 0;
  for (let j = n - 1; j >= 0; j--) {
    suffix += gradLogit[j] / (j + 1);
    for (const bucket of [buckets[2 * j], buckets[2 * j + 1]]) {
      const grad = suffix + options.l2 * weights[bucket];
      squares[bucket] += grad * grad;
      weights[bucket] -= (options.learningRate * grad) / (Math.sqrt(squares[bucket]) + ADAGRAD_EPSILON);
    }
  }
  state.biasSquares += biasGrad * biasGrad;
  state.bias -= (options.learningRate * biasGrad) / (Math.sqrt(state.biasSquares) + ADAGRAD_EPSILON);
}

function heldOutMetrics(
  model: PrefixRewardModel,
  held: Array<{ tokens: Int32Array; label: number }>,
): Record<string, number> {
  let crossEntropy = 0;
  let prefixes = 0;
  let correct = 0;
  for (const example of held) {
    for (let t = 1; t <= example.tokens.length; t++) {
      const p = Math.min(
        1 - PROBABILITY_FLOOR,
        Math.max(PROBABILITY_FLOOR, scorePrefix(model, example.tokens.subarray(0, t))),
      );
      crossEntropy -= example.label * Math.log(p) + (1 - example.label) * Math.log(1 - p);
      prefixes += 1;
      if (t === example.tokens.length && (p >= 0.5) === (example.label >= TOXIC_LABEL)) correct += 1;
    }
  }
  return {
    heldout_prefix_cross_entropy: prefixes > 0 ? crossEntropy / prefixes : NaN,
    heldout_accuracy: held.length > 0 ? correct / held.length : NaN,
  };
}

function meanLabel(examples: Array<{ label: number }>): number {
  let sum = 0;
  for (const example of examples) sum += example.label;
  return sum / examples.length;
}

function logit(p: number): number {
  const clamped = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, p));
  return Math.log(clamped / (1 - clamped));
}

function validateOptions(options: RewardTrainingOptions): void {
  const checks: Array<[string, boolean, number]> = [
    [
      "buckets_log2",
      Number.isInteger(options.bucketsLog2) && options.bucketsLog2 >= 4 && options.bucketsLog2 <= 26,
      options.bucketsLog2,
    ],
    ["epochs", Number.isInteger(options.epochs) && options.epochs >= 1, options.epochs],
    ["learning_rate", options.learningRate > 0, options.learningRate],
    ["l2", options.l2 >= 0, options.l2],
    [
      "max_prefix_tokens",
      Number.isInteger(options.maxPrefixTokens) && options.maxPrefixTokens >= 1,
      options.maxPrefixTokens,
    ],
    ["holdout", options.holdout >= 0 && options.holdout < 1, options.holdout],
  ];
  for (const [name, ok, value] of checks) {
    if (!ok) {
      throw new RangeError(
        `reward-model setting '${name}' is invalid: ${value}; expected buckets_log2 in [4, 26], epochs >= 1, learning_rate > 0, l2 >= 0, max_prefix_tokens >= 1, holdout in [0, 1)`,
      );
    }
  }
}
