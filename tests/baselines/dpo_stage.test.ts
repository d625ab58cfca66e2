import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { dpoStage, type DpoStageConfig } from "../../lib/baselines/dpo_stage.ts";
import type { PromptRow } from "../../lib/data/types.ts";
import { type Checkpoint, checkpointFromModel } from "../../lib/model/checkpoint.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { silentEvents, type StageEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import { ByteTokenizer, TINY_CONFIG, WordListClassifier } from "./fixtures.ts";

await initBackend("cpu");

const tokenizer = new ByteTokenizer();
const base = await (async () => {
  const model = createModel(TINY_CONFIG, 3);
  const checkpoint = await checkpointFromModel(model, 10, { finalTrainLoss: 5 }, [{
    step: 10,
    trainLoss: 5,
  }]);
  model.dispose();
  return checkpoint;
})();

/** Any lowercase letter counts as toxic, so random samples differ in toxicity. */
const classifier = new WordListClassifier("abcdefghijklmnopqrstuvwxyz".split(""));
const prompts: PromptRow[] = ["The", "A big", "Why", "Say", "We", "It is", "Go", "No"].map((prompt, i) => ({
  id: `test:${i}`,
  prompt,
}));

function stageConfig(overrides: Partial<DpoStageConfig> = {}): DpoStageConfig {
  return {
    dpo: { pairs: "self-generated", beta: 0.5, lr: 3e-3, steps: 6, batch_size: 2, max_pairs: 0 },
    role_seed: 1,
    optimizer: { betas: [0.9, 0.95], eps: 1e-8, weight_decay: 0 },
    clip_norm: 1,
    warmup: 0.1,
    kl_every: 2,
    kl_pairs: 2,
    checkpoint_every: 2,
    self_generated: {
      samples: 4,
      max_new_tokens: 6,
      temperature: 1,
      top_p: 1,
      top_k: 0,
      min_spread: 0.1,
      batch_size: 16,
    },
    ...overrides,
  };
}

async function stageContext(
  events: StageEvents = silentEvents,
  signal = new AbortController().signal,
): Promise<StageContext> {
  return {
    events,
    signal,
    seed: 42,
    key: "dpo-test",
    outputDir: await Deno.makeTempDir({ prefix: "ifguide-dpo-out-" }),
    scratchDir: await Deno.makeTempDir({ prefix: "ifguide-dpo-scratch-" }),
    versions: {},
  };
}

async function removeFolders(context: StageContext): Promise<void> {
  await Deno.remove(context.outputDir, { recursive: true });
  await Deno.remove(context.scratchDir, { recursive: true });
}

function sameParams(a: Checkpoint, b: Checkpoint): boolean {
  return Object.keys(a.params).every((name) =>
    a.params[name].values.every((value, i) => value === b.params[name].values[i])
  );
}

Deno.test("dpoStage self-generated pairs", async () => {
  const context = await stageContext();
  const metrics: Record<string, number[]> = {};
  context.events = { ...silentEvents, metric: (name, value) => (metrics[name] ??= []).push(value) };
  const output = await dpoStage.run(context, stageConfig(), {
    checkpoint: base,
    tokenizer,
    classifier,
    prompts,
  });

  assert.equal(output.step, 16);
  assert.ok(
    output.metrics.dpo_pairs > 0 && output.metrics.dpo_pairs <= prompts.length,
    `pairs ${output.metrics.dpo_pairs}`,
  );
  assert.ok(Number.isFinite(output.metrics.dpo_final_kl), `KL ${output.metrics.dpo_final_kl}`);
  assert.deepEqual(output.history.map((record) => record.step), [10, 11, 12, 13, 14, 15, 16]);
  assert.equal(metrics["dpo.accuracy"].length, 6);
  assert.equal(metrics["dpo.kl"].length, 3);
  assert.ok(!sameParams(output, base), "DPO changed the parameters");
  await removeFolders(context);
});

Deno.test("dpoStage resumes after abort", async () => {
  const config = stageConfig();
  const plainContext = await stageContext();
  const uninterrupted = await dpoStage.run(plainContext, config, {
    checkpoint: base,
    tokenizer,
    classifier,
    prompts,
  });
  await removeFolders(plainContext);

  // Abort once step 3 is reported; the state saved after step 2 is in the scratch folder.
  const controller = new AbortController();
  const events: StageEvents = {
    ...silentEvents,
    progress: (done, _total, unit) => {
      if (unit === "step" && done === 3) controller.abort(new Error("test abort"));
    },
  };
  const context = await stageContext(events, controller.signal);
  await assert.rejects(
    () => dpoStage.run(context, config, { checkpoint: base, tokenizer, classifier, prompts }),
    /test abort/,
  );

  const logs: string[] = [];
  const resumed = await dpoStage.run(
    {
      ...context,
      events: { ...silentEvents, log: (message) => logs.push(message) },
      signal: new AbortController().signal,
    },
    config,
    { checkpoint: base, tokenizer, classifier, prompts },
  );
  assert.ok(logs.some((line) => line.includes("resuming DPO at step 2")), logs.join("\n"));
  assert.ok(sameParams(resumed, uninterrupted), "a resumed run ends with the same parameters");
  await removeFolders(context);
});

Deno.test("dpoStage paradetox pairs", async () => {
  const context = await stageContext();
  const config = stageConfig({
    dpo: { pairs: "paradetox", beta: 0.1, lr: 1e-3, steps: 2, batch_size: 2, max_pairs: 6 },
  });
  const output = await dpoStage.run(context, config, { checkpoint: base, tokenizer });
  assert.ok(
    output.metrics.dpo_pairs >= 1 && output.metrics.dpo_pairs <= 6,
    `pairs ${output.metrics.dpo_pairs}`,
  );
  assert.equal(output.step, 12);
  await removeFolders(context);
});

Deno.test("dpoStage self-generated needs classifier", async () => {
  const context = await stageContext();
  await assert.rejects(
    () => dpoStage.run(context, stageConfig(), { checkpoint: base, tokenizer }),
    /classifier/,
  );
  await removeFolders(context);
});
