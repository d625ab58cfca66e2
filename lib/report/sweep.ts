/**
 * The aggregate report of a sweep. Each swept path gets a table of the main metrics per point and arm
 * and a plot of each metric against the swept value. An overview shows which stages the points shared
 * through the cache, and one `results.arrow` contains every point's rows with the point's values as
 * extra columns.
 */

import {
  type Block,
  type Column,
  numberColumn,
  type ReportDocument,
  type Section,
  textColumn,
} from "./document.ts";
import { decimalsFor, formatCount } from "./format.ts";
import { computeReductions, lookup, MAIN_COLUMNS, type ReportContext } from "./main_table.ts";
import { combinedCell, MetricTable, orderArms } from "./metrics.ts";
import { type RenderOptions, writeReportFiles } from "./render.ts";
import { type ResultsRow, resultsRows, resultsToArrow } from "./results_arrow.ts";
import { lineChart, type LineSeries } from "./svg.ts";
import type { ReportData, SweepPoint, SweepValue } from "./types.ts";
import { validateReportData } from "./validate.ts";

/** Swept values spanning more than this ratio are drawn on a logarithmic axis. */
const LOG_AXIS_RATIO = 50;

/** One point of a sweep with its report data. */
export interface SweepEntry {
  point: SweepPoint;
  data: ReportData;
}

interface PreparedPoint extends SweepEntry {
  context: ReportContext;
}

function valueText(value: SweepValue | undefined): string {
  return value === undefined ? "-" : String(value);
}

/** Sort points by one path's value: numbers numerically, anything else as text. */
function compareValues(a: SweepValue | undefined, b: SweepValue | undefined): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return valueText(a).localeCompare(valueText(b));
}

function pathTable(points: PreparedPoint[], path: string, paths: string[]): Block {
  const others = paths.filter((other) => other !== path);
  const columns: Column[] = [textColumn(path), ...others.map(textColumn), textColumn("arm")];
  for (const column of MAIN_COLUMNS) columns.push(numberColumn(column.label));
  const rows: string[][] = [];
  for (const entry of points) {
    for (const arm of orderArms(entry.data.arms)) {
      rows.push([
        valueText(entry.point[path]),
        ...others.map((other) => valueText(entry.point[other])),
        arm.name,
        ...MAIN_COLUMNS.map((column) =>
          combinedCell(lookup(entry.context, arm.name, column), decimalsFor(column.metric))
        ),
      ]);
    }
  }
  return { kind: "table", columns, rows, caption: `Main metrics per value of ${path}, with 95% intervals.` };
}

function pathFigures(points: PreparedPoint[], path: string, paths: string[], index: number): Block[] {
  const values = points.map((entry) => entry.point[path]);
  const numeric = values.every((value) => typeof value === "number");
  // Non-numeric values are placed at their rank in sorted order.
  const categories = [...new Set(values.map(valueText))];
  const xOf = (
    value: SweepValue | undefined,
  ) => (numeric ? value as number : categories.indexOf(valueText(value)));
  const positive = numeric && values.every((value) => (value as number) > 0);
  const log = positive &&
    Math.max(...values as number[]) / Math.min(...values as number[]) > LOG_AXIS_RATIO;
  const others = paths.filter((other) => other !== path);
  const xLabel = numeric
    ? path
    : `${path} (${categories.map((name, rank) => `${rank} = ${name}`).join(", ")})`;

  // Each arm keeps one colour across plots; each combination of the other swept values gets a dash
  // pattern. Legends name the other paths by their last segment to stay short.
  const armNames = [...new Set(points.flatMap((entry) => orderArms(entry.data.arms).map((arm) => arm.name)))];
  const suffixOf = (entry: PreparedPoint) =>
    others.map((other) => `${other.split(".").pop()}=${valueText(entry.point[other])}`).join(", ");
  const suffixes = [...new Set(points.map(suffixOf))];

  const blocks: Block[] = [];
  MAIN_COLUMNS.forEach((column, columnIndex) => {
    const seriesByLabel = new Map<string, LineSeries>();
    for (const entry of points) {
      const suffix = suffixOf(entry);
      for (const arm of orderArms(entry.data.arms)) {
        const group = lookup(entry.context, arm.name, column);
        if (!group) continue;
        const label = suffix ? `${arm.name} (${suffix})` : arm.name;
        const series = seriesByLabel.get(label) ??
          { label, points: [], color: armNames.indexOf(arm.name), dash: suffixes.indexOf(suffix) };
        series.points.push({
          x: xOf(entry.point[path]),
          y: group.value,
          low: group.ciLow,
          high: group.ciHigh,
        });
        seriesByLabel.set(label, series);
      }
    }
    if (seriesByLabel.size === 0) return;
    blocks.push({
      kind: "figure",
      name: `sweep-${index + 1}-${columnIndex + 1}-${column.metric}`,
      svg: lineChart([...seriesByLabel.values()], {
        title: `${column.label} vs ${path}`,
        x: { label: xLabel, log },
        y: { label: column.label },
      }),
      caption: `${column.label} against ${path}, one line per arm, with 95% intervals.`,
    });
  });
  if (blocks.length === 0) {
    blocks.push({ kind: "note", text: `No main metrics were measured across ${path}.` });
  }
  return blocks;
}

function reuseTable(points: PreparedPoint[], paths: string[]): Block {
  return {
    kind: "table",
    columns: [
      ...paths.map(textColumn),
      textColumn("run"),
      numberColumn("plan nodes"),
      numberColumn("from cache"),
    ],
    rows: points.map((entry) => [
      ...paths.map((path) => valueText(entry.point[path])),
      entry.data.meta.runId,
      formatCount(entry.data.meta.plan.length),
      formatCount(entry.data.meta.plan.filter((node) => node.cached).length),
    ]),
    caption:
      "Plan nodes per point and how many were loaded from the cache (stages shared with other points).",
  };
}

/** Build the sweep document and the rows of its results table with the point columns. */
export function buildSweepReport(entries: SweepEntry[]) {
  if (entries.length === 0) {
    throw new Error("renderSweepReport received no sweep points; pass at least one {point, data} entry");
  }
  const paths = [...new Set(entries.flatMap((entry) => Object.keys(entry.point)))];
  const prepared: PreparedPoint[] = entries.map((entry) => {
    validateReportData(entry.data);
    const table = new MetricTable(entry.data.results, entry.data.arms);
    return { ...entry, context: { table, arms: entry.data.arms, roles: entry.data.classifierRoles } };
  });

  const sections: Section[] = [{
    id: "overview",
    title: "Overview",
    level: 2,
    blocks: [
      {
        kind: "paragraph",
        text: `${entries.length} points over ${paths.length} swept path(s): ${paths.join(", ")}.`,
      },
      reuseTable(prepared, paths),
    ],
  }];
  paths.forEach((path, index) => {
    const sorted = [...prepared].sort((a, b) => compareValues(a.point[path], b.point[path]));
    sections.push({
      id: `path-${index + 1}`,
      title: `Swept path ${path}`,
      level: 2,
      blocks: [pathTable(sorted, path, paths), ...pathFigures(sorted, path, paths, index)],
    });
  });

  const rows: ResultsRow[] = [];
  const pointColumns: Record<string, string[]> = Object.fromEntries(paths.map((path) => [path, []]));
  const runColumn: string[] = [];
  for (const entry of prepared) {
    const pointRows = resultsRows(entry.context, computeReductions(entry.context));
    rows.push(...pointRows);
    for (const path of paths) pointColumns[path].push(...pointRows.map(() => valueText(entry.point[path])));
    runColumn.push(...pointRows.map(() => entry.data.meta.runId));
  }

  const first = entries[0].data.meta;
  const document: ReportDocument = {
    title: `Sweep report: ${first.specName}`,
    subtitle: [`${entries.length} runs, first started ${first.startedAt}.`],
    sections,
  };
  return { document, rows, extraColumns: { run_id: runColumn, ...pointColumns } };
}

/**
 * Render the aggregate report of a sweep into `outDir`: `report.md` with SVG figures, `report.html` and
 * `results.arrow` (every point's rows plus a `run_id` column and one text column per swept path).
 */
export async function renderSweepReport(
  entries: SweepEntry[],
  outDir: string,
  options: RenderOptions = {},
): Promise<{ files: string[] }> {
  const { document, rows, extraColumns } = buildSweepReport(entries);
  return await writeReportFiles(document, () => resultsToArrow(rows, extraColumns), outDir, options.formats);
}
