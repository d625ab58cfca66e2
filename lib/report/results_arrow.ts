/**
 * The results table written beside each report (`results.arrow`). Columns:
 * - `arm`, `prompt_set`, `metric` (utf8);
 * - `seed` (int32, null on rows that aggregate seeds);
 * - `row_kind` (utf8): `seed` marks a measured row as given. `seed_mean` marks the mean over several
 *   seeds, whose interval spans the per-seed intervals. `reduction` marks the factor
 *   value(none) / value(arm), stored under metric `reduction.<metric>`. `change` marks the relative
 *   change value(arm) / value(none) - 1, stored under metric `change.<metric>`;
 * - `value`, `ci_low`, `ci_high` (float64, intervals null when absent), `seed_sd` (float64, the sample
 *   standard deviation across seeds on `seed_mean` rows, else null);
 * - `n` (int32): prompts, chunks or examples behind the value, summed over seeds.
 */

import * as arrow from "apache-arrow";
import { tableToBytes } from "../util/arrow.ts";
import { comparisonMetric, type Reduction } from "./main_table.ts";
import type { MetricTable } from "./metrics.ts";
import type { MetricRow } from "./types.ts";

/** One row of results.arrow. */
export interface ResultsRow {
  arm: string;
  seed: number | null;
  promptSet: string;
  metric: string;
  rowKind: "seed" | "seed_mean" | "reduction" | "change";
  value: number;
  ciLow: number | null;
  ciHigh: number | null;
  seedSd: number | null;
  n: number;
}

/** Measured rows, then means over seeds where a group has several seeds, then reduction factors. */
export function resultsRows(rows: MetricRow[], table: MetricTable, reductions: Reduction[]): ResultsRow[] {
  const out: ResultsRow[] = rows.map((row) => ({
    arm: row.arm,
    seed: row.seed,
    promptSet: row.promptSet,
    metric: row.metric,
    rowKind: "seed",
    value: row.value,
    ciLow: Number.isFinite(row.ciLow) ? row.ciLow! : null,
    ciHigh: Number.isFinite(row.ciHigh) ? row.ciHigh! : null,
    seedSd: null,
    n: row.n,
  }));
  for (const group of table.groups) {
    if (group.seeds.length < 2) continue;
    out.push({
      arm: group.arm,
      seed: null,
      promptSet: group.promptSet,
      metric: group.metric,
      rowKind: "seed_mean",
      value: group.value,
      ciLow: group.ciLow ?? null,
      ciHigh: group.ciHigh ?? null,
      seedSd: group.seedSd ?? null,
      n: group.n,
    });
  }
  for (const reduction of reductions) {
    const group = table.get(reduction.arm, reduction.column.metric, reduction.column.promptSet);
    out.push({
      arm: reduction.arm,
      seed: null,
      promptSet: reduction.column.promptSet ?? "",
      metric: comparisonMetric(reduction.kind, reduction.column.metric),
      rowKind: reduction.kind,
      value: reduction.ours,
      ciLow: null,
      ciHigh: null,
      seedSd: null,
      n: group?.n ?? 0,
    });
  }
  return out;
}

/**
 * Serialise results rows as Arrow IPC file bytes. `extraColumns` adds text columns with one value per
 * row, such as the swept values of each row's sweep point.
 */
export function resultsToArrow(rows: ResultsRow[], extraColumns: Record<string, string[]> = {}): Uint8Array {
  const vectors: Record<string, arrow.Vector> = {
    arm: arrow.vectorFromArray(rows.map((row) => row.arm), new arrow.Utf8()),
    seed: arrow.vectorFromArray(rows.map((row) => row.seed), new arrow.Int32()),
    prompt_set: arrow.vectorFromArray(rows.map((row) => row.promptSet), new arrow.Utf8()),
    metric: arrow.vectorFromArray(rows.map((row) => row.metric), new arrow.Utf8()),
    row_kind: arrow.vectorFromArray(rows.map((row) => row.rowKind), new arrow.Utf8()),
    value: arrow.vectorFromArray(rows.map((row) => row.value), new arrow.Float64()),
    ci_low: arrow.vectorFromArray(rows.map((row) => row.ciLow), new arrow.Float64()),
    ci_high: arrow.vectorFromArray(rows.map((row) => row.ciHigh), new arrow.Float64()),
    seed_sd: arrow.vectorFromArray(rows.map((row) => row.seedSd), new arrow.Float64()),
    n: arrow.vectorFromArray(rows.map((row) => row.n), new arrow.Int32()),
  };
  for (const [name, values] of Object.entries(extraColumns)) {
    if (name in vectors) {
      throw new Error(`extra results column '${name}' has the name of a built-in column; rename it`);
    }
    if (values.length !== rows.length) {
      throw new RangeError(
        `extra results column '${name}' has ${values.length} values for ${rows.length} rows`,
      );
    }
    vectors[name] = arrow.vectorFromArray(values, new arrow.Utf8());
  }
  return tableToBytes(new arrow.Table(vectors));
}
