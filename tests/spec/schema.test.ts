/** Schema definitions, JSON Schema output, presets, dotted paths and the validate/schema commands. */

import assert from "assert";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  getPath,
  PRESETS,
  setPath,
  SPEC_SCHEMA,
  SpecError,
  specJsonSchema,
  validateSpecObject,
} from "../../lib/spec/mod.ts";
import { JSON_SCHEMA_PATH, specJsonSchemaText } from "../../lib/spec/json_schema.ts";
import type { SchemaMatchesSpec } from "../../lib/spec/schema.ts";
import { closestMatch, editDistance } from "../../lib/spec/errors.ts";
import { validateCommand } from "../../lib/cli/validate.ts";
import { schemaCommand } from "../../lib/cli/schema.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, "../..");
const GOOD_DIR = resolve(HERE, "../fixtures/specs/good");

// Compiles only while the schema output and the Spec type are assignable both ways.
const _schemaMatchesSpec: SchemaMatchesSpec | undefined = undefined;

function capture() {
  const logs: string[] = [];
  const errors: string[] = [];
  return { logs, errors, output: { log: (t: string) => logs.push(t), error: (t: string) => errors.push(t) } };
}

Deno.test("json schema: committed file up to date", async () => {
  const committed = await Deno.readTextFile(resolve(PROJECT_ROOT, JSON_SCHEMA_PATH));
  assert.equal(committed, specJsonSchemaText(), "run `deno task schema` to regenerate the file");
});

Deno.test("json schema: covers every spec field", () => {
  const schema = specJsonSchema();
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const expected = ["extends", ...Object.keys(SPEC_SCHEMA.fields)];
  assert.deepEqual(Object.keys(properties), expected);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.anyOf, [{ required: ["extends"] }, {
    required: ["name", "data", "models", "arms"],
  }]);

  const arms = properties.arms.items as Record<string, unknown>;
  const [short, mapping] = arms.anyOf as Array<Record<string, unknown>>;
  assert.ok((short.enum as string[]).includes("ifguide+rad"));
  assert.deepEqual(mapping.required, ["kind"]);

  const model = properties.models.additionalProperties as Record<string, unknown>;
  assert.equal(
    model.anyOf,
    undefined,
    "model entries merge with a parent spec, so none of their keys is required",
  );
  const source = (properties.data.properties as Record<string, Record<string, unknown>>).sources;
  assert.deepEqual((source.items as Record<string, unknown>).required, ["dataset", "label"]);
  const share = (properties.data.properties as Record<string, Record<string, unknown>>).toxic_share;
  assert.deepEqual([share.minimum, share.exclusiveMaximum, share.default], [0, 1, 0.05]);
});

Deno.test("presets: documented shapes", () => {
  const shapes = Object.fromEntries(
    Object.entries(PRESETS).map(([name, p]) => [name, [p.d_model, p.n_layers, p.n_heads, p.d_ff, p.context]]),
  );
  assert.deepEqual(shapes, {
    "cpu-0.3m": [64, 2, 2, 256, 128],
    "cpu-1m": [128, 4, 4, 512, 128],
    "cpu-5m": [256, 6, 8, 1024, 128],
    "pythia-160m": [768, 12, 12, 3072, 2048],
    "pythia-410m": [1024, 24, 16, 4096, 2048],
    "pythia-1b": [2048, 16, 8, 8192, 2048],
    "llama-3.2-1b": [2048, 16, 32, 8192, 2048],
  });
  assert.equal(PRESETS["pythia-1b"].parallel_residual, true);
  assert.equal(PRESETS["pythia-1b"].tie_embeddings, false);
  assert.equal(PRESETS["llama-3.2-1b"].positions, "rotary");
  assert.equal(PRESETS["llama-3.2-1b"].parallel_residual, false);
  assert.equal(PRESETS["cpu-1m"].positions, "learned");
});

Deno.test("dotted paths: get and set", () => {
  const value: Record<string, unknown> = { arms: [{ kind: "none" }, { kind: "dpo", dpo: { beta: 0.1 } }] };
  assert.equal(getPath(value, "arms.1.dpo.beta"), 0.1);
  assert.equal(getPath(value, "arms.2.kind"), undefined);
  assert.equal(getPath(value, "arms..kind"), undefined);
  setPath(value, "arms.1.dpo.beta", 0.5);
  setPath(value, "training.optimizer.lr", 0.01);
  assert.equal(getPath(value, "arms.1.dpo.beta"), 0.5);
  assert.deepEqual(value.training, { optimizer: { lr: 0.01 } });
  assert.throws(() => setPath(value, "arms.5.kind", "rad"), RangeError);
  assert.throws(() => setPath(value, "arms.0.kind.x", 1), RangeError);
});

Deno.test("did-you-mean: edit distance", () => {
  assert.equal(editDistance("lamda", "lambda"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(closestMatch("optimzer", ["optimizer", "warmup"]), "optimizer");
  assert.equal(closestMatch("zzzz", ["optimizer", "warmup"]), undefined);
});

Deno.test("validateSpecObject: plain object", () => {
  const spec = validateSpecObject({
    name: "object",
    data: { sources: [{ dataset: "gutenberg", label: "benign" }, { dataset: "davidson", label: "toxic" }] },
    models: { target: { preset: "cpu-0.3m" } },
    arms: ["none", "ifguide"],
  });
  assert.equal(spec.influence.model, "target");
  assert.equal(spec.models.target.vocab_size, 4096);

  try {
    validateSpecObject({ name: "x", arms: [] }, "inline");
    assert.fail("expected a SpecError");
  } catch (error) {
    assert.ok(error instanceof SpecError);
    const paths = error.issues.map((issue) => issue.path).sort();
    assert.deepEqual(paths, ["arms", "data", "models"]);
    assert.ok(error.issues.every((issue) => issue.file === "inline"));
  }
});

Deno.test("validate command: good specs exit 0", async () => {
  const { logs, output } = capture();
  const code = await validateCommand([GOOD_DIR, "--project-root", PROJECT_ROOT], output);
  assert.equal(code, 0);
  assert.ok(logs.includes(`ok: ${resolve(GOOD_DIR, "sweep-lambda.yaml")} (3 runs)`), logs.join("\n"));
  assert.ok(logs.includes(`ok: ${resolve(GOOD_DIR, "minimal.yaml")} (1 run)`), logs.join("\n"));
});

Deno.test("validate command: json output", async () => {
  const { logs, output } = capture();
  const file = resolve(HERE, "../fixtures/specs/bad/unknown-key.yaml");
  const code = await validateCommand(["--json", file, "--project-root", PROJECT_ROOT], output);
  assert.equal(code, 1);
  const report = JSON.parse(logs.join("\n"));
  assert.equal(report.invalid, 1);
  assert.equal(report.results[0].issues[0].path, "selection.lamda");
  assert.equal(report.results[0].issues[0].line, 5);
});

Deno.test("validate command: usage errors exit 2", async () => {
  assert.equal(await validateCommand([], capture().output), 2);
  assert.equal(await validateCommand(["--bogus", GOOD_DIR], capture().output), 2);
  const help = capture();
  assert.equal(await validateCommand(["--help"], help.output), 0);
  assert.match(help.logs[0], /usage: deno task validate/);
});

Deno.test("schema command: check mode", async () => {
  const good = capture();
  assert.equal(await schemaCommand(["--check", resolve(PROJECT_ROOT, JSON_SCHEMA_PATH)], good.output), 0);
  const stale = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const bad = capture();
    assert.equal(await schemaCommand(["--check", stale], bad.output), 1);
    assert.equal(await schemaCommand([stale], capture().output), 0);
    assert.equal(await Deno.readTextFile(stale), specJsonSchemaText());
  } finally {
    await Deno.remove(stale);
  }
});
