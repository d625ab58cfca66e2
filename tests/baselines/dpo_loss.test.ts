import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { dpoLoss, preferenceStats } from "../../lib/baselines/dpo_loss.ts";

/** float32 arithmetic on values of order 1. */
const FLOAT32_TOLERANCE = 1e-6;

await initBackend("cpu");

// Two pairs with beta = 0.5, worked by hand:
// pair 1: rewards 0.5 * (-2 + 2.5) = 0.25 and 0.5 * (-3 + 2.5) = -0.25, margin 0.5, loss log(1 + e^-0.5)
// pair 2: rewards 0.5 * (-4 + 3) = -0.5 and 0.5 * (-1 + 2) = 0.5, margin -1, loss log(1 + e^1)
const BETA = 0.5;
const POLICY_CHOSEN = [-2, -4];
const POLICY_REJECTED = [-3, -1];
const REFERENCE_CHOSEN = [-2.5, -3];
const REFERENCE_REJECTED = [-2.5, -2];
const EXPECTED_LOSS = (Math.log(1 + Math.exp(-0.5)) + Math.log(1 + Math.exp(1))) / 2; // 0.893669...

function close(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= FLOAT32_TOLERANCE, `${label}: ${actual} vs ${expected}`);
}

Deno.test("dpoLoss hand-computed two pairs", () => {
  const parts = tf.tidy(() => {
    const { loss, margins, chosenRewards, rejectedRewards } = dpoLoss({
      policyChosen: tf.tensor1d(POLICY_CHOSEN),
      policyRejected: tf.tensor1d(POLICY_REJECTED),
      referenceChosen: tf.tensor1d(REFERENCE_CHOSEN),
      referenceRejected: tf.tensor1d(REFERENCE_REJECTED),
    }, BETA);
    return [loss, margins, chosenRewards, rejectedRewards];
  });
  const [loss, margins, chosen, rejected] = parts.map((tensor) => Array.from(tensor.dataSync()));
  tf.dispose(parts);

  close(loss[0], EXPECTED_LOSS, "loss");
  close(margins[0], 0.5, "margin of pair 1");
  close(margins[1], -1, "margin of pair 2");
  close(chosen[0], 0.25, "chosen reward of pair 1");
  close(rejected[1], 0.5, "rejected reward of pair 2");
});

Deno.test("dpoLoss gradient hand-computed", () => {
  // dL/d log pi(y_w) = -(beta / N) * sigmoid(-margin); for the rejected side the sign flips.
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const expectedChosen = [-(BETA / 2) * sigmoid(-0.5), -(BETA / 2) * sigmoid(1)];
  const referenceChosen = tf.tensor1d(REFERENCE_CHOSEN);
  const referenceRejected = tf.tensor1d(REFERENCE_REJECTED);
  const policyChosen = tf.tensor1d(POLICY_CHOSEN);
  const policyRejected = tf.tensor1d(POLICY_REJECTED);
  const grad = tf.grads((chosenInput: tf.Tensor, rejectedInput: tf.Tensor) =>
    dpoLoss({
      policyChosen: chosenInput as tf.Tensor1D,
      policyRejected: rejectedInput as tf.Tensor1D,
      referenceChosen,
      referenceRejected,
    }, BETA).loss
  );
  const gradients = grad([policyChosen, policyRejected]);
  tf.dispose([referenceChosen, referenceRejected, policyChosen, policyRejected]);
  const [chosen, rejected] = gradients.map((tensor) => Array.from(tensor.dataSync()));
  tf.dispose(gradients);

  for (let i = 0; i < 2; i++) {
    close(chosen[i], expectedChosen[i], `gradient of chosen ${i}`);
    close(rejected[i], -expectedChosen[i], `gradient of rejected ${i}`);
  }
});

Deno.test("dpoLoss rejects non-positive beta", () => {
  const zero = tf.tensor1d([0]);
  assert.throws(
    () =>
      dpoLoss(
        { policyChosen: zero, policyRejected: zero, referenceChosen: zero, referenceRejected: zero },
        0,
      ),
    /beta/,
  );
  zero.dispose();
});

Deno.test("preferenceStats ties count half", () => {
  const stats = preferenceStats([0.5, -1, 0, 2]);
  assert.equal(stats.accuracy, (1 + 0 + 0.5 + 1) / 4);
  assert.equal(stats.margin, 1.5 / 4);
});

Deno.test("dpoLoss finite at large margins", () => {
  // Margins of +-400: the loss of the losing pair is 400 / 2 and the winning pair adds about 0.
  const loss = tf.tidy(() =>
    dpoLoss({
      policyChosen: tf.tensor1d([400, -400]),
      policyRejected: tf.tensor1d([0, 0]),
      referenceChosen: tf.tensor1d([0, 0]),
      referenceRejected: tf.tensor1d([0, 0]),
    }, 1).loss.dataSync()[0]
  );
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  assert.ok(Math.abs(loss - 200) <= 1e-3, `loss ${loss}`);
});
