import assert from "assert";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpecError, validateSpecObject } from "../../lib/spec/mod.ts";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function specWith(rtp: unknown, roots: string[] = []) {
  return {
    name: "rtp-file",
    data: {
      sources: [{ dataset: "nlp_corpus", label: "benign" }, { dataset: "rtp", label: "toxic" }],
      roots,
      rtp,
    },
    models: { target: { preset: "cpu-0.3m" } },
    arms: ["none", "ifguide"],
  };
}

function issuesOf(value: unknown): Array<{ path: string; message: string }> {
  try {
    validateSpecObject(value, "inline", { projectRoot: PROJECT_ROOT });
  } catch (error) {
    if (error instanceof SpecError) return error.issues;
    throw error;
  }
  return [];
}

Deno.test("data.rtp defaults", () => {
  const spec = validateSpecObject(specWith({ path: "tests/fixtures/rtp/prompts.jsonl" }), "inline", {
    projectRoot: PROJECT_ROOT,
  });
  assert.deepEqual(spec.data.rtp, {
    path: "tests/fixtures/rtp/prompts.jsonl",
    prompt_text: "prompt.text",
    prompt_toxicity: "prompt.toxicity",
    continuation_text: "continuation.text",
    continuation_toxicity: "continuation.toxicity",
    eval_share: { toxic: 0.25, nontoxic: 0.07 },
  });
  const absent = validateSpecObject({ ...specWith(undefined), data: { ...specWith(undefined).data } });
  assert.equal(absent.data.rtp, undefined, "the field is optional");
});

Deno.test("data.rtp invalid values", () => {
  const issues = issuesOf(specWith({ prompt_text: "prompt.", eval_share: { toxic: 1.5 } }));
  assert.deepEqual(issues.map((issue) => issue.path).sort(), [
    "data.rtp.eval_share.toxic",
    "data.rtp.path",
    "data.rtp.prompt_text",
  ]);
});

Deno.test("data.rtp path containment", () => {
  const outside = issuesOf(specWith({ path: "/srv/rtp/prompts.jsonl" }));
  assert.equal(outside.length, 1);
  assert.equal(outside[0].path, "data.rtp.path");
  assert.match(outside[0].message, /outside the project root/);
  assert.deepEqual(issuesOf(specWith({ path: "/srv/rtp/prompts.jsonl" }, ["/srv/rtp"])), []);
  assert.equal(issuesOf(specWith({ path: "../../prompts.jsonl" }))[0]?.path, "data.rtp.path");
});
