import assert from "assert";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { validateSpecObject } from "../../lib/spec/mod.ts";
import { buildPlan } from "../../lib/plan/pipeline.ts";
import { RTP_FILE_FINGERPRINT } from "../../lib/data/mod.ts";
import { RTP_JSONL } from "./rtp_helpers.ts";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function planKeys(rtpPath: string | undefined, root: string): Promise<Map<string, string>> {
  const spec = validateSpecObject(
    {
      name: "rtp-plan",
      data: {
        sources: [{ dataset: "nlp_corpus", label: "benign" }, { dataset: "rtp", label: "toxic" }],
        roots: [root],
        ...(rtpPath ? { rtp: { path: rtpPath } } : {}),
      },
      models: { target: { preset: "cpu-1m" }, proxy: { preset: "cpu-0.3m" } },
      arms: ["none", "ifguide"],
    },
    "inline",
    { projectRoot: PROJECT_ROOT },
  );
  const plan = await buildPlan(spec);
  return new Map(plan.nodes.map((node) => [node.id, node.key]));
}

Deno.test("plan keys follow the rtp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-rtp-plan-" });
  const path = `${dir}/prompts.jsonl`;
  await Deno.copyFile(RTP_JSONL, path);
  const shipped = await planKeys(undefined, dir);
  const before = await planKeys(path, dir);
  await Deno.writeTextFile(
    path,
    '{"prompt": {"text": "One more row", "toxicity": 0.2}, "continuation": null}\n',
    {
      append: true,
    },
  );
  const after = await planKeys(path, dir);

  for (const id of ["queries", "prompt-sets"]) {
    assert.notEqual(before.get(id), shipped.get(id), `${id}: naming the file changes the key`);
    assert.notEqual(after.get(id), before.get(id), `${id}: editing the file changes the key`);
  }
  for (const id of ["documents", "tokenizer", "corpus", "classifier:explicit"]) {
    assert.equal(before.get(id), shipped.get(id), `${id} does not read the file`);
    assert.equal(after.get(id), before.get(id), `${id} does not read the file`);
  }
  // Downstream of the queries, the query gradient follows them.
  const gradient = [...after.keys()].find((id) => id.startsWith("query-gradient"));
  assert.ok(gradient, "the plan has a query-gradient node");
  assert.notEqual(after.get(gradient), before.get(gradient));
  assert.equal(RTP_FILE_FINGERPRINT, "rtp-file");
});

Deno.test("plan with a missing rtp file compiles", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-rtp-plan-" });
  const keys = await planKeys(`${dir}/absent.jsonl`, dir);
  assert.ok(
    keys.has("queries") && keys.has("prompt-sets"),
    "a dry run can show the plan before the file exists",
  );
});
