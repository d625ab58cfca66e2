/**
 * Validation of a resolved model config before parameters are allocated. Named presets live with the
 * spec (`lib/spec/presets.ts`); this file only checks the shape a model is built from.
 */

import type { ModelConfig } from "./types.ts";

/** Check a model config and return a list of problems (empty when it is valid). */
export function modelConfigProblems(config: ModelConfig): string[] {
  const problems: string[] = [];
  const positive = ["d_model", "n_layers", "n_heads", "d_ff", "context", "vocab_size"] as const;
  for (const key of positive) {
    const value = config[key];
    if (!Number.isInteger(value) || value <= 0) {
      problems.push(`${key} must be a positive integer, got ${value}`);
    }
  }
  if (config.d_model % config.n_heads !== 0) {
    problems.push(`d_model (${config.d_model}) must be divisible by n_heads (${config.n_heads})`);
  }
  const headDim = config.d_model / config.n_heads;
  if (config.positions === "rotary" && headDim % 2 !== 0) {
    problems.push(`rotary positions need an even head width, got d_model / n_heads = ${headDim}`);
  }
  if (config.positions !== "learned" && config.positions !== "rotary") {
    problems.push(`positions must be 'learned' or 'rotary', got '${config.positions}'`);
  }
  return problems;
}

/** Throw when a model config is invalid, listing every problem. */
export function assertModelConfig(config: ModelConfig): void {
  const problems = modelConfigProblems(config);
  if (problems.length > 0) throw new Error(`Invalid model config: ${problems.join("; ")}.`);
}
