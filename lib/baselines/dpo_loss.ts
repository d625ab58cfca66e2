/**
 * The Direct Preference Optimization loss over sequence log-probabilities.
 *
 * Shape legend: N preference pairs. Every input is the summed log-probability of one completion given
 * its prompt, so each tensor is [N].
 */

import * as tf from "@tensorflow/tfjs";

/** Summed completion log-probabilities of a batch of pairs under the policy and the reference. */
export interface PairLogProbs {
  policyChosen: tf.Tensor1D;
  policyRejected: tf.Tensor1D;
  referenceChosen: tf.Tensor1D;
  referenceRejected: tf.Tensor1D;
}

/** The loss and the implicit rewards of one batch. */
export interface DpoLossParts {
  /** Mean over pairs of -log sigmoid(margin). */
  loss: tf.Scalar;
  /** beta * (log pi(y_w|x) - log ref(y_w|x)), [N]. */
  chosenRewards: tf.Tensor1D;
  /** beta * (log pi(y_l|x) - log ref(y_l|x)), [N]. */
  rejectedRewards: tf.Tensor1D;
  /** chosenRewards - rejectedRewards, [N]; positive when the policy prefers the chosen completion more than the reference does. */
  margins: tf.Tensor1D;
}

/**
 * Compute the DPO loss `-log sigmoid(beta * ((log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) -
 * log ref(y_l|x))))`, averaged over pairs. Gradients flow through the policy terms only when the
 * reference tensors are constants. Call inside `tf.tidy` or a gradient function.
 */
export function dpoLoss(logProbs: PairLogProbs, beta: number): DpoLossParts {
  if (!(beta > 0) || !Number.isFinite(beta)) {
    throw new RangeError(
      `DPO beta must be a finite positive number, got ${beta}; set arms[].dpo.beta (0.1 is common)`,
    );
  }
  const count = logProbs.policyChosen.shape[0];
  for (const [name, tensor] of Object.entries(logProbs)) {
    if (tensor.rank !== 1 || tensor.shape[0] !== count) {
      throw new RangeError(`DPO input '${name}' has shape [${tensor.shape}], expected [${count}]`);
    }
  }

  const chosenRewards = tf.mul(beta, tf.sub(logProbs.policyChosen, logProbs.referenceChosen)) as tf.Tensor1D;
  const rejectedRewards = tf.mul(
    beta,
    tf.sub(logProbs.policyRejected, logProbs.referenceRejected),
  ) as tf.Tensor1D;
  const margins = tf.sub(chosenRewards, rejectedRewards) as tf.Tensor1D;
  // -log sigmoid(m) = softplus(-m). tf.logSigmoid (tfjs 4.22) fails in backprop when its input is an
  // intermediate tensor, and softplus has a stable kernel and gradient.
  const loss = tf.mean(tf.softplus(tf.neg(margins))) as tf.Scalar;
  return { loss, chosenRewards, rejectedRewards, margins };
}

/** Summary statistics of the margins of one batch, as logged during training. */
export interface PreferenceStats {
  /** Mean reward margin. */
  margin: number;
  /** Share of pairs with a positive margin; a tie (margin exactly 0, as before the first update) counts one half. */
  accuracy: number;
}

/** Summarise reward margins into the mean margin and the preference accuracy. */
export function preferenceStats(margins: ArrayLike<number>): PreferenceStats {
  if (margins.length === 0) return { margin: 0, accuracy: 0.5 };
  let sum = 0;
  let wins = 0;
  for (let i = 0; i < margins.length; i++) {
    sum += margins[i];
    if (margins[i] > 0) wins += 1;
    else if (margins[i] === 0) wins += 0.5;
  }
  return { margin: sum / margins.length, accuracy: wins / margins.length };
}
