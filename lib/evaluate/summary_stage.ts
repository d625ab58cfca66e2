/**
 * The stage that summarises metrics over training seeds: mean and spread per arm, and paired tests of
 * every arm against the reference arm (`none`) over the seeds both share.
 */

import { jsonCodec, type StageDefinition } from "../runner/stage.ts";
import { aggregateRows, aggregateSeeds, type ArmComparison, compareArmsOverSeeds } from "./seeds.ts";
import type { MetricRow } from "./types.ts";

/** Config of `seedSummaryStage`. */
export interface SeedSummaryConfig {
  /** Arm every other arm is compared with. */
  reference: string;
  /** Monte Carlo rounds of the permutation test beyond 16 seeds. */
  rounds: number;
  seed: number;
}

/** Output of `seedSummaryStage`. */
export interface SeedSummary {
  /** One row per (arm, prompt set, metric, attribute, classifier): the mean, [min, max] and the seed count. */
  aggregates: MetricRow[];
  comparisons: ArmComparison[];
}

/** Inputs of `seedSummaryStage`: the metric rows of every arm and seed. */
export interface SeedSummaryInputs {
  metrics: MetricRow[][];
}

/** Aggregate metric rows over seeds and compare arms with the reference arm. */
export const seedSummaryStage: StageDefinition<SeedSummaryConfig, SeedSummaryInputs, SeedSummary> = {
  name: "seed-summary",
  version: "1",
  usesBackend: false,
  codec: jsonCodec<SeedSummary>(),
  run(_context, config, inputs) {
    const rows = inputs.metrics.flat();
    return Promise.resolve({
      aggregates: aggregateRows(aggregateSeeds(rows)),
      comparisons: compareArmsOverSeeds(rows, config.reference, config.rounds, config.seed),
    });
  },
};
