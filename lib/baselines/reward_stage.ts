/**
 * The `reward-model` stage: trains the prefix toxicity reward model that RAD arms with
 * `rad.reward: reward-model` decode with, and stores it as a cached artifact.
 */

import type { Tokenizer } from "../data/types.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import { readJson, writeFileAtomic, writeJsonAtomic } from "../util/atomic.ts";
import type { PrefixRewardModel } from "./reward_model.ts";
import {
  DEFAULT_REWARD_TRAINING,
  type RewardTrainingOptions,
  type RewardTrainingRow,
  trainPrefixReward,
} from "./reward_train.ts";

/** Inputs of the reward-model stage. */
export interface RewardModelInputs {
  /** The tokenizer of the models RAD decodes, so candidates are scored by token id. */
  tokenizer: Tokenizer;
  /** Classifier-training rows (text and toxicity target); never evaluation prompts. */
  rows: RewardTrainingRow[];
}

/** Format tag written into the artifact, checked on load. */
export const REWARD_MODEL_FORMAT = "ifguide-prefix-reward-v1";
const META_FILE = "reward_model.json";
const WEIGHTS_FILE = "weights.f32";

interface RewardModelMeta {
  format: string;
  bucketsLog2: number;
  bias: number;
  metrics: Record<string, number>;
  /** Byte order of the weight file. */
  endianness: "little";
}

/** Stores the weights as raw little-endian float32 beside a JSON header. */
export const rewardModelCodec: ArtifactCodec<PrefixRewardModel> = {
  async save(dir, model) {
    const bytes = new Uint8Array(model.weights.length * 4);
    const view = new DataView(bytes.buffer);
    model.weights.forEach((value, i) => view.setFloat32(i * 4, value, true));
    await writeFileAtomic(`${dir}/${WEIGHTS_FILE}`, bytes);
    const meta: RewardModelMeta = {
      format: REWARD_MODEL_FORMAT,
      bucketsLog2: model.bucketsLog2,
      bias: model.bias,
      metrics: model.metrics,
      endianness: "little",
    };
    await writeJsonAtomic(`${dir}/${META_FILE}`, meta);
  },
  async load(dir) {
    const meta = await readJson<RewardModelMeta>(`${dir}/${META_FILE}`);
    if (meta.format !== REWARD_MODEL_FORMAT) {
      throw new Error(
        `${dir}/${META_FILE} has format '${meta.format}', expected '${REWARD_MODEL_FORMAT}'; rebuild the reward-model stage`,
      );
    }
    const bytes = await Deno.readFile(`${dir}/${WEIGHTS_FILE}`);
    const size = 2 ** meta.bucketsLog2;
    if (bytes.length !== size * 4) {
      throw new Error(
        `${dir}/${WEIGHTS_FILE} has ${bytes.length} bytes, expected ${
          size * 4
        }; the artifact is truncated, rebuild the reward-model stage`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const weights = new Float32Array(size);
    for (let i = 0; i < size; i++) weights[i] = view.getFloat32(i * 4, true);
    return { bucketsLog2: meta.bucketsLog2, bias: meta.bias, weights, metrics: meta.metrics };
  },
};

/** The reward-model stage; its config is the full training settings (see `DEFAULT_REWARD_TRAINING`). */
export const rewardModelStage: StageDefinition<RewardTrainingOptions, RewardModelInputs, PrefixRewardModel> =
  {
    name: "reward-model",
    version: "1",
    usesBackend: false,
    codec: rewardModelCodec,
    run(context, config, inputs) {
      const options = { ...DEFAULT_REWARD_TRAINING, ...config };
      context.events.log(
        `training the prefix reward model on ${inputs.rows.length} rows, 2^${options.bucketsLog2} weights`,
      );
      const model = trainPrefixReward(
        inputs.tokenizer,
        inputs.rows,
        options,
        context.seed,
        (done, total) => context.events.progress(done, total, "rows"),
        context.signal,
      );
      for (const [name, value] of Object.entries(model.metrics)) {
        context.events.metric(`reward_model.${name}`, value);
      }
      return Promise.resolve(model);
    },
  };
