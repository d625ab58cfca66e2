/**
 * Resumable training state in the stage's scratch folder: model parameters, AdamW moments, the best
 * parameters so far and the training curve, saved as one checkpoint folder (`state/`) whose JSON is
 * written last. Everything the loop needs to continue is in it; the data order is recomputed from
 * the seed and the step.
 */

import {
  type Checkpoint,
  loadCheckpoint,
  type ParamArray,
  saveCheckpoint,
  type TrainingRecord,
} from "../model/checkpoint.ts";
import type { ModelConfig } from "../model/types.ts";
import { exists, writeTextAtomic } from "../util/atomic.ts";
import { canonicalJson } from "../util/hash.ts";

/** Folder of the resumable state inside the scratch folder. */
export const STATE_FOLDER = "state";

/** Everything saved to resume training. */
export interface TrainingState {
  /** Optimizer steps completed. */
  step: number;
  params: Map<string, Float32Array>;
  optimizer: Map<string, Float32Array>;
  /** Best parameters by validation loss, or null before the first evaluation. */
  best: { step: number; valLoss: number; params: Map<string, Float32Array> } | null;
  history: TrainingRecord[];
  /** Seconds of training before this state (for the final metrics). */
  seconds: number;
}

/** Save the state into `<scratchDir>/state`. */
export async function saveState(
  scratchDir: string,
  config: ModelConfig,
  fingerprint: string,
  shapes: Map<string, number[]>,
  state: TrainingState,
): Promise<void> {
  const params: Record<string, ParamArray> = {};
  const put = (prefix: string, values: Map<string, Float32Array>) => {
    for (const [name, data] of values) {
      const base = name.replace(/^[mv]\./, "");
      params[`${prefix}${name}`] = { shape: shapes.get(base) ?? [data.length], values: data };
    }
  };
  put("param.", state.params);
  put("adam.", state.optimizer);
  if (state.best) put("best.", state.best.params);
  const checkpoint: Checkpoint = {
    config,
    params,
    step: state.step,
    metrics: {
      seconds: state.seconds,
      bestStep: state.best?.step ?? -1,
      bestValLoss: state.best?.valLoss ?? Number.NaN,
    },
    history: state.history,
  };
  // The fingerprint is the same for the whole run, so writing it before the checkpoint is safe.
  await writeTextAtomic(`${scratchDir}/${STATE_FOLDER}/fingerprint.txt`, fingerprint);
  await saveCheckpoint(`${scratchDir}/${STATE_FOLDER}`, checkpoint);
}

/**
 * Load the state from `<scratchDir>/state`, or null when there is none or it was written for a
 * different run (another fingerprint of config, seed and data).
 */
export async function loadState(scratchDir: string, fingerprint: string): Promise<TrainingState | null> {
  const dir = `${scratchDir}/${STATE_FOLDER}`;
  if (!(await exists(`${dir}/checkpoint.json`))) return null;
  const saved = await Deno.readTextFile(`${dir}/fingerprint.txt`).catch(() => "");
  if (saved !== fingerprint) return null;
  const checkpoint = await loadCheckpoint(dir);
  const take = (prefix: string) => {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of Object.entries(checkpoint.params)) {
      if (name.startsWith(prefix)) out.set(name.slice(prefix.length), p.values);
    }
    return out;
  };
  const bestStep = checkpoint.metrics.bestStep;
  return {
    step: checkpoint.step,
    params: take("param."),
    optimizer: take("adam."),
    best: bestStep >= 0
      ? { step: bestStep, valLoss: checkpoint.metrics.bestValLoss, params: take("best.") }
      : null,
    history: checkpoint.history,
    seconds: checkpoint.metrics.seconds,
  };
}

/** Build a string that changes whenever the inputs of a training run change. */
export function runFingerprint(parts: unknown): string {
  return canonicalJson(parts);
}
