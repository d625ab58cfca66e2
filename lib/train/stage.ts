/** The `train` stage: trains one model (baseline, proxy or an arm) and stores its checkpoint. */

import { type Checkpoint, checkpointCodec } from "../model/checkpoint.ts";
import type { StageDefinition } from "../runner/stage.ts";
import { type TrainConfig, type TrainInputs, trainModel } from "./trainer.ts";

/** Stage definition for model training; its artifact is the best checkpoint. */
export const trainStage: StageDefinition<TrainConfig, TrainInputs, Checkpoint> = {
  name: "train",
  version: "2",
  usesBackend: true,
  codec: checkpointCodec,
  run: (context, config, inputs) => trainModel(context, config, inputs),
};
