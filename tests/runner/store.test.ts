import assert from "node:assert/strict";
import { join } from "node:path";
import { ArtifactCorruptError, ArtifactLockedError, ArtifactStore } from "../../lib/runner/store.ts";

const FIELDS = {
  stage: "toy",
  version: "1",
  node: "toy",
  config: {},
  inputs: {},
  fingerprints: {},
  seed: 1,
  versions: {},
  started: "",
  finished: "",
  seconds: 0,
};

Deno.test("store commit makes artifact visible", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const pending = await store.begin("abc123");
  assert.equal(await store.has("abc123"), false);
  await Deno.writeTextFile(join(pending.outputDir, "payload.txt"), "hello");
  const manifest = await store.commit(pending, FIELDS);
  assert.equal(await store.has("abc123"), true);
  assert.equal(manifest.files.length, 1);
  assert.equal(manifest.files[0].bytes, 5);
  await store.verify("abc123");
});

Deno.test("store abort leaves nothing", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const pending = await store.begin("k1");
  await Deno.writeTextFile(join(pending.outputDir, "half.txt"), "half");
  await store.abort(pending);
  assert.equal(await store.has("k1"), false);
  const again = await store.begin("k1");
  await store.abort(again);
});

Deno.test("store verify detects damage", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  const pending = await store.begin("k2");
  await Deno.writeTextFile(join(pending.outputDir, "a.txt"), "abcd");
  await store.commit(pending, FIELDS);
  await Deno.writeTextFile(join(store.artifactDir("k2"), "a.txt"), "abce");
  await assert.rejects(() => store.verify("k2"), ArtifactCorruptError);
  await Deno.writeTextFile(join(store.artifactDir("k2"), "a.txt"), "abc");
  await assert.rejects(() => store.verify("k2", true), /has 3 bytes, expected 4/);
});

Deno.test("store lock rejects live owner", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root, 300);
  await Deno.mkdir(join(root, "locks"), { recursive: true });
  // PID 1 always exists on Linux, so its lock counts as live.
  await Deno.writeTextFile(join(root, "locks", "k3.lock"), "1\n");
  await assert.rejects(() => store.begin("k3"), ArtifactLockedError);
});

Deno.test("store lock takes over dead owner", async () => {
  const root = await Deno.makeTempDir();
  const store = new ArtifactStore(root);
  await Deno.mkdir(join(root, "locks"), { recursive: true });
  const child = new Deno.Command("true").spawn();
  const { success } = await child.status;
  assert.ok(success);
  await Deno.writeTextFile(join(root, "locks", "k4.lock"), `${child.pid}\n`);
  const pending = await store.begin("k4");
  await store.abort(pending);
});
