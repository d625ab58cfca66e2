/** `ifguide validate SPEC...`: check spec files and print every problem with its position. */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { loadSpec, SpecError, type SpecIssue } from "../spec/mod.ts";

const HELP = `usage: deno task validate [options] SPEC...

Check experiment specs: YAML syntax, extends chains, unknown keys, types, ranges,
cross-field rules and sweep paths. Every problem is printed with its file, line,
column and dotted key path. SPEC is a .yaml/.yml file or a folder; a folder
contributes every spec file below it (subfolders included, hidden ones skipped).

options:
  --set PATH=VALUE       override a field after merging, e.g. --set selection.lambda=2
                         (repeatable; VALUE is YAML: 0.5, true, [1, 2], {beta: 0.2})
  --project-root DIR     directory that spec paths must stay inside (besides data.roots);
                         default: the working directory
  --json                 print one JSON document with every result instead of text
  -h, --help             show this help

exit codes: 0 every spec is valid, 1 at least one is invalid, 2 usage error`;

/** Printing functions, replaceable in tests. */
export interface CommandOutput {
  log(text: string): void;
  error(text: string): void;
}

/** Result of validating one spec file. */
export interface ValidationResult {
  file: string;
  ok: boolean;
  /** Runs the spec expands into (its sweep grid size); 0 when invalid. */
  runs: number;
  issues: SpecIssue[];
}

/** List the spec files named by the arguments: files as given, folders by every .yaml/.yml file below them. */
async function collectFiles(targets: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const target of targets) {
    let isDirectory = false;
    try {
      isDirectory = (await Deno.stat(target)).isDirectory;
    } catch {
      // A missing file is passed on, so the loader reports it like any other invalid spec.
    }
    if (isDirectory) files.push(...await specFilesBelow(target));
    else files.push(target);
  }
  return files;
}

/** List the .yaml/.yml files below `dir` in sorted order, skipping folders whose names start with a dot. */
async function specFilesBelow(dir: string): Promise<string[]> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name, "en"));

  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile && /\.ya?ml$/.test(entry.name)) files.push(path);
    else if (entry.isDirectory && !entry.name.startsWith(".")) files.push(...await specFilesBelow(path));
  }
  return files;
}

/** Validate each file; a SpecError becomes a failed result, anything else propagates. */
export async function validateFiles(
  files: string[],
  options: { overrides?: string[]; projectRoot?: string } = {},
): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for (const file of files) {
    try {
      const loaded = await loadSpec(file, options);
      results.push({ file, ok: true, runs: loaded.runs.length, issues: [] });
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      results.push({ file, ok: false, runs: 0, issues: error.issues });
    }
  }
  return results;
}

/** Run the validate command and return its exit code. */
export async function validateCommand(args: string[], output: CommandOutput = console): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        set: { type: "string", multiple: true },
        "project-root": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    output.error(`validate: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    output.log(HELP);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    output.error(`validate: no spec given\n\n${HELP}`);
    return 2;
  }

  const files = await collectFiles(parsed.positionals);
  if (files.length === 0) {
    output.error(`validate: no .yaml or .yml files found in ${parsed.positionals.join(", ")}`);
    return 2;
  }
  const results = await validateFiles(files, {
    overrides: parsed.values.set ?? [],
    projectRoot: parsed.values["project-root"],
  });
  const invalid = results.filter((result) => !result.ok).length;

  if (parsed.values.json) {
    output.log(JSON.stringify({ valid: results.length - invalid, invalid, results }, null, 2));
  } else {
    for (const result of results) {
      if (result.ok) output.log(`ok: ${result.file} (${result.runs} ${result.runs === 1 ? "run" : "runs"})`);
      else output.error(`invalid: ${result.file}\n${new SpecError(result.issues).format()}\n`);
    }
    if (results.length > 1) output.log(`${results.length - invalid} valid, ${invalid} invalid`);
  }
  return invalid > 0 ? 1 : 0;
}
