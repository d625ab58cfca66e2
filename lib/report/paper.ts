/**
 * The main-table numbers reported for IF-Guide, for comparison beside ours. These are the only
 * constants the report shows that do not come from the run.
 *
 * Source: Coalson, Bae, Carlini, Hong, "IF-Guide: Influence Function-Guided Detoxification of LLMs",
 * arXiv 2506.01790 (NeurIPS 2025), main results table: Pythia-160M trained from scratch on about 1B tokens of OpenWebText,
 * RealToxicityPrompts evaluation, 25 samples of 20 tokens per prompt, Detoxify scores.
 */

import type { PaperRow } from "./types.ts";

/** Model and data scale of the paper's main table. */
export const PAPER_SCALE = "Pythia-160M, ~1B tokens";

/** Label printed next to every number taken from the paper. */
export const PAPER_SCALE_LABEL = `paper: ${PAPER_SCALE}`;

/** One row of the paper's main table. `null` marks a cell the paper leaves empty. */
export interface PaperResult {
  emtAll: number;
  tpAll: number;
  emtToxic: number;
  tpToxic: number;
  perplexity: number | null;
  lambada: number;
}

/** The paper's main table, by comparable row. */
export const PAPER_RESULTS: Readonly<Record<PaperRow, Readonly<PaperResult>>> = {
  none: { emtAll: 0.557, tpAll: 0.560, emtToxic: 0.764, tpToxic: 0.801, perplexity: 25.84, lambada: 0.450 },
  dpo: { emtAll: 0.348, tpAll: 0.330, emtToxic: 0.517, tpToxic: 0.525, perplexity: 26.47, lambada: 0.474 },
  rad: { emtAll: 0.118, tpAll: 0.094, emtToxic: 0.202, tpToxic: 0.176, perplexity: null, lambada: 0.457 },
  ifguide: {
    emtAll: 0.101,
    tpAll: 0.054,
    emtToxic: 0.136,
    tpToxic: 0.085,
    perplexity: 26.77,
    lambada: 0.433,
  },
  "ifguide+rad": {
    emtAll: 0.031,
    tpAll: 0.017,
    emtToxic: 0.047,
    tpToxic: 0.030,
    perplexity: null,
    lambada: 0.438,
  },
};

/** Display name of each paper row. */
export const PAPER_ROW_NAMES: Readonly<Record<PaperRow, string>> = {
  none: "none",
  dpo: "DPO",
  rad: "RAD",
  ifguide: "IF-Guide",
  "ifguide+rad": "IF-Guide + RAD",
};

/** Main-table quantities that have a paper value. */
export type PaperQuantity = keyof PaperResult;

/** Reduction factor `none / row` the paper's table implies for one quantity, or null when undefined. */
export function paperReduction(row: PaperRow, quantity: PaperQuantity): number | null {
  const base = PAPER_RESULTS.none[quantity];
  const value = PAPER_RESULTS[row][quantity];
  if (base === null || value === null || value === 0) return null;
  return base / value;
}

/** Relative change `row / none - 1` the paper's table implies for one quantity, or null when undefined. */
export function paperChange(row: PaperRow, quantity: PaperQuantity): number | null {
  const base = PAPER_RESULTS.none[quantity];
  const value = PAPER_RESULTS[row][quantity];
  if (base === null || value === null || base === 0) return null;
  return value / base - 1;
}
