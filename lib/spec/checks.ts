/**
 * Cross-field checks that the per-field schema cannot express: model shapes against the data and the
 * tokenizer, references between sections, arm dependencies, budgets, split sums and path containment.
 * Each check skips values that schema validation already rejected.
 */

import { suggestionHint } from "./errors.ts";
import { escapeReason } from "./path_safety.ts";
import { PRESETS } from "./presets.ts";
import { isMapping } from "./positions.ts";
import { tokenizerVocabSize } from "./resolve.ts";
import type { Reporter } from "./validate.ts";

/** Tolerance on the sum of the split fractions. */
const SPLIT_SUM_TOLERANCE = 1e-9;
/** Arm kinds that start from (or decode with) the plain `none` baseline. */
const NEEDS_BASELINE = new Set(["ifguide-finetune", "dpo", "rad"]);

/** System directories a native BLAS library may be loaded from, besides the project and data roots. */
const SYSTEM_LIBRARY_DIRS = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/opt"];
/** File names of shared libraries: `.so` with optional version suffixes, `.dylib` or `.dll`. */
const SHARED_LIBRARY_NAME = /\.(so(\.\d+)*|dylib|dll)$/;

/** Where path fields are resolved from: the project root, which `data.roots` are also relative to. */
export interface CheckContext {
  projectRoot: string;
}

type Mapping = Record<string, unknown>;

const mappingOr = (value: unknown): Mapping => (isMapping(value) ? value : {});
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/** Run every cross-field check on a filled spec value. */
export function checkCrossFields(spec: Mapping, context: CheckContext, report: Reporter): void {
  checkModels(spec, report);
  checkArms(spec, report);
  checkData(spec, report);
  checkBudget(spec, report);
  checkQueries(spec, report);
  checkEvaluation(spec, report);
  checkPaths(spec, context, report);
}

function checkModels(spec: Mapping, report: Reporter): void {
  const models = mappingOr(spec.models);
  const data = mappingOr(spec.data);
  const influence = mappingOr(spec.influence);
  const blockSize = num(data.block_size);
  const vocab = tokenizerVocabSize(spec.tokenizer);
  const proxyName = typeof influence.model === "string" ? influence.model : undefined;

  for (const [name, raw] of Object.entries(models)) {
    const model = mappingOr(raw);
    const path = ["models", name];
    const context = num(model.context);
    if (context !== undefined && blockSize !== undefined && context < blockSize) {
      report(
        [...path, "context"],
        `context ${context} is shorter than data.block_size ${blockSize}`,
        `set models.${name}.context to at least ${blockSize}, or lower data.block_size`,
      );
    }
    const width = num(model.d_model);
    const heads = num(model.n_heads);
    if (width !== undefined && heads !== undefined && width % heads !== 0) {
      report(
        [...path, "n_heads"],
        `d_model ${width} is not divisible by n_heads ${heads}`,
        `choose n_heads among the divisors of ${width}`,
      );
    } else if (
      width !== undefined && heads !== undefined && model.positions === "rotary" && (width / heads) % 2 !== 0
    ) {
      report(
        [...path, "positions"],
        `rotary positions need an even head width, got d_model / n_heads = ${width / heads}`,
        "change d_model or n_heads, or use learned positions",
      );
    }
    const modelVocab = num(model.vocab_size);
    if (modelVocab !== undefined && vocab !== undefined && modelVocab !== vocab) {
      const message = name === proxyName
        ? `proxy/target mismatch: the influence model "${name}" has vocab_size ${modelVocab} but the tokenizer (shared with the target) has ${vocab}`
        : `vocab_size ${modelVocab} differs from the tokenizer's ${vocab}`;
      report(
        [...path, "vocab_size"],
        message,
        "remove vocab_size (the tokenizer sets it) or make it equal to the tokenizer's",
      );
    }
  }

  if (proxyName !== undefined && Object.keys(models).length > 0 && !Object.hasOwn(models, proxyName)) {
    report(
      ["influence", "model"],
      `model "${proxyName}" is not declared in models`,
      suggestionHint(proxyName, Object.keys(models), "models"),
    );
  }
}

function checkArms(spec: Mapping, report: Reporter): void {
  if (!Array.isArray(spec.arms)) return;
  const models = Object.keys(mappingOr(spec.models));
  const seen = new Map<string, number>();
  const kinds = new Set<string>();

  spec.arms.forEach((raw, index) => {
    const arm = mappingOr(raw);
    if (typeof arm.kind === "string") kinds.add(arm.kind);
    if (typeof arm.name === "string") {
      const first = seen.get(arm.name);
      if (first !== undefined) {
        report(
          ["arms", index, "name"],
          `duplicate arm name "${arm.name}" (also arms.${first})`,
          "give each arm a unique name, e.g. `name: ifguide-lambda2`",
        );
      } else seen.set(arm.name, index);
    }
    if (typeof arm.model === "string" && models.length > 0 && !models.includes(arm.model)) {
      report(
        ["arms", index, "model"],
        `model "${arm.model}" is not declared in models`,
        suggestionHint(arm.model, models, "models"),
      );
    }
    if (typeof arm.kind === "string" && arm.kind.includes("rad") && arm.decoding === "sample") {
      report(
        ["arms", index, "decoding"],
        `arm kind "${arm.kind}" decodes with rad, got decoding "sample"`,
        "remove decoding or set it to rad",
      );
    }
  });

  if (kinds.has("none")) return;
  spec.arms.forEach((raw, index) => {
    const kind = mappingOr(raw).kind;
    if (typeof kind === "string" && NEEDS_BASELINE.has(kind)) {
      report(
        ["arms", index],
        `arm kind "${kind}" starts from the baseline, but no "none" arm is declared`,
        "add `- none` to arms",
      );
    }
  });
}

function checkData(spec: Mapping, report: Reporter): void {
  const data = mappingOr(spec.data);
  const splits = mappingOr(data.splits);
  const parts = [num(splits.train), num(splits.validation), num(splits.test)];
  if (parts.every((part) => part !== undefined)) {
    // Rounded so that float noise such as 0.9000000000000001 does not show up in the message.
    const sum = Number(parts.reduce((a, b) => a! + b!, 0)!.toPrecision(12));
    if (Math.abs(sum - 1) > SPLIT_SUM_TOLERANCE) {
      report(
        ["data", "splits"],
        `split fractions sum to ${sum}, not 1`,
        "make train + validation + test equal 1, e.g. 0.95 / 0.025 / 0.025",
      );
    }
  }

  const seeds = Array.isArray(spec.seeds) ? spec.seeds : [];
  seeds.forEach((seed, index) => {
    if (seeds.indexOf(seed) < index) {
      report(["seeds", index], `duplicate seed ${seed}`, "list each training seed once");
    }
  });

  if (!Array.isArray(data.sources)) return;
  const names = new Map<string, number>();
  let toxic = 0;
  let benign = 0;
  data.sources.forEach((raw, index) => {
    const source = mappingOr(raw);
    const path = ["data", "sources", index];
    if (source.label === "toxic") toxic++;
    if (source.label === "benign") benign++;
    if (source.dataset === "file" && source.path === undefined) {
      report(
        path,
        'source with dataset "file" has no path',
        "add `path:` naming a JSONL, text, CSV, Arrow or Parquet file",
      );
    }
    if (source.dataset !== "file" && source.dataset !== undefined && source.path !== undefined) {
      report(
        [...path, "path"],
        `path is only read when dataset is "file", got dataset "${source.dataset}"`,
        "set `dataset: file`, or remove path",
      );
    }
    if (typeof source.name === "string") {
      const first = names.get(source.name);
      if (first !== undefined) {
        report(
          [...path, "name"],
          `duplicate source name "${source.name}" (also data.sources.${first})`,
          "give each source a unique name",
        );
      } else names.set(source.name, index);
    }
  });
  const share = num(data.toxic_share);
  if (share !== undefined && share > 0 && toxic === 0 && data.sources.length > 0) {
    report(
      ["data", "toxic_share"],
      `toxic_share is ${share} but no source has label "toxic"`,
      "add a toxic source or set toxic_share to 0",
    );
  }
  if (benign === 0 && data.sources.length > 0) {
    report(
      ["data", "sources"],
      'no source has label "benign"',
      "add at least one benign source; the corpus cannot be all toxic",
    );
  }
}

function checkBudget(spec: Mapping, report: Reporter): void {
  const data = mappingOr(spec.data);
  const budget = num(mappingOr(spec.selection).budget_tokens);
  const maxTokens = num(data.max_tokens);
  const train = num(mappingOr(data.splits).train);
  if (budget === undefined || maxTokens === undefined || train === undefined || budget === 0) return;
  const available = Math.floor(maxTokens * train);
  if (budget > available) {
    report(
      ["selection", "budget_tokens"],
      `budget_tokens ${budget} exceeds the ${available} training tokens (data.max_tokens x splits.train)`,
      `use at most ${available}, or set budget_fraction instead`,
    );
  }
}

function checkQueries(spec: Mapping, report: Reporter): void {
  const queries = mappingOr(mappingOr(spec.influence).queries);
  const toxicMin = num(queries.toxic_min);
  const nontoxicMax = num(queries.nontoxic_max);
  if (toxicMin !== undefined && nontoxicMax !== undefined && nontoxicMax > toxicMin) {
    report(
      ["influence", "queries", "nontoxic_max"],
      `nontoxic_max ${nontoxicMax} is above toxic_min ${toxicMin}, so one query could be in both sets`,
      "use nontoxic_max <= toxic_min",
    );
  }
}

function checkEvaluation(spec: Mapping, report: Reporter): void {
  const prompts = mappingOr(mappingOr(spec.evaluation).prompts);
  const sizes = Object.values(prompts).filter((value) => typeof value === "number");
  if (sizes.length > 0 && sizes.every((size) => size === 0)) {
    report(
      ["evaluation", "prompts"],
      "every prompt set has size 0, so nothing would be evaluated",
      "give at least one prompt set a positive size",
    );
  }
  // Every continuation must fit the context of every model that generates it.
  let smallest: { name: string; context: number } | undefined;
  for (const [name, raw] of Object.entries(mappingOr(spec.models))) {
    const model = mappingOr(raw);
    const preset = typeof model.preset === "string" ? PRESETS[model.preset] : undefined;
    const context = num(model.context) ?? preset?.context;
    if (context !== undefined && (smallest === undefined || context < smallest.context)) {
      smallest = { name, context };
    }
  }
  if (smallest === undefined) return;
  const evaluation = mappingOr(spec.evaluation);
  const lengths: Array<[string[], number | undefined]> = [
    [["evaluation", "max_new_tokens"], num(evaluation.max_new_tokens)],
    [
      ["evaluation", "fluency", "samples", "max_new_tokens"],
      num(mappingOr(mappingOr(evaluation.fluency).samples).max_new_tokens),
    ],
  ];
  for (const [path, length] of lengths) {
    if (length === undefined || length < smallest.context) continue;
    report(
      path,
      `${length} new tokens do not fit the ${smallest.context}-token context of models.${smallest.name}`,
      `set ${path.join(".")} below ${smallest.context}`,
    );
  }
}

function checkPaths(spec: Mapping, context: CheckContext, report: Reporter): void {
  const data = mappingOr(spec.data);
  const roots = Array.isArray(data.roots) ? data.roots.filter((root) => typeof root === "string") : [];
  const hint = "keep paths inside the project, or declare the directory under data.roots";
  if (typeof spec.cache_dir === "string") {
    const reason = escapeReason(spec.cache_dir, context.projectRoot, context.projectRoot, roots);
    if (reason) report(["cache_dir"], reason, hint);
  }
  checkBlasLibrary(mappingOr(spec.blas).library, context, roots, report);
  const rtpPath = mappingOr(data.rtp).path;
  if (typeof rtpPath === "string") {
    const reason = escapeReason(rtpPath, context.projectRoot, context.projectRoot, roots);
    if (reason) report(["data", "rtp", "path"], reason, hint);
  }
  if (!Array.isArray(data.sources)) return;
  data.sources.forEach((raw, index) => {
    const path = mappingOr(raw).path;
    if (typeof path !== "string") return;
    const reason = escapeReason(path, context.projectRoot, context.projectRoot, roots);
    if (reason) report(["data", "sources", index, "path"], reason, hint);
  });
}

/**
 * Check `blas.library`. The library is native code loaded into the process, so it must be a shared-library
 * file inside a system library directory, the project or a data root.
 */
function checkBlasLibrary(library: unknown, context: CheckContext, roots: string[], report: Reporter): void {
  if (typeof library !== "string" || library === "auto" || library === "off") return;
  const path = ["blas", "library"];
  if (!SHARED_LIBRARY_NAME.test(library)) {
    report(
      path,
      `"${library}" is not a shared library file name`,
      "use auto, off, or the path of a .so, .dylib or .dll file",
    );
    return;
  }
  const reason = escapeReason(library, context.projectRoot, context.projectRoot, [
    ...roots,
    ...SYSTEM_LIBRARY_DIRS,
  ]);
  if (reason) {
    report(
      path,
      reason,
      `load BLAS from ${SYSTEM_LIBRARY_DIRS.join(", ")}, the project, or a directory in data.roots`,
    );
  }
}
