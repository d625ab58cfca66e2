import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSpec } from "../../lib/spec/mod.ts";
import { buildPlan } from "../../lib/plan/pipeline.ts";
import { mergePlans, type Plan } from "../../lib/plan/graph.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function sweepPlan(file: string): Promise<{ plan: Plan; points: number }> {
  const loaded = await loadSpec(join(ROOT, file), { projectRoot: ROOT });
  const plans = [];
  for (const run of loaded.runs) plans.push(await buildPlan(run.spec));
  return { plan: mergePlans(plans), points: loaded.runs.length };
}

Deno.test("plan lambda sweep shares upstream stages", async () => {
  const { plan, points } = await sweepPlan("experiments/sweeps/lambda.yaml");
  assert.equal(points, 3);
  for (const stage of ["corpus", "train", "factors", "scores", "selection"]) {
    const shared = plan.nodes.filter((node) => node.stage.name === stage && node.points.length === 3);
    assert.ok(shared.length >= 1, `no ${stage} node is shared by all 3 points`);
  }
  const baselines = plan.nodes.filter((node) => node.id.startsWith("train:gpt:none:"));
  assert.equal(baselines.length, 1, "the baseline must appear once");
  assert.equal(plan.nodes.filter((node) => node.stage.name === "factors").length, 1);
  assert.equal(plan.nodes.filter((node) => node.stage.name === "scores").length, 2, "differential and plain");
  const ifguide = plan.nodes.filter((node) => node.id.startsWith("train:gpt:ifguide:"));
  assert.equal(ifguide.length, 3, "one IF-Guide training per lambda");
});

Deno.test("plan keys change only downstream", async () => {
  const base = await loadSpec(join(ROOT, "experiments/pretrain.yaml"), { projectRoot: ROOT });
  const changed = await loadSpec(join(ROOT, "experiments/pretrain.yaml"), {
    projectRoot: ROOT,
    overrides: ["evaluation.samples=3"],
  });
  const a = await buildPlan(base.runs[0].spec);
  const b = await buildPlan(changed.runs[0].spec);
  const keysB = new Map(b.nodes.map((node) => [node.id, node.key]));
  for (const node of a.nodes) {
    const same = keysB.get(node.id) === node.key;
    const evaluation = node.stage.name === "generate" || node.id.startsWith("score:") ||
      node.id.startsWith("metrics:");
    assert.equal(same, !evaluation, `${node.id}: key ${same ? "kept" : "changed"}`);
  }
});

Deno.test("plan proxy scores for target", async () => {
  const { plan } = await sweepPlan("experiments/proxy.yaml");
  const factors = plan.nodes.filter((node) => node.stage.name === "factors");
  assert.equal(factors.length, 2, "one factor fit per scoring model");
  const proxyFactors = factors.find((node) => node.inputs.checkpoint.startsWith("train:proxy:"));
  assert.ok(proxyFactors, "the proxy's checkpoint feeds a factor fit");
});

Deno.test("plan paper specs compile", async () => {
  for (const name of ["pythia-160m", "pythia-410m", "pythia-1b", "llama-3.2-1b", "finetune-pythia-160m"]) {
    const loaded = await loadSpec(join(ROOT, `experiments/paper/${name}.yaml`), { projectRoot: ROOT });
    const plan = await buildPlan(loaded.runs[0].spec);
    assert.ok(plan.nodes.length > 10, name);
  }
});

Deno.test("plan oracle key ignores selection settings", async () => {
  const load = (overrides: string[]) =>
    loadSpec(join(ROOT, "experiments/pretrain.yaml"), { projectRoot: ROOT, overrides });
  const base = await buildPlan((await load([])).runs[0].spec);
  const changed = await buildPlan(
    (await load(["selection.budget_fraction=0.05", "selection.percentile=0.95", "selection.pooling=none"]))
      .runs[0]
      .spec,
  );
  const keys = new Map(changed.nodes.map((node) => [node.id, node.key]));
  const key = (id: string) => base.nodes.find((node) => node.id === id)!.key;
  // The oracle mask and standard training read no selection setting, and the IF-Guide mask reads all.
  assert.equal(keys.get("train:gpt:oracle:s1004"), key("train:gpt:oracle:s1004"));
  assert.equal(keys.get("train:gpt:none:s1004"), key("train:gpt:none:s1004"));
  assert.equal(keys.get("scores"), key("scores"));
  assert.notEqual(keys.get("selection"), key("selection"));
  assert.notEqual(keys.get("train:gpt:ifguide:s1004"), key("train:gpt:ifguide:s1004"));
});

Deno.test("plan query key reads shipped data", async () => {
  const loaded = await loadSpec(join(ROOT, "experiments/pretrain.yaml"), { projectRoot: ROOT });
  const plan = await buildPlan(loaded.runs[0].spec);
  const node = (id: string) => plan.nodes.find((entry) => entry.id === id)!;
  // The query sets come from the shipped RTP rows through the role split, as the prompt sets do.
  assert.ok(node("queries").fingerprints.shipped, "the queries key carries the shipped-data fingerprint");
  assert.equal(node("queries").fingerprints.shipped, node("prompt-sets").fingerprints.shipped);
});

Deno.test("plan readability per sampled checkpoint", async () => {
  const load = (overrides: string[]) =>
    loadSpec(join(ROOT, "experiments/pretrain.yaml"), { projectRoot: ROOT, overrides });
  const plan = await buildPlan((await load([])).runs[0].spec);
  const readability = plan.nodes.filter((node) => node.stage.name === "readability");
  // none, ifguide, dpo, filter-docs and oracle each have a checkpoint; RAD arms reuse two of them.
  assert.deepEqual(
    readability.map((node) => node.inputs.checkpoint).sort(),
    plan.nodes.filter((node) => node.id.startsWith("fluency:")).map((node) => node.inputs.checkpoint).sort(),
  );
  assert.equal(readability.length, 5);
  const off = await buildPlan((await load(["evaluation.fluency.samples.prompts=0"])).runs[0].spec);
  assert.equal(off.nodes.filter((node) => node.stage.name === "readability").length, 0);
  // The reading temperature reaches only the readability keys.
  const warmer = await buildPlan((await load(["evaluation.fluency.samples.temperature=0.9"])).runs[0].spec);
  const keys = new Map(warmer.nodes.map((node) => [node.id, node.key]));
  for (const node of plan.nodes) {
    assert.equal(keys.get(node.id) === node.key, node.stage.name !== "readability", node.id);
  }
});
