/**
 * The generated JSON Schema checked by an independent validator (Ajv 8, draft 2020-12): every shipped
 * and good spec passes it, and broken specs whose errors are per-field fail it. Ajv runs in strict mode
 * except `strictRequired`, which would reject the root's `anyOf` branches because they require keys
 * declared one level up (valid JSON Schema, but outside Ajv's strict subset).
 */

import assert from "assert";
import { Ajv2020 } from "ajv/2020";
import YAML from "yaml";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { specJsonSchema } from "../../lib/spec/mod.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, "../..");
const FIXTURES = resolve(HERE, "../fixtures/specs");

/** Broken specs whose only problem is one field's type, range, enum or key name. */
const PER_FIELD_ERRORS = [
  "bad-arm-kind.yaml",
  "bad-boolean.yaml",
  "budget-fraction.yaml",
  "enum-violation.yaml",
  "many-errors.yaml",
  "model-name-invalid.yaml",
  "not-integer.yaml",
  "out-of-range.yaml",
  "toxic-share.yaml",
  "unknown-key.yaml",
  "unknown-preset.yaml",
  "unknown-top-key.yaml",
  "wrong-type-list.yaml",
  "wrong-type.yaml",
];

async function yamlFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) files.push(join(dir, entry.name));
  }
  return files.sort();
}

function compile() {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  return ajv.compile(specJsonSchema());
}

Deno.test("json schema: compiles in strict mode", () => {
  assert.equal(typeof compile(), "function");
});

Deno.test("json schema: accepts valid specs", async () => {
  const validate = compile();
  const dirs = [join(FIXTURES, "good"), join(PROJECT_ROOT, "experiments")];
  for (const sub of ["paper", "sweeps"]) {
    const dir = join(PROJECT_ROOT, "experiments", sub);
    if ((await Deno.stat(dir).catch(() => undefined))?.isDirectory) dirs.push(dir);
  }
  let checked = 0;
  for (const dir of dirs) {
    for (const file of await yamlFiles(dir)) {
      const ok = validate(YAML.parse(await Deno.readTextFile(file)));
      assert.ok(ok, `${file}: ${JSON.stringify(validate.errors, null, 1)}`);
      checked++;
    }
  }
  assert.ok(checked >= 5, `only ${checked} specs checked`);
});

Deno.test("json schema: rejects per-field errors", async () => {
  const validate = compile();
  for (const name of PER_FIELD_ERRORS) {
    const value = YAML.parse(await Deno.readTextFile(join(FIXTURES, "bad", name)));
    assert.equal(validate(value), false, `${name} passed the JSON Schema`);
  }
});
