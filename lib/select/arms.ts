/**
 * Training-arm registry: the inputs each arm kind needs and the plan its training run receives. Orchestration looks an arm kind up
 * in `ARM_REGISTRY`, wires the inputs listed in `needs`, and hands the result of `armTrainingPlan` to
 * the training (or DPO) stage, so no caller branches on arm names.
 *
 * Target weights follow the penalty objective: one weight per corpus token, +1 for ordinary tokens and
 * -lambda (or 0 when dropping) for selected ones. Weight (c, t) scales the loss term whose target is
 * token t of chunk c, the term computed from the logits at position t - 1; position 0 has no loss term,
 * so its weight is ignored.
 */

import type { Corpus } from "../data/types.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";
import type { ArmKind, ArmSpec, SelectionSpec } from "../spec/types.ts";
import { topInfluenceChunks, toxicTokenMask, trainingChunkIds } from "./baseline_masks.ts";
import { resolveBudget } from "./select.ts";
import type { SelectionResult, TokenScores } from "./types.ts";
import { keepDocumentsWithoutWords, profanityMatcher, type WordListMatcher } from "./wordlist.ts";

/** An input an arm's plan is built from. */
export type ArmNeed =
  /** The selection stage's result (differential token mask). */
  | "mask"
  /** A toxicity classifier for document filtering. */
  | "classifier"
  /** Token scores of a plain (non-differential) influence run over the training chunks. */
  | "plain-scores"
  /** The trained checkpoint of the `none` arm with the same model and seed. */
  | "none-checkpoint"
  /** The trained checkpoint of the `ifguide` arm with the same model and seed. */
  | "ifguide-checkpoint";

/** Texts scored per classifier call when filtering documents. */
export const CLASSIFIER_BATCH = 256;

/** Everything an arm's plan may be built from; fields beyond `corpus` and `selectionSpec` are optional. */
export interface ArmInputs {
  corpus: Corpus;
  /** The spec's selection slice: lambda and the budget. */
  selectionSpec: SelectionSpec;
  mask?: SelectionResult;
  classifier?: ToxicityClassifier;
  plainScores?: TokenScores;
  /** Word list for `filter-words`; the shipped English profanity list when absent. */
  wordList?: WordListMatcher;
}

/** Plan of one arm's training run. */
export interface ArmTrainingPlan {
  /** `lm`: language-model training; `dpo`: preference training; `reuse`: no training, evaluate `init`. */
  training: "lm" | "dpo" | "reuse";
  init: "scratch" | "none-checkpoint" | "ifguide-checkpoint";
  /** Loss weight of every corpus token, [corpus.numChunks x blockSize]; absent means all ones. */
  targetWeights?: Float32Array;
  /** 1 for each document kept, [documents]; absent keeps all. Apply with the data stage's corpus filter. */
  keepDocuments?: Uint8Array;
  /** Corpus chunk ids removed from the training split. */
  dropChunks?: Int32Array;
  /** Optimizer steps when they differ from the spec's training steps (fine-tuning). */
  steps?: number;
  /** Learning-rate multiplier relative to the spec's optimizer learning rate. */
  lrScale?: number;
  /** Counts for the arm's manifest (tokens penalised, documents removed, ...). */
  summary: Record<string, number>;
}

/** One registered arm kind. */
export interface ArmDefinition {
  kind: ArmKind;
  needs: ArmNeed[];
  /** One line for plans and reports. */
  description: string;
  plan(arm: ArmSpec, inputs: ArmInputs): ArmTrainingPlan;
}

function requireInput<K extends keyof ArmInputs>(
  arm: ArmSpec,
  inputs: ArmInputs,
  key: K,
): NonNullable<ArmInputs[K]> {
  const value = inputs[key];
  if (value === undefined || value === null) {
    throw new Error(
      `arm '${arm.name}' (kind ${arm.kind}) needs input '${key}' but none was given; ` +
        `wire the stages listed in ARM_REGISTRY['${arm.kind}'].needs`,
    );
  }
  return value as NonNullable<ArmInputs[K]>;
}

/** Weights over the whole corpus: `selectedWeight` where the mask of the scored chunks is 1, else 1. */
export function weightsFromMask(
  corpus: Corpus,
  selection: Pick<SelectionResult, "chunkIds" | "blockSize" | "mask">,
  selectedWeight: number,
): Float32Array {
  if (selection.blockSize !== corpus.blockSize) {
    throw new RangeError(
      `the mask has block size ${selection.blockSize} but the corpus has ${corpus.blockSize}; ` +
        "the scores were computed on another chunking, so rerun scoring on this corpus",
    );
  }
  const { blockSize } = corpus;
  const weights = new Float32Array(corpus.numChunks * blockSize).fill(1);
  selection.chunkIds.forEach((chunkId, c) => {
    if (chunkId < 0 || chunkId >= corpus.numChunks) {
      throw new RangeError(`mask chunk id ${chunkId} is outside the corpus (0..${corpus.numChunks - 1})`);
    }
    for (let t = 0; t < blockSize; t++) {
      if (selection.mask[c * blockSize + t]) weights[chunkId * blockSize + t] = selectedWeight;
    }
  });
  return weights;
}

function countWeighted(weights: Float32Array): number {
  let count = 0;
  for (const w of weights) if (w !== 1) count++;
  return count;
}

function penaltyPlan(
  arm: ArmSpec,
  inputs: ArmInputs,
  init: ArmTrainingPlan["init"],
  dropping: boolean,
): ArmTrainingPlan {
  const mask = requireInput(arm, inputs, "mask");
  const weight = dropping ? 0 : -inputs.selectionSpec.lambda;
  const targetWeights = weightsFromMask(inputs.corpus, mask, weight);
  return {
    training: "lm",
    init,
    targetWeights,
    summary: { tokens_weighted: countWeighted(targetWeights), weight },
  };
}

function filterSummary(corpus: Corpus, keep: Uint8Array): Record<string, number> {
  let removed = 0;
  let removedToxic = 0;
  let removedTokens = 0;
  keep.forEach((kept, d) => {
    if (kept) return;
    removed++;
    removedToxic += corpus.documents.toxic[d];
    removedTokens += corpus.documents.tokens[d];
  });
  return { documents_removed: removed, toxic_documents_removed: removedToxic, tokens_removed: removedTokens };
}

/** Documents to keep: 1 where the classifier's toxicity is below `threshold`. */
export function keepDocumentsBelowToxicity(
  texts: string[],
  classifier: ToxicityClassifier,
  threshold: number,
): Uint8Array {
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RangeError(`filter_threshold must be in (0, 1], got ${threshold}`);
  }
  const keep = new Uint8Array(texts.length);
  for (let start = 0; start < texts.length; start += CLASSIFIER_BATCH) {
    const toxicity = classifier.predict(texts.slice(start, start + CLASSIFIER_BATCH)).toxicity;
    toxicity.forEach((p, i) => keep[start + i] = p >= threshold ? 0 : 1);
  }
  return keep;
}

const plainArm = (kind: ArmKind, description: string): ArmDefinition => ({
  kind,
  needs: [],
  description,
  plan: () => ({ training: "lm", init: "scratch", summary: {} }),
});

/** Every arm kind with its needs and plan builder. */
export const ARM_REGISTRY: Record<ArmKind, ArmDefinition> = {
  "none": plainArm("none", "standard training on the full corpus"),
  "ifguide": {
    kind: "ifguide",
    needs: ["mask"],
    description: "training from scratch with selected targets weighted -lambda",
    plan: (arm, inputs) => penaltyPlan(arm, inputs, "scratch", false),
  },
  "ifguide-finetune": {
    kind: "ifguide-finetune",
    needs: ["mask", "none-checkpoint"],
    description: "fine-tuning the none checkpoint with the penalty objective",
    plan: (arm, inputs) => ({
      ...penaltyPlan(arm, inputs, "none-checkpoint", false),
      steps: arm.finetune_steps,
      lrScale: arm.finetune_lr_scale,
    }),
  },
  "drop-tokens": {
    kind: "drop-tokens",
    needs: ["mask"],
    description: "training from scratch with selected targets weighted 0",
    plan: (arm, inputs) => penaltyPlan(arm, inputs, "scratch", true),
  },
  "filter-docs": {
    kind: "filter-docs",
    needs: ["classifier"],
    description: "training without documents the toxicity classifier flags",
    plan: (arm, inputs) => {
      const classifier = requireInput(arm, inputs, "classifier");
      const keepDocuments = keepDocumentsBelowToxicity(
        inputs.corpus.documents.text,
        classifier,
        arm.filter_threshold,
      );
      return {
        training: "lm",
        init: "scratch",
        keepDocuments,
        summary: filterSummary(inputs.corpus, keepDocuments),
      };
    },
  },
  "filter-words": {
    kind: "filter-words",
    needs: [],
    description: "training without documents that contain a profanity-list word",
    plan: (_arm, inputs) => {
      const keepDocuments = keepDocumentsWithoutWords(
        inputs.corpus.documents.text,
        inputs.wordList ?? profanityMatcher(),
      );
      return {
        training: "lm",
        init: "scratch",
        keepDocuments,
        summary: filterSummary(inputs.corpus, keepDocuments),
      };
    },
  },
  "plain-influence": {
    kind: "plain-influence",
    needs: ["plain-scores"],
    description: "training without the chunks of highest plain influence, up to the selection budget",
    plan: (arm, inputs) => {
      const scores = requireInput(arm, inputs, "plainScores");
      const budget = resolveBudget(inputs.selectionSpec, scores.numChunks * scores.blockSize);
      const dropChunks = topInfluenceChunks(scores, budget);
      return {
        training: "lm",
        init: "scratch",
        dropChunks,
        summary: {
          chunks_removed: dropChunks.length,
          tokens_removed: dropChunks.length * scores.blockSize,
          budget_tokens: budget,
        },
      };
    },
  },
  "oracle": {
    kind: "oracle",
    needs: [],
    description: "penalty objective with every token of ground-truth toxic documents selected",
    plan: (_arm, inputs) => {
      const { corpus } = inputs;
      const chunkIds = trainingChunkIds(corpus);
      const mask = toxicTokenMask(corpus, chunkIds);
      const targetWeights = weightsFromMask(
        corpus,
        { chunkIds, blockSize: corpus.blockSize, mask },
        -inputs.selectionSpec.lambda,
      );
      return {
        training: "lm",
        init: "scratch",
        targetWeights,
        summary: { tokens_weighted: countWeighted(targetWeights) },
      };
    },
  },
  "dpo": {
    kind: "dpo",
    needs: ["none-checkpoint"],
    description: "DPO on the none checkpoint",
    plan: () => ({ training: "dpo", init: "none-checkpoint", summary: {} }),
  },
  "rad": {
    kind: "rad",
    needs: ["none-checkpoint"],
    description: "the none checkpoint decoded with reward-augmented decoding",
    plan: () => ({ training: "reuse", init: "none-checkpoint", summary: {} }),
  },
  "ifguide+rad": {
    kind: "ifguide+rad",
    needs: ["ifguide-checkpoint"],
    description: "the ifguide checkpoint decoded with reward-augmented decoding",
    plan: () => ({ training: "reuse", init: "ifguide-checkpoint", summary: {} }),
  },
  "ifguide+dpo": {
    kind: "ifguide+dpo",
    needs: ["ifguide-checkpoint"],
    description: "DPO on the ifguide checkpoint",
    plan: () => ({ training: "dpo", init: "ifguide-checkpoint", summary: {} }),
  },
};

/** Build the training plan of one arm from the inputs its kind needs. */
export function armTrainingPlan(arm: ArmSpec, inputs: ArmInputs): ArmTrainingPlan {
  const definition = ARM_REGISTRY[arm.kind];
  if (definition === undefined) {
    const known = Object.keys(ARM_REGISTRY).join(", ");
    throw new Error(`arm '${arm.name}' has unknown kind '${arm.kind}'; known kinds: ${known}`);
  }
  return definition.plan(arm, inputs);
}
