/**
 * Model checkpoints: the config, named float32 parameters, the training step and metrics. On disk a
 * checkpoint is `params.bin` (every parameter's float32 values, little-endian, in `tensors` order)
 * and `checkpoint.json` (everything else plus the byte offset of each tensor). Both are written
 * atomically, the JSON last, so a crash leaves either the old checkpoint or the new one.
 */

import type { ArtifactCodec } from "../runner/stage.ts";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic.ts";
import { GPT } from "./gpt.ts";
import type { ModelConfig } from "./types.ts";

/** One named parameter's values, row-major. */
export interface ParamArray {
  shape: number[];
  values: Float32Array;
}

/** One point of a training curve. */
export interface TrainingRecord {
  step: number;
  trainLoss?: number;
  valLoss?: number;
  lr?: number;
}

/** A saved model. */
export interface Checkpoint {
  config: ModelConfig;
  params: Record<string, ParamArray>;
  /** Optimizer steps behind these parameters. */
  step: number;
  /** Summary numbers (best validation loss, final training loss, tokens seen); wall time is in the artifact manifest, so identical runs give identical bytes. */
  metrics: Record<string, number>;
  /** Training curve up to `step`. */
  history: TrainingRecord[];
}

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = { json: "checkpoint.json", params: "params.bin" } as const;

interface CheckpointIndex {
  format: "ifguide-checkpoint-1";
  config: ModelConfig;
  step: number;
  metrics: Record<string, number>;
  history: TrainingRecord[];
  tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
  bytes: number;
}

/** Build a checkpoint from a live model. */
export async function checkpointFromModel(
  model: GPT,
  step: number,
  metrics: Record<string, number> = {},
  history: TrainingRecord[] = [],
): Promise<Checkpoint> {
  const params: Record<string, ParamArray> = {};
  for (const [name, variable] of model.params) {
    params[name] = { shape: [...variable.shape], values: (await variable.data()) as Float32Array };
  }
  return { config: { ...model.config }, params, step, metrics: { ...metrics }, history: [...history] };
}

/** Build a model holding a checkpoint's parameters. */
export function modelFromCheckpoint(checkpoint: Checkpoint): GPT {
  const values = new Map<string, Float32Array>();
  for (const [name, param] of Object.entries(checkpoint.params)) values.set(name, param.values);
  return new GPT(checkpoint.config, values);
}

/** Write a checkpoint into `dir` (created when missing). */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const names = Object.keys(checkpoint.params);
  const total = names.reduce((sum, name) => sum + checkpoint.params[name].values.length, 0);
  const bytes = new Uint8Array(total * 4);
  const floats = new Float32Array(bytes.buffer);
  const tensors: CheckpointIndex["tensors"] = [];
  let offset = 0;
  for (const name of names) {
    const { shape, values } = checkpoint.params[name];
    floats.set(values, offset);
    tensors.push({ name, shape, offset: offset * 4, length: values.length });
    offset += values.length;
  }
  const index: CheckpointIndex = {
    format: "ifguide-checkpoint-1",
    config: checkpoint.config,
    step: checkpoint.step,
    metrics: checkpoint.metrics,
    history: checkpoint.history,
    tensors,
    bytes: bytes.length,
  };
  await writeFileAtomic(`${dir}/${CHECKPOINT_FILES.params}`, bytes);
  await writeJsonAtomic(`${dir}/${CHECKPOINT_FILES.json}`, index);
}

/** Read a checkpoint written by `saveCheckpoint`. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const jsonPath = `${dir}/${CHECKPOINT_FILES.json}`;
  const index = JSON.parse(await Deno.readTextFile(jsonPath)) as CheckpointIndex;
  if (index.format !== "ifguide-checkpoint-1") {
    throw new Error(
      `${jsonPath} has format '${index.format}', expected 'ifguide-checkpoint-1'; re-create the checkpoint.`,
    );
  }
  const binPath = `${dir}/${CHECKPOINT_FILES.params}`;
  const bytes = await Deno.readFile(binPath);
  if (bytes.length !== index.bytes) {
    throw new Error(
      `${binPath} has ${bytes.length} bytes, but ${jsonPath} expects ${index.bytes}; the checkpoint is damaged, delete it and rerun.`,
    );
  }
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const params: Record<string, ParamArray> = {};
  for (const t of index.tensors) {
    params[t.name] = { shape: t.shape, values: floats.slice(t.offset / 4, t.offset / 4 + t.length) };
  }
  return {
    config: index.config,
    params,
    step: index.step,
    metrics: index.metrics,
    history: index.history ?? [],
  };
}

/** Stage codec for checkpoints. */
export const checkpointCodec: ArtifactCodec<Checkpoint> = {
  save: (dir, value) => saveCheckpoint(dir, value),
  load: (dir) => loadCheckpoint(dir),
};
