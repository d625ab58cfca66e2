/**
 * The penalty objective. Every next-token loss term has a weight: +1 for ordinary targets and
 * -lambda for targets selected as toxic, so training lowers the likelihood of the selected tokens.
 * The weighted sum is divided by the number of label tokens (selected ones included), so with an
 * empty mask it equals the mean cross-entropy, and lambda = 0 drops the selected terms.
 *
 * Shape legend: B batch, L label positions per row, V vocabulary.
 */

import * as tf from "@tensorflow/tfjs";
import { targetLogProbs } from "../model/loss.ts";

/** Weighted cross-entropy: sum(weight * NLL) / (B * L). logits [B, L, V], int32 targets [B, L], weights [B, L]. */
export function weightedCrossEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  weights: tf.Tensor2D,
): tf.Scalar {
  if (weights.shape[0] !== targets.shape[0] || weights.shape[1] !== targets.shape[1]) {
    throw new Error(`weights [${weights.shape}] must have the shape of targets [${targets.shape}].`);
  }
  return tf.tidy(() => {
    const nll = tf.neg(targetLogProbs(logits, targets)); // [B, L]
    return tf.div(tf.sum(tf.mul(nll, weights)), targets.size) as tf.Scalar;
  });
}

/** Mean cross-entropy (every weight 1). */
export function meanCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(targetLogProbs(logits, targets))) as tf.Scalar);
}

/**
 * Per-token weights from a selection mask: 1 where mask is 0, -lambda where it is 1. The mask and the
 * weights are aligned with the tokens of the corpus ([numChunks * blockSize]): entry (c, t) weights
 * the loss term whose target is token t of chunk c, so entry (c, 0) has no term.
 */
export function penaltyWeights(mask: Uint8Array, lambda: number): Float32Array {
  if (!Number.isFinite(lambda) || lambda < 0) {
    throw new Error(`Penalty lambda must be a finite number >= 0, got ${lambda}.`);
  }
  const weights = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) weights[i] = mask[i] ? -lambda : 1;
  return weights;
}
