/**
 * The plan: a graph of stage nodes in dependency order. Each node's key is the SHA-256 of its stage
 * name and version, resolved config, seed, input keys and the fingerprints of the data files it reads.
 * A node's artifact is therefore reused exactly when none of those changed.
 */

import { hashJson } from "../util/hash.ts";
import { Rng } from "../util/rng.ts";
import type { StageDefinition } from "../runner/stage.ts";

// deno-lint-ignore no-explicit-any
export type AnyStage = StageDefinition<any, any, any>;

/** One stage invocation in a plan. */
export interface PlanNode {
  /** Readable id, unique in the plan: `stage` or `stage:variant` (e.g. `train:ifguide:s1004`). */
  id: string;
  stage: AnyStage;
  /** Resolved config slice; JSON-serialisable. */
  config: unknown;
  /** Input name -> id of the node producing it. */
  inputs: Record<string, string>;
  /** Data file name -> content hash, for stages that read files outside the store. */
  fingerprints: Record<string, string>;
  /** Seed handed to the stage. */
  seed: number;
  /** Cache key, filled by `computeKeys`. */
  key: string;
  /** Sweep points (indices) that use this node; a plain run has [0]. */
  points: number[];
}

export interface Plan {
  /** Nodes in dependency order: every node comes after its inputs. */
  nodes: PlanNode[];
}

/** Options for adding a node with `PlanBuilder.add`. */
export interface NodeOptions {
  config: unknown;
  inputs?: Record<string, string>;
  fingerprints?: Record<string, string>;
  /** Seed; defaults to one derived from the base seed and the node id. */
  seed?: number;
}

/** Builds a plan node by node, checking ids and input references. */
export class PlanBuilder {
  readonly #nodes: PlanNode[] = [];
  readonly #ids = new Set<string>();

  constructor(readonly baseSeed: number) {}

  /** Add a node and return its id. Inputs must name nodes added earlier. */
  add(id: string, stage: AnyStage, options: NodeOptions): string {
    if (this.#ids.has(id)) throw new Error(`plan already has a node '${id}'`);
    const inputs = options.inputs ?? {};
    for (const [name, source] of Object.entries(inputs)) {
      if (!this.#ids.has(source)) {
        throw new Error(`plan node '${id}' input '${name}' names '${source}', which is not in the plan yet`);
      }
    }
    this.#ids.add(id);
    this.#nodes.push({
      id,
      stage,
      config: options.config,
      inputs,
      fingerprints: options.fingerprints ?? {},
      seed: options.seed ?? Rng.derive(this.baseSeed, id).nextUint32(),
      key: "",
      points: [0],
    });
    return id;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  async build(): Promise<Plan> {
    const plan = { nodes: [...this.#nodes] };
    await computeKeys(plan);
    return plan;
  }
}

/** Fill every node's key from its stage, config, seed, input keys and fingerprints. */
export async function computeKeys(plan: Plan): Promise<void> {
  const keys = new Map<string, string>();
  for (const node of plan.nodes) {
    const inputKeys: Record<string, string> = {};
    for (const [name, source] of Object.entries(node.inputs)) {
      const key = keys.get(source);
      if (!key) {
        throw new Error(`plan node '${node.id}' depends on '${source}', which comes later or is missing`);
      }
      inputKeys[name] = key;
    }
    node.key = await hashJson({
      stage: node.stage.name,
      version: node.stage.version,
      config: node.config,
      seed: node.seed,
      inputs: inputKeys,
      fingerprints: node.fingerprints,
    });
    keys.set(node.id, node.key);
  }
}

/**
 * Merge the plans of several sweep points into one. Nodes with equal keys are shared and listed once;
 * a node id that appears with different keys gets a `@pN` suffix per point.
 */
export function mergePlans(plans: Plan[]): Plan {
  const byKey = new Map<string, PlanNode>();
  const idOwners = new Map<string, string>();
  const merged: PlanNode[] = [];
  plans.forEach((plan, point) => {
    const renamed = new Map<string, string>();
    for (const node of plan.nodes) {
      const existing = byKey.get(node.key);
      if (existing) {
        if (!existing.points.includes(point)) existing.points.push(point);
        renamed.set(node.id, existing.id);
        continue;
      }
      let id = node.id;
      if (idOwners.has(id) && idOwners.get(id) !== node.key) id = `${node.id}@p${point}`;
      idOwners.set(id, node.key);
      renamed.set(node.id, id);
      const inputs: Record<string, string> = {};
      for (const [name, source] of Object.entries(node.inputs)) inputs[name] = renamed.get(source) ?? source;
      const copy: PlanNode = { ...node, id, inputs, points: [point] };
      byKey.set(node.key, copy);
      merged.push(copy);
    }
  });
  return { nodes: merged };
}

/** Collect the nodes needed to produce the given nodes: themselves and all their ancestors. */
export function ancestorsOf(plan: Plan, ids: Iterable<string>): Set<string> {
  const byId = new Map(plan.nodes.map((node) => [node.id, node]));
  const needed = new Set<string>();
  const stack = [...ids];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    const node = byId.get(id);
    if (!node) throw new Error(`no plan node '${id}'`);
    needed.add(id);
    stack.push(...Object.values(node.inputs));
  }
  return needed;
}

/** Resolve a user selector (a stage name like `train`, or a node id) to node ids. */
export function selectNodes(plan: Plan, selector: string): string[] {
  const matches = plan.nodes.filter((node) =>
    node.id === selector || node.stage.name === selector || node.id.startsWith(`${selector}:`)
  );
  if (matches.length === 0) {
    const stages = [...new Set(plan.nodes.map((node) => node.stage.name))].join(", ");
    throw new Error(`'${selector}' matches no stage or node of the plan; stages are: ${stages}`);
  }
  return matches.map((node) => node.id);
}
