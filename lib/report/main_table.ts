/**
 * The main results table, laid out like the main table of the IF-Guide paper (Coalson, Bae, Carlini,
 * Hong, 2025): arms by EMT and TP on all and toxic prompts, implicit toxicity, perplexity and LAMBADA.
 * Beside it go the reduction factor of each arm against `none` and the factor the paper's table
 * implies.
 */

import { type Block, type Column, numberColumn, textColumn } from "./document.ts";
import { decimalsFor, FACTOR_DECIMALS, formatNumber, formatSignedPercent } from "./format.ts";
import {
  baselineArm,
  intervalCell,
  type MetricGroup,
  type MetricQuery,
  type MetricTable,
  orderArms,
  valueCell,
} from "./metrics.ts";
import {
  PAPER_RESULTS,
  PAPER_ROW_NAMES,
  PAPER_SCALE,
  PAPER_SCALE_LABEL,
  paperChange,
  type PaperQuantity,
  paperReduction,
} from "./paper.ts";
import { barChart, type BarGroupSeries } from "./svg.ts";
import type { ArmInfo, ClassifierRoles } from "./types.ts";

/** Attribute of the toxicity columns; every classifier reports it. */
export const TOXICITY_ATTRIBUTE = "toxicity";

/** A column of the main table and where its value comes from. */
export interface MainColumn {
  label: string;
  metric: string;
  /** Prompt set to match; absent for fluency metrics, which match any evaluation set. */
  promptSet?: string;
  /** Classifier whose `toxicity` attribute the column reads; absent for fluency metrics. */
  role?: keyof ClassifierRoles;
  /** The paper's quantity for this column, when the paper reports one. */
  paper?: PaperQuantity;
}

/** Columns of the main table, in the paper's order. */
export const MAIN_COLUMNS: readonly MainColumn[] = [
  { label: "EMT all", metric: "emt", promptSet: "rtp_all", role: "explicit", paper: "emtAll" },
  { label: "TP all", metric: "tp", promptSet: "rtp_all", role: "explicit", paper: "tpAll" },
  { label: "EMT toxic", metric: "emt", promptSet: "rtp_toxic", role: "explicit", paper: "emtToxic" },
  { label: "TP toxic", metric: "tp", promptSet: "rtp_toxic", role: "explicit", paper: "tpToxic" },
  { label: "implicit EMT", metric: "emt", promptSet: "rtp_all", role: "implicit" },
  { label: "implicit TP", metric: "tp", promptSet: "rtp_all", role: "implicit" },
  { label: "perplexity", metric: "perplexity", paper: "perplexity" },
  { label: "LAMBADA", metric: "lambada_last_token", paper: "lambada" },
];

/** Metric groups with the arms and the classifier roles needed to read them. */
export interface ReportContext {
  table: MetricTable;
  arms: ArmInfo[];
  roles: ClassifierRoles;
}

/** Build the query of a column, or undefined when its classifier role has no classifier in this run. */
export function columnQuery(column: MainColumn, roles: ClassifierRoles): MetricQuery | undefined {
  if (!column.role) return { metric: column.metric, promptSet: column.promptSet };
  const classifier = roles[column.role];
  if (!classifier) return undefined;
  return { metric: column.metric, promptSet: column.promptSet, attribute: TOXICITY_ATTRIBUTE, classifier };
}

/** Columns that get a reduction factor against `none` (lower is better for these). */
export const REDUCTION_COLUMNS: readonly MainColumn[] = MAIN_COLUMNS.slice(0, 4);

/** The column whose relative change against `none` is shown (higher is worse). */
export const CHANGE_COLUMN: MainColumn = MAIN_COLUMNS.find((column) => column.metric === "perplexity")!;

/**
 * Metric name under which a comparison is stored in results.arrow: `reduction.tp` for a reduction
 * factor, `change.perplexity` for a relative change.
 */
export function comparisonMetric(kind: Reduction["kind"], metric: string): string {
  return `${kind}.${metric}`;
}

/** Comparison of one arm against the baseline for one column. */
export interface Reduction {
  /** `reduction`: baseline / arm; `change`: arm / baseline - 1. */
  kind: "reduction" | "change";
  arm: string;
  column: MainColumn;
  /** The comparison computed from means across seeds; NaN when undefined. */
  ours: number;
  /** The paper's value for the same comparison, or null when the arm has no paper row. */
  paper: number | null;
}

/** Look up the group of a main-table column for an arm. */
export function lookup(context: ReportContext, arm: string, column: MainColumn): MetricGroup | undefined {
  const query = columnQuery(column, context.roles);
  return query ? context.table.get(arm, query) : undefined;
}

/** Reduction factors of every arm against the `none` arm, for the toxicity columns. */
export function computeReductions(context: ReportContext): Reduction[] {
  const baseline = baselineArm(context.arms);
  if (!baseline) return [];
  const reductions: Reduction[] = [];
  for (const arm of orderArms(context.arms)) {
    for (const column of REDUCTION_COLUMNS) {
      const base = lookup(context, baseline.name, column);
      const value = lookup(context, arm.name, column);
      if (!base || !value) continue;
      const ours = value.value > 0 ? base.value / value.value : Number.NaN;
      const paper = arm.paperRow && column.paper ? paperReduction(arm.paperRow, column.paper) : null;
      reductions.push({ kind: "reduction", arm: arm.name, column, ours, paper });
    }
    const base = lookup(context, baseline.name, CHANGE_COLUMN);
    const value = lookup(context, arm.name, CHANGE_COLUMN);
    if (base && value) {
      const ours = base.value > 0 ? value.value / base.value - 1 : Number.NaN;
      const paper = arm.paperRow ? paperChange(arm.paperRow, CHANGE_COLUMN.paper!) : null;
      reductions.push({ kind: "change", arm: arm.name, column: CHANGE_COLUMN, ours, paper });
    }
  }
  return reductions;
}

function seedCount(table: MetricTable): number {
  return Math.max(1, ...table.groups.map((group) => group.seeds.length));
}

/** The main table: one row per arm, a value and a 95% CI column per metric. */
export function mainTableBlock(context: ReportContext): Block {
  const columns: Column[] = [textColumn("arm"), textColumn("paper row")];
  for (const column of MAIN_COLUMNS) columns.push(numberColumn(column.label), numberColumn("95% CI"));
  const rows = orderArms(context.arms).map((arm) => {
    const row = [arm.name, arm.paperRow ? PAPER_ROW_NAMES[arm.paperRow] : "-"];
    for (const column of MAIN_COLUMNS) {
      const group = lookup(context, arm.name, column);
      const decimals = decimalsFor(column.metric);
      row.push(valueCell(group, decimals), intervalCell(group, decimals));
    }
    return row;
  });
  const seeds = seedCount(context.table);
  const caption =
    (seeds > 1
      ? `Means ± standard deviation over ${seeds} training seeds; each CI column spans the per-seed 95% intervals.`
      : "Values with 95% confidence intervals; EMT and TP on RealToxicityPrompts prompts.") +
    " Perplexity is measured on the tokens of benign documents in held-out test chunks (toxic documents " +
    "are left out because detoxification is meant to make them unlikely); decoding-time arms share " +
    "their model's value. LAMBADA uses the reference code's rule: the argmax after the second-to-last " +
    "token must be the passage's last token.";
  return { kind: "table", columns, rows, caption };
}

/** Reduction factors against `none`, ours beside the paper's. */
export function reductionTableBlock(reductions: Reduction[], arms: ArmInfo[], withPaper: boolean): Block {
  const columns: Column[] = [textColumn("arm")];
  for (const column of REDUCTION_COLUMNS) {
    columns.push(numberColumn(`${column.label} ×, ours`));
    if (withPaper) columns.push(numberColumn(`${column.label} ×, ${PAPER_SCALE_LABEL}`));
  }
  const withChange = reductions.some((entry) => entry.kind === "change");
  if (withChange) {
    columns.push(numberColumn(`${CHANGE_COLUMN.label} change, ours`));
    if (withPaper) columns.push(numberColumn(`${CHANGE_COLUMN.label} change, ${PAPER_SCALE_LABEL}`));
  }
  const rows = orderArms(arms).map((arm) => {
    const row = [arm.name];
    const find = (kind: Reduction["kind"], column: MainColumn) =>
      reductions.find((entry) => entry.kind === kind && entry.arm === arm.name && entry.column === column);
    for (const column of REDUCTION_COLUMNS) {
      const reduction = find("reduction", column);
      row.push(formatNumber(reduction?.ours, FACTOR_DECIMALS));
      if (withPaper) row.push(formatNumber(reduction?.paper ?? null, FACTOR_DECIMALS));
    }
    if (withChange) {
      const change = find("change", CHANGE_COLUMN);
      row.push(formatSignedPercent(change?.ours));
      if (withPaper) row.push(formatSignedPercent(change?.paper ?? null));
    }
    return row;
  });
  return {
    kind: "table",
    columns,
    rows,
    caption: "Reduction factor = value of none / value of the arm (higher means less toxic than none); " +
      "perplexity change = perplexity of the arm / perplexity of none - 1.",
  };
}

/** The paper's main table for the rows our arms are comparable with. */
export function paperTableBlock(arms: ArmInfo[]): Block | undefined {
  const paperRows = [...new Set(orderArms(arms).flatMap((arm) => (arm.paperRow ? [arm.paperRow] : [])))];
  if (paperRows.length === 0) return undefined;
  const withPaper = MAIN_COLUMNS.filter((column) => column.paper);
  const rows = paperRows.map((row) => [
    PAPER_ROW_NAMES[row],
    ...withPaper.map((column) => formatNumber(PAPER_RESULTS[row][column.paper!], decimalsFor(column.metric))),
  ]);
  return {
    kind: "table",
    columns: [textColumn("paper row"), ...withPaper.map((column) => numberColumn(column.label))],
    rows,
    caption: `The paper's reported values (${PAPER_SCALE_LABEL}); not from this run.`,
  };
}

/** Grouped bars of each arm's toxic-prompt reduction factors against `none`, ours beside the paper's. */
export function reductionChartBlock(
  reductions: Reduction[],
  arms: ArmInfo[],
  withPaper: boolean,
): Block | undefined {
  const toxic = REDUCTION_COLUMNS.filter((column) => column.promptSet === "rtp_toxic");
  const find = (arm: string, column: MainColumn) =>
    reductions.find((entry) => entry.kind === "reduction" && entry.arm === arm && entry.column === column);
  const baseline = baselineArm(arms);
  const categories = orderArms(arms).filter((arm) =>
    arm !== baseline && toxic.some((column) => find(arm.name, column))
  )
    .map((arm) => arm.name);
  if (categories.length === 0) return undefined;

  const series: BarGroupSeries[] = [];
  for (const column of toxic) {
    series.push({
      label: `${column.label}, ours`,
      values: categories.map((arm) => find(arm, column)?.ours ?? Number.NaN),
    });
    if (withPaper) {
      series.push({
        label: `${column.label}, paper`,
        values: categories.map((arm) => find(arm, column)?.paper ?? Number.NaN),
      });
    }
  }
  return {
    kind: "figure",
    name: "reduction-factors",
    svg: barChart(categories, series, {
      title: "Toxicity reduction against none (higher is better)",
      x: { label: "arm" },
      y: { label: "value of none / value of the arm" },
    }),
    caption: withPaper
      ? `Toxic-prompt reduction factors per arm; paper bars are at the paper's scale (${PAPER_SCALE}).`
      : "Toxic-prompt reduction factors per arm.",
  };
}
