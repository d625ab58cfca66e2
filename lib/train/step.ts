/** One optimizer step: gradients summed over micro-batches, global-norm clipping, AdamW update. */

import * as tf from "@tensorflow/tfjs";
import type { GPT } from "../model/gpt.ts";
import type { AdamW } from "./adamw.ts";
import { clipByGlobalNormAsync } from "./adamw.ts";
import type { ChunkBatch } from "./batches.ts";
import { meanCrossEntropy, weightedCrossEntropy } from "./objective.ts";

/** Loss and gradient norm of one step. */
export interface StepResult {
  /** Mean of the micro-batch losses (weighted when the batches carry weights). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** Loss of one batch: the penalty objective when it carries weights, else mean cross-entropy. */
export function batchLoss(model: GPT, batch: ChunkBatch): tf.Scalar {
  const logits = model.forward(batch.inputs); // [B, L, V]
  return batch.weights
    ? weightedCrossEntropy(logits, batch.targets, batch.weights)
    : meanCrossEntropy(logits, batch.targets);
}

/**
 * Run forward and backward on each micro-batch, average the gradients (each micro loss is divided by
 * the number of micro-batches), clip them to `clipNorm` (0 disables) and apply AdamW with `lr`.
 */
export async function trainStep(
  model: GPT,
  optimizer: AdamW,
  batches: ChunkBatch[],
  lr: number,
  clipNorm: number,
): Promise<StepResult> {
  const variables = [...model.params.values()];
  const nameOf = new Map([...model.params].map(([name, v]) => [v.name, name]));
  const sums = new Map<string, tf.Tensor>();
  let loss = 0;
  for (const batch of batches) {
    const { value, grads } = tf.variableGrads(
      () => tf.div(batchLoss(model, batch), batches.length) as tf.Scalar,
      variables,
    );
    loss += (await value.data())[0];
    value.dispose();
    for (const [variableName, g] of Object.entries(grads)) {
      const name = nameOf.get(variableName)!;
      const previous = sums.get(name);
      if (!previous) {
        sums.set(name, g);
        continue;
      }
      sums.set(name, tf.add(previous, g));
      previous.dispose();
      g.dispose();
    }
  }
  const gradNorm = await clipByGlobalNormAsync(sums, clipNorm);
  optimizer.apply(sums, lr);
  for (const g of sums.values()) g.dispose();
  return { loss, gradNorm };
}
