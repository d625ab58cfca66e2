/**
 * Walks a plan: loads cached artifacts, runs the stages whose artifacts are missing, and stores their
 * outputs atomically. This is the only code that touches the artifact store during a run.
 */

import { ancestorsOf, type Plan, type PlanNode, selectNodes } from "../plan/graph.ts";
import type { EventSink } from "./events.ts";
import { stageEvents } from "./events.ts";
import type { StageContext } from "./stage.ts";
import type { ArtifactStore, Manifest } from "./store.ts";

export interface ExecuteOptions {
  store: ArtifactStore;
  sink: EventSink;
  /** Aborts the running stage between batches; the run then stops with `RunCancelledError`. */
  signal?: AbortSignal;
  /** Stage names or node ids to recompute even when cached. */
  force?: string[];
  /** Stage names or node ids to produce; only they and their ancestors run. Default: every node. */
  only?: string[];
  /** Treat `only` and `force` as exact node ids, not stage names (child processes use this). */
  exactIds?: boolean;
  /**
   * Initialises the tensor backend before the first stage that uses it and returns the versions
   * recorded in manifests (backend name, TF.js, BLAS).
   */
  initBackend?: () => Promise<Record<string, string>>;
  /** Versions recorded for every stage (Deno, ifguide). */
  versions?: Record<string, string>;
  /**
   * Nodes run at the same time (default 1). Above 1, every node to compute runs through `spawn`
   * (a child process that writes the artifact into the same store), as soon as its inputs exist.
   */
  jobs?: number;
  /** Computes one node out of process; required when `jobs` > 1. */
  spawn?: (node: PlanNode, signal: AbortSignal) => Promise<void>;
}

/** Outcome of one plan execution. */
export interface ExecuteResult {
  /** Node ids whose stage ran. */
  executed: string[];
  /** Node ids taken from the cache. */
  cached: string[];
  /** Seconds spent per executed node. */
  seconds: Record<string, number>;
  /** Load (or return the in-memory) output of a node. */
  load(id: string): Promise<unknown>;
  /** Manifest of a node's artifact. */
  manifest(id: string): Promise<Manifest>;
}

/** Raised when a run is interrupted through its abort signal. */
export class RunCancelledError extends Error {
  constructor(readonly node: string) {
    super(`run cancelled during stage '${node}'; finished artifacts are kept and the next run resumes`);
    this.name = "RunCancelledError";
  }
}

/** Run a plan. Nodes already in the store are loaded lazily, only when a later stage needs them. */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ExecuteResult> {
  const { store, sink } = options;
  const byId = new Map(plan.nodes.map((node) => [node.id, node]));
  const resolve = (selector: string) => options.exactIds ? [selector] : selectNodes(plan, selector);
  const forced = new Set((options.force ?? []).flatMap(resolve));
  const wanted = options.only?.length
    ? ancestorsOf(plan, options.only.flatMap(resolve))
    : new Set(plan.nodes.map((node) => node.id));

  const outputs = new Map<string, unknown>();
  const executed: string[] = [];
  const cached: string[] = [];
  const seconds: Record<string, number> = {};
  let backendVersions: Record<string, string> | null = null;

  await store.cleanStaleTemp();

  const load = async (id: string): Promise<unknown> => {
    if (outputs.has(id)) return outputs.get(id);
    const node = byId.get(id);
    if (!node) throw new Error(`no plan node '${id}'`);
    await store.verify(node.key);
    const value = await node.stage.codec.load(store.artifactDir(node.key));
    outputs.set(id, value);
    return value;
  };

  const now = () => new Date().toISOString();
  const toRun: PlanNode[] = [];
  for (const node of plan.nodes) {
    if (!wanted.has(node.id)) continue;
    if (!forced.has(node.id) && await store.has(node.key)) {
      sink.emit({
        type: "stage-start",
        time: now(),
        stage: node.stage.name,
        node: node.id,
        key: node.key,
        cached: true,
      });
      sink.emit({
        type: "stage-end",
        time: now(),
        stage: node.stage.name,
        node: node.id,
        key: node.key,
        seconds: 0,
        cached: true,
      });
      cached.push(node.id);
    } else {
      toRun.push(node);
    }
  }

  const runOne = async (node: PlanNode, inProcess: boolean): Promise<void> => {
    sink.emit({
      type: "stage-start",
      time: now(),
      stage: node.stage.name,
      node: node.id,
      key: node.key,
      cached: false,
    });
    const started = Date.now();
    if (inProcess) {
      const inputs: Record<string, unknown> = {};
      for (const [name, source] of Object.entries(node.inputs)) inputs[name] = await load(source);
      if (node.stage.usesBackend && backendVersions === null) {
        backendVersions = options.initBackend ? await options.initBackend() : {};
      }
      const inputKeys = Object.fromEntries(
        Object.entries(node.inputs).map(([name, source]) => [name, byId.get(source)!.key]),
      );
      outputs.set(node.id, await runNode(node, inputs, inputKeys, options, backendVersions ?? {}));
    } else {
      await options.spawn!(node, options.signal ?? new AbortController().signal);
      if (options.signal?.aborted) throw new RunCancelledError(node.id);
      if (!(await store.has(node.key))) {
        throw new Error(`stage '${node.id}' finished in a child process without writing its artifact`);
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    seconds[node.id] = elapsed;
    executed.push(node.id);
    sink.emit({
      type: "stage-end",
      time: now(),
      stage: node.stage.name,
      node: node.id,
      key: node.key,
      seconds: elapsed,
      cached: false,
    });
  };

  const jobs = Math.max(1, options.jobs ?? 1);
  if (jobs === 1 || !options.spawn) {
    for (const node of toRun) await runOne(node, true);
  } else {
    await runConcurrently(toRun, jobs, (node) => runOne(node, false));
  }

  return {
    executed,
    cached,
    seconds,
    load,
    manifest: (id) => store.readManifest(byId.get(id)!.key),
  };
}

async function runNode(
  node: PlanNode,
  inputs: Record<string, unknown>,
  inputKeys: Record<string, string>,
  options: ExecuteOptions,
  backendVersions: Record<string, string>,
): Promise<unknown> {
  const { store, sink } = options;
  const signal = options.signal ?? new AbortController().signal;
  const pending = await store.begin(node.key);
  const versions = { ...(options.versions ?? {}), ...(node.stage.usesBackend ? backendVersions : {}) };
  const context: StageContext = {
    events: stageEvents(sink, node.id),
    signal,
    seed: node.seed,
    key: node.key,
    outputDir: pending.outputDir,
    scratchDir: pending.scratchDir,
    versions,
  };
  const started = new Date();
  try {
    const output = await node.stage.run(context, node.config, inputs);
    if (signal.aborted) throw new RunCancelledError(node.id);
    await node.stage.codec.save(pending.outputDir, output);
    const finished = new Date();
    await store.commit(pending, {
      stage: node.stage.name,
      version: node.stage.version,
      node: node.id,
      config: node.config,
      inputs: inputKeys,
      fingerprints: node.fingerprints,
      seed: node.seed,
      versions,
      started: started.toISOString(),
      finished: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
    });
    // Later stages get the stored artifact, not the in-memory value. File paths inside the value then
    // point into the store, and a fresh run reads exactly what a resumed run would load.
    return await node.stage.codec.load(store.artifactDir(node.key));
  } catch (error) {
    await store.abort(pending);
    if (signal.aborted && !(error instanceof RunCancelledError)) throw new RunCancelledError(node.id);
    throw error;
  }
}

/**
 * Run nodes with at most `jobs` at a time, each as soon as the nodes it depends on (among `nodes`)
 * are done. The first failure stops new starts and is rethrown once running nodes finish.
 */
async function runConcurrently(
  nodes: PlanNode[],
  jobs: number,
  run: (node: PlanNode) => Promise<void>,
): Promise<void> {
  const pending = new Set(nodes.map((node) => node.id));
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: unknown = null;
  const ready = (node: PlanNode) =>
    Object.values(node.inputs).every((id) => !pending.has(id) || done.has(id));

  while ((pending.size > done.size || running.size > 0)) {
    if (failure === null) {
      for (const node of nodes) {
        if (running.size >= jobs) break;
        if (done.has(node.id) || running.has(node.id) || !ready(node)) continue;
        running.set(
          node.id,
          run(node).then(
            () => {
              done.add(node.id);
            },
            (error) => {
              failure ??= error;
              done.add(node.id);
            },
          ).finally(() => running.delete(node.id)),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure !== null) throw failure;
}
