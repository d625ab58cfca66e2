/** The selection stage: token scores in, toxic-token mask and its statistics out. */

import type { Corpus } from "../data/types.ts";
import type { StageDefinition } from "../runner/stage.ts";
import type { SelectionSpec } from "../spec/types.ts";
import { selectionCodec, writeSelection } from "./artifact.ts";
import { pooledScoreSource, poolingOf } from "./pooling.ts";
import { type ScoreInput, scoreSourceOf } from "./score_source.ts";
import { selectTokens } from "./select.ts";
import type { SelectionResult } from "./types.ts";

/**
 * Inputs of the selection stage. `scores` is the scores stage's artifact, token scores in memory, or a
 * table path. `corpus` gives the document ids and is required when the spec pools scores.
 */
export interface SelectionInputs {
  scores: ScoreInput;
  corpus?: Corpus;
}

/** Stage definition; its config slice is `spec.selection`. */
export const selectionStage: StageDefinition<SelectionSpec, SelectionInputs, SelectionResult> = {
  name: "selection",
  version: "2",
  usesBackend: false,
  codec: selectionCodec,
  async run(context, config, inputs) {
    const pooling = poolingOf(config);
    let source = scoreSourceOf(inputs.scores);
    if (pooling.kind !== "none") {
      if (!inputs.corpus) {
        throw new Error(
          `selection.pooling '${pooling.kind}' needs the corpus as an input of the selection stage`,
        );
      }
      source = pooledScoreSource(source, inputs.corpus, pooling);
      context.events.log(
        `pooling token scores: ${pooling.kind}${pooling.kind === "window" ? ` +-${pooling.window}` : ""}`,
      );
    }
    const result = await selectTokens(source, config, {
      signal: context.signal,
      events: context.events,
    });
    const { stats } = result;
    context.events.metric("threshold", stats.threshold);
    context.events.metric("tokens_selected", stats.tokensSelected);
    context.events.metric("chunks_touched", stats.chunksTouched);
    context.events.log(
      `selected ${stats.tokensSelected} of ${stats.budgetTokens} budget tokens in ${stats.chunksTouched} chunks ` +
        `(threshold ${stats.threshold.toPrecision(6)}, stop: ${stats.stopReason})`,
    );
    if (stats.stopReason !== "budget" && stats.tokensSelected < stats.budgetTokens) {
      const filled = (100 * stats.budgetUsed).toFixed(1);
      context.events.warning(
        `selection filled ${filled}% of its ${stats.budgetTokens}-token budget because only ` +
          `${stats.candidateTokens} positions score above the ${stats.percentile} quantile; lower selection.percentile ` +
          "or raise selection.window to select more tokens",
      );
    }
    await writeSelection(context.outputDir, result);
    return result;
  },
};
