/**
 * Next-token log-likelihoods of a model. A sequence of T tokens gives T-1 terms: the term at
 * position t (1 <= t < T) is the log-probability of token t given tokens 0..t-1.
 *
 * Shape legend: B batch, T tokens per row, L = T-1 label positions, V vocabulary.
 */

import * as tf from "@tensorflow/tfjs";
import { TARGET_LOG_SOFTMAX, TARGET_LOG_SOFTMAX_GRAD } from "../backend/target_log_softmax.ts";
import type { GPT } from "./gpt.ts";

/** log softmax(logits)[target] for every row: logits [B, L, V], int32 targets [B, L] -> [B, L]. */
export function targetLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [batch, length, vocab] = logits.shape;
  if (targets.shape[0] !== batch || targets.shape[1] !== length) {
    throw new Error(
      `targets [${targets.shape}] do not match logits [${logits.shape}]; expected [${batch},${length}].`,
    );
  }
  return tf.tidy(() => {
    const rows = batch * length;
    const flatLogits = tf.reshape(logits, [rows, vocab]) as tf.Tensor2D; // [N, V]
    const flatTargets = tf.reshape(targets, [rows]) as tf.Tensor1D; // [N]
    const picked = tf.getKernel(TARGET_LOG_SOFTMAX, tf.getBackend())
      ? fusedTargetLogSoftmax(flatLogits, flatTargets)
      : compositeTargetLogSoftmax(flatLogits, flatTargets);
    return tf.reshape(picked, [batch, length]) as tf.Tensor2D; // [B, L]
  });
}

/** The fused kernels of the wasm and cpu backends, with their gradient. */
const fusedTargetLogSoftmax = tf.customGrad(
  ((logits: tf.Tensor, targets: tf.Tensor, save: tf.GradSaveFunc) => {
    const [logProb, softmax] = tf.engine().runKernel(TARGET_LOG_SOFTMAX, { logits, targets }) as tf.Tensor[];
    save([softmax, targets]);
    return {
      value: logProb as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => [
        tf.engine().runKernel(TARGET_LOG_SOFTMAX_GRAD, {
          dy,
          softmax: saved[0],
          targets: saved[1],
        }) as tf.Tensor,
        tf.zerosLike(saved[1]),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Tensor1D;

/** Plain tf ops for other backends. */
function compositeTargetLogSoftmax(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [rows, vocab] = logits.shape;
  const logProbs = tf.logSoftmax(logits); // [N, V]
  // Flat index row * V + target picks one entry per row without a [N, V] one-hot product.
  const index = tf.add(tf.mul(tf.range(0, rows, 1, "int32"), tf.scalar(vocab, "int32")), targets); // [N]
  return tf.gather(tf.reshape(logProbs, [rows * vocab]), index) as tf.Tensor1D; // [N]
}

/** Split tokens [B, T] into model inputs [B, L] (tokens 0..T-2) and targets [B, L] (tokens 1..T-1). */
export function shiftTokens(tokens: tf.Tensor2D): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  const [batch, time] = tokens.shape;
  if (time < 2) throw new Error(`Need at least 2 tokens per row to predict one, got [${tokens.shape}].`);
  return {
    inputs: tf.slice(tokens, [0, 0], [batch, time - 1]), // [B, L]
    targets: tf.slice(tokens, [0, 1], [batch, time - 1]), // [B, L]
  };
}

/** Per-token negative log-likelihood [B, T-1] of int32 tokens [B, T]. */
export function tokenNll(model: GPT, tokens: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const { inputs, targets } = shiftTokens(tokens);
    return tf.neg(targetLogProbs(model.forward(inputs), targets)) as tf.Tensor2D; // [B, L]
  });
}

/**
 * Sum the log-probabilities of the target positions selected by `lossMask` [B, T] per row [B].
 * The float32 mask is aligned with the tokens: entry t weights the term predicting token t, and
 * entry 0 is unused. DPO (completion tokens only) and perplexity use it.
 */
export function sequenceLogProbs(model: GPT, tokens: tf.Tensor2D, lossMask: tf.Tensor2D): tf.Tensor1D {
  if (lossMask.shape[0] !== tokens.shape[0] || lossMask.shape[1] !== tokens.shape[1]) {
    throw new Error(`lossMask [${lossMask.shape}] must have the shape of tokens [${tokens.shape}].`);
  }
  return tf.tidy(() => {
    const { inputs, targets } = shiftTokens(tokens);
    const [batch, time] = tokens.shape;
    const mask = tf.cast(tf.slice(lossMask, [0, 1], [batch, time - 1]), "float32"); // [B, L]
    const logProbs = targetLogProbs(model.forward(inputs), targets); // [B, L]
    return tf.sum(tf.mul(logProbs, mask), 1) as tf.Tensor1D; // [B]
  });
}
