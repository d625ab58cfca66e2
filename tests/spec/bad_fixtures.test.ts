/**
 * Every broken spec in tests/fixtures/specs/bad/ declares its expected problems in leading comments:
 * `# expect: [FILE] LINE:COL PATH` (FILE relative to the fixture folder, `-` for an empty path) and
 * `# message: TEXT` (a fragment of some issue's message or hint). The loader must report exactly the
 * expected positions and paths, and the validate command must exit non-zero.
 */

import assert from "assert";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpec, SpecError, type SpecIssue } from "../../lib/spec/mod.ts";
import { validateCommand, validateFiles } from "../../lib/cli/validate.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, "../..");
const BAD_DIR = resolve(HERE, "../fixtures/specs/bad");

interface Expectation {
  file: string;
  line: number;
  column: number;
  path: string;
}

function parseExpectations(fixture: string, text: string): { expected: Expectation[]; messages: string[] } {
  const expected: Expectation[] = [];
  const messages: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const expect = /^# expect: (?:(\S+\.yaml) )?(\d+):(\d+) (\S+)$/.exec(line);
    if (expect) {
      expected.push({
        file: resolve(BAD_DIR, expect[1] ?? fixture),
        line: Number(expect[2]),
        column: Number(expect[3]),
        path: expect[4] === "-" ? "" : expect[4],
      });
    }
    const message = /^# message: (.+)$/.exec(line);
    if (message) messages.push(message[1]);
  }
  return { expected, messages };
}

function key(issue: Expectation): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path}`;
}

async function listFixtures(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(BAD_DIR)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) names.push(entry.name);
  }
  return names.sort();
}

async function issuesOf(fixture: string): Promise<SpecIssue[]> {
  try {
    await loadSpec(join(BAD_DIR, fixture), { projectRoot: PROJECT_ROOT });
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  return [];
}

Deno.test("bad fixtures: at least 25 with expectations", async () => {
  const fixtures = await listFixtures();
  assert.ok(fixtures.length >= 25, `only ${fixtures.length} bad fixtures`);
  for (const fixture of fixtures) {
    const { expected } = parseExpectations(fixture, await Deno.readTextFile(join(BAD_DIR, fixture)));
    assert.ok(expected.length > 0, `${fixture} declares no "# expect:" line`);
  }
});

for (const fixture of await listFixtures()) {
  Deno.test(`bad fixture ${fixture}`, async () => {
    const text = await Deno.readTextFile(join(BAD_DIR, fixture));
    const { expected, messages } = parseExpectations(fixture, text);
    const issues = await issuesOf(fixture);
    const actual = issues.map((issue) => ({ ...issue, file: resolve(issue.file) }));

    assert.deepEqual(actual.map(key).sort(), expected.map(key).sort());
    for (const fragment of messages) {
      const found = issues.some((issue) =>
        issue.message.includes(fragment) || issue.hint?.includes(fragment)
      );
      assert.ok(found, `no issue mentions "${fragment}": ${JSON.stringify(issues.map((i) => i.message))}`);
    }
    for (const issue of issues) {
      assert.ok(issue.hint, `issue without a hint: ${issue.message}`);
      assert.ok(issue.source !== undefined, `issue without a source line: ${issue.message}`);
    }
  });
}

Deno.test("bad fixtures: validate exits 1 on each", async () => {
  const files = (await listFixtures()).map((name) => join(BAD_DIR, name));
  const results = await validateFiles(files, { projectRoot: PROJECT_ROOT });
  for (const result of results) assert.equal(result.ok, false, `${result.file} passed validation`);

  const errors: string[] = [];
  const output = { log: () => {}, error: (text: string) => errors.push(text) };
  const code = await validateCommand([BAD_DIR, "--project-root", PROJECT_ROOT], output);
  assert.equal(code, 1);
  // The folder also contains the broken parent specs under parts/, which are invalid on their own too.
  const parts = [...Deno.readDirSync(join(BAD_DIR, "parts"))].length;
  assert.equal(errors.length, files.length + parts);
});

Deno.test("bad fixtures: several errors reported at once", async () => {
  const issues = await issuesOf("many-errors.yaml");
  assert.equal(issues.length, 4);
  const paths = issues.map((issue) => issue.path);
  assert.deepEqual(paths, ["selection.lamda", "training.batch_size", "influence.strategy", "arms.0.kind"]);
});

Deno.test("format: caret under the column", async () => {
  const issues = await issuesOf("wrong-type.yaml");
  const text = new SpecError(issues).format();
  const lines = text.split("\n");
  const header = lines.findIndex((line) => line.includes("training.batch_size"));
  assert.ok(header >= 0, text);
  assert.match(lines[header], /wrong-type\.yaml:5:15: training\.batch_size: expected an integer >= 1/);
  assert.equal(lines[header + 1], "    5 |   batch_size: sixteen");
  assert.equal(lines[header + 2], `      | ${" ".repeat(14)}^`);
  assert.match(lines[header + 3], /^ {2}hint: /);
  assert.match(text, /1 problem found\.$/);
});
