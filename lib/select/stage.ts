/** The selection stage: token scores in, toxic-token mask and its statistics out. */

import type { StageDefinition } from "../runner/stage.ts";
import type { SelectionSpec } from "../spec/types.ts";
import { selectionCodec, writeSelection } from "./artifact.ts";
import { arrowScoreSource, denseScoreSource } from "./score_source.ts";
import { selectTokens } from "./select.ts";
import type { SelectionResult, TokenScores } from "./types.ts";

/** Inputs of the selection stage: token scores in memory, or the path of an Arrow score table. */
export interface SelectionInputs {
  scores: TokenScores | string;
}

/** Stage definition; its config slice is `spec.selection`. */
export const selectionStage: StageDefinition<SelectionSpec, SelectionInputs, SelectionResult> = {
  name: "selection",
  version: "1",
  usesBackend: false,
  codec: selectionCodec,
  async run(context, config, inputs) {
    const source = typeof inputs.scores === "string"
      ? arrowScoreSource(inputs.scores)
      : denseScoreSource(inputs.scores);
    const result = await selectTokens(source, config, { signal: context.signal, events: context.events });
    const { stats } = result;
    context.events.metric("threshold", stats.threshold);
    context.events.metric("tokens_selected", stats.tokensSelected);
    context.events.metric("chunks_touched", stats.chunksTouched);
    context.events.log(
      `selected ${stats.tokensSelected} of ${stats.budgetTokens} budget tokens in ${stats.chunksTouched} chunks ` +
        `(threshold ${stats.threshold.toPrecision(6)}, stop: ${stats.stopReason})`,
    );
    await writeSelection(context.outputDir, result);
    return result;
  },
};
