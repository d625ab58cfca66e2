import assert from "node:assert/strict";
import { join } from "node:path";
import { executePlan, RunCancelledError } from "../../lib/runner/execute.ts";
import { silentSink } from "../../lib/runner/events.ts";
import { MemorySink } from "../../lib/runner/sinks.ts";
import { ArtifactStore, listFiles } from "../../lib/runner/store.ts";
import { sha256File } from "../../lib/util/hash.ts";
import { toyPlan } from "./fixtures/toy_stages.ts";

const N = 6;
const EXPECTED_SUM = 91; // 1 + 4 + 9 + 16 + 25 + 36

async function payloadHashes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await listFiles(join(root, "artifacts"))) {
    if (path.endsWith("manifest.json")) continue;
    out[path.slice(root.length)] = await sha256File(path);
  }
  return out;
}

Deno.test("executePlan second run is all cached", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const first = await executePlan(await toyPlan(N), { store, sink: silentSink });
  assert.deepEqual(first.executed, ["source", "accumulate", "sum"]);
  assert.equal(await first.load("sum"), EXPECTED_SUM);
  const hashesBefore = await payloadHashes(root);

  const second = await executePlan(await toyPlan(N), { store, sink: silentSink });
  assert.deepEqual(second.executed, []);
  assert.deepEqual(second.cached, ["source", "accumulate", "sum"]);
  assert.equal(await second.load("sum"), EXPECTED_SUM);
  assert.deepEqual(await payloadHashes(root), hashesBefore);
});

Deno.test("executePlan config change reruns dependants", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  await executePlan(await toyPlan(N), { store, sink: silentSink });
  const changed = await executePlan(await toyPlan(N + 1), { store, sink: silentSink });
  assert.deepEqual(changed.executed, ["source", "accumulate", "sum"]);
  assert.equal(await changed.load("sum"), EXPECTED_SUM + 49);
});

Deno.test("executePlan force and only", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const partial = await executePlan(await toyPlan(N), { store, sink: silentSink, only: ["accumulate"] });
  assert.deepEqual(partial.executed, ["source", "accumulate"]);
  const forced = await executePlan(await toyPlan(N), { store, sink: silentSink, force: ["accumulate"] });
  assert.deepEqual(forced.executed, ["accumulate", "sum"]);
  assert.deepEqual(forced.cached, ["source"]);
  await assert.rejects(
    async () => executePlan(await toyPlan(N), { store, sink: silentSink, only: ["nosuchstage"] }),
    /matches no stage/,
  );
});

Deno.test("executePlan cancel keeps nothing half-written", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const controller = new AbortController();
  const sink = new MemorySink();
  const cancelling = {
    emit(event: Parameters<typeof sink.emit>[0]) {
      sink.emit(event);
      if (event.type === "progress" && event.done === 2) controller.abort();
    },
  };
  Deno.env.set("TOY_DELAY_MS", "5");
  try {
    await assert.rejects(
      async () => executePlan(await toyPlan(N), { store, sink: cancelling, signal: controller.signal }),
      RunCancelledError,
    );
  } finally {
    Deno.env.delete("TOY_DELAY_MS");
  }
  const plan = await toyPlan(N);
  const accumulate = plan.nodes.find((node) => node.id === "accumulate")!;
  assert.equal(await store.has(accumulate.key), false);
  const resumed = await executePlan(plan, { store, sink });
  assert.deepEqual(resumed.executed, ["accumulate", "sum"]);
  assert.equal(await resumed.load("sum"), EXPECTED_SUM);
  assert.ok(sink.events.some((event) => event.type === "log" && event.message === "resuming at step 2"));
});

Deno.test("executePlan resumes after SIGKILL", async () => {
  const script = new URL("./fixtures/toy_run.ts", import.meta.url).pathname;
  const killedRoot = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, killedRoot, String(N)],
    env: { TOY_DELAY_MS: "400" },
    stdout: "null",
    stderr: "null",
  }).spawn();

  // Wait until the accumulate stage has checkpointed at least one step, then kill the process.
  const events = join(killedRoot, "events.jsonl");
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(events).catch(() => "");
    if (text.includes('"type":"progress"')) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.success, false);

  const resumed = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, killedRoot, String(N)],
    stdout: "piped",
    stderr: "inherit",
  });
  const output = JSON.parse(new TextDecoder().decode((await resumed.output()).stdout));
  assert.equal(output.sum, EXPECTED_SUM);
  assert.ok(!output.executed.includes("source"), "the finished source stage must come from the cache");
  assert.ok((await Deno.readTextFile(events)).includes("resuming at step"));

  const cleanRoot = await Deno.makeTempDir();
  await executePlan(await toyPlan(N), { store: new ArtifactStore(cleanRoot), sink: silentSink });
  const killedHashes = Object.values(await payloadHashes(killedRoot)).sort();
  const cleanHashes = Object.values(await payloadHashes(cleanRoot)).sort();
  assert.deepEqual(killedHashes, cleanHashes);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(join(killedRoot, "tmp"))), []);
});
