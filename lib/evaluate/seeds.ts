/**
 * Metrics over several training seeds: mean and spread per arm, and paired tests of each arm against a
 * reference arm (`none` by default). Seeds pair the arms because every arm trains once per seed on the
 * same data order. Prompts pair them because every arm answers the same prompts.
 */

import { pairedBootstrap, pairedPermutation, pairedT, type PairedTest } from "./bootstrap.ts";
import type { MetricRow } from "./types.ts";

/** Mean and spread of one metric over seeds. */
export interface SeedAggregate {
  arm?: string;
  promptSet: string;
  metric: string;
  attribute?: string;
  classifier?: string;
  mean: number;
  /** Sample standard deviation over seeds (0 for one seed). */
  std: number;
  min: number;
  max: number;
  seeds: number[];
}

function groupKey(row: MetricRow, withArm: boolean): string {
  return JSON.stringify([
    withArm ? row.arm ?? "" : "",
    row.promptSet,
    row.metric,
    row.attribute ?? "",
    row.classifier ?? "",
  ]);
}

/** Group metric rows that differ only by seed and summarise each group. */
export function aggregateSeeds(rows: MetricRow[]): SeedAggregate[] {
  const groups = new Map<string, MetricRow[]>();
  for (const row of rows) {
    const key = groupKey(row, true);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(row);
  }
  return [...groups.values()].map((group) => {
    const values = group.map((row) => row.value);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.length < 2
      ? 0
      : values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
    const first = group[0];
    return {
      arm: first.arm,
      promptSet: first.promptSet,
      metric: first.metric,
      attribute: first.attribute,
      classifier: first.classifier,
      mean,
      std: Math.sqrt(variance),
      min: Math.min(...values),
      max: Math.max(...values),
      seeds: group.map((row) => row.seed ?? NaN),
    };
  });
}

/** Metric rows of aggregates: value is the mean, the interval is [min, max] over seeds, n is the seed count. */
export function aggregateRows(aggregates: SeedAggregate[]): MetricRow[] {
  return aggregates.map((entry) => ({
    arm: entry.arm,
    promptSet: entry.promptSet,
    metric: entry.metric,
    attribute: entry.attribute,
    classifier: entry.classifier,
    value: entry.mean,
    ciLow: entry.min,
    ciHigh: entry.max,
    n: entry.seeds.length,
  }));
}

/** A paired comparison of one arm's metric with the reference arm's. */
export interface ArmComparison {
  arm: string;
  reference: string;
  promptSet: string;
  metric: string;
  attribute?: string;
  classifier?: string;
  /** Sign-flip permutation test over seeds (exact for up to 16 seeds). */
  permutation: PairedTest;
  /** Paired t-test over seeds. */
  t: PairedTest;
}

/**
 * Compare every arm with `reference` over the seeds both have, per (prompt set, metric, attribute,
 * classifier). Groups where the two arms share fewer than two seeds are skipped.
 */
export function compareArmsOverSeeds(
  rows: MetricRow[],
  reference = "none",
  rounds = 10_000,
  seed = 0,
): ArmComparison[] {
  const byGroup = new Map<string, Map<string, Map<number, number>>>();
  for (const row of rows) {
    if (row.arm === undefined || row.seed === undefined) continue;
    const key = groupKey(row, false);
    if (!byGroup.has(key)) byGroup.set(key, new Map());
    const arms = byGroup.get(key)!;
    if (!arms.has(row.arm)) arms.set(row.arm, new Map());
    arms.get(row.arm)!.set(row.seed, row.value);
  }
  const out: ArmComparison[] = [];
  for (const [key, arms] of byGroup) {
    const base = arms.get(reference);
    if (!base) continue;
    const [, promptSet, metric, attribute, classifier] = JSON.parse(key) as string[];
    for (const [arm, values] of arms) {
      if (arm === reference) continue;
      const shared = [...values.keys()].filter((s) => base.has(s)).sort((a, b) => a - b);
      if (shared.length < 2) continue;
      const armValues = shared.map((s) => values.get(s)!);
      const refValues = shared.map((s) => base.get(s)!);
      out.push({
        arm,
        reference,
        promptSet,
        metric,
        attribute: attribute || undefined,
        classifier: classifier || undefined,
        permutation: pairedPermutation(armValues, refValues, rounds, seed),
        t: pairedT(armValues, refValues),
      });
    }
  }
  return out;
}

/**
 * Paired bootstrap over prompts of one seed: compares per-prompt maxima of an arm with the reference
 * arm's on the same prompts, for EMT (the maxima) or TP (maxima at or above `threshold`).
 */
export function comparePromptMaxima(
  armMaxima: ArrayLike<number>,
  referenceMaxima: ArrayLike<number>,
  metric: "emt" | "tp",
  threshold: number,
  rounds: number,
  seed: number,
): PairedTest {
  const transform = (values: ArrayLike<number>) => {
    if (metric === "emt") return Float64Array.from(values);
    return Float64Array.from(values, (v) => (v >= threshold ? 1 : 0));
  };
  return pairedBootstrap(transform(armMaxima), transform(referenceMaxima), rounds, seed);
}
