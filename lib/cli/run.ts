/**
 * `deno task run SPEC`: load and validate a spec, compile it into a plan, run the plan against the
 * artifact store and write the report into the run folder.
 */

import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { loadSpec, SpecError } from "../spec/mod.ts";
import { buildPlan } from "../plan/pipeline.ts";
import { formatPlan } from "../plan/format.ts";
import { mergePlans, type Plan } from "../plan/graph.ts";
import { executePlan, RunCancelledError } from "../runner/execute.ts";
import { JsonLinesSink, TeeSink } from "../runner/sinks.ts";
import { ArtifactStore, processAlive } from "../runner/store.ts";
import { createRunFolder, newRunId, storedPlan, writePlan } from "../runner/run_folder.ts";
import { type RenderMode, TerminalSink } from "./render.ts";
import type { EventSink, RunEvent } from "../runner/events.ts";
import type { Spec } from "../spec/types.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { mainReportFile, writeRunReports } from "../runner/reports.ts";
import { initBackend } from "../backend/init.ts";
import { runtimeVersions } from "../runner/versions.ts";

const HELP = `usage: deno task run SPEC [options]

Compile SPEC (a YAML experiment spec) into a plan of cached stages and run it. Finished stages are
taken from the cache; an interrupted run resumes where it stopped.

options:
  --dry-run            print the plan (every stage, its key, cached or not) and exit
  --only STAGE         run only STAGE (a stage name such as 'scores' or a node id such as
                       'train:none:s1004') and what it needs; repeatable
  --force STAGE        recompute STAGE even when cached; repeatable
  --set PATH=VALUE     override a spec field, e.g. --set selection.lambda=2; repeatable
  --cache DIR          artifact store folder (default: the spec's cache_dir, .ifguide)
  --reports DIR        folder for run folders (default: reports)
  --jobs N|auto        stages run at the same time, each in its own process (default auto:
                       2 on a CPU backend with at least 2 cores, else 1); independent training
                       arms then run side by side with the BLAS threads divided between them
  --quiet              print only warnings, errors and the report path
  --json               print events as JSON lines on stdout instead of text
  -h, --help           show this help

exit codes: 0 success, 1 the run failed, 2 invalid spec or usage, 130 interrupted (Ctrl-C)`;

/** Run the `run` command; returns the exit code. */
export async function runCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "dry-run": { type: "boolean", default: false },
        only: { type: "string", multiple: true, default: [] },
        force: { type: "string", multiple: true, default: [] },
        set: { type: "string", multiple: true, default: [] },
        cache: { type: "string" },
        reports: { type: "string", default: "reports" },
        jobs: { type: "string", default: "auto" },
        child: { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`expected exactly one SPEC file, got ${positionals.length}\n\n${HELP}`);
    return 2;
  }

  let loaded;
  try {
    loaded = await loadSpec(positionals[0], { overrides: values.set });
  } catch (error) {
    if (error instanceof SpecError) {
      console.error(error.format());
      return 2;
    }
    throw error;
  }

  const spec = loaded.spec;
  const cacheDir = resolve(values.cache ?? spec.cache_dir);
  const store = new ArtifactStore(cacheDir);
  const plans: Plan[] = [];
  for (const run of loaded.runs) plans.push(await buildPlan(run.spec));
  const plan = plans.length === 1 ? plans[0] : mergePlans(plans);

  if (values["dry-run"]) {
    console.log(await formatPlan(plan, store, loaded.runs.map((run) => run.point)));
    return 0;
  }

  const jobs = values.jobs === "auto" ? automaticJobs(spec) : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    console.error(`--jobs must be 'auto' or a whole number from 1 to 64, got '${values.jobs}'`);
    return 2;
  }
  if (values.child) return await runChild(plan, store, spec, values.only, jobs);

  let mode: RenderMode = "normal";
  if (values.json) mode = "json";
  else if (values.quiet) mode = "quiet";
  const runId = newRunId();
  const runDir = await createRunFolder(values.reports, spec.name, runId);
  const eventLog = new JsonLinesSink(join(runDir, "events.jsonl"));
  const sink = new TeeSink([eventLog, new TerminalSink(mode)]);
  await writeJsonAtomic(join(runDir, "spec.resolved.json"), {
    file: loaded.file,
    files: loaded.files,
    spec,
    runs: loaded.runs,
  });
  await writePlan(runDir, storedPlan(plan, cacheDir, (key) => store.artifactDir(key)));

  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) Deno.exit(130);
    sink.emit({
      type: "warning",
      time: new Date().toISOString(),
      node: "-",
      message: "interrupted; stopping after the current batch (press Ctrl-C again to quit at once)",
    });
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);

  const started = Date.now();
  sink.emit({ type: "run-start", time: new Date().toISOString(), spec: loaded.file, run: runId });
  let code = 0;
  try {
    const result = await executePlan(plan, {
      store,
      sink,
      signal: controller.signal,
      force: values.force,
      only: values.only,
      versions: runtimeVersions(),
      initBackend: () => startBackend(spec, jobs, sink),
      jobs,
      spawn: (node, signal) =>
        spawnNode(
          node.id,
          [positionals[0], ...values.set.flatMap((set) => ["--set", set]), "--cache", cacheDir],
          jobs,
          sink,
          signal,
        ),
    });
    if (values.only.length === 0) {
      const files = await writeRunReports({
        runDir,
        plan,
        runs: loaded.runs,
        result,
        spec,
        store,
        startedAt: new Date(started).toISOString(),
      });
      if (mode !== "json") console.log(`report: ${mainReportFile(files, runDir)}`);
    }
  } catch (error) {
    code = error instanceof RunCancelledError ? 130 : 1;
    sink.emit({
      type: "error",
      time: new Date().toISOString(),
      node: "-",
      message: (error as Error).message,
    });
    if (!(error instanceof RunCancelledError) && mode !== "json") console.error((error as Error).stack);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    sink.emit({
      type: "run-end",
      time: new Date().toISOString(),
      ok: code === 0,
      seconds: (Date.now() - started) / 1000,
    });
    eventLog.close();
  }
  return code;
}

/** Milliseconds between a child process's checks that its parent still runs. */
const PARENT_CHECK_MS = 500;

/** Backends that compute on the CPU, where independent stages gain from separate processes. */
const CPU_BACKENDS = new Set(["auto", "wasm", "cpu", "tensorflow"]);

/**
 * Jobs for `--jobs auto`: two on a CPU backend with at least two cores (two single-threaded BLAS
 * processes outrun one process with two threads), one on a GPU, where processes would share one device.
 */
export function automaticJobs(spec: Spec, cores = navigator.hardwareConcurrency): number {
  return CPU_BACKENDS.has(spec.backend) && cores >= 2 ? 2 : 1;
}

/**
 * Initialise the backend for this process. With several jobs the BLAS threads are divided among
 * them, because two processes each using every core slow each other down.
 */
async function startBackend(spec: Spec, jobs: number, sink: EventSink): Promise<Record<string, string>> {
  const threads = Math.max(1, Math.floor(spec.blas.threads / jobs));
  const info = await initBackend(spec.backend, { ...spec.blas, threads });
  for (const message of info.notes) {
    sink.emit({ type: "log", time: new Date().toISOString(), node: "backend", message });
  }
  return info.versions;
}

/** Child mode: compute exactly the `--only` node ids in this process and print events as JSON lines. */
async function runChild(
  plan: Plan,
  store: ArtifactStore,
  spec: Spec,
  only: string[],
  jobs: number,
): Promise<number> {
  const sink = new TerminalSink("json");
  const controller = new AbortController();
  Deno.addSignalListener("SIGTERM", () => controller.abort());
  // A parent killed with SIGKILL cannot stop its children, so each child exits once its parent is
  // gone. Its unfinished artifact stays in tmp/ and its lock names a dead process, so a new run resumes.
  const parent = Deno.ppid;
  const watchdog = setInterval(() => {
    if (!processAlive(parent)) Deno.exit(137);
  }, PARENT_CHECK_MS);
  Deno.unrefTimer(watchdog);
  try {
    await executePlan(plan, {
      store,
      sink,
      only,
      force: only,
      exactIds: true,
      signal: controller.signal,
      versions: runtimeVersions(),
      initBackend: () => startBackend(spec, jobs, sink),
    });
    return 0;
  } catch (error) {
    sink.emit({
      type: "error",
      time: new Date().toISOString(),
      node: only.join(","),
      message: (error as Error).stack ?? String(error),
    });
    return error instanceof RunCancelledError ? 130 : 1;
  }
}

/**
 * Compute one node in a child process running `run SPEC --child --only NODE`. The node's inputs are
 * cached by then, and the child recomputes exactly that node. Its JSON events go to the parent's sink,
 * except stage start and end, which the parent emits itself.
 *
 * NOTE: each child loads the sources from disk when it starts, so editing the code during a run
 * changes the stages that have not started yet (their keys may then differ from the parent's plan).
 */
async function spawnNode(
  id: string,
  baseArgs: string[],
  jobs: number,
  sink: EventSink,
  signal: AbortSignal,
): Promise<void> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--max-old-space-size=16384",
      new URL("./main.ts", import.meta.url).pathname,
      "run",
      ...baseArgs,
      "--child",
      `--jobs=${jobs}`,
      "--only",
      id,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const onAbort = () => child.kill("SIGTERM");
  signal.addEventListener("abort", onAbort);
  let errorMessage = "";
  const forward = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        let event: RunEvent;
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.type === "stage-start" || event.type === "stage-end") continue;
        if (event.type === "error") {
          errorMessage = event.message;
          continue;
        }
        sink.emit(event);
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  const status = await child.status;
  await forward;
  signal.removeEventListener("abort", onAbort);
  if (!status.success && !signal.aborted) {
    throw new Error(
      `stage '${id}' failed in its child process: ${errorMessage || (await stderr).slice(-2000)}`,
    );
  }
}
