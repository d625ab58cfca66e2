/** Text rendering of a plan for `run --dry-run`. */

import type { Plan } from "./graph.ts";
import type { ArtifactStore } from "../runner/store.ts";

/**
 * Render one line per node: id, stage, short key, whether its artifact is cached, and for sweeps the
 * points that share it. A header lists the sweep points.
 */
export async function formatPlan(
  plan: Plan,
  store: ArtifactStore,
  points: Array<Record<string, unknown>>,
): Promise<string> {
  const lines: string[] = [];
  if (points.length > 1) {
    lines.push(`sweep with ${points.length} points:`);
    points.forEach((point, index) => lines.push(`  p${index}: ${JSON.stringify(point)}`));
    lines.push("");
  }
  const idWidth = Math.max(4, ...plan.nodes.map((node) => node.id.length));
  const stageWidth = Math.max(5, ...plan.nodes.map((node) => node.stage.name.length));
  lines.push(`${"node".padEnd(idWidth)}  ${"stage".padEnd(stageWidth)}  key           status   points`);
  let cachedCount = 0;
  for (const node of plan.nodes) {
    const cached = await store.has(node.key);
    if (cached) cachedCount += 1;
    const shared = points.length > 1
      ? (node.points.length === points.length ? "all" : node.points.map((point) => `p${point}`).join(","))
      : "";
    lines.push(
      `${node.id.padEnd(idWidth)}  ${node.stage.name.padEnd(stageWidth)}  ${node.key.slice(0, 12)}  ` +
        `${(cached ? "cached" : "to run").padEnd(7)}  ${shared}`.trimEnd(),
    );
  }
  lines.push("");
  lines.push(`${plan.nodes.length} stages: ${cachedCount} cached, ${plan.nodes.length - cachedCount} to run`);
  return lines.join("\n");
}
