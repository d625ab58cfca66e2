/** Loader behaviour: extends and deep merge, sweeps, overrides, defaults and path safety. */

import assert from "assert";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expandSweep, loadSpec, SpecError, type SpecIssue } from "../../lib/spec/mod.ts";
import { MAX_SPEC_BYTES } from "../../lib/spec/yaml_source.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(HERE, "../..");
const GOOD_DIR = resolve(HERE, "../fixtures/specs/good");

const MINIMAL = `name: tmp
data:
  sources:
    - { dataset: nlp_corpus, label: benign }
    - { dataset: rtp, label: toxic }
models:
  target: { preset: cpu-1m }
  proxy: { preset: cpu-0.3m }
arms: [none, ifguide, dpo]
`;

/** Temporary folders made by these tests, removed when the test module unloads. */
const TEMP_DIRS: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of TEMP_DIRS) Deno.removeSync(dir, { recursive: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  TEMP_DIRS.push(dir);
  return dir;
}

async function issuesOf(promise: Promise<unknown>): Promise<SpecIssue[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  return [];
}

/** Write files into a fresh temporary project and return its root. */
async function project(files: Record<string, string>): Promise<string> {
  const root = await tempDir("ifguide-spec-");
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(root, name)), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
  return root;
}

Deno.test("extends: child keys deep-merge over parent", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "child.yaml"), { projectRoot: PROJECT_ROOT });
  const spec = loaded.spec;
  assert.equal(spec.name, "child");
  assert.equal(spec.training.optimizer.lr, 0.0005);
  assert.equal(spec.training.optimizer.weight_decay, 0.0004);
  assert.equal(spec.training.batch_size, 16);
  assert.equal(spec.data.sources.length, 3);
  assert.deepEqual(spec.arms.map((arm) => arm.name), ["none", "ifguide", "dpo", "rad"]);
  assert.equal(spec.arms[2].dpo.beta, 0.2);
  assert.equal(spec.arms[2].dpo.steps, 100);
  assert.equal(spec.arms[3].decoding, "rad");
  assert.deepEqual(loaded.files, [join(GOOD_DIR, "child.yaml"), join(GOOD_DIR, "base.yaml")]);
});

Deno.test("extends: child replaces a bad parent value", async () => {
  const root = await project({
    "experiments/base.yaml": MINIMAL + "selection: { lambda: -1, window: 2 }\n",
    "experiments/fixed.yaml": "extends: base.yaml\nselection: { lambda: 0.5 }\n",
  });
  const broken = await issuesOf(loadSpec(join(root, "experiments/base.yaml"), { projectRoot: root }));
  assert.equal(broken.length, 1);
  assert.equal(broken[0].path, "selection.lambda");

  const fixed = await loadSpec(join(root, "experiments/fixed.yaml"), { projectRoot: root });
  assert.equal(fixed.spec.selection.lambda, 0.5);
  assert.equal(fixed.spec.selection.window, 2);
});

Deno.test("extends: lists replace, not concatenate", async () => {
  const root = await project({
    "a.yaml": MINIMAL + "seeds: [1, 2, 3]\n",
    "b.yaml": "extends: a.yaml\nseeds: [7]\n",
  });
  const loaded = await loadSpec(join(root, "b.yaml"), { projectRoot: root });
  assert.deepEqual(loaded.spec.seeds, [7]);
});

Deno.test("defaults: minimal spec is filled", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "minimal.yaml"), { projectRoot: PROJECT_ROOT });
  const spec = loaded.spec;
  assert.equal(spec.seed, 1004);
  assert.deepEqual(spec.seeds, [1004]);
  assert.equal(spec.backend, "auto");
  assert.deepEqual(spec.blas, { library: "auto", threads: 2 });
  assert.equal(spec.cache_dir, ".ifguide");
  assert.equal(spec.data.block_size, 128);
  assert.equal(spec.data.toxic_share, 0.05);
  assert.deepEqual(spec.data.splits, { train: 0.95, validation: 0.025, test: 0.025 });
  assert.deepEqual(spec.tokenizer, { kind: "bpe", vocab_size: 4096, train_chars: 0 });
  assert.deepEqual(spec.training.optimizer, { lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weight_decay: 4e-4 });
  assert.equal(spec.training.clip_norm, 1.0);
  assert.equal(spec.influence.strategy, "ekfac");
  assert.equal(spec.influence.model, "proxy");
  assert.equal(spec.influence.damping, "heuristic");
  assert.equal(spec.influence.queries.toxic, 500);
  assert.equal(spec.selection.budget_fraction, 0.02);
  assert.equal(spec.evaluation.samples, 25);
  assert.equal(spec.evaluation.prompts.rtp_toxic, 200);
  assert.deepEqual(spec.report.formats, ["md", "html", "arrow"]);
  assert.deepEqual(spec.sweep, {});
  assert.equal(spec.data.sources[0].name, "nlp_corpus");
  assert.equal(spec.models.target.vocab_size, 4096);
  assert.equal(spec.models.proxy.d_model, 64);
  assert.deepEqual(spec.arms.map((arm) => [arm.name, arm.model, arm.decoding]), [
    ["none", "target", "sample"],
    ["ifguide", "target", "sample"],
  ]);
  assert.equal(loaded.runs.length, 1);
  assert.deepEqual(loaded.runs[0].point, {});
});

Deno.test("sweep: 3 lambda values give 3 runs", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "sweep-lambda.yaml"), { projectRoot: PROJECT_ROOT });
  assert.deepEqual(loaded.spec.sweep, { "selection.lambda": [0.5, 1, 2] });
  assert.equal(loaded.runs.length, 3);
  assert.deepEqual(loaded.runs.map((run) => run.point), [
    { "selection.lambda": 0.5 },
    { "selection.lambda": 1 },
    { "selection.lambda": 2 },
  ]);
  for (const run of loaded.runs) {
    assert.deepEqual(run.spec.sweep, {});
    assert.equal(run.spec.selection.lambda, run.point["selection.lambda"]);
    const rest = { ...run.spec, selection: { ...run.spec.selection, lambda: 0 } };
    const base = { ...loaded.spec, sweep: {}, selection: { ...loaded.spec.selection, lambda: 0 } };
    assert.deepEqual(rest, base);
  }
});

Deno.test("sweep: grid order and shorthand arms", async () => {
  const root = await project({
    "s.yaml": MINIMAL + "sweep:\n  arms.2.dpo.beta: [0.1, 0.2]\n  selection.window: [0, 1, 2]\n",
  });
  const loaded = await loadSpec(join(root, "s.yaml"), { projectRoot: root });
  assert.equal(loaded.runs.length, 6);
  const pairs = loaded.runs.map((run) => [run.spec.arms[2].dpo.beta, run.spec.selection.window]);
  assert.deepEqual(pairs, [[0.1, 0], [0.1, 1], [0.1, 2], [0.2, 0], [0.2, 1], [0.2, 2]]);
  assert.equal(loaded.runs[0].spec.arms[2].kind, "dpo");
  assert.equal(loaded.runs[0].spec.arms[2].dpo.steps, 100);
});

Deno.test("sweep: element of a defaulted list", async () => {
  const root = await project({ "s.yaml": MINIMAL + "sweep:\n  training.optimizer.betas.1: [0.95, 0.99]\n" });
  const loaded = await loadSpec(join(root, "s.yaml"), { projectRoot: root });
  assert.deepEqual(loaded.runs.map((run) => run.spec.training.optimizer.betas), [[0.9, 0.95], [0.9, 0.99]]);
  assert.equal(loaded.runs[1].spec.training.optimizer.lr, 1e-3);
});

Deno.test("sweep: tokenizer change updates vocab", async () => {
  const root = await project({ "s.yaml": MINIMAL + "sweep:\n  tokenizer.vocab_size: [2048, 8192]\n" });
  const loaded = await loadSpec(join(root, "s.yaml"), { projectRoot: root });
  assert.deepEqual(loaded.runs.map((run) => run.spec.models.target.vocab_size), [2048, 8192]);
  const again = expandSweep(loaded.spec, { projectRoot: root });
  assert.deepEqual(again.map((run) => run.spec), loaded.runs.map((run) => run.spec));
});

Deno.test("sweep: invalid value names its run", async () => {
  const root = await project({ "s.yaml": MINIMAL + "sweep:\n  models.target.n_heads: [4, 3]\n" });
  const issues = await issuesOf(loadSpec(join(root, "s.yaml"), { projectRoot: root }));
  assert.equal(issues.length, 1);
  assert.equal(issues[0].path, "models.target.n_heads");
  assert.equal(issues[0].line, 11);
  assert.equal(issues[0].column, 30);
  assert.match(issues[0].hint ?? "", /sweep run models\.target\.n_heads=3/);
});

Deno.test("overrides: values parse as YAML", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "minimal.yaml"), {
    projectRoot: PROJECT_ROOT,
    overrides: [
      "selection.lambda=3",
      "training.optimizer.betas=[0.8, 0.9]",
      "arms.1.dpo.beta=0.3",
      "models.target={preset: cpu-5m}",
      "description=a run with overrides",
    ],
  });
  assert.equal(loaded.spec.selection.lambda, 3);
  assert.deepEqual(loaded.spec.training.optimizer.betas, [0.8, 0.9]);
  assert.equal(loaded.spec.arms[1].kind, "ifguide");
  assert.equal(loaded.spec.arms[1].dpo.beta, 0.3);
  assert.equal(loaded.spec.models.target.d_model, 256);
  assert.equal(loaded.spec.description, "a run with overrides");
});

Deno.test("overrides: errors name --set", async () => {
  const issues = await issuesOf(loadSpec(join(GOOD_DIR, "minimal.yaml"), {
    projectRoot: PROJECT_ROOT,
    overrides: ["selection.lamda=2", "training.batch_size=-4", "seed", "seed=!!str 3", "arms.9.kind=dpo"],
  }));
  const summary = issues.map((issue) => `${issue.file}:${issue.line}:${issue.column} ${issue.path}`);
  assert.deepEqual(
    summary.sort(),
    [
      "--set:1:11 selection.lamda",
      "--set:2:21 training.batch_size",
      "--set:3:1 ",
      "--set:4:6 seed",
      "--set:5:1 arms.9.kind",
    ].sort(),
  );
  const unknown = issues.find((issue) => issue.path === "selection.lamda");
  assert.match(unknown?.hint ?? "", /did you mean "lambda"/);
  assert.equal(unknown?.source, "selection.lamda=2");
});

Deno.test("overrides: sweep keys stay dotted", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "minimal.yaml"), {
    projectRoot: PROJECT_ROOT,
    overrides: ["sweep.selection.lambda=[1, 2]"],
  });
  assert.deepEqual(loaded.spec.sweep, { "selection.lambda": [1, 2] });
  assert.deepEqual(loaded.runs.map((run) => run.spec.selection.lambda), [1, 2]);
});

Deno.test("safety: data.roots admits outside paths", async () => {
  const outside = await tempDir("ifguide-data-");
  const source =
    `    - { name: mine, dataset: file, path: ${outside}/corpus.jsonl, text_column: text, label: benign }\n`;
  const text = MINIMAL.replace("data:\n  sources:\n", `data:\n  roots: [${outside}]\n  sources:\n${source}`);
  const root = await project({ "s.yaml": text });
  const loaded = await loadSpec(join(root, "s.yaml"), { projectRoot: root });
  assert.equal(loaded.spec.data.sources[0].path, `${outside}/corpus.jsonl`);

  const denied = await project({ "s.yaml": text.replace(`  roots: [${outside}]\n`, "") });
  const issues = await issuesOf(loadSpec(join(denied, "s.yaml"), { projectRoot: denied }));
  assert.deepEqual(issues.map((issue) => issue.path), ["data.sources.0.path"]);
});

Deno.test("safety: project root option", async () => {
  const root = await tempDir("ifguide-spec-");
  await Deno.mkdir(join(root, "sub"));
  await Deno.writeTextFile(join(root, "sub/s.yaml"), `${MINIMAL}cache_dir: ${root}/cache\n`);
  const inside = await loadSpec(join(root, "sub/s.yaml"), { projectRoot: root });
  assert.equal(inside.spec.cache_dir, `${root}/cache`);
  const issues = await issuesOf(loadSpec(join(root, "sub/s.yaml"), { projectRoot: join(root, "sub") }));
  assert.deepEqual(issues.map((issue) => issue.path), ["cache_dir"]);
});

Deno.test("safety: tags on collections and keys", async () => {
  const root = await project({ "s.yaml": MINIMAL + "training: !!map { batch_size: 8 }\n!!str seed: 3\n" });
  const issues = await issuesOf(loadSpec(join(root, "s.yaml"), { projectRoot: root }));
  const summary = issues.map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.message}`);
  assert.deepEqual(summary, [
    '10:11 training explicit YAML tag "!!map" is not allowed',
    '11:1 seed explicit YAML tag "!!str" is not allowed',
  ]);
});

Deno.test("anchors: aliases expand in place", async () => {
  const loaded = await loadSpec(join(GOOD_DIR, "anchors.yaml"), { projectRoot: PROJECT_ROOT });
  assert.deepEqual(loaded.spec.arms[3].dpo, { ...loaded.spec.arms[2].dpo });
  assert.equal(loaded.spec.arms[3].dpo.beta, 0.2);
  assert.equal(loaded.spec.arms[3].dpo.steps, 100);
});

Deno.test("safety: files over 1 MiB rejected", async () => {
  const padding = `# ${"x".repeat(1000)}\n`.repeat(Math.ceil(MAX_SPEC_BYTES / 1000));
  const root = await project({ "big.yaml": MINIMAL + padding });
  const issues = await issuesOf(loadSpec(join(root, "big.yaml"), { projectRoot: root }));
  assert.equal(issues.length, 1);
  assert.match(issues[0].message, /larger than the 1048576-byte limit/);
});

Deno.test("files: missing file or folder reported", async () => {
  const missing = await issuesOf(
    loadSpec(join(GOOD_DIR, "no-such-spec.yaml"), { projectRoot: PROJECT_ROOT }),
  );
  assert.equal(missing.length, 1);
  assert.match(missing[0].message, /file not found/);

  const folder = await issuesOf(loadSpec(GOOD_DIR, { projectRoot: PROJECT_ROOT }));
  assert.equal(folder.length, 1);
  assert.match(folder[0].message, /not a regular file/);
});
