/**
 * ifguide: influence-function-guided detoxification experiments in Deno and TensorFlow.js.
 *
 * The top-level functions cover the common path: load a spec, plan it, run it. Each stage library is
 * also exported as a namespace, so a script or notebook can call one step directly:
 *
 * ```ts
 * import { initBackend, loadSpec, buildPlan, executePlan, ArtifactStore, model, train } from "./mod.ts";
 * const { runs } = await loadSpec("experiments/quickstart.yaml");
 * const plan = await buildPlan(runs[0].spec);
 * ```
 */

export { loadSpec, SpecError, specJsonSchema, validateSpecObject } from "./lib/spec/mod.ts";
export type { ArmSpec, LoadedSpec, Spec, SpecRun } from "./lib/spec/mod.ts";
export { buildPlan } from "./lib/plan/pipeline.ts";
export { mergePlans, PlanBuilder } from "./lib/plan/graph.ts";
export type { Plan, PlanNode } from "./lib/plan/graph.ts";
export { executePlan, RunCancelledError } from "./lib/runner/execute.ts";
export type { ExecuteOptions, ExecuteResult } from "./lib/runner/execute.ts";
export { ArtifactStore } from "./lib/runner/store.ts";
export type { ArtifactCodec, StageContext, StageDefinition } from "./lib/runner/stage.ts";
export type { EventSink, RunEvent, StageEvents } from "./lib/runner/events.ts";
export { initBackend } from "./lib/backend/init.ts";

export { createModel, GPT } from "./lib/model/gpt.ts";
export { generate } from "./lib/model/generate.ts";
export { loadCheckpoint, modelFromCheckpoint, saveCheckpoint } from "./lib/model/checkpoint.ts";
export { trainModel } from "./lib/train/trainer.ts";
export { fitFactors } from "./lib/influence/fit.ts";
export { buildQueryGradient } from "./lib/influence/query.ts";
export { scoreChunks, scoreTokens } from "./lib/influence/scores.ts";
export { selectTokens } from "./lib/select/select.ts";

export * as spec from "./lib/spec/mod.ts";
export * as data from "./lib/data/mod.ts";
export * as influence from "./lib/influence/mod.ts";
export * as select from "./lib/select/mod.ts";
export * as evaluate from "./lib/evaluate/mod.ts";
export * as baselines from "./lib/baselines/mod.ts";
export * as report from "./lib/report/mod.ts";
