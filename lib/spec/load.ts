/**
 * The spec loader: files and `extends`, `--set` overrides, validation with defaults, cross-field
 * checks and sweep expansion. Every problem found on the way is collected and thrown together.
 */

import { resolve } from "node:path";
import { type CheckContext, checkCrossFields } from "./checks.ts";
import { sortIssues, SpecError, type SpecIssue } from "./errors.ts";
import { displayName, type FileContext, loadMerged } from "./files.ts";
import { applyOverrides, expandShorthands, schemaForPath } from "./overrides.ts";
import { dotted, getPath, isMapping, parseDotted, PositionMap, type Segment, setPath } from "./positions.ts";
import { fillDerived, tokenizerVocabSize } from "./resolve.ts";
import { SPEC_SCHEMA } from "./schema.ts";
import { gridPoints, gridSize, MAX_SWEEP_RUNS, sweepPathProblem, type SweepPoint } from "./sweep.ts";
import type { Spec } from "./types.ts";
import { MISSING_KEY_PREFIX, orderBySchema, type Reporter, validateNode } from "./validate.ts";

/** One single-run spec of a sweep, with the values its swept paths take. */
export interface SpecRun {
  /** Dotted path -> value for this run; empty when the spec has no sweep. */
  point: SweepPoint;
  /** The spec of this run, with `sweep` emptied. */
  spec: Spec;
}

/** A loaded spec: the merged and validated spec, its runs, and every file read. */
export interface LoadedSpec {
  /** Absolute path of the top-level spec file. */
  file: string;
  /** Absolute paths of every file read, the top-level file first and then its parents. */
  files: string[];
  /** The merged, validated spec with its sweep kept. */
  spec: Spec;
  /** One entry per grid point (a single entry without a sweep). */
  runs: SpecRun[];
}

/** Options of `loadSpec`. */
export interface LoadSpecOptions {
  /** `path=value` overrides applied after merging, in order. */
  overrides?: string[];
  /** Directory that path fields must stay inside (besides `data.roots`); default: the working directory. */
  projectRoot?: string;
}

/**
 * Load, merge, override, validate and expand a spec file.
 * @throws SpecError listing every problem found, each with file, line, column and dotted path.
 */
export async function loadSpec(path: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  const projectRoot = resolve(options.projectRoot ?? Deno.cwd());
  const file = resolve(path);
  const context: FileContext = { projectRoot, files: [], issues: [] };

  const tree = await loadMerged(file, context);
  if (!tree) throw new SpecError(sortIssues(context.issues));
  applyOverrides(tree.value, tree.positions, options.overrides ?? [], context.issues);
  if (!tree.complete) {
    // A parent failed to load: still report what the files that did load got wrong (unknown keys,
    // types, ranges), but not the keys the missing parent would have supplied.
    checkWrittenKeys(tree.value, tree.positions, context.issues, displayName(file));
    throw new SpecError(sortIssues(context.issues));
  }

  const result = resolveTree(tree.value, tree.positions, { projectRoot }, context.issues, displayName(file));
  if (context.issues.length > 0 || !result.spec) throw new SpecError(sortIssues(context.issues));
  return { file, files: context.files, spec: result.spec, runs: result.runs };
}

/**
 * Validate a spec given as a plain value (for example parsed JSON) and return it filled. Issues point
 * at line 1 of `source` because a plain value has no positions.
 * @throws SpecError listing every problem found.
 */
export function validateSpecObject(
  value: unknown,
  source = "<spec object>",
  options: { projectRoot?: string } = {},
): Spec {
  const issues: SpecIssue[] = [];
  const raw = isMapping(value) ? structuredClone(value) : value;
  const context = { projectRoot: resolve(options.projectRoot ?? Deno.cwd()) };
  const result = resolveTree(raw, new PositionMap(), context, issues, source);
  if (issues.length > 0 || !result.spec) throw new SpecError(sortIssues(issues));
  return result.spec;
}

/**
 * Expand the sweep of an already validated spec into single-run specs. Model vocabulary sizes equal
 * to the tokenizer's are recomputed per run, so a sweep over the tokenizer keeps them consistent.
 * @throws SpecError when a swept path or value is invalid.
 */
export function expandSweep(spec: Spec, options: { projectRoot?: string } = {}): SpecRun[] {
  const raw = structuredClone(spec) as unknown as Record<string, unknown>;
  const vocab = tokenizerVocabSize(spec.tokenizer);
  for (const model of Object.values(raw.models as Record<string, Record<string, unknown>>)) {
    if (model.vocab_size === vocab) delete model.vocab_size;
  }
  const issues: SpecIssue[] = [];
  const context = { projectRoot: resolve(options.projectRoot ?? Deno.cwd()) };
  const result = resolveTree(raw, new PositionMap(), context, issues, `<spec ${spec.name}>`);
  if (issues.length > 0) throw new SpecError(sortIssues(issues));
  return result.runs;
}

/** Validate a merged tree, fill defaults, run the cross-field checks and expand the sweep. */
function resolveTree(
  raw: unknown,
  positions: PositionMap,
  context: CheckContext,
  issues: SpecIssue[],
  fallbackFile: string,
): { spec?: Spec; runs: SpecRun[] } {
  const tree = expandShorthands(SPEC_SCHEMA, raw);
  const checked = validateTree(tree, positions, context, issues, fallbackFile);
  if (!checked || !isMapping(tree)) return { runs: [] };
  const base = checked.value;

  const sweep = base.sweep ?? {};
  const before = issues.length;
  const report = reporterFor(positions, issues, fallbackFile);
  const parsedPaths = new Map<string, Segment[]>();
  for (const key of Object.keys(sweep)) {
    const segments = parseDotted(key);
    const problem = segments
      ? sweepPathProblem(base as unknown as Record<string, unknown>, segments)
      : "empty path segment";
    if (problem || !segments) {
      report(
        ["sweep", key],
        `invalid sweep path: ${problem}`,
        "use the dotted path of an existing field, e.g. selection.lambda or arms.1.dpo.beta",
        "key",
      );
    } else parsedPaths.set(key, segments);
  }
  const runs = gridSize(sweep);
  if (runs > MAX_SWEEP_RUNS) {
    report(
      ["sweep"],
      `the sweep expands into ${runs} runs, more than ${MAX_SWEEP_RUNS}`,
      "sweep fewer values, or split the sweep across several specs",
      "key",
    );
  }
  if (issues.length > before || !checked.ok) return { spec: base, runs: [] };

  const indexGrid = Object.fromEntries(
    Object.entries(sweep).map(([key, values]) => [key, values.map((_, i) => i)]),
  );
  const result: SpecRun[] = [];
  for (const indices of gridPoints(indexGrid)) {
    const runTree = structuredClone(tree) as Record<string, unknown>;
    runTree.sweep = {};
    const runPositions = positions.clone();
    const point: SweepPoint = {};
    for (const [key, index] of Object.entries(indices)) {
      const segments = parsedPaths.get(key)!;
      const value = structuredClone(sweep[key][index as number]);
      point[key] = value;
      materializeContainers(runTree, base, segments);
      setPath(runTree, segments, expandShorthands(schemaForPath(segments), structuredClone(value)));
      const at = positions.locate(["sweep", key, index as number]);
      if (at) runPositions.pinSubtree(segments, at, positions.locate(["sweep", key], "key"));
    }
    // The base spec is valid here, so every new issue comes from this grid point: name it in the hint.
    const start = issues.length;
    const run = validateTree(runTree, runPositions, context, issues, fallbackFile);
    const where = Object.entries(point).map(([path, value]) => `${path}=${JSON.stringify(value)}`).join(", ");
    for (const issue of issues.slice(start)) {
      issue.hint = `${issue.hint ?? "check the sweep values"} (in the sweep run ${where})`;
    }
    if (run?.ok) result.push({ point, spec: run.value });
  }
  return { spec: base, runs: result };
}

/**
 * Copy from the filled base spec every container on the way to `segments` that the written tree leaves
 * to defaults, so that a swept list element such as `training.optimizer.betas.0` lands in a list.
 */
function materializeContainers(
  tree: Record<string, unknown>,
  base: Spec,
  segments: readonly Segment[],
): void {
  for (let length = 1; length < segments.length; length++) {
    const prefix = segments.slice(0, length);
    const written = getPath(tree, prefix);
    if (written !== undefined && written !== null) continue;
    setPath(tree, prefix, structuredClone(getPath(base, prefix)));
  }
}

/** Validate the keys a partial tree writes, without missing-key reports or cross-field checks. */
function checkWrittenKeys(
  tree: unknown,
  positions: PositionMap,
  issues: SpecIssue[],
  fallbackFile: string,
): void {
  const report = reporterFor(positions, issues, fallbackFile);
  const reportWritten: Reporter = (path, message, hint, at) => {
    if (!message.startsWith(MISSING_KEY_PREFIX)) report(path, message, hint, at);
  };
  validateNode(SPEC_SCHEMA, expandShorthands(SPEC_SCHEMA, tree), [], reportWritten);
}

function reporterFor(positions: PositionMap, issues: SpecIssue[], fallbackFile: string): Reporter {
  return (path, message, hint, at) => {
    const position = positions.locate(path, at);
    issues.push({
      file: position?.file ?? fallbackFile,
      line: position?.line ?? 1,
      column: position?.column ?? 1,
      path: dotted(path),
      message,
      hint,
      source: position?.source,
    });
  };
}

function validateTree(
  tree: unknown,
  positions: PositionMap,
  context: CheckContext,
  issues: SpecIssue[],
  fallbackFile: string,
): { value: Spec; ok: boolean } | undefined {
  const report = reporterFor(positions, issues, fallbackFile);
  const before = issues.length;
  const value = validateNode(SPEC_SCHEMA, tree, [], report);
  if (!isMapping(value)) return undefined;
  fillDerived(value);
  checkCrossFields(value, context, report);
  const ordered = orderBySchema(SPEC_SCHEMA, value) as unknown as Spec;
  return { value: ordered, ok: issues.length === before };
}
