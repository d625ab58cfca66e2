/**
 * Statements computed from the data: how IF-Guide compares with DPO and RAD on toxic prompts, judged
 * by 95% intervals, and a headline of each IF-Guide arm's reduction against `none`. Both sit beside the
 * values of the IF-Guide paper's main table (Coalson, Bae, Carlini, Hong, 2025).
 */

import type { Block } from "./document.ts";
import {
  decimalsFor,
  FACTOR_DECIMALS,
  formatInterval,
  formatNumber,
  formatSignedPercent,
  MISSING,
} from "./format.ts";
import { lookup, type Reduction, REDUCTION_COLUMNS, type ReportContext } from "./main_table.ts";
import type { MetricGroup } from "./metrics.ts";
import { PAPER_RESULTS, PAPER_SCALE } from "./paper.ts";
import type { ArmInfo, PaperRow } from "./types.ts";

/** Outcome of comparing IF-Guide with another arm on one column. */
export type Verdict = "lower, CIs disjoint" | "lower, CIs overlap" | "equal" | "higher";

/** Compare two groups where lower is better, using their 95% intervals. */
export function compareGroups(ours: MetricGroup, other: MetricGroup): Verdict {
  if (ours.value > other.value) return "higher";
  if (ours.value === other.value) return "equal";
  const disjoint = ours.ciHigh !== undefined && other.ciLow !== undefined && ours.ciHigh < other.ciLow;
  return disjoint ? "lower, CIs disjoint" : "lower, CIs overlap";
}

function describe(group: MetricGroup, decimals: number): string {
  const interval = formatInterval(group.ciLow, group.ciHigh, decimals);
  return interval
    ? `${formatNumber(group.value, decimals)} ${interval}`
    : formatNumber(group.value, decimals);
}

/** Blocks stating whether IF-Guide beats DPO and RAD on toxic-prompt TP and EMT, computed from the data. */
export function verdictBlocks(context: ReportContext, withPaper = true): Block[] {
  const byRow = (row: PaperRow) => context.arms.find((arm) => arm.paperRow === row);
  const ifguide = byRow("ifguide");
  const rivals = [byRow("dpo"), byRow("rad")].filter((arm): arm is ArmInfo => arm !== undefined);
  if (!ifguide || rivals.length === 0) {
    return [{
      kind: "note",
      text: "No IF-Guide arm with a DPO or RAD arm to compare against, so the comparison with the paper's " +
        "finding is omitted.",
    }];
  }

  const columns = REDUCTION_COLUMNS.filter((column) => column.promptSet === "rtp_toxic");
  const items: string[] = [];
  let comparisons = 0;
  let lower = 0;
  let disjoint = 0;
  for (const rival of rivals) {
    for (const column of columns) {
      const ours = lookup(context, ifguide.name, column);
      const other = lookup(context, rival.name, column);
      const decimals = decimalsFor(column.metric);
      if (!ours || !other) {
        items.push(`${column.label}, ${ifguide.name} vs ${rival.name}: ${MISSING} (a value is missing).`);
        continue;
      }
      const verdict = compareGroups(ours, other);
      comparisons += 1;
      if (verdict.startsWith("lower")) lower += 1;
      if (verdict === "lower, CIs disjoint") disjoint += 1;
      let paperNote = "";
      if (withPaper) {
        const paperOurs = PAPER_RESULTS.ifguide[column.paper!] as number;
        const paperOther = PAPER_RESULTS[rival.paperRow!][column.paper!] as number;
        paperNote = ` (paper: ${paperOurs < paperOther ? "lower" : "not lower"}, ` +
          `${formatNumber(paperOurs, decimals)} vs ${formatNumber(paperOther, decimals)})`;
      }
      items.push(
        `${column.label}, ${ifguide.name} vs ${rival.name}: ${describe(ours, decimals)} vs ` +
          `${describe(other, decimals)}: ${verdict}${paperNote}.`,
      );
    }
  }

  const rivalNames = rivals.map((arm) => arm.name).join(" and ");
  if (comparisons === 0) {
    return [{ kind: "note", text: "Toxic-prompt TP and EMT are missing, so IF-Guide cannot be compared." }, {
      kind: "list",
      items,
    }];
  }
  const summary = lower === comparisons
    ? `${ifguide.name} has lower toxic-prompt TP and EMT than ${rivalNames} in all ${comparisons} comparisons, ` +
      `as the paper found; the 95% CIs are disjoint in ${disjoint} of ${comparisons}.`
    : `${ifguide.name} is lower than ${rivalNames} in ${lower} of ${comparisons} toxic-prompt TP and EMT ` +
      "comparisons, so it does not reproduce the paper's finding that IF-Guide beats both.";
  return [{ kind: "paragraph", text: summary }, { kind: "list", items }];
}

/** Paper rows whose arms get a headline sentence. */
const HEADLINE_ROWS: PaperRow[] = ["ifguide", "ifguide+rad"];

/**
 * Summarise each IF-Guide arm against `none` in one sentence: toxic-prompt TP and EMT reduction
 * factors and the perplexity change, each beside the paper's value when `withPaper` is set.
 */
export function headlineBlocks(context: ReportContext, reductions: Reduction[], withPaper = true): Block[] {
  const blocks: Block[] = [];
  for (
    const arm of context.arms.filter((entry) => entry.paperRow && HEADLINE_ROWS.includes(entry.paperRow))
  ) {
    const parts: string[] = [];
    for (const entry of reductions.filter((reduction) => reduction.arm === arm.name)) {
      if (entry.kind === "reduction" && entry.column.promptSet !== "rtp_toxic") continue;
      // An arm value of 0 leaves the factor undefined, so the sentence gives the value instead.
      const toZero = entry.kind === "reduction" && !Number.isFinite(entry.ours) &&
        lookup(context, arm.name, entry.column)?.value === 0;
      const ours = toZero
        ? "down to 0"
        : entry.kind === "reduction"
        ? `${formatNumber(entry.ours, FACTOR_DECIMALS)}× lower`
        : formatSignedPercent(entry.ours);
      const paper = entry.kind === "reduction"
        ? `${formatNumber(entry.paper, FACTOR_DECIMALS)}×`
        : formatSignedPercent(entry.paper);
      parts.push(
        `${entry.column.label} ${ours}${withPaper && entry.paper !== null ? ` (paper: ${paper})` : ""}`,
      );
    }
    if (parts.length === 0) continue;
    blocks.push({ kind: "paragraph", text: `${arm.name} against none: ${parts.join(", ")}.` });
  }
  if (blocks.length > 0 && withPaper) {
    blocks.push({
      kind: "note",
      text: `Paper values are at the paper's scale: ${PAPER_SCALE}.`,
    });
  }
  return blocks;
}
