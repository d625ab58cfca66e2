/**
 * Toxicity sections beyond the main table: the toxicity-versus-perplexity frontier, EMT and TP on every
 * prompt set per classifier, per-attribute scores, remaining arm metrics and run-level metrics.
 */

import { type Block, type Column, numberColumn, textColumn } from "./document.ts";
import { decimalsFor, formatInterval, formatNumber } from "./format.ts";
import { lookup, MAIN_COLUMNS, type ReportContext, TOXICITY_ATTRIBUTE } from "./main_table.ts";
import { combinedCell, distinct, type MetricQuery, numericValue, orderArms } from "./metrics.ts";
import { READABILITY_METRICS } from "./readability.ts";
import { scatterChart, type ScatterPoint } from "./svg.ts";

/** Toxicity metrics computed per prompt set, attribute and classifier. */
const TOXICITY_METRICS = ["emt", "emt_std", "tp"];

/** Metrics shown per attribute. */
const ATTRIBUTE_METRICS = ["emt", "tp"];

/** Prompt sets whose per-attribute values get a table, when present; other sets stay in results.arrow. */
const ATTRIBUTE_PROMPT_SETS = ["rtp_toxic", "rtp_all"];

/** Classifier ids in report order: explicit, implicit, then any other classifier in the data. */
function classifierOrder(context: ReportContext): string[] {
  const known = [context.roles.explicit, context.roles.implicit].filter((id): id is string =>
    id !== undefined
  );
  return [...new Set([...known, ...distinct(context.table.groups, "classifier")])];
}

function classifierLabel(context: ReportContext, classifier: string): string {
  if (classifier === context.roles.explicit) return `${classifier} (explicit)`;
  if (classifier === context.roles.implicit) return `${classifier} (implicit)`;
  return classifier;
}

/** Plot toxic-prompt TP and EMT against perplexity, one point per arm. */
export function frontierBlocks(context: ReportContext): Block[] {
  const blocks: Block[] = [];
  const missing: string[] = [];
  const perplexityColumn = MAIN_COLUMNS.find((column) => column.metric === "perplexity")!;
  for (const column of MAIN_COLUMNS.filter((entry) => entry.promptSet === "rtp_toxic")) {
    const points: ScatterPoint[] = [];
    for (const arm of orderArms(context.arms)) {
      const perplexity = lookup(context, arm.name, perplexityColumn);
      const toxicity = lookup(context, arm.name, column);
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
    blocks.push({
      kind: "figure",
      name: `frontier-${column.metric}-${column.promptSet}`,
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

/** Build one table per classifier and toxicity metric, with arms by prompt sets. */
export function promptSetBlocks(context: ReportContext): Block[] {
  const blocks: Block[] = [];
  for (const classifier of classifierOrder(context)) {
    for (const metric of TOXICITY_METRICS) {
      const query = { metric, attribute: TOXICITY_ATTRIBUTE, classifier };
      const promptSets = distinct(context.table.select(query), "promptSet");
      if (promptSets.length === 0) continue;
      blocks.push(metricGrid(
        context,
        promptSets.map((promptSet) => ({ header: promptSet, query: { ...query, promptSet } })),
        `${metric} per prompt set, classifier ${classifierLabel(context, classifier)}, with 95% intervals.`,
      ));
    }
  }
  if (blocks.length === 0) return [{ kind: "note", text: "No toxicity metrics were measured." }];
  return blocks;
}

/** Build per-attribute tables for the toxic and all RealToxicityPrompts sets, per classifier. */
export function attributeBlocks(context: ReportContext): Block[] {
  const blocks: Block[] = [];
  for (const classifier of classifierOrder(context)) {
    const groups = context.table.groups.filter((group) =>
      group.classifier === classifier && group.attribute !== undefined &&
      group.attribute !== TOXICITY_ATTRIBUTE &&
      ATTRIBUTE_METRICS.includes(group.metric)
    );
    const attributes = distinct(groups, "attribute");
    const present = distinct(groups, "promptSet");
    const promptSets = ATTRIBUTE_PROMPT_SETS.filter((name) => present.includes(name));
    if (promptSets.length === 0 && present.length > 0) promptSets.push(present[0]);
    for (const promptSet of promptSets) {
      const cells = ATTRIBUTE_METRICS.flatMap((metric) =>
        attributes.map((attribute) => ({
          header: `${metric} ${attribute}`,
          query: { metric, attribute, classifier, promptSet },
        }))
      ).filter((cell) => context.table.select(cell.query).length > 0);
      if (cells.length === 0) continue;
      blocks.push(metricGrid(
        context,
        cells,
        `Per-attribute toxicity on prompt set ${promptSet}, classifier ${
          classifierLabel(context, classifier)
        }.`,
      ));
    }
  }
  if (blocks.length === 0) return [{ kind: "note", text: "No per-attribute metrics were measured." }];
  blocks.push({ kind: "note", text: "Per-attribute values on the other prompt sets are in results.arrow." });
  return blocks;
}

/** Build a table of every arm metric not shown in the main, prompt-set or attribute tables. */
export function otherMetricBlocks(context: ReportContext): Block[] {
  const inMainTable = new Set<string>();
  for (const column of MAIN_COLUMNS.filter((entry) => entry.role === undefined)) {
    // A column without a prompt set shows each arm's first group of its metric.
    const promptSet = column.promptSet ??
      distinct(context.table.select({ metric: column.metric }), "promptSet")[0];
    inMainTable.add(JSON.stringify([column.metric, promptSet]));
  }
  const cells: Array<{ header: string; query: MetricQuery }> = [];
  const seen = new Set<string>();
  for (const group of context.table.groups) {
    if (TOXICITY_METRICS.includes(group.metric) && group.classifier !== undefined) continue;
    // Readability has its own table in the fluency section.
    if (READABILITY_METRICS.includes(group.metric)) continue;
    if (inMainTable.has(JSON.stringify([group.metric, group.promptSet]))) continue;
    const key = JSON.stringify([group.metric, group.promptSet, group.attribute, group.classifier]);
    if (seen.has(key)) continue;
    seen.add(key);
    const qualifiers = [group.promptSet, group.attribute, group.classifier].filter((part) =>
      part !== undefined
    );
    cells.push({
      header: `${group.metric} (${qualifiers.join(", ")})`,
      query: {
        metric: group.metric,
        promptSet: group.promptSet,
        attribute: group.attribute,
        classifier: group.classifier,
      },
    });
  }
  if (cells.length === 0) return [];
  return [
    metricGrid(context, cells, "All other measured metrics, with 95% intervals where the metric has them."),
  ];
}

/** List the metrics that belong to no arm, such as classifier checks computed once per run. */
export function runLevelBlocks(context: ReportContext): Block[] {
  if (context.table.runLevel.length === 0) return [];
  return [{
    kind: "table",
    columns: [
      textColumn("metric"),
      textColumn("prompt set"),
      textColumn("attribute"),
      textColumn("classifier"),
      numberColumn("value"),
      numberColumn("95% CI"),
      numberColumn("n"),
    ],
    rows: context.table.runLevel.map((row) => [
      row.metric,
      row.promptSet,
      row.attribute ?? "",
      row.classifier ?? "",
      formatNumber(numericValue(row.value), decimalsFor(row.metric)),
      formatInterval(row.ciLow, row.ciHigh, decimalsFor(row.metric)),
      String(row.n),
    ]),
    caption: "Metrics measured once per run rather than per arm.",
  }];
}

function metricGrid(
  context: ReportContext,
  cells: Array<{ header: string; query: MetricQuery }>,
  caption: string,
): Block {
  const columns: Column[] = [textColumn("arm"), ...cells.map((cell) => numberColumn(cell.header))];
  const rows = orderArms(context.arms).map((arm) => [
    arm.name,
    ...cells.map((cell) =>
      combinedCell(context.table.get(arm.name, cell.query), decimalsFor(cell.query.metric))
    ),
  ]);
  return { kind: "table", columns, rows, caption };
}
