/**
 * Attribution quality of a selection against the corpus ground truth (documents from toxic sources).
 * Token label: 1 when the token belongs to a toxic document. Chunk label under rule `any`: 1 when the
 * chunk contains at least one toxic-document token. Under rule `majority`: 1 when more than half of the
 * chunk's tokens come from toxic documents. A chunk counts as selected when any of its tokens is selected, and
 * a chunk's score is the sum of its token scores (the chunk-level influence).
 */

import type { Corpus, Tokenizer } from "../data/types.ts";
import { toxicTokenMask } from "./baseline_masks.ts";
import { auroc, averagePrecision, type SetMetrics, setMetrics } from "./ranking_metrics.ts";

/** Rule that derives a chunk's ground-truth label from its tokens. */
export type ChunkLabelRule = "any" | "majority";

/** Number of token types listed as most selected, and of most frequent corpus tokens checked against. */
export const TOP_TOKEN_TYPES = 20;

/** Token precision below this multiple of the toxic base rate marks a selection as near chance. */
export const MIN_PRECISION_LIFT = 1.5;

/** Token AUROC below this marks scores that barely rank toxic-document tokens above others. */
export const MIN_TOKEN_AUROC = 0.6;

/** Ground truth and token statistics of the scored chunks, computed once per corpus. */
export interface QualityContext {
  corpus: Corpus;
  tokenizer?: Tokenizer;
  chunkIds: Int32Array;
  blockSize: number;
  /** Token ids of the scored chunks, [numChunks x blockSize]. */
  tokenIds: Int32Array;
  tokenLabels: Uint8Array;
  chunkLabels: Uint8Array;
  chunkLabelRule: ChunkLabelRule;
  /** The most frequent token ids among scored tokens, most frequent first. */
  frequentTokens: Set<number>;
  /** Share of all scored tokens, and of toxic-document tokens, that are frequent tokens. */
  corpusFrequentShare: number;
  toxicFrequentShare: number;
}

/** A selection to assess: a mask over the scored chunks and, when it ranks tokens, its scores. */
export interface AssessedSelection {
  method: string;
  mask: Uint8Array;
  scores?: Float32Array;
}

/** Metrics at one level (token or chunk). */
export interface LevelQuality extends SetMetrics {
  /** Share of positives among all items. */
  baseRate: number;
  /** precision / baseRate: 1 is what a random selection of the same size achieves. */
  lift: number;
  /** NaN when the selection has no scores or all labels are equal. */
  auroc: number;
  auprc: number;
}

/** Tokens selected from one corpus source. */
export interface SourceShare {
  source: string;
  /** 1 when the source's documents are toxic (from the first document of the source). */
  toxic: number;
  selectedTokens: number;
  /** Share of the whole selection. */
  shareOfSelection: number;
  sourceTokens: number;
  /** Share of this source's scored tokens that were selected. */
  shareOfSource: number;
}

/** One of the most selected token types. */
export interface TopToken {
  tokenId: number;
  text: string;
  count: number;
  shareOfSelection: number;
}

/** Everything measured about one selection. */
export interface AttributionQuality {
  method: string;
  tokensSelected: number;
  token: LevelQuality;
  chunk: LevelQuality & { rule: ChunkLabelRule };
  sources: SourceShare[];
  topTokens: TopToken[];
  /** Share of selected tokens that are among the most frequent scored tokens. */
  frequentShare: number;
  corpusFrequentShare: number;
  toxicFrequentShare: number;
  /** True when frequent tokens make up more of the selection than of the scored corpus. */
  frequentTokenWarning: boolean;
  /** Diagnoses of a failed attribution (near-chance precision or ranking, frequent tokens); empty when none applies. */
  warnings: string[];
}

function countsByToken(tokenIds: Int32Array, include?: Uint8Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < tokenIds.length; i++) {
    if (include && !include[i]) continue;
    counts.set(tokenIds[i], (counts.get(tokenIds[i]) ?? 0) + 1);
  }
  return counts;
}

function topByCount(counts: Map<number, number>, k: number): Array<[number, number]> {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
}

function shareIn(tokenIds: Int32Array, set: Set<number>, include?: Uint8Array): number {
  let hits = 0;
  let total = 0;
  for (let i = 0; i < tokenIds.length; i++) {
    if (include && !include[i]) continue;
    total++;
    if (set.has(tokenIds[i])) hits++;
  }
  return total > 0 ? hits / total : NaN;
}

/** Build the ground truth for the scored chunks `chunkIds` of `corpus`. */
export function qualityContext(
  corpus: Corpus,
  chunkIds: Int32Array,
  options: { tokenizer?: Tokenizer; chunkLabel?: ChunkLabelRule } = {},
): QualityContext {
  const { blockSize } = corpus;
  const rule = options.chunkLabel ?? "any";
  const tokenLabels = toxicTokenMask(corpus, chunkIds);
  const tokenIds = new Int32Array(chunkIds.length * blockSize);
  const chunkLabels = new Uint8Array(chunkIds.length);
  chunkIds.forEach((chunkId, c) => {
    tokenIds.set(corpus.tokens.subarray(chunkId * blockSize, (chunkId + 1) * blockSize), c * blockSize);
    let toxic = 0;
    for (let t = 0; t < blockSize; t++) toxic += tokenLabels[c * blockSize + t];
    chunkLabels[c] = (rule === "any" ? toxic > 0 : toxic * 2 > blockSize) ? 1 : 0;
  });
  const frequentTokens = new Set(topByCount(countsByToken(tokenIds), TOP_TOKEN_TYPES).map(([id]) => id));
  return {
    corpus,
    tokenizer: options.tokenizer,
    chunkIds,
    blockSize,
    tokenIds,
    tokenLabels,
    chunkLabels,
    chunkLabelRule: rule,
    frequentTokens,
    corpusFrequentShare: shareIn(tokenIds, frequentTokens),
    toxicFrequentShare: shareIn(tokenIds, frequentTokens, tokenLabels),
  };
}

function levelQuality(selected: Uint8Array, labels: Uint8Array, scores?: ArrayLike<number>): LevelQuality {
  const metrics = setMetrics(selected, labels);
  const baseRate = labels.length > 0 ? metrics.positives / labels.length : NaN;
  return {
    ...metrics,
    baseRate,
    lift: metrics.precision / baseRate,
    auroc: scores ? auroc(scores, labels) : NaN,
    auprc: scores ? averagePrecision(scores, labels) : NaN,
  };
}

function sourceShares(context: QualityContext, mask: Uint8Array, selectedTotal: number): SourceShare[] {
  const { corpus, chunkIds, blockSize } = context;
  const bySource = new Map<string, SourceShare>();
  chunkIds.forEach((chunkId, c) => {
    for (let t = 0; t < blockSize; t++) {
      const doc = corpus.docIds[chunkId * blockSize + t];
      const source = corpus.documents.source[doc];
      let entry = bySource.get(source);
      if (entry === undefined) {
        entry = {
          source,
          toxic: corpus.documents.toxic[doc],
          selectedTokens: 0,
          shareOfSelection: 0,
          sourceTokens: 0,
          shareOfSource: 0,
        };
        bySource.set(source, entry);
      }
      entry.sourceTokens++;
      entry.selectedTokens += mask[c * blockSize + t];
    }
  });
  const shares = [...bySource.values()].sort((a, b) =>
    b.selectedTokens - a.selectedTokens || a.source.localeCompare(b.source)
  );
  for (const entry of shares) {
    entry.shareOfSelection = selectedTotal > 0 ? entry.selectedTokens / selectedTotal : NaN;
    entry.shareOfSource = entry.selectedTokens / entry.sourceTokens;
  }
  return shares;
}

/** Measure one selection against the ground truth. */
export function attributionQuality(
  context: QualityContext,
  selection: AssessedSelection,
): AttributionQuality {
  const { blockSize, chunkIds, tokenIds, tokenLabels, chunkLabels } = context;
  const { mask, scores } = selection;
  if (mask.length !== tokenLabels.length || (scores && scores.length !== tokenLabels.length)) {
    const scoreCount = scores?.length ?? "none";
    throw new RangeError(
      `selection '${selection.method}' covers ${mask.length} tokens (scores: ${scoreCount}) but the ` +
        `scored chunks contain ${tokenLabels.length}; align it with the same chunk ids`,
    );
  }

  const chunkSelected = new Uint8Array(chunkIds.length);
  const chunkScores = scores ? new Float64Array(chunkIds.length) : undefined;
  for (let c = 0; c < chunkIds.length; c++) {
    for (let t = 0; t < blockSize; t++) {
      chunkSelected[c] |= mask[c * blockSize + t];
      if (chunkScores) chunkScores[c] += scores![c * blockSize + t];
    }
  }
  const token = levelQuality(mask, tokenLabels, scores);
  const tokensSelected = token.selected;

  const topTokens = topByCount(countsByToken(tokenIds, mask), TOP_TOKEN_TYPES).map(([tokenId, count]) => ({
    tokenId,
    text: context.tokenizer ? context.tokenizer.tokenText(tokenId) : `#${tokenId}`,
    count,
    shareOfSelection: count / tokensSelected,
  }));
  const frequentShare = shareIn(tokenIds, context.frequentTokens, mask);
  const frequentTokenWarning = frequentShare > context.corpusFrequentShare;

  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  const warnings: string[] = [];
  if (token.lift < MIN_PRECISION_LIFT) {
    warnings.push(
      `token precision ${percent(token.precision)} is less than ${MIN_PRECISION_LIFT}x the toxic base rate ` +
        `${percent(token.baseRate)}, so the selection is close to chance`,
    );
  }
  if (token.auroc < MIN_TOKEN_AUROC) {
    const auroc = token.auroc.toFixed(3);
    warnings.push(
      `token AUROC ${auroc} is below ${MIN_TOKEN_AUROC}, so the scores barely rank toxic text first`,
    );
  }
  if (frequentTokenWarning) {
    const selectionShare = percent(frequentShare);
    const corpusShare = percent(context.corpusFrequentShare);
    warnings.push(
      `the ${TOP_TOKEN_TYPES} most frequent token types make up ${selectionShare} of the selection ` +
        `but only ${corpusShare} of the scored tokens`,
    );
  }

  return {
    method: selection.method,
    tokensSelected,
    token,
    chunk: { ...levelQuality(chunkSelected, chunkLabels, chunkScores), rule: context.chunkLabelRule },
    sources: sourceShares(context, mask, tokensSelected),
    topTokens,
    frequentShare,
    corpusFrequentShare: context.corpusFrequentShare,
    toxicFrequentShare: context.toxicFrequentShare,
    frequentTokenWarning,
    warnings,
  };
}
