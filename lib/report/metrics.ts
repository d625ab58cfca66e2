/**
 * Groups metric rows by (arm, prompt set, metric, attribute, classifier) across training seeds and
 * looks them up for tables. A group of one seed shows that seed's value and interval. A group of
 * several seeds shows the mean, the sample standard deviation across seeds, and the envelope of the
 * per-seed 95% intervals. A row without a seed is a value already pooled over seeds: when a group has
 * one, its value and interval are shown, and the per-seed rows only supply the standard deviation.
 */

import { formatInterval, formatNumber, MISSING } from "./format.ts";
import type { ArmInfo, MetricRow, PaperRow } from "./types.ts";

/** Fields that select metric groups; an absent field matches any value. */
export interface MetricQuery {
  metric: string;
  promptSet?: string;
  attribute?: string;
  classifier?: string;
}

/** Values of one (arm, prompt set, metric, attribute, classifier) across seeds. */
export interface MetricGroup {
  arm: string;
  promptSet: string;
  metric: string;
  attribute?: string;
  classifier?: string;
  /** The value for one seed, the pooled value, or the mean across seeds. */
  value: number;
  /** Interval of one seed or of the pooled row, or the envelope of all seeds' intervals. */
  ciLow?: number;
  ciHigh?: number;
  /** Sample standard deviation across seeds; absent for fewer than two seeds. */
  seedSd?: number;
  /** Seeds of the per-seed rows, in row order. */
  seeds: number[];
  /** `n` of the pooled row, or the sum of `n` over seeds. */
  n: number;
  /** The rows behind the group, in input order. */
  rows: MetricRow[];
}

function groupKey(
  row: { arm?: string; promptSet: string; metric: string; attribute?: string; classifier?: string },
) {
  return JSON.stringify([row.arm, row.promptSet, row.metric, row.attribute ?? null, row.classifier ?? null]);
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sampleSd(values: number[]): number {
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1));
}

/** Return a finite bound, or undefined for one that is absent, null (NaN after JSON) or NaN. */
function finiteOrUndefined(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Convert a value that is null after a JSON round trip into NaN, which tables show as `n/a`. */
export function numericValue(value: number | null | undefined): number {
  return typeof value === "number" ? value : Number.NaN;
}

function combine(rows: MetricRow[]): MetricGroup {
  const first = rows[0];
  const pooled = rows.find((row) => row.seed === undefined || row.seed === null);
  const perSeed = rows.filter((row) => row !== pooled);
  const values = perSeed.map((row) => numericValue(row.value));
  const group: MetricGroup = {
    arm: first.arm!,
    promptSet: first.promptSet,
    metric: first.metric,
    attribute: first.attribute,
    classifier: first.classifier,
    value: pooled ? numericValue(pooled.value) : mean(values),
    seeds: perSeed.map((row) => row.seed!),
    n: pooled ? pooled.n : perSeed.reduce((sum, row) => sum + row.n, 0),
    rows,
  };
  const source = pooled ? [pooled] : perSeed;
  const lows = source.map((row) => finiteOrUndefined(row.ciLow));
  const highs = source.map((row) => finiteOrUndefined(row.ciHigh));
  if (lows.every((low) => low !== undefined) && highs.every((high) => high !== undefined)) {
    group.ciLow = Math.min(...lows as number[]);
    group.ciHigh = Math.max(...highs as number[]);
  }
  if (values.length > 1) group.seedSd = sampleSd(values);
  return group;
}

function matches(group: MetricGroup, query: MetricQuery): boolean {
  return group.metric === query.metric &&
    (query.promptSet === undefined || group.promptSet === query.promptSet) &&
    (query.attribute === undefined || group.attribute === query.attribute) &&
    (query.classifier === undefined || group.classifier === query.classifier);
}

/** Metric groups indexed for lookup, in the order their first rows appear. */
export class MetricTable {
  readonly groups: MetricGroup[];
  /** Rows without an arm (run-level metrics), kept in input order. */
  readonly runLevel: MetricRow[];
  /** Every input row, in input order. */
  readonly rows: MetricRow[];

  /** Group `rows`; rejects a row whose arm is not in `arms` and a repeated row of the same seed. */
  constructor(rows: MetricRow[], arms: ArmInfo[]) {
    const armNames = new Set(arms.map((arm) => arm.name));
    const seen = new Set<string>();
    const buckets = new Map<string, MetricRow[]>();
    this.runLevel = [];
    this.rows = rows;
    for (const row of rows) {
      if (row.arm === undefined || row.arm === null) {
        this.runLevel.push(row);
        continue;
      }
      if (!armNames.has(row.arm)) {
        throw new Error(
          `metric row '${row.metric}' (prompt set '${row.promptSet}') names arm '${row.arm}', which is not in ` +
            `the report's arms [${[...armNames].join(", ")}]; add the arm to ReportData.arms`,
        );
      }
      const key = groupKey(row);
      const rowKey = JSON.stringify([key, row.seed ?? "pooled"]);
      if (seen.has(rowKey)) {
        throw new Error(
          `metric '${row.metric}' for arm '${row.arm}', seed ${row.seed ?? "(pooled)"}, prompt set ` +
            `'${row.promptSet}', attribute '${row.attribute ?? ""}', classifier '${row.classifier ?? ""}' ` +
            "appears twice in ReportData.results; keep one row per seed",
        );
      }
      seen.add(rowKey);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(row);
      else buckets.set(key, [row]);
    }
    this.groups = [...buckets.values()].map(combine);
  }

  /** Find the first group of an arm that matches the query. */
  get(arm: string, query: MetricQuery): MetricGroup | undefined {
    return this.groups.find((group) => group.arm === arm && matches(group, query));
  }

  /** Find every group, of any arm, that matches the query. */
  select(query: MetricQuery): MetricGroup[] {
    return this.groups.filter((group) => matches(group, query));
  }
}

/** Distinct values of one field over groups, in order of appearance; absent values are skipped. */
export function distinct<K extends "promptSet" | "metric" | "attribute" | "classifier">(
  groups: MetricGroup[],
  field: K,
): string[] {
  const values = groups.map((group) => group[field]).filter((value): value is string => value !== undefined);
  return [...new Set(values)];
}

/** Order in which arms comparable with the IF-Guide paper's rows lead the main table. */
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
