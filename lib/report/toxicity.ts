/**
 * Toxicity sections beyond the main table: the toxicity-versus-perplexity frontier, EMT and TP on every
 * prompt set, per-attribute scores, and any remaining metric so that no measured value goes unshown.
 */

import { type Block, type Column, numberColumn, textColumn } from "./document.ts";
import { decimalsFor } from "./format.ts";
import { MAIN_COLUMNS } from "./main_table.ts";
import { combinedCell, type MetricTable, orderArms } from "./metrics.ts";
import { scatterChart, type ScatterPoint } from "./svg.ts";
import type { ArmInfo } from "./types.ts";

/** Metrics shown per prompt set. */
const PROMPT_SET_METRICS = ["emt", "emt_std", "tp"];

/** True for per-attribute metric names such as `emt.insult`. */
function isAttributeMetric(metric: string): boolean {
  return metric.includes(".") && !metric.startsWith("reduction.");
}

/** Scatter plots of toxic-prompt TP and EMT against perplexity, one point per arm. */
export function frontierBlocks(table: MetricTable, arms: ArmInfo[]): Block[] {
  const blocks: Block[] = [];
  const missing: string[] = [];
  const perplexityColumn = MAIN_COLUMNS.find((column) => column.metric === "perplexity")!;
  for (const column of MAIN_COLUMNS.filter((entry) => entry.promptSet === "toxic")) {
    const points: ScatterPoint[] = [];
    for (const arm of orderArms(arms)) {
      const perplexity = table.get(arm.name, perplexityColumn.metric);
      const toxicity = table.get(arm.name, column.metric, column.promptSet);
      if (!perplexity || !toxicity) {
        if (!missing.includes(arm.name)) missing.push(arm.name);
        continue;
      }
      points.push({
        label: arm.name,
        x: perplexity.value,
        y: toxicity.value,
        xLow: perplexity.ciLow,
        xHigh: perplexity.ciHigh,
        yLow: toxicity.ciLow,
        yHigh: toxicity.ciHigh,
      });
    }
    if (points.length === 0) continue;
    const name = `frontier-${column.metric}-${column.promptSet}`;
    blocks.push({
      kind: "figure",
      name,
      svg: scatterChart(points, {
        title: `${column.label} vs perplexity`,
        x: { label: "validation perplexity (lower is better)" },
        y: { label: `${column.label} (lower is better)` },
      }),
      caption: `Trade-off frontier: ${column.label} against perplexity per arm, with 95% intervals.`,
    });
  }
  if (blocks.length === 0) {
    return [{
      kind: "note",
      text: "No arm has both perplexity and toxic-prompt toxicity, so no frontier plot.",
    }];
  }
  if (missing.length > 0) {
    blocks.push({
      kind: "note",
      text: `Not plotted (perplexity or toxicity missing): ${missing.join(", ")}.`,
    });
  }
  return blocks;
}

/** Build one table per explicit toxicity metric (EMT, EMT std, TP), with arms by prompt sets. */
export function promptSetBlocks(table: MetricTable, arms: ArmInfo[]): Block[] {
  const blocks: Block[] = [];
  for (const metric of PROMPT_SET_METRICS) {
    const pairs = table.promptSets(metric).map((promptSet) => ({ metric, promptSet }));
    if (pairs.length === 0) continue;
    blocks.push(metricGrid(table, arms, pairs, `${metric} per prompt set, values with 95% intervals.`));
  }
  if (blocks.length === 0) return [{ kind: "note", text: "No explicit toxicity metrics were measured." }];
  return blocks;
}

/** Tables of per-attribute metrics, one per prompt set. */
export function attributeBlocks(table: MetricTable, arms: ArmInfo[]): Block[] {
  const metrics = table.metrics().filter(isAttributeMetric);
  if (metrics.length === 0) return [{ kind: "note", text: "No per-attribute metrics were measured." }];
  const promptSets = [...new Set(metrics.flatMap((metric) => table.promptSets(metric)))];
  return promptSets.map((promptSet) =>
    metricGrid(
      table,
      arms,
      metrics.filter((metric) => table.has(metric, promptSet)).map((metric) => ({ metric, promptSet })),
      `Per-attribute toxicity on prompt set '${promptSet}', values with 95% intervals.`,
    )
  );
}

/** A table of every metric not shown in the main, prompt-set or attribute tables. */
export function otherMetricBlocks(table: MetricTable, arms: ArmInfo[]): Block[] {
  const inMainTable = new Set<string>();
  for (const column of MAIN_COLUMNS) {
    // A column without a prompt set shows each arm's first group of its metric.
    const promptSet = column.promptSet ?? table.promptSets(column.metric)[0];
    inMainTable.add(JSON.stringify([column.metric, promptSet]));
  }
  const pairs: Array<{ metric: string; promptSet: string }> = [];
  for (const metric of table.metrics()) {
    if (PROMPT_SET_METRICS.includes(metric) || isAttributeMetric(metric)) continue;
    for (const promptSet of table.promptSets(metric)) {
      if (!inMainTable.has(JSON.stringify([metric, promptSet]))) pairs.push({ metric, promptSet });
    }
  }
  if (pairs.length === 0) return [];
  return [metricGrid(table, arms, pairs, "All other measured metrics, values with 95% intervals.")];
}

function metricGrid(
  table: MetricTable,
  arms: ArmInfo[],
  pairs: Array<{ metric: string; promptSet: string }>,
  caption: string,
): Block {
  const columns: Column[] = [textColumn("arm")];
  for (const pair of pairs) columns.push(numberColumn(`${pair.metric} (${pair.promptSet})`));
  const rows = orderArms(arms).map((arm) => [
    arm.name,
    ...pairs.map((pair) =>
      combinedCell(table.get(arm.name, pair.metric, pair.promptSet), decimalsFor(pair.metric))
    ),
  ]);
  return { kind: "table", columns, rows, caption };
}
