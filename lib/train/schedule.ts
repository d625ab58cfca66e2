/** Learning-rate schedule: linear warmup, then cosine decay to `minLrRatio * lr`. */

/** Schedule settings. */
export interface ScheduleOptions {
  lr: number;
  /** Warmup length as a fraction of all steps. */
  warmup: number;
  /** Final learning rate as a fraction of `lr`. */
  minLrRatio: number;
}

/** Learning rate of optimizer step `step` (0-based) out of `total` steps. */
export function learningRate(step: number, total: number, options: ScheduleOptions): number {
  const warmupSteps = Math.round(options.warmup * total);
  if (step < warmupSteps) return (options.lr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, total - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return options.lr * (options.minLrRatio + (1 - options.minLrRatio) * cosine);
}
