/**
 * The `dpo` stage: fine-tunes a checkpoint with Direct Preference Optimization on the preference pairs
 * the arm's spec names, and returns the fine-tuned checkpoint. DPO arms start from the standard-loss
 * baseline; `ifguide+dpo` arms start from the IF-Guide checkpoint (see `BASELINE_RECIPES`).
 */

import type { PromptRow, Tokenizer } from "../data/types.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";
import {
  type Checkpoint,
  checkpointCodec,
  checkpointFromModel,
  modelFromCheckpoint,
  type TrainingRecord,
} from "../model/checkpoint.ts";
import type { StageContext, StageDefinition } from "../runner/stage.ts";
import type { ArmSpec, DpoSpec, Spec } from "../spec/types.ts";
import { loadState, runFingerprint, saveState } from "../train/resume.ts";
import { encodePairs } from "./dpo_batch.ts";
import { DPO_PAIR_SOURCES } from "./dpo_pairs.ts";
import { trainDpo } from "./dpo_train.ts";

/** Settings of the dpo stage: the arm's `dpo` block plus what the rest of the spec fixes. */
export interface DpoStageConfig {
  dpo: DpoSpec;
  /** The spec seed that assigns dataset rows to roles, so DPO pairs come from the `dpo` role only. */
  role_seed: number;
  /** AdamW betas, eps and weight decay; the learning rate is `dpo.lr`. */
  optimizer: { betas: [number, number]; eps: number; weight_decay: number };
  clip_norm: number;
  /** Linear warmup as a fraction of `dpo.steps`; the learning rate is constant afterwards. */
  warmup: number;
  /** Steps between KL measurements. */
  kl_every: number;
  /** Pairs in the fixed batch on which the KL to the reference is measured. */
  kl_pairs: number;
  /** Steps between resumable states in the scratch folder; 0 disables them. */
  checkpoint_every: number;
  /** Sampling for `dpo.pairs: self-generated`. */
  self_generated: {
    samples: number;
    max_new_tokens: number;
    temperature: number;
    top_p: number;
    top_k: number;
    /** Minimum toxicity gap between the chosen and the rejected sample of a prompt. */
    min_spread: number;
    batch_size: number;
  };
}

/** Inputs of the dpo stage. */
export interface DpoStageInputs {
  /** The checkpoint to fine-tune; it is also the frozen reference. */
  checkpoint: Checkpoint;
  tokenizer: Tokenizer;
  /** The explicit classifier (self-generated pairs only). */
  classifier?: ToxicityClassifier;
  /** Query prompts, toxic and non-toxic (self-generated pairs only). */
  prompts?: PromptRow[];
}

/** Samples per prompt for self-generated pairs. */
const SELF_GENERATED_SAMPLES = 8;
/** Toxicity gap below which a prompt gives no self-generated pair. */
const SELF_GENERATED_MIN_SPREAD = 0.1;
/** Warmup share of the DPO steps. */
const DPO_WARMUP = 0.1;
/** KL measurements per run (about), and the monitor batch size. */
const KL_MEASUREMENTS = 20;
const KL_PAIRS = 16;

/**
 * Build the dpo stage config of an arm. Weight decay is 0 because it would pull the weights toward
 * zero, while the DPO objective already anchors the policy to the reference.
 */
export function dpoStageConfig(spec: Spec, arm: ArmSpec): DpoStageConfig {
  const evaluation = spec.evaluation;
  return {
    dpo: { ...arm.dpo },
    role_seed: spec.seed,
    optimizer: {
      betas: [...spec.training.optimizer.betas],
      eps: spec.training.optimizer.eps,
      weight_decay: 0,
    },
    clip_norm: spec.training.clip_norm,
    warmup: DPO_WARMUP,
    kl_every: Math.max(1, Math.round(arm.dpo.steps / KL_MEASUREMENTS)),
    kl_pairs: KL_PAIRS,
    checkpoint_every: spec.training.checkpoint_every,
    self_generated: {
      samples: SELF_GENERATED_SAMPLES,
      max_new_tokens: evaluation.max_new_tokens,
      temperature: evaluation.temperature,
      top_p: evaluation.top_p,
      top_k: evaluation.top_k,
      min_spread: SELF_GENERATED_MIN_SPREAD,
      batch_size: evaluation.batch_size,
    },
  };
}

/** Fine-tune the input checkpoint with DPO; see `dpoStageConfig` for the settings. */
export async function runDpo(
  context: StageContext,
  config: DpoStageConfig,
  inputs: DpoStageInputs,
): Promise<Checkpoint> {
  const source = DPO_PAIR_SOURCES[config.dpo.pairs];
  if (!source) {
    throw new RangeError(
      `unknown DPO pair source '${config.dpo.pairs}'; expected one of ${
        Object.keys(DPO_PAIR_SOURCES).join(", ")
      }`,
    );
  }
  const base = inputs.checkpoint;
  const model = modelFromCheckpoint(base);
  try {
    const sampling = config.self_generated;
    const loaded = await source.load({
      model,
      tokenizer: inputs.tokenizer,
      classifier: inputs.classifier,
      prompts: inputs.prompts,
      limit: config.dpo.max_pairs,
      roleSeed: config.role_seed,
      sampling: {
        samples: sampling.samples,
        maxNewTokens: sampling.max_new_tokens,
        temperature: sampling.temperature,
        topP: sampling.top_p,
        topK: sampling.top_k,
        minSpread: sampling.min_spread,
        seed: context.seed,
        batchSize: sampling.batch_size,
      },
      signal: context.signal,
      onProgress: (done, total) => context.events.progress(done, total, "prompts", "sampling DPO pairs"),
    });
    context.events.log(`DPO pairs: ${loaded.summary}`);

    // Sequences longer than the model context keep their completions and the end of the prompt.
    const encoded = encodePairs(inputs.tokenizer, loaded.pairs, {
      context: model.config.context,
      appendEnd: source.appendEnd,
    });
    context.events.log(
      `DPO pairs encoded: ${encoded.pairs.length} kept, ${encoded.dropped} dropped (identical or empty completions), ` +
        `${encoded.truncated} cut to the context of ${model.config.context} tokens`,
    );

    const fingerprint = runFingerprint({ key: context.key, config, pairs: encoded.pairs.length });
    const shapes = new Map([...model.params].map(([name, variable]) => [name, [...variable.shape]]));
    const resumed = await loadState(context.scratchDir, fingerprint);
    const started = performance.now() - (resumed?.seconds ?? 0) * 1000;

    const result = await trainDpo(model, encoded.pairs, {
      beta: config.dpo.beta,
      lr: config.dpo.lr,
      steps: config.dpo.steps,
      batchSize: config.dpo.batch_size,
      warmup: config.warmup,
      clipNorm: config.clip_norm,
      optimizer: {
        betas: config.optimizer.betas,
        eps: config.optimizer.eps,
        weightDecay: config.optimizer.weight_decay,
      },
      klEvery: config.kl_every,
      klPairs: config.kl_pairs,
      seed: context.seed,
    }, {
      events: context.events,
      signal: context.signal,
      resume: resumed,
      checkpoint: config.checkpoint_every > 0
        ? {
          every: config.checkpoint_every,
          save: (state) =>
            saveState(context.scratchDir, model.config, fingerprint, shapes, {
              ...state,
              best: null,
              seconds: (performance.now() - started) / 1000,
            }),
        }
        : undefined,
    });

    const last = result.records[result.records.length - 1];
    const lastKl = [...result.records].reverse().find((record) => record.kl !== undefined)?.kl ?? Number.NaN;
    const metrics: Record<string, number> = {
      base_step: base.step,
      dpo_steps: config.dpo.steps,
      dpo_pairs: encoded.pairs.length,
      dpo_pairs_dropped: encoded.dropped,
      dpo_pairs_truncated: encoded.truncated,
      dpo_final_loss: last?.loss ?? Number.NaN,
      dpo_final_accuracy: last?.accuracy ?? Number.NaN,
      dpo_final_margin: last?.margin ?? Number.NaN,
      dpo_final_kl: lastKl,
    };
    // DPO steps continue the base checkpoint's step count in the training curve.
    const history: TrainingRecord[] = [
      ...base.history,
      ...result.history.map((record) => ({ ...record, step: base.step + record.step })),
    ];
    return await checkpointFromModel(model, base.step + config.dpo.steps, metrics, history);
  } finally {
    model.dispose();
  }
}

/** The dpo stage definition. */
export const dpoStage: StageDefinition<DpoStageConfig, DpoStageInputs, Checkpoint> = {
  name: "dpo",
  version: "1",
  usesBackend: true,
  codec: checkpointCodec,
  run: runDpo,
};
