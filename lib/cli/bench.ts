/**
 * `deno task bench`: throughput of each part of the stack, printed as a table and written as JSON.
 * Each group lives in `bench/` and returns plain numbers; this command only runs and records them.
 */

import { parseArgs } from "node:util";
import { runtimeVersions } from "../runner/versions.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

const HELP = `usage: deno task bench [--only GROUP ...] [--out FILE]

Measure throughput on this machine and print the median of several runs per number. Groups:
  train       training tokens/s (forward, backward, AdamW) for shapes a (width 128, 4 layers, 4 heads)
              and b (width 256, 6 layers, 8 heads), context 128, vocabulary 4096, batch 16, with and
              without BLAS, and a per-kernel profile of one step of shape a
  generate    sampling tokens/s with the key/value cache for shapes a and b
  data        tokenizer training and encoding MB/s, corpus building time
  influence   factor fitting and token scoring tokens/s for shapes a and b
  rad         reward-augmented decoding: milliseconds per token against plain sampling
  evaluate    classifier training time and scoring texts/s

options:
  --only GROUP   run only this group; repeatable (default: every group)
  --out FILE     JSON output (default: bench/results.json)
  -h, --help     show this help

Other processes on the machine change the numbers; run it on an idle machine.`;

type Numbers = Record<string, number>;

/** Keep the numeric fields of a result object (one level deep), prefixed with the group name. */
function numericFields(prefix: string, value: unknown): Numbers {
  const out: Numbers = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (typeof field === "number") out[key.startsWith(prefix) ? key : `${prefix}_${key}`] = field;
  }
  return out;
}

const GROUPS: Record<string, () => Promise<{ numbers: Numbers; details?: unknown }>> = {
  async train() {
    const module = await import("../../bench/train.ts");
    const numbers = await module.benchTrain();
    const profile = await module.profileTrainStep("a", true);
    return { numbers, details: { profile_shape_a_blas: profile.slice(0, 25) } };
  },
  async generate() {
    const module = await import("../../bench/generate.ts");
    return { numbers: await module.benchGenerate() };
  },
  async data() {
    const module = await import("../../bench/data.ts");
    return { numbers: numericFields("data", await module.benchData()) };
  },
  async influence() {
    const module = await import("../../bench/influence.ts");
    return { numbers: await module.benchInfluence() };
  },
  async rad() {
    const module = await import("../../bench/rad.ts");
    return { numbers: numericFields("rad", await module.benchRad()) };
  },
  async evaluate() {
    const module = await import("../../bench/evaluate.ts");
    return { numbers: numericFields("evaluate", await module.benchEvaluate()) };
  },
};

/** Run the `bench` command; returns the exit code. */
export async function benchCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        only: { type: "string", multiple: true, default: [] },
        out: { type: "string", default: "bench/results.json" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const groups = parsed.values.only.length > 0 ? parsed.values.only : Object.keys(GROUPS);
  const unknown = groups.filter((group) => !(group in GROUPS));
  if (unknown.length > 0) {
    console.error(
      `unknown bench group(s) ${unknown.join(", ")}; groups are: ${Object.keys(GROUPS).join(", ")}`,
    );
    return 2;
  }

  const results: Record<string, { numbers: Numbers; details?: unknown; seconds: number }> = {};
  for (const group of groups) {
    console.error(`bench ${group} ...`);
    const started = performance.now();
    const result = await GROUPS[group]();
    results[group] = { ...result, seconds: (performance.now() - started) / 1000 };
    for (const [name, value] of Object.entries(result.numbers)) {
      console.log(`${name.padEnd(48)} ${formatNumber(value)}`);
    }
  }
  const record = {
    date: new Date().toISOString(),
    machine: { os: Deno.build.os, arch: Deno.build.arch, cpus: navigator.hardwareConcurrency },
    load_average: Deno.loadavg(),
    versions: runtimeVersions(),
    results,
  };
  await writeJsonAtomic(parsed.values.out, record);
  console.error(`wrote ${parsed.values.out}`);
  return 0;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(4);
}
