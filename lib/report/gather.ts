/**
 * Helpers for the code that gathers `ReportData` from cached artifacts: convert the attribution
 * stage's comparison, the selection code's chunk views and a classifier's training report into report
 * types, and bin token scores into the toxic and benign histograms. Nothing here reads files.
 */

import type { AttributionComparison } from "../select/comparison.ts";
import type { ClassifierReport, SourceQuality } from "../evaluate/train_classifier.ts";
import type { ChunkView } from "../select/render.ts";
import type {
  AttributionData,
  BudgetCurve,
  ClassifierQualityRow,
  ScoreHistogram,
  TopChunk,
} from "./types.ts";

/** Default number of histogram bins. */
export const DEFAULT_HISTOGRAM_BINS = 40;

/**
 * Share of the scores left outside the histogram range on each side. Token scores have heavy tails, so
 * the range covers the central 99.8% and the outer scores are counted in the first and last bins.
 */
export const HISTOGRAM_TAIL = 0.001;

/** Optional parts of the attribution data that the comparison artifact does not contain. */
export interface AttributionExtras {
  /** Scored tokens behind the curves; defaults to the sum of the differential method's source tokens. */
  scoredTokens?: number;
  histograms?: ScoreHistogram[];
  topChunks?: TopChunk[];
}

/**
 * Convert the attribution stage's comparison into report data: one quality row per method, one curve
 * per method with budgets as fractions of the scored tokens, and the first method's most selected
 * token types.
 */
export function attributionFromComparison(
  comparison: AttributionComparison,
  extras: AttributionExtras = {},
): AttributionData {
  const first = comparison.qualities[0];
  const scoredTokens = extras.scoredTokens ??
    (first ? first.sources.reduce((sum, source) => sum + source.sourceTokens, 0) : 0);
  if (comparison.curves.length > 0 && !(scoredTokens > 0)) {
    throw new Error(
      `cannot turn curve budgets into fractions: scored tokens is ${scoredTokens}; ` +
        "pass extras.scoredTokens (the number of scored tokens)",
    );
  }

  const quality = comparison.qualities.map((entry) => ({
    method: entry.method,
    tokensSelected: entry.tokensSelected,
    precision: entry.token.precision,
    recall: entry.token.recall,
    f1: entry.token.f1,
    auroc: entry.token.auroc,
    auprc: entry.token.auprc,
    unpooledAuroc: comparison.unpooledTokenAuroc?.[entry.method],
    chunkPrecision: entry.chunk.precision,
    chunkRecall: entry.chunk.recall,
    chunkF1: entry.chunk.f1,
    chunkAuroc: entry.chunk.auroc,
    chunkAuprc: entry.chunk.auprc,
    frequentShare: entry.frequentShare,
    budgetShare: Object.fromEntries(entry.sources.map((source) => [source.source, source.shareOfSelection])),
  }));

  const curves = new Map<string, BudgetCurve>();
  for (const point of comparison.curves) {
    const curve = curves.get(point.method) ?? { method: point.method, points: [] };
    curve.points.push({
      budget: point.budgetTokens / scoredTokens,
      precision: point.precision,
      recall: point.recall,
    });
    curves.set(point.method, curve);
  }

  const selections = Object.entries(comparison.selections ?? {}).map(([method, stats]) => ({
    method,
    stats: Object.fromEntries(
      Object.entries(stats).filter((entry): entry is [string, number | string] =>
        typeof entry[1] === "number" || typeof entry[1] === "string"
      ),
    ),
  }));

  return {
    quality,
    pooling: comparison.pooling ?? "none",
    selections,
    curves: [...curves.values()],
    histograms: extras.histograms ?? [],
    topChunks: extras.topChunks ?? [],
    topTokens: (first?.topTokens ?? []).map((entry) => ({
      token: entry.text,
      count: entry.count,
      share: entry.shareOfSelection,
    })),
  };
}

/** Convert a chunk view of the selection code into a top chunk; `source` names its corpus source. */
export function topChunkFromView(view: ChunkView, source: string): TopChunk {
  return {
    chunkId: view.chunkId,
    source,
    score: view.rankScore ?? Number.NaN,
    toxic: view.toxic ? view.toxic.some((flag) => flag === 1) : undefined,
    tokens: view.tokens.map((text, position) => ({
      text,
      score: view.scores ? view.scores[position] : Number.NaN,
      selected: view.selected[position] === 1,
      toxic: view.toxic ? view.toxic[position] === 1 : undefined,
    })),
  };
}

/** Value at quantile `q` of ascending sorted values (nearest rank). */
function quantileOfSorted(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))];
}

/**
 * Bin token scores into counts for tokens of toxic documents (`toxic[i] = 1`) and of benign ones. The
 * range spans the central scores (see `HISTOGRAM_TAIL`) and the outer scores go into the end bins.
 * Non-finite scores are skipped.
 */
export function scoreHistogram(
  label: string,
  scores: ArrayLike<number>,
  toxic: ArrayLike<number>,
  bins = DEFAULT_HISTOGRAM_BINS,
): ScoreHistogram {
  if (scores.length !== toxic.length) {
    throw new RangeError(
      `scoreHistogram got ${scores.length} scores but ${toxic.length} labels; pass one label per score`,
    );
  }
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`scoreHistogram bins is ${bins}; pass a positive integer`);
  }
  // Float64 so quantiles and edges of float32 scores are exact.
  let count = 0;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) count += 1;
  const finite = new Float64Array(count);
  count = 0;
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) finite[count++] = scores[i];
  finite.sort();
  const low = finite.length > 0 ? quantileOfSorted(finite, HISTOGRAM_TAIL) : 0;
  let high = finite.length > 0 ? quantileOfSorted(finite, 1 - HISTOGRAM_TAIL) : 1;
  if (!(high > low)) high = low + 1;

  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, index) => low + index * width);
  const toxicCounts = new Array<number>(bins).fill(0);
  const benignCounts = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (!Number.isFinite(score)) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor((score - low) / width)));
    if (toxic[i] === 1) toxicCounts[bin] += 1;
    else benignCounts[bin] += 1;
  }
  return { label, edges, toxic: toxicCounts, benign: benignCounts };
}

/** Convert a classifier's held-out quality report into rows: every source pooled first, then each source. */
export function classifierRowsFromReport(report: ClassifierReport): ClassifierQualityRow[] {
  const row = (quality: SourceQuality): ClassifierQualityRow => ({
    classifier: report.id,
    source: quality.source,
    auroc: quality.auroc,
    aurocLow: quality.aurocInterval?.[0],
    aurocHigh: quality.aurocInterval?.[1],
    f1: quality.f1,
    positiveRate: quality.positiveRate,
    ece: quality.ece,
    spearman: quality.spearman,
    n: quality.rows,
  });
  return [row(report.overall), ...report.perSource.map(row)];
}
