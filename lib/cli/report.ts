/** `deno task report RUN_DIR`: rebuild a run's report from its cached artifacts, computing nothing. */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { buildPlan } from "../plan/pipeline.ts";
import { mergePlans, type Plan } from "../plan/graph.ts";
import { ArtifactStore } from "../runner/store.ts";
import { mainReportFile, writeRunReports } from "../runner/reports.ts";
import type { StoredPlan } from "../runner/run_folder.ts";
import type { SpecRun } from "../spec/mod.ts";
import type { Spec } from "../spec/types.ts";
import { readJson } from "../util/atomic.ts";

const HELP = `usage: deno task report RUN_DIR

Rebuild report.md, report.html and results.arrow of a finished run from the artifacts in the cache,
without recomputing any stage. RUN_DIR is a folder reports/<spec>/<run id>/ written by 'deno task run'.

options:
  -h, --help   show this help

exit codes: 0 success, 1 an artifact is missing or damaged, 2 usage`;

/** Run the `report` command; returns the exit code. */
export async function reportCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`expected exactly one RUN_DIR, got ${parsed.positionals.length}\n\n${HELP}`);
    return 2;
  }
  const runDir = parsed.positionals[0];
  let resolved: { spec: Spec; runs: SpecRun[] };
  let stored: StoredPlan;
  try {
    resolved = await readJson(join(runDir, "spec.resolved.json"));
    stored = await readJson(join(runDir, "plan.json"));
  } catch (error) {
    console.error(
      `${runDir} is not a run folder: ${(error as Error).message}. ` +
        `Pass a folder reports/<spec>/<run id>/ written by 'deno task run'.`,
    );
    return 2;
  }

  const plans: Plan[] = [];
  for (const run of resolved.runs) plans.push(await buildPlan(run.spec));
  const plan = plans.length === 1 ? plans[0] : mergePlans(plans);
  const storedKeys = new Map(stored.nodes.map((node) => [node.id, node.key]));
  const changed = plan.nodes.filter((node) => storedKeys.get(node.id) !== node.key).map((node) => node.id);
  if (changed.length > 0) {
    console.error(
      `the plan of this version of ifguide differs from the run's plan at ${changed.slice(0, 5).join(", ")}` +
        `${changed.length > 5 ? ` and ${changed.length - 5} more` : ""}; ` +
        `the cached artifacts belong to another version, so run the spec again with 'deno task run'.`,
    );
    return 1;
  }

  const store = new ArtifactStore(stored.cacheDir);
  const byId = new Map(plan.nodes.map((node) => [node.id, node]));
  const missing: string[] = [];
  for (const node of plan.nodes) if (!(await store.has(node.key))) missing.push(node.id);
  if (missing.length > 0) {
    console.error(
      `${missing.length} artifacts of this run are not in the cache ${stored.cacheDir} ` +
        `(${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}); ` +
        `run the spec again with 'deno task run' to recompute them.`,
    );
    return 1;
  }
  const values = new Map<string, unknown>();
  const loader = {
    async load(id: string) {
      if (values.has(id)) return values.get(id);
      const node = byId.get(id);
      if (!node) throw new Error(`no plan node '${id}'`);
      await store.verify(node.key);
      const value = await node.stage.codec.load(store.artifactDir(node.key));
      values.set(id, value);
      return value;
    },
    manifest: (id: string) => store.readManifest(byId.get(id)!.key),
    cached: plan.nodes.map((node) => node.id),
  };
  const files = await writeRunReports({
    runDir,
    plan,
    runs: resolved.runs,
    spec: resolved.spec,
    store,
    result: loader,
  });
  console.log(`report: ${mainReportFile(files, runDir)}`);
  return 0;
}
