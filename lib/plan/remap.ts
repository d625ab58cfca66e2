/** Wrap a stage so the plan can hand it inputs under other names or shapes. */

import type { StageDefinition } from "../runner/stage.ts";

/**
 * A copy of `stage` (same name, version and codec, so keys are unaffected) whose `run` first maps the
 * plan's named inputs through `transform`.
 */
export function withInputs<Config, Inputs, Output>(
  stage: StageDefinition<Config, Inputs, Output>,
  transform: (inputs: Record<string, unknown>) => Record<string, unknown>,
): StageDefinition<Config, Record<string, unknown>, Output> {
  return {
    ...stage,
    run: (context, config, inputs) => stage.run(context, config, transform(inputs) as Inputs),
  };
}
