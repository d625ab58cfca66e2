/**
 * The attribution comparison: differential influence against plain influence, a random selection and
 * the profanity word list, measured on the same scored chunks, plus precision and recall at several
 * budgets for a precision/recall-vs-budget plot.
 */

import type * as arrow from "apache-arrow";
import type { Corpus, Tokenizer } from "../data/types.ts";
import type { SelectionSpec } from "../spec/types.ts";
import { tableFromColumns } from "../util/arrow.ts";
import { Rng } from "../util/rng.ts";
import { chunkMask, randomMask, randomScores, topInfluenceChunks } from "./baseline_masks.ts";
import {
  type AssessedSelection,
  type AttributionQuality,
  attributionQuality,
  type ChunkLabelRule,
  qualityContext,
} from "./quality.ts";
import { setMetrics } from "./ranking_metrics.ts";
import { denseScoreSource } from "./score_source.ts";
import { markWindows, type PreparedSelection, prepareSelection, resolveBudget } from "./select.ts";
import type { SelectionStats, TokenScores } from "./types.ts";
import { profanityMatcher, wordListMask, type WordListMatcher } from "./wordlist.ts";

/** Budgets of the precision/recall curve, as fractions of the scored tokens. */
export const DEFAULT_CURVE_BUDGETS = [0.005, 0.01, 0.02, 0.05, 0.1];

/** One row of the comparison table. NaN marks a metric that does not apply (no scores, empty selection). */
export interface ComparisonRow {
  method: string;
  tokensSelected: number;
  precision: number;
  recall: number;
  f1: number;
  /** Precision divided by the toxic base rate (1 = chance). */
  lift: number;
  tokenAuroc: number;
  tokenAuprc: number;
  chunkPrecision: number;
  chunkRecall: number;
  chunkF1: number;
  chunkAuroc: number;
  chunkAuprc: number;
  frequentShare: number;
}

/** One point of a precision/recall-vs-budget curve. */
export interface BudgetPoint {
  method: string;
  budgetTokens: number;
  tokensSelected: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Flatten measured selections into table rows. */
export function comparisonRows(qualities: AttributionQuality[]): ComparisonRow[] {
  return qualities.map((q) => ({
    method: q.method,
    tokensSelected: q.tokensSelected,
    precision: q.token.precision,
    recall: q.token.recall,
    f1: q.token.f1,
    lift: q.token.lift,
    tokenAuroc: q.token.auroc,
    tokenAuprc: q.token.auprc,
    chunkPrecision: q.chunk.precision,
    chunkRecall: q.chunk.recall,
    chunkF1: q.chunk.f1,
    chunkAuroc: q.chunk.auroc,
    chunkAuprc: q.chunk.auprc,
    frequentShare: q.frequentShare,
  }));
}

/** Convert comparison rows to an Arrow table (one column per field). */
export function comparisonTable(rows: ComparisonRow[]): arrow.Table {
  const numeric = (key: Exclude<keyof ComparisonRow, "method">) => Float64Array.from(rows, (row) => row[key]);
  return tableFromColumns({
    method: rows.map((row) => row.method),
    tokens_selected: numeric("tokensSelected"),
    precision: numeric("precision"),
    recall: numeric("recall"),
    f1: numeric("f1"),
    lift: numeric("lift"),
    token_auroc: numeric("tokenAuroc"),
    token_auprc: numeric("tokenAuprc"),
    chunk_precision: numeric("chunkPrecision"),
    chunk_recall: numeric("chunkRecall"),
    chunk_f1: numeric("chunkF1"),
    chunk_auroc: numeric("chunkAuroc"),
    chunk_auprc: numeric("chunkAuprc"),
    frequent_share: numeric("frequentShare"),
  });
}

function point(method: string, budgetTokens: number, mask: Uint8Array, labels: Uint8Array): BudgetPoint {
  const metrics = setMetrics(mask, labels);
  return {
    method,
    budgetTokens,
    tokensSelected: metrics.selected,
    precision: metrics.precision,
    recall: metrics.recall,
    f1: metrics.f1,
  };
}

/** Measure precision and recall of the selection algorithm at several budgets (threshold and ranking fixed). */
export function selectionBudgetCurve(
  method: string,
  prepared: PreparedSelection,
  window: number,
  budgets: number[],
  labels: Uint8Array,
): BudgetPoint[] {
  return budgets.map((budget) => point(method, budget, markWindows(prepared, window, budget).mask, labels));
}

/** Measure precision and recall of uniform random selections of each budget. */
export function randomBudgetCurve(
  method: string,
  budgets: number[],
  labels: Uint8Array,
  rng: Rng,
): BudgetPoint[] {
  return budgets.map((budget) =>
    point(method, budget, randomMask(labels.length, Math.min(budget, labels.length), rng), labels)
  );
}

/** Inputs of the standard comparison. */
export interface ComparisonInputs {
  corpus: Corpus;
  /** Needed for the word-list selection and for token texts; without it the word list is skipped. */
  tokenizer?: Tokenizer;
  spec: SelectionSpec;
  differential: TokenScores;
  /** Non-differential scores over the same chunks; without them the plain-influence rows are skipped. */
  plain?: TokenScores;
  seed: number;
  wordList?: WordListMatcher;
  /** Budgets of the curves as fractions of the scored tokens. */
  curveBudgets?: number[];
  chunkLabel?: ChunkLabelRule;
  signal?: AbortSignal;
}

/** Result of the standard comparison. */
export interface AttributionComparison {
  qualities: AttributionQuality[];
  rows: ComparisonRow[];
  curves: BudgetPoint[];
  /** Selection statistics of the score-based methods, by method name. */
  selections: Record<string, SelectionStats>;
  /** Pooling applied to the influence scores before every measurement here (`none` when absent). */
  pooling?: string;
  /** Token AUROC of the influence scores before pooling, by method name; empty without pooling. */
  unpooledTokenAuroc?: Record<string, number>;
}

function sameChunks(a: TokenScores, b: TokenScores): boolean {
  return a.blockSize === b.blockSize && a.chunkIds.length === b.chunkIds.length &&
    a.chunkIds.every((id, i) => id === b.chunkIds[i]);
}

/**
 * Compare differential influence, plain influence (the same token selection, and whole chunks removed
 * up to the budget), a random selection of as many tokens as the differential one, and the word list.
 */
export async function compareAttribution(inputs: ComparisonInputs): Promise<AttributionComparison> {
  const { corpus, spec, differential, plain, signal } = inputs;
  const context = qualityContext(corpus, differential.chunkIds, {
    tokenizer: inputs.tokenizer,
    chunkLabel: inputs.chunkLabel,
  });
  const scoredTokens = differential.scores.length;
  const budget = resolveBudget(spec, scoredTokens);
  const curveBudgets = (inputs.curveBudgets ?? DEFAULT_CURVE_BUDGETS).map((f) =>
    Math.floor(f * scoredTokens)
  );
  const assessed: AssessedSelection[] = [];
  const curves: BudgetPoint[] = [];
  const selections: Record<string, SelectionStats> = {};

  const prepareAndMark = async (method: string, scores: TokenScores) => {
    const prepared = await prepareSelection(denseScoreSource(scores), spec.percentile, { signal });
    const result = markWindows(prepared, spec.window, budget);
    assessed.push({ method, mask: result.mask, scores: scores.scores });
    selections[method] = result.stats;
    curves.push(...selectionBudgetCurve(method, prepared, spec.window, curveBudgets, context.tokenLabels));
    return result;
  };

  const differentialResult = await prepareAndMark("differential influence", differential);

  if (plain) {
    if (!sameChunks(plain, differential)) {
      throw new RangeError(
        "plain and differential scores cover different chunks; score both on the same training chunks",
      );
    }
    await prepareAndMark("plain influence (tokens)", plain);
    const dropped = topInfluenceChunks(plain, budget);
    assessed.push({
      method: "plain influence (chunks)",
      mask: chunkMask(plain.chunkIds, plain.blockSize, dropped),
      scores: plain.scores,
    });
  }

  const rng = Rng.derive(inputs.seed, "attribution-random");
  assessed.push({
    method: "random",
    mask: randomMask(scoredTokens, differentialResult.stats.tokensSelected, rng),
    scores: randomScores(scoredTokens, rng),
  });
  curves.push(...randomBudgetCurve("random", curveBudgets, context.tokenLabels, rng));

  if (inputs.tokenizer) {
    const mask = wordListMask(
      corpus,
      inputs.tokenizer,
      differential.chunkIds,
      inputs.wordList ?? profanityMatcher(),
    );
    assessed.push({ method: "word list", mask, scores: Float32Array.from(mask) });
  }

  const qualities = assessed.map((selection) => attributionQuality(context, selection));
  return { qualities, rows: comparisonRows(qualities), curves, selections };
}
