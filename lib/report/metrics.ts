/**
 * Groups metric rows by (arm, prompt set, metric) across training seeds and looks them up for tables.
 * A group of one seed shows that seed's value and interval. A group of several seeds shows the mean,
 * the sample standard deviation across seeds, and the envelope of the per-seed 95% intervals.
 */

import { formatInterval, formatNumber, MISSING } from "./format.ts";
import type { ArmInfo, MetricRow, PaperRow } from "./types.ts";

/** Values of one (arm, prompt set, metric) across seeds. */
export interface MetricGroup {
  arm: string;
  promptSet: string;
  metric: string;
  /** The value for one seed, or the mean across seeds. */
  value: number;
  /** Interval of one seed, or the envelope of all seeds' intervals (absent when any seed lacks one). */
  ciLow?: number;
  ciHigh?: number;
  /** Sample standard deviation across seeds; absent for one seed. */
  seedSd?: number;
  /** Seeds in the group, in row order. */
  seeds: number[];
  /** Sum of `n` over seeds. */
  n: number;
}

function groupKey(arm: string, promptSet: string, metric: string): string {
  return JSON.stringify([arm, promptSet, metric]);
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sampleSd(values: number[]): number {
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
}

function combine(rows: MetricRow[]): MetricGroup {
  const first = rows[0];
  const values = rows.map((row) => row.value);
  const group: MetricGroup = {
    arm: first.arm,
    promptSet: first.promptSet,
    metric: first.metric,
    value: rows.length === 1 ? first.value : mean(values),
    seeds: rows.map((row) => row.seed),
    n: rows.reduce((sum, row) => sum + row.n, 0),
  };
  // Bounds that are absent, null (NaN after a JSON round trip) or NaN count as missing.
  if (rows.every((row) => Number.isFinite(row.ciLow) && Number.isFinite(row.ciHigh))) {
    group.ciLow = Math.min(...rows.map((row) => row.ciLow!));
    group.ciHigh = Math.max(...rows.map((row) => row.ciHigh!));
  }
  if (rows.length > 1) group.seedSd = sampleSd(values);
  return group;
}

/** Metric groups indexed for lookup, in the order their first rows appear. */
export class MetricTable {
  readonly groups: MetricGroup[];
  readonly #byKey = new Map<string, MetricGroup>();

  /** Group `rows`; rejects a row whose arm is not in `arms` and a repeated (arm, seed, set, metric). */
  constructor(rows: MetricRow[], arms: ArmInfo[]) {
    const armNames = new Set(arms.map((arm) => arm.name));
    const seen = new Set<string>();
    const buckets = new Map<string, MetricRow[]>();
    for (const row of rows) {
      if (!armNames.has(row.arm)) {
        throw new Error(
          `metric row '${row.metric}' (prompt set '${row.promptSet}') names arm '${row.arm}', which is not in ` +
            `the report's arms [${[...armNames].join(", ")}]; add the arm to ReportData.arms`,
        );
      }
      const rowKey = JSON.stringify([row.arm, row.seed, row.promptSet, row.metric]);
      if (seen.has(rowKey)) {
        throw new Error(
          `metric '${row.metric}' for arm '${row.arm}', seed ${row.seed}, prompt set '${row.promptSet}' ` +
            "appears twice in ReportData.results; keep one row per (arm, seed, prompt set, metric)",
        );
      }
      seen.add(rowKey);
      const key = groupKey(row.arm, row.promptSet, row.metric);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(row);
      else buckets.set(key, [row]);
    }
    this.groups = [...buckets.values()].map(combine);
    for (const group of this.groups) {
      this.#byKey.set(groupKey(group.arm, group.promptSet, group.metric), group);
    }
  }

  /** Find the group of an arm and metric; without a prompt set, the arm's first group of that metric. */
  get(arm: string, metric: string, promptSet?: string): MetricGroup | undefined {
    if (promptSet !== undefined) return this.#byKey.get(groupKey(arm, promptSet, metric));
    return this.groups.find((group) => group.arm === arm && group.metric === metric);
  }

  /** True when any arm has a value for the metric (and prompt set, when given). */
  has(metric: string, promptSet?: string): boolean {
    return this.groups.some((group) =>
      group.metric === metric && (promptSet === undefined || group.promptSet === promptSet)
    );
  }

  /** Distinct prompt sets of a metric, in order of appearance. */
  promptSets(metric: string): string[] {
    return [
      ...new Set(this.groups.filter((group) => group.metric === metric).map((group) => group.promptSet)),
    ];
  }

  /** Distinct metric names, in order of appearance. */
  metrics(): string[] {
    return [...new Set(this.groups.map((group) => group.metric))];
  }
}

/** Order in which paper-comparable arms lead the main table. */
const PAPER_ORDER: PaperRow[] = ["none", "dpo", "rad", "ifguide", "ifguide+rad"];

/** Order arms as the IF-Guide paper's main table does (none, DPO, RAD, IF-Guide, IF-Guide + RAD), then the rest. */
export function orderArms(arms: ArmInfo[]): ArmInfo[] {
  const rank = (arm: ArmInfo) => (arm.paperRow ? PAPER_ORDER.indexOf(arm.paperRow) : PAPER_ORDER.length);
  return arms.map((arm, index) => ({ arm, index }))
    .sort((a, b) => rank(a.arm) - rank(b.arm) || a.index - b.index)
    .map((entry) => entry.arm);
}

/** Map an arm kind to the IF-Guide paper row it is comparable with, for filling `ArmInfo.paperRow`. */
export function paperRowForKind(kind: string): PaperRow | undefined {
  return (PAPER_ORDER as string[]).includes(kind) ? kind as PaperRow : undefined;
}

/** Find the arm that reduction factors divide by: the first arm whose paper row is `none`. */
export function baselineArm(arms: ArmInfo[]): ArmInfo | undefined {
  return arms.find((arm) => arm.paperRow === "none");
}

/** Table cell for a group's value: `0.123`, or `0.123 ± 0.010` across several seeds. */
export function valueCell(group: MetricGroup | undefined, decimals: number): string {
  if (!group) return MISSING;
  const value = formatNumber(group.value, decimals);
  return group.seedSd === undefined ? value : `${value} ± ${formatNumber(group.seedSd, decimals)}`;
}

/** Table cell for a group's 95% interval, empty when it has none. */
export function intervalCell(group: MetricGroup | undefined, decimals: number): string {
  return group ? formatInterval(group.ciLow, group.ciHigh, decimals) : "";
}

/** Value and interval in one cell: `0.123 [0.100, 0.150]`. */
export function combinedCell(group: MetricGroup | undefined, decimals: number): string {
  const interval = intervalCell(group, decimals);
  return interval ? `${valueCell(group, decimals)} ${interval}` : valueCell(group, decimals);
}
