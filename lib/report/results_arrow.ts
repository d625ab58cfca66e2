/**
 * The results table written beside each report (`results.arrow`). Columns:
 * - `arm`, `prompt_set`, `metric`, `attribute`, `classifier` (utf8; `arm`, `attribute` and
 *   `classifier` are null where the row has none);
 * - `seed` (int32, null on rows pooled or aggregated over seeds);
 * - `row_kind` (utf8): `seed` marks a measured row as given, and `pooled` a given row without a seed.
 *   `seed_mean` marks the mean over several seeds, whose interval spans the per-seed intervals.
 *   `reduction` marks the factor value(none) / value(arm), stored under metric `reduction.<metric>`.
 *   `change` marks the relative change value(arm) / value(none) - 1, stored under `change.<metric>`;
 * - `value`, `ci_low`, `ci_high` (float64, intervals null when absent), `seed_sd` (float64, the sample
 *   standard deviation across seeds on `seed_mean` rows, else null);
 * - `n` (int32): prompts, chunks or examples behind the value, summed over seeds.
 */

import * as arrow from "apache-arrow";
import { tableToBytes } from "../util/arrow.ts";
import { columnQuery, comparisonMetric, type Reduction, type ReportContext } from "./main_table.ts";
import { numericValue } from "./metrics.ts";

/** One row of results.arrow. */
export interface ResultsRow {
  arm: string | null;
  seed: number | null;
  promptSet: string;
  metric: string;
  attribute: string | null;
  classifier: string | null;
  rowKind: "seed" | "pooled" | "seed_mean" | "reduction" | "change";
  value: number;
  ciLow: number | null;
  ciHigh: number | null;
  seedSd: number | null;
  n: number;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Given rows, then means over seeds where a group has several seeds and no pooled row, then comparisons. */
export function resultsRows(context: ReportContext, reductions: Reduction[]): ResultsRow[] {
  const { table } = context;
  const out: ResultsRow[] = table.rows.map((row) => {
    const pooled = row.seed === undefined || row.seed === null;
    return {
      arm: row.arm ?? null,
      seed: pooled ? null : row.seed!,
      promptSet: row.promptSet,
      metric: row.metric,
      attribute: row.attribute ?? null,
      classifier: row.classifier ?? null,
      rowKind: pooled ? "pooled" : "seed",
      value: numericValue(row.value),
      ciLow: finiteOrNull(row.ciLow),
      ciHigh: finiteOrNull(row.ciHigh),
      seedSd: null,
      n: row.n,
    };
  });
  for (const group of table.groups) {
    if (group.seeds.length < 2 || group.rows.some((row) => row.seed === undefined || row.seed === null)) {
      continue;
    }
    out.push({
      arm: group.arm,
      seed: null,
      promptSet: group.promptSet,
      metric: group.metric,
      attribute: group.attribute ?? null,
      classifier: group.classifier ?? null,
      rowKind: "seed_mean",
      value: group.value,
      ciLow: group.ciLow ?? null,
      ciHigh: group.ciHigh ?? null,
      seedSd: group.seedSd ?? null,
      n: group.n,
    });
  }
  for (const reduction of reductions) {
    const query = columnQuery(reduction.column, context.roles);
    const group = query ? table.get(reduction.arm, query) : undefined;
    out.push({
      arm: reduction.arm,
      seed: null,
      promptSet: group?.promptSet ?? reduction.column.promptSet ?? "",
      metric: comparisonMetric(reduction.kind, reduction.column.metric),
      attribute: group?.attribute ?? null,
      classifier: group?.classifier ?? null,
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
  const text = (pick: (row: ResultsRow) => string | null) =>
    arrow.vectorFromArray(rows.map(pick), new arrow.Utf8());
  const float = (pick: (row: ResultsRow) => number | null) =>
    arrow.vectorFromArray(rows.map(pick), new arrow.Float64());
  const integer = (pick: (row: ResultsRow) => number | null) =>
    arrow.vectorFromArray(rows.map(pick), new arrow.Int32());
  const vectors: Record<string, arrow.Vector> = {
    arm: text((row) => row.arm),
    seed: integer((row) => row.seed),
    prompt_set: text((row) => row.promptSet),
    metric: text((row) => row.metric),
    attribute: text((row) => row.attribute),
    classifier: text((row) => row.classifier),
    row_kind: text((row) => row.rowKind),
    value: float((row) => row.value),
    ci_low: float((row) => row.ciLow),
    ci_high: float((row) => row.ciHigh),
    seed_sd: float((row) => row.seedSd),
    n: integer((row) => row.n),
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
