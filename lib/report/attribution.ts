/**
 * Attribution sections: selection quality against ground-truth toxic spans, precision and recall as the
 * budget grows, token-score histograms for toxic and benign documents, the most selected token types,
 * and the top chunks with their selected tokens highlighted.
 */

import { type Block, type Column, numberColumn, textColumn } from "./document.ts";
import { formatCount, formatNumber, formatPercent, PROBABILITY_DECIMALS } from "./format.ts";
import { tokensFromFragment } from "./fragment.ts";
import { histogramChart, lineChart } from "./svg.ts";
import type {
  AttributionData,
  AttributionQualityRow,
  BudgetCurve,
  ScoreHistogram,
  TopChunk,
} from "./types.ts";

/** Budgets spanning more than this ratio are drawn on a logarithmic axis. */
const LOG_AXIS_RATIO = 20;

/** Default number of top chunks shown. */
export const DEFAULT_TOP_CHUNKS = 5;

/** Decimals of non-integer selection statistics (thresholds can be small). */
const STATISTIC_DECIMALS = 6;

/** Most selected token types shown. */
const TOP_TOKEN_ROWS = 30;

const p = (value: number | undefined) => formatNumber(value, PROBABILITY_DECIMALS);

/** A column of the quality table; optional columns are shown when any row has a value. */
interface QualityColumn {
  header: string;
  value: (row: AttributionQualityRow) => number | undefined;
  optional: boolean;
  count?: boolean;
}

const QUALITY_COLUMNS: QualityColumn[] = [
  { header: "tokens selected", value: (row) => row.tokensSelected, optional: true, count: true },
  { header: "precision", value: (row) => row.precision, optional: false },
  { header: "recall", value: (row) => row.recall, optional: false },
  { header: "F1", value: (row) => row.f1, optional: false },
  { header: "AUROC", value: (row) => row.auroc, optional: false },
  { header: "AUPRC", value: (row) => row.auprc, optional: false },
  { header: "AUROC before pooling", value: (row) => row.unpooledAuroc, optional: true },
  { header: "chunk precision", value: (row) => row.chunkPrecision, optional: true },
  { header: "chunk recall", value: (row) => row.chunkRecall, optional: true },
  { header: "chunk F1", value: (row) => row.chunkF1, optional: true },
  { header: "chunk AUROC", value: (row) => row.chunkAuroc, optional: true },
  { header: "chunk AUPRC", value: (row) => row.chunkAuprc, optional: true },
  { header: "frequent-token share", value: (row) => row.frequentShare, optional: true },
];

/** Token and chunk-level quality of each selection method, and the budget share per source. */
export function qualityBlocks(data: AttributionData): Block[] {
  if (data.quality.length === 0) {
    return [{ kind: "note", text: "No attribution quality rows were computed." }];
  }
  const visibleColumns = QUALITY_COLUMNS.filter((column) =>
    !column.optional || data.quality.some((row) => column.value(row) !== undefined)
  );
  const blocks: Block[] = [{
    kind: "table",
    columns: [textColumn("method"), ...visibleColumns.map((column) => numberColumn(column.header))],
    rows: data.quality.map((row) => [
      row.method,
      ...visibleColumns.map((column) => {
        const value = column.value(row);
        return column.count && value !== undefined ? formatCount(value) : p(value);
      }),
    ]),
    caption:
      "Token-level precision, recall and F1 of the selected tokens against ground-truth toxic spans; " +
      "AUROC and AUPRC of the scores at token and chunk level (n/a: the method has no scores)." +
      (data.pooling && data.pooling !== "none"
        ? ` Influence scores were pooled (${data.pooling}) before selection and measurement; ` +
          "the column before pooling gives the token AUROC of the scores as computed."
        : ""),
  }];

  const sources = [...new Set(data.quality.flatMap((row) => Object.keys(row.budgetShare ?? {})))].sort();
  if (sources.length > 0) {
    const columns: Column[] = [textColumn("method"), ...sources.map(numberColumn)];
    blocks.push({
      kind: "table",
      columns,
      rows: data.quality.map((row) => [
        row.method,
        ...sources.map((source) => formatPercent(row.budgetShare?.[source])),
      ]),
      caption: "Share of the selected tokens drawn from each corpus source.",
    });
  }
  return blocks;
}

/** Build a table of selection statistics, one row per statistic and one column per method. */
export function selectionBlocks(data: AttributionData): Block[] {
  const selections = data.selections ?? [];
  if (selections.length === 0) return [];
  const names = [...new Set(selections.flatMap((selection) => Object.keys(selection.stats)))];
  const cell = (value: number | string | undefined) => {
    if (value === undefined) return "";
    if (typeof value === "string") return value;
    return Number.isInteger(value) ? formatCount(value) : formatNumber(value, STATISTIC_DECIMALS);
  };
  return [{
    kind: "table",
    columns: [textColumn("statistic"), ...selections.map((selection) => numberColumn(selection.method))],
    rows: names.map((name) => [name, ...selections.map((selection) => cell(selection.stats[name]))]),
    caption: "How each score-based selection was made: quantile threshold, budget and tokens selected.",
  }];
}

/** Line charts of precision and of recall against the selection budget, one line per method. */
export function curveBlocks(curves: BudgetCurve[]): Block[] {
  const budgets = curves.flatMap((curve) => curve.points.map((point) => point.budget)).filter((b) => b > 0);
  if (budgets.length === 0) {
    return [{ kind: "note", text: "No precision/recall-vs-budget curves were computed." }];
  }
  const log = Math.max(...budgets) / Math.min(...budgets) > LOG_AXIS_RATIO;
  return (["precision", "recall"] as const).map((measure) => ({
    kind: "figure",
    name: `budget-${measure}`,
    svg: lineChart(
      curves.map((curve) => ({
        label: curve.method,
        points: curve.points.map((point) => ({ x: point.budget, y: point[measure] })),
      })),
      {
        title: `Token ${measure} vs selection budget`,
        x: { label: "budget (fraction of training tokens)", log },
        y: { label: `token ${measure}`, min: 0, max: 1 },
      },
    ),
    caption: `Token-level ${measure} of each selection method as the budget grows.`,
  }));
}

function histogramBlock(histogram: ScoreHistogram, index: number): Block {
  // Each group is scaled to shares so that the much larger benign group does not flatten the toxic one.
  const share = (counts: number[]) => {
    const total = counts.reduce((sum, count) => sum + count, 0);
    return counts.map((count) => (total > 0 ? count / total : 0));
  };
  const toxicTotal = histogram.toxic.reduce((sum, count) => sum + count, 0);
  const benignTotal = histogram.benign.reduce((sum, count) => sum + count, 0);
  return {
    kind: "figure",
    name: `score-histogram-${index + 1}`,
    svg: histogramChart(histogram.edges, [
      { label: `toxic (${formatCount(toxicTotal)} tokens)`, counts: share(histogram.toxic) },
      { label: `benign (${formatCount(benignTotal)} tokens)`, counts: share(histogram.benign) },
    ], {
      title: `${histogram.label}: toxic vs benign documents`,
      x: { label: histogram.label },
      y: { label: "share of the group's tokens" },
    }),
    caption: `Distribution of ${histogram.label} for tokens of toxic and of benign documents, ` +
      "each scaled to its own total.",
  };
}

/** Score histograms for toxic and benign documents. */
export function histogramBlocks(histograms: ScoreHistogram[]): Block[] {
  if (histograms.length === 0) return [{ kind: "note", text: "No token-score histograms were computed." }];
  return histograms.map(histogramBlock);
}

/** Table of the most frequently selected token types. */
export function topTokenBlocks(data: AttributionData): Block[] {
  if (data.topTokens.length === 0) return [{ kind: "note", text: "No selected token types were recorded." }];
  return [{
    kind: "table",
    columns: [textColumn("token"), numberColumn("times selected"), numberColumn("share of selection")],
    // JSON quoting keeps leading spaces and control characters of BPE tokens visible.
    rows: data.topTokens.slice(0, TOP_TOKEN_ROWS).map((entry) => [
      JSON.stringify(entry.token),
      formatCount(entry.count),
      formatPercent(entry.share),
    ]),
    caption: `The ${Math.min(TOP_TOKEN_ROWS, data.topTokens.length)} most selected token types.`,
  }];
}

function chunkTitle(chunk: TopChunk, rank: number): string {
  const label = chunk.toxic === undefined
    ? "label unknown"
    : chunk.toxic
    ? "toxic document"
    : "benign document";
  return `#${rank} chunk ${chunk.chunkId} (${chunk.source}, ${label}), chunk score ${p(chunk.score)}`;
}

/** List the top chunks with their selected tokens highlighted, behind a content warning. */
export function topChunkBlocks(chunks: TopChunk[], limit: number): Block[] {
  if (chunks.length === 0 || limit <= 0) return [{ kind: "note", text: "No top chunks were recorded." }];
  const blocks: Block[] = [{
    kind: "warning",
    text: "The chunks below come from a corpus that contains toxic text and may be offensive.",
  }, {
    kind: "note",
    text: "Selected tokens are highlighted (bold in Markdown; in HTML, darker means a higher score) and " +
      "tokens of toxic documents are underlined in HTML.",
  }];
  chunks.slice(0, limit).forEach((chunk, index) => {
    const tokens = chunk.tokens ?? (chunk.html !== undefined ? tokensFromFragment(chunk.html) : []);
    blocks.push({ kind: "tokens", title: chunkTitle(chunk, index + 1), tokens });
  });
  return blocks;
}
