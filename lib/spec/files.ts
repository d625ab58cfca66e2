/**
 * Reading spec files: size limit, YAML parsing with positions, and `extends` chains with deep merge.
 * Mappings merge key by key; lists and scalars in the child replace the parent's.
 */

import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { closestMatch, type SpecIssue } from "./errors.ts";
import { escapeReason } from "./path_safety.ts";
import { isMapping, type PositionMap, type Segment } from "./positions.ts";
import { MAX_SPEC_BYTES, type ParsedYaml, parseYaml, SourceText } from "./yaml_source.ts";

/** A spec tree after `extends` merging, with positions that name the file each value came from. */
export interface MergedTree {
  value: Record<string, unknown>;
  positions: PositionMap;
  /** False when a parent in the `extends` chain could not be loaded, so keys it would supply are missing. */
  complete: boolean;
}

/** Settings and state of one load: the project root, every file read, and the issues found. */
export interface FileContext {
  projectRoot: string;
  files: string[];
  issues: SpecIssue[];
}

/** Name of a file as shown in messages: relative to the working directory when below it. */
export function displayName(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function fileIssue(file: string, message: string, hint: string): SpecIssue {
  return { file: displayName(file), line: 1, column: 1, path: "", message, hint };
}

/** Read and parse one file; problems go to `context.issues`. */
async function readSpecFile(path: string, context: FileContext): Promise<ParsedYaml | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : `cannot read file (${error})`;
    context.issues.push(fileIssue(path, reason, "check the path; it is resolved from the working directory"));
    return undefined;
  }
  if (!info.isFile) {
    context.issues.push(fileIssue(path, "not a regular file", "name a .yaml spec file"));
    return undefined;
  }
  const size = info.size;
  if (size > MAX_SPEC_BYTES) {
    const message = `file is ${size} bytes, larger than the ${MAX_SPEC_BYTES}-byte limit for specs`;
    context.issues.push(fileIssue(path, message, "split the spec with extends, or move data out of it"));
    return undefined;
  }
  const text = await Deno.readTextFile(path);
  context.files.push(path);
  return parseYaml(new SourceText(displayName(path), text), context.issues);
}

/**
 * Load a spec file and every file it extends, merged parent-first. `chain` contains the absolute paths of
 * the files that extend this one, to detect cycles.
 */
export async function loadMerged(
  path: string,
  context: FileContext,
  chain: string[] = [],
): Promise<MergedTree | undefined> {
  const parsed = await readSpecFile(path, context);
  if (!parsed) return undefined;
  if (!isMapping(parsed.value)) {
    const position = parsed.positions.locate([]);
    const got = parsed.value === null
      ? "an empty document"
      : Array.isArray(parsed.value)
      ? "a list"
      : "a scalar";
    context.issues.push({
      file: displayName(path),
      line: position?.line ?? 1,
      column: position?.column ?? 1,
      path: "",
      message: `a spec must be a mapping of keys to values, got ${got}`,
      hint: "start the file with `name: my-experiment` and the other top-level keys",
      source: position?.source,
    });
    return undefined;
  }
  const child: MergedTree = { value: parsed.value, positions: parsed.positions, complete: true };
  if (!Object.hasOwn(child.value, "extends")) return child;

  const parentPath = resolveExtends(path, child, context, chain);
  delete child.value.extends;
  child.positions.removeSubtree(["extends"]);
  if (parentPath === undefined) return { ...child, complete: false };
  const parent = await loadMerged(parentPath, context, [...chain, path]);
  if (!parent) return { ...child, complete: false };
  mergeTrees(parent, child, []);
  return { ...parent, complete: parent.complete };
}

/** Check the `extends` value of `child` and return the absolute parent path, or report why not. */
function resolveExtends(
  path: string,
  child: MergedTree,
  context: FileContext,
  chain: string[],
): string | undefined {
  const target = child.value.extends;
  const report = (message: string, hint: string) => {
    const position = child.positions.locate(["extends"]);
    context.issues.push({
      file: position?.file ?? displayName(path),
      line: position?.line ?? 1,
      column: position?.column ?? 1,
      path: "extends",
      message,
      hint,
      source: position?.source,
    });
  };
  if (typeof target !== "string" || target.length === 0) {
    report(
      `extends must name one spec file, got ${JSON.stringify(target)}`,
      "write `extends: base.yaml` (relative to this file)",
    );
    return undefined;
  }
  const escape = escapeReason(target, dirname(path), context.projectRoot);
  if (escape) {
    report(escape, "a parent spec must lie inside the project");
    return undefined;
  }
  const parentPath = resolve(dirname(path), target);
  if (!isFile(parentPath)) {
    const closest = closestMatch(basename(parentPath), specFilesIn(dirname(parentPath)));
    report(
      `file "${target}" not found (resolved to ${parentPath})`,
      closest
        ? `did you mean "${join(dirname(target), closest)}"? The path is relative to this spec file`
        : "the path is relative to this spec file",
    );
    return undefined;
  }
  if (parentPath === path || chain.includes(parentPath)) {
    const cycle = [...chain, path, parentPath].map(displayName).join(" -> ");
    report(`extends cycle: ${cycle}`, "remove one of the extends links so the chain ends");
    return undefined;
  }
  return parentPath;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Merge `child` into `base` in place: mappings merge key by key, anything else replaces. */
function mergeTrees(base: MergedTree, child: MergedTree, path: Segment[]): void {
  const target = path.length === 0 ? base.value : getMapping(base.value, path);
  const source = path.length === 0 ? child.value : getMapping(child.value, path);
  if (!target || !source) return;
  base.positions.adoptEntry(child.positions, path);
  for (const [key, value] of Object.entries(source)) {
    const keyPath = [...path, key];
    if (isMapping(value) && isMapping(target[key])) {
      mergeTrees(base, child, keyPath);
    } else {
      target[key] = value;
      base.positions.adoptSubtree(child.positions, keyPath);
    }
  }
}

function getMapping(root: Record<string, unknown>, path: Segment[]): Record<string, unknown> | undefined {
  let current: unknown = root;
  for (const segment of path) current = isMapping(current) ? current[String(segment)] : undefined;
  return isMapping(current) ? current : undefined;
}

/** Names of the YAML files in a folder; empty when the folder cannot be read. */
function specFilesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((entry) => entry.isFile && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
