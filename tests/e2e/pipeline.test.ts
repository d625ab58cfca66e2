/**
 * End-to-end checks of the whole pipeline on the tiny fixture spec, through the command line as a
 * user runs it. They cover a full run and its report, and a second run that recomputes nothing. A run
 * killed with SIGKILL in the middle of training must resume to the same artifacts, and the report
 * command must rebuild the report from the cache.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { readArrow } from "../../lib/util/arrow.ts";
import { listFiles } from "../../lib/runner/store.ts";
import { sha256File } from "../../lib/util/hash.ts";
import type { RunEvent } from "../../lib/runner/events.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SPEC = join(ROOT, "tests/e2e/tiny.yaml");
const MAIN = join(ROOT, "lib/cli/main.ts");
const work = await Deno.makeTempDir({ prefix: "ifguide-e2e-" });
const cacheA = join(work, "cache-a");
const reports = join(work, "reports");

interface CliResult {
  code: number;
  events: RunEvent[];
  stderr: string;
}

/** Run the CLI with `--json` and collect its events. */
async function cli(args: string[]): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const events = text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
  return { code: output.code, events, stderr: new TextDecoder().decode(output.stderr) };
}

/** SHA-256 of every payload file of every artifact, by path relative to the store. */
async function payloadHashes(cache: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of await listFiles(join(cache, "artifacts"))) {
    if (path.endsWith("manifest.json")) continue;
    out.set(path.slice(cache.length), await sha256File(path));
  }
  return out;
}

function executedNodes(events: RunEvent[]): string[] {
  return events.flatMap((event) => event.type === "stage-end" && !event.cached ? [event.node] : []);
}

let firstRunDir = "";

Deno.test("pipeline tiny spec runs end to end", async () => {
  const result = await cli(["run", SPEC, "--cache", cacheA, "--reports", reports, "--json"]);
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  const runs = [...Deno.readDirSync(join(reports, "tiny"))].map((entry) => entry.name).sort();
  firstRunDir = join(reports, "tiny", runs[0]);

  const markdown = await Deno.readTextFile(join(firstRunDir, "report.md"));
  for (
    const heading of ["## Main results", "## Attribution quality", "## Classifier quality", "## Provenance"]
  ) {
    assert.ok(markdown.includes(heading), `report.md lacks '${heading}'`);
  }
  for (const arm of ["none", "ifguide", "oracle", "dpo", "ifguide+rad"]) {
    assert.ok(markdown.includes(`| ${arm} |`), `main table lacks arm ${arm}`);
  }
  const html = await Deno.readTextFile(join(firstRunDir, "report.html"));
  assert.ok(!/<link|<script[^>]+src=|https?:\/\//.test(html), "report.html must be self-contained");
  const results = await readArrow(join(firstRunDir, "results.arrow"));
  assert.ok(results.numRows > 0);
});

Deno.test("pipeline report numbers come from artifacts", async () => {
  // Every metric row in the report data must equal a row stored by a metrics or fluency artifact.
  const data = JSON.parse(await Deno.readTextFile(join(firstRunDir, "report-data.json")));
  const stored = new Set<string>();
  for (const path of await listFiles(join(cacheA, "artifacts"))) {
    if (!path.endsWith("metrics.json")) continue;
    for (const row of JSON.parse(await Deno.readTextFile(path))) {
      stored.add(
        `${row.promptSet}|${row.metric}|${row.attribute ?? ""}|${row.classifier ?? ""}|${row.value}`,
      );
    }
  }
  assert.ok(data.results.length > 0);
  for (const row of data.results) {
    const key = `${row.promptSet}|${row.metric}|${row.attribute ?? ""}|${row.classifier ?? ""}|${row.value}`;
    assert.ok(stored.has(key), `report value ${key} of arm ${row.arm} is in no artifact`);
  }
});

Deno.test("pipeline second run recomputes nothing", async () => {
  const before = await payloadHashes(cacheA);
  const result = await cli(["run", SPEC, "--cache", cacheA, "--reports", reports, "--json"]);
  assert.equal(result.code, 0, result.stderr.slice(-3000));
  assert.deepEqual(executedNodes(result.events), []);
  assert.ok(result.events.some((event) => event.type === "stage-end" && event.cached));
  assert.deepEqual(await payloadHashes(cacheA), before);
});

Deno.test("pipeline resumes after SIGKILL in training", async () => {
  // Start from the first run's data artifacts, so only training and later stages run again.
  const cacheB = join(work, "cache-b");
  await new Deno.Command("cp", { args: ["-r", cacheA, cacheB] }).output();
  for (const path of await listFiles(join(cacheB, "artifacts"))) {
    if (!path.endsWith("manifest.json")) continue;
    const manifest = JSON.parse(await Deno.readTextFile(path));
    if (
      !["documents", "tokenizer", "corpus", "prompt-sets", "train-classifier", "train-implicit-classifier"]
        .includes(manifest.stage)
    ) {
      await Deno.remove(join(path, ".."), { recursive: true });
    }
  }

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "run", SPEC, "--cache", cacheB, "--reports", reports, "--json"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Kill once the baseline's training has passed its first resumable checkpoint (every 8 steps).
  let killedAt = "";
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    const progress = lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as RunEvent)
      .find((event) => event.type === "progress" && event.node.startsWith("train:") && event.done >= 12);
    if (progress && progress.type === "progress") {
      killedAt = `${progress.node} step ${progress.done}`;
      child.kill("SIGKILL");
      break;
    }
  }
  const status = await child.status;
  assert.ok(killedAt !== "", "the run finished before training reached step 12");
  assert.equal(status.success, false);

  const resumed = await cli(["run", SPEC, "--cache", cacheB, "--reports", reports, "--json"]);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  assert.ok(!executedNodes(resumed.events).includes("corpus"));

  const expected = await payloadHashes(cacheA);
  const actual = await payloadHashes(cacheB);
  assert.deepEqual(
    [...actual.keys()].sort(),
    [...expected.keys()].sort(),
    `artifacts differ after kill at ${killedAt}`,
  );
  for (const [path, hash] of expected) {
    assert.equal(actual.get(path), hash, `${path} differs after kill at ${killedAt}`);
  }
});

Deno.test("pipeline report command rebuilds from cache", async () => {
  await Deno.remove(join(firstRunDir, "report.md"));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "report", firstRunDir],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const markdown = await Deno.readTextFile(join(firstRunDir, "report.md"));
  assert.ok(markdown.includes("## Main results"));
});
