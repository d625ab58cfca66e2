/**
 * The folder of one run: `reports/<spec name>/<run id>/` holding the resolved spec, the plan, the
 * JSON-lines event log and the report files.
 */

import { join } from "node:path";
import type { Plan } from "../plan/graph.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

/** Plan as stored in `plan.json`: enough to find every artifact of the run again. */
export interface StoredPlan {
  cacheDir: string;
  nodes: Array<{
    id: string;
    stage: string;
    version: string;
    key: string;
    inputs: Record<string, string>;
    points: number[];
    artifactDir: string;
  }>;
}

/** Make a run id sortable by time and unique per process: `20261204-213005-4711` (UTC time, then pid). */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${Deno.pid}`;
}

/** Create the run folder and return its path. */
export async function createRunFolder(reportsRoot: string, specName: string, runId: string): Promise<string> {
  const dir = join(reportsRoot, specName, runId);
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/** Convert a plan to its stored form. */
export function storedPlan(plan: Plan, cacheDir: string, artifactDir: (key: string) => string): StoredPlan {
  return {
    cacheDir,
    nodes: plan.nodes.map((node) => ({
      id: node.id,
      stage: node.stage.name,
      version: node.stage.version,
      key: node.key,
      inputs: node.inputs,
      points: node.points,
      artifactDir: artifactDir(node.key),
    })),
  };
}

/** Write `plan.json` into a run folder. */
export function writePlan(runDir: string, plan: StoredPlan): Promise<void> {
  return writeJsonAtomic(join(runDir, "plan.json"), plan);
}
