/**
 * The contract between the runner and a stage. A stage is a plain async function over typed inputs
 * plus a name, a version and a codec. It never reads or writes the cache, never prints, and checks
 * `context.signal` between batches; the runner alone keys, saves, loads and times artifacts.
 */

import type { StageEvents } from "./events.ts";

/** Services a running stage may use besides its config and inputs. */
export interface StageContext {
  /** Progress, metrics and log lines for this plan node. */
  events: StageEvents;
  /** Aborted on Ctrl-C or when the run is cancelled; check it between batches. */
  signal: AbortSignal;
  /** Seed for this node, derived from the spec seed and the node id (not the key, so a config change
   *  does not reshuffle unrelated randomness). */
  seed: number;
  /** Cache key of the artifact being produced. */
  key: string;
  /**
   * Empty folder for payload files that are too large to return in memory (streamed Arrow tables,
   * checkpoints). The runner hashes and records every file left here and moves the folder into the
   * store once `run` and the codec's `save` succeed.
   */
  outputDir: string;
  /**
   * Folder that survives a crash of this stage, for resumable state (periodic checkpoints). The runner
   * deletes it once the artifact is complete. Write into it atomically.
   */
  scratchDir: string;
  /** Backend and library versions recorded in manifests. Empty for stages that use no tensors. */
  versions: Record<string, string>;
}

/** Saves a stage output into an artifact folder and loads it back. */
export interface ArtifactCodec<T> {
  /** Write `value`'s payload files into `dir` (which may already hold files the stage streamed). */
  save(dir: string, value: T): Promise<void>;
  /** Load the value from an artifact folder written by `save`. */
  load(dir: string): Promise<T>;
}

export interface StageDefinition<Config, Inputs, Output> {
  /** Stage name as shown in plans and logs (`train`, `factors`, ...). */
  name: string;
  /** Bump when the stage's maths or artifact format changes; it is part of every key. */
  version: string;
  /** True when the stage needs the TF.js backend initialised before `run`. */
  usesBackend: boolean;
  codec: ArtifactCodec<Output>;
  run(context: StageContext, config: Config, inputs: Inputs): Promise<Output>;
}

/** Codec for outputs that are plain JSON values, stored as `value.json`. */
export function jsonCodec<T>(): ArtifactCodec<T> {
  return {
    async save(dir, value) {
      await Deno.writeTextFile(`${dir}/value.json`, JSON.stringify(value, null, 2) + "\n");
    },
    async load(dir) {
      return JSON.parse(await Deno.readTextFile(`${dir}/value.json`)) as T;
    },
  };
}
