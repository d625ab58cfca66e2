/**
 * Token-level attribution quality of the influence strategies on a trained checkpoint. For identity,
 * K-FAC and EK-FAC, each with differential and plain (toxic-only) query gradients, it prints the
 * AUROC of token scores against the corpus's toxic-document ground truth. Three diagnostics sit
 * beside it: the AUROC of chunk sums against majority-toxic chunks, and the token AUROC after
 * averaging scores over a window of positions or over each document's scored tokens (the
 * `selection.pooling` settings `window` and `document`). It also lists the tokens that dominate the top 1%
 * of scores, because frequent tokens such as commas and articles there mean the attribution failed.
 *
 * Usage (artifact folders from a pipeline run's cache):
 *   deno run -A bench/attribution.ts --checkpoint DIR --corpus DIR --tokenizer DIR --queries DIR
 *     [--layers 'blocks.*.attn.*,blocks.*.mlp.*'] [--damping heuristic,1x,1e-4] [--fit-chunks 2000]
 *     [--score-chunks 1500] [--fisher true] [--backend wasm]
 */

import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend/init.ts";
import { readCorpus } from "../lib/data/corpus_io.ts";
import { queriesStage } from "../lib/data/stages.ts";
import { loadTokenizer } from "../lib/data/tokenizer/io.ts";
import type { Corpus, QuerySets, Tokenizer } from "../lib/data/types.ts";
import {
  assertModelFitsCorpus,
  type DampingSpec,
  emptyFactorSet,
  type FactorSet,
  type FisherKind,
  fitChunkIds,
  fitFactors,
  meanQueryGradient,
  type QueryGradient,
  queryGradientFromMeans,
  scoreChunksMany,
  selectLayers,
} from "../lib/influence/mod.ts";
import { loadCheckpoint, modelFromCheckpoint } from "../lib/model/checkpoint.ts";
import type { GPT } from "../lib/model/gpt.ts";
import { poolTokenScores } from "../lib/select/pooling.ts";
import { auroc } from "../lib/select/ranking_metrics.ts";
import type { BackendName } from "../lib/spec/types.ts";
import { type StageEvents, stageEvents } from "../lib/runner/events.ts";

/** Options of one attribution comparison. */
export interface AttributionBenchOptions {
  layers: string[];
  dampings: DampingSpec[];
  fisher: FisherKind;
  /** Training chunks used to fit factors (seeded subset); 0 uses all. */
  fitChunks: number;
  /** Training chunks scored (seeded subset); 0 scores all. */
  scoreChunks: number;
  seed: number;
  /** Progress of the fitting and scoring passes. */
  events?: StageEvents;
}

/** One row of the comparison. */
export interface AttributionRow {
  strategy: string;
  differential: boolean;
  damping: string;
  auroc: number;
  /** AUROC of chunk scores (sums of token scores) against majority-toxic chunk labels. */
  chunkAuroc: number;
  /** Token AUROC after averaging each score over positions t - SMOOTH_WINDOW .. t + SMOOTH_WINDOW of its chunk. */
  smoothedAuroc: number;
  /** Token AUROC after averaging each score over the scored tokens of its document. */
  documentAuroc: number;
  /** Token texts most frequent in the top 1% of scores, with their share of it. */
  topTokens: Array<{ token: string; share: number }>;
}

/** Rows of the comparison and the time each phase took. */
export interface AttributionResult {
  rows: AttributionRow[];
  fitSeconds: number;
  querySeconds: number;
  scoreSeconds: number;
  fitChunks: number;
  scoredChunks: number;
}

/** Top share of token scores inspected for frequent tokens. */
const TOP_SHARE = 0.01;
/** Half-width of the window of the smoothed-token AUROC, in positions. */
const SMOOTH_WINDOW = 8;

/** Score the chunks with every strategy x differential x damping and measure token AUROC. */
export async function compareStrategies(
  model: GPT,
  corpus: Corpus,
  tokenizer: Tokenizer,
  queries: QuerySets,
  options: AttributionBenchOptions,
  onRow: (row: AttributionRow) => void = () => {},
): Promise<AttributionResult> {
  assertModelFitsCorpus(model.config, corpus);
  const layers = selectLayers(model.linearLayers(), options.layers);
  const fitIds = fitChunkIds(corpus, options.fitChunks, options.seed);
  const scoreIds = fitChunkIds(corpus, options.scoreChunks, options.seed + 1);
  const labels = new Uint8Array(scoreIds.length * corpus.blockSize);
  const tokens = new Int32Array(scoreIds.length * corpus.blockSize);
  scoreIds.forEach((chunk, c) => {
    for (let t = 0; t < corpus.blockSize; t++) {
      const index = chunk * corpus.blockSize + t;
      labels[c * corpus.blockSize + t] = corpus.documents.toxic[corpus.docIds[index]];
      tokens[c * corpus.blockSize + t] = corpus.tokens[index];
    }
  });

  // One EK-FAC fit serves K-FAC too: K-FAC uses the same eigenbases without the correction.
  let start = performance.now();
  const ekfac = await fitFactors(model, corpus, layers, fitIds, {
    strategy: "ekfac",
    fisher: options.fisher,
    seed: options.seed,
  });
  const fitSeconds = (performance.now() - start) / 1000;
  const factorSets: FactorSet[] = [
    emptyFactorSet("identity", options.fisher, layers),
    { ...ekfac, strategy: "kfac" },
    ekfac,
  ];

  // The mean query gradients depend on the model only, so every variant reuses them.
  start = performance.now();
  const toxic = await meanQueryGradient(model, layers, tokenizer, queries.toxic, { label: "toxic" });
  const nontoxic = await meanQueryGradient(model, layers, tokenizer, queries.nontoxic, {
    label: "non-toxic",
  });
  const variants: Array<{ query: QueryGradient; damping: string }> = [];
  for (const factors of factorSets) {
    const dampings = factors.strategy === "identity" ? [0] : options.dampings;
    for (const damping of dampings) {
      for (const differential of [true, false]) {
        const query = await queryGradientFromMeans(factors, toxic, differential ? nontoxic : null, damping);
        variants.push({ query, damping: String(damping) });
      }
    }
  }
  const querySeconds = (performance.now() - start) / 1000;

  // One capture per batch scores every variant.
  start = performance.now();
  const scores = variants.map(() => new Float32Array(scoreIds.length * corpus.blockSize));
  let offset = 0;
  const queriesToScore = variants.map((variant) => variant.query);
  for await (
    const batch of scoreChunksMany(model, queriesToScore, corpus, scoreIds, { events: options.events })
  ) {
    batch.scores.forEach((values, v) => scores[v].set(values, offset));
    offset += batch.chunkIds.length * corpus.blockSize;
  }
  const scoreSeconds = (performance.now() - start) / 1000;

  const rows = variants.map(({ query, damping }, v): AttributionRow => ({
    strategy: query.strategy,
    differential: query.differential,
    damping,
    auroc: auroc(scores[v], labels),
    chunkAuroc: auroc(chunkSums(scores[v], corpus.blockSize), chunkLabels(labels, corpus.blockSize)),
    smoothedAuroc: auroc(smoothWithinChunks(scores[v], corpus.blockSize, SMOOTH_WINDOW), labels),
    documentAuroc: auroc(
      poolTokenScores(
        { numChunks: scoreIds.length, blockSize: corpus.blockSize, chunkIds: scoreIds, scores: scores[v] },
        corpus,
        { kind: "document", window: 0 },
      ).scores,
      labels,
    ),
    topTokens: topTokens(scores[v], tokens, tokenizer),
  }));
  rows.forEach(onRow);
  return {
    rows,
    fitSeconds,
    querySeconds,
    scoreSeconds,
    fitChunks: fitIds.length,
    scoredChunks: scoreIds.length,
  };
}

function chunkSums(scores: Float32Array, blockSize: number): Float64Array {
  const sums = new Float64Array(scores.length / blockSize);
  for (let i = 0; i < scores.length; i++) sums[Math.floor(i / blockSize)] += scores[i];
  return sums;
}

/** 1 for chunks whose tokens are mostly from toxic documents. */
function chunkLabels(labels: Uint8Array, blockSize: number): Uint8Array {
  const toxic = new Float64Array(labels.length / blockSize);
  for (let i = 0; i < labels.length; i++) toxic[Math.floor(i / blockSize)] += labels[i];
  return Uint8Array.from(toxic, (count) => (2 * count > blockSize ? 1 : 0));
}

function smoothWithinChunks(scores: Float32Array, blockSize: number, window: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let chunk = 0; chunk < scores.length / blockSize; chunk++) {
    const base = chunk * blockSize;
    for (let t = 0; t < blockSize; t++) {
      const from = Math.max(0, t - window);
      const to = Math.min(blockSize - 1, t + window);
      let sum = 0;
      for (let u = from; u <= to; u++) sum += scores[base + u];
      out[base + t] = sum / (to - from + 1);
    }
  }
  return out;
}

function topTokens(
  scores: Float32Array,
  tokens: Int32Array,
  tokenizer: Tokenizer,
): AttributionRow["topTokens"] {
  const count = Math.max(1, Math.floor(scores.length * TOP_SHARE));
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, count);
  const counts = new Map<number, number>();
  for (const i of order) counts.set(tokens[i], (counts.get(tokens[i]) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([id, n]) => ({
    token: JSON.stringify(tokenizer.tokenText(id)),
    share: n / count,
  }));
}

function parseDamping(text: string): DampingSpec {
  if (text === "heuristic" || /^[0-9]+(\.[0-9]+)?x$/.test(text)) return text;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `--damping value '${text}' is invalid; use 'heuristic', 'Kx' (K x the mean eigenvalue) or a number >= 0`,
    );
  }
  return value;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: "string" },
      corpus: { type: "string" },
      tokenizer: { type: "string" },
      queries: { type: "string" },
      layers: { type: "string", default: "blocks.*.attn.*,blocks.*.mlp.*" },
      damping: { type: "string", default: "heuristic" },
      fisher: { type: "string", default: "true" },
      "fit-chunks": { type: "string", default: "2000" },
      "score-chunks": { type: "string", default: "0" },
      seed: { type: "string", default: "1004" },
      backend: { type: "string", default: "wasm" },
    },
  });
  for (const name of ["checkpoint", "corpus", "tokenizer", "queries"] as const) {
    if (!values[name]) throw new Error(`--${name} DIR is missing; pass the artifact folder of that stage`);
  }
  await initBackend(values.backend as BackendName);
  const checkpoint = await loadCheckpoint(values.checkpoint!);
  const corpus = await readCorpus(values.corpus!);
  const tokenizer = await loadTokenizer(`${values.tokenizer}/tokenizer.json`);
  const queries = await queriesStage.codec.load(values.queries!);
  const model = modelFromCheckpoint(checkpoint);
  let lastPercent = -1;
  const events = stageEvents({
    emit(event) {
      if (event.type !== "progress") return;
      const percent = Math.floor((100 * event.done) / event.total);
      if (percent % 10 !== 0 || percent === lastPercent) return;
      lastPercent = percent;
      console.error(`${event.detail ?? ""}: ${event.done}/${event.total} ${event.unit}`);
    },
  }, "attribution");
  const result = await compareStrategies(model, corpus, tokenizer, queries, {
    layers: values.layers!.split(","),
    dampings: values.damping!.split(",").map(parseDamping),
    fisher: values.fisher as FisherKind,
    fitChunks: Number(values["fit-chunks"]),
    scoreChunks: Number(values["score-chunks"]),
    seed: Number(values.seed),
    events,
  });
  console.log(
    `fit ${result.fitChunks} chunks in ${result.fitSeconds.toFixed(0)} s, query gradients in ` +
      `${result.querySeconds.toFixed(0)} s, scored ${result.scoredChunks} chunks in ${
        result.scoreSeconds.toFixed(0)
      } s`,
  );
  console.log(
    `strategy  differential  damping     token AUROC  smoothed (±${SMOOTH_WINDOW})  document  chunk AUROC  top 1% tokens (share)`,
  );
  for (const row of result.rows) {
    const top = row.topTokens.map((t) => `${t.token} ${(100 * t.share).toFixed(0)}%`).join(", ");
    console.log(
      `${row.strategy.padEnd(9)} ${String(row.differential).padEnd(13)} ${row.damping.padEnd(11)} ` +
        `${row.auroc.toFixed(3).padStart(11)}  ${row.smoothedAuroc.toFixed(3).padStart(13)}  ` +
        `${row.documentAuroc.toFixed(3).padStart(8)}  ` +
        `${row.chunkAuroc.toFixed(3).padStart(11)}  ${top}`,
    );
  }
  model.dispose();
}
