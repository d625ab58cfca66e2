/**
 * Error positions checked against the yaml package's own node ranges. Every scalar of a good spec is
 * replaced in turn by a mapping, which no scalar field accepts. The loader must then report an issue at
 * exactly that scalar's line and column, with its dotted path. A resolved spec must also validate to
 * itself.
 */

import assert from "assert";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpec, SpecError, type SpecIssue, validateSpecObject } from "../../lib/spec/mod.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const GOOD_DIR = resolve(HERE, "../fixtures/specs/good");
const PROJECT_ROOT = resolve(HERE, "../..");
/** Flow mapping that no scalar field accepts. */
const INVALID_VALUE = "{zz_invalid: 1}";

interface ScalarSite {
  path: string;
  start: number;
  end: number;
}

/** List every scalar value with its dotted path and source range, skipping `extends` and `sweep`. */
function scalarSites(text: string): ScalarSite[] {
  const doc = parseDocument(text);
  const sites: ScalarSite[] = [];
  const walk = (node: Node | null, path: string[]) => {
    if (isScalar(node) && node.range) {
      sites.push({ path: path.join("."), start: node.range[0], end: node.range[1] });
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node, [...path, String(index)]));
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = String((pair.key as { value: unknown }).value);
        if (path.length === 0 && (key === "extends" || key === "sweep")) continue;
        walk(pair.value as Node, [...path, key]);
      }
    }
  };
  walk(doc.contents as Node, []);
  return sites;
}

async function issuesOf(file: string): Promise<SpecIssue[]> {
  try {
    await loadSpec(file, { projectRoot: dirname(file) });
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  return [];
}

for (const fixture of ["minimal.yaml", "base.yaml", "paper-pythia.yaml", "child.yaml"]) {
  Deno.test(`positions: every scalar of ${fixture}`, async () => {
    const text = await Deno.readTextFile(join(GOOD_DIR, fixture));
    const dir = await Deno.makeTempDir({ prefix: "ifguide-positions-" });
    try {
      await Deno.copyFile(join(GOOD_DIR, "base.yaml"), join(dir, "base.yaml"));
      const sites = scalarSites(text);
      assert.ok(sites.length >= 5, `${fixture}: only ${sites.length} scalars`);

      for (const site of sites) {
        const broken = text.slice(0, site.start) + INVALID_VALUE + text.slice(site.end);
        const file = join(dir, `broken-${fixture}`);
        await Deno.writeTextFile(file, broken);
        const counter = new LineCounter();
        parseDocument(broken, { lineCounter: counter });
        const { line, col } = counter.linePos(site.start);

        const issues = await issuesOf(file);
        const here = issues.filter((issue) => issue.line === line && issue.column === col);
        const described = JSON.stringify(issues.map((i) => `${i.line}:${i.column} ${i.path}`));
        assert.ok(here.length > 0, `${fixture} ${site.path} at ${line}:${col}: ${described}`);
        const pathMatches = here.some((issue) =>
          issue.path === site.path || issue.path.startsWith(`${site.path}.`)
        );
        assert.ok(pathMatches, `${fixture} ${site.path} at ${line}:${col}: ${described}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("resolved spec validates to itself", async () => {
  for (const fixture of ["minimal.yaml", "child.yaml", "paper-pythia.yaml", "anchors.yaml"]) {
    const loaded = await loadSpec(join(GOOD_DIR, fixture), { projectRoot: PROJECT_ROOT });
    const again = validateSpecObject(JSON.parse(JSON.stringify(loaded.spec)), fixture, {
      projectRoot: PROJECT_ROOT,
    });
    assert.deepEqual(again, loaded.spec, fixture);
  }
});
