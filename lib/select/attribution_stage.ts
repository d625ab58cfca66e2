/**
 * The attribution-quality stage: compares the differential selection with plain influence, random and
 * word-list selections against the corpus ground truth. Its artifact is `attribution.json` (every
 * measurement) plus `comparison.arrow` (the table rows) and `curves.arrow` (precision and recall at
 * several budgets).
 */

import { join } from "node:path";
import type { Corpus, Tokenizer } from "../data/types.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import type { SelectionSpec } from "../spec/types.ts";
import { tableFromColumns, writeArrow } from "../util/arrow.ts";
import { writeTextAtomic } from "../util/atomic.ts";
import { type AttributionComparison, compareAttribution, comparisonTable } from "./comparison.ts";
import { poolingOf, poolTokenScores } from "./pooling.ts";
import type { ChunkLabelRule } from "./quality.ts";
import { auroc } from "./ranking_metrics.ts";
import { type ScoreInput, tokenScoresOf } from "./score_source.ts";

/** Config slice: the spec's selection settings and seed, plus optional curve budgets and chunk-label rule. */
export interface AttributionConfig {
  selection: SelectionSpec;
  seed: number;
  curve_budgets?: number[];
  chunk_label?: ChunkLabelRule;
}

/** Inputs: the corpus, its tokenizer, and the differential (and optionally plain) score artifacts. */
export interface AttributionInputs {
  corpus: Corpus;
  tokenizer: Tokenizer;
  differential: ScoreInput;
  plain?: ScoreInput;
}

const JSON_FILE = "attribution.json";

/** JSON replacer and reviver that keep NaN and infinities, which plain JSON turns into null. */
function encodeNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

function decodeNumbers(_key: string, value: unknown): unknown {
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return value;
}

/** Codec of the attribution stage. */
export const attributionCodec: ArtifactCodec<AttributionComparison> = {
  async save(dir, value) {
    await writeTextAtomic(join(dir, JSON_FILE), JSON.stringify(value, encodeNumbers, 2) + "\n");
    await writeArrow(join(dir, "comparison.arrow"), comparisonTable(value.rows));
    await writeArrow(
      join(dir, "curves.arrow"),
      tableFromColumns({
        method: value.curves.map((p) => p.method),
        budget_tokens: Float64Array.from(value.curves, (p) => p.budgetTokens),
        tokens_selected: Float64Array.from(value.curves, (p) => p.tokensSelected),
        precision: Float64Array.from(value.curves, (p) => p.precision),
        recall: Float64Array.from(value.curves, (p) => p.recall),
        f1: Float64Array.from(value.curves, (p) => p.f1),
      }),
    );
  },
  async load(dir) {
    const text = await Deno.readTextFile(join(dir, JSON_FILE));
    return JSON.parse(text, decodeNumbers) as AttributionComparison;
  },
};

/** Stage definition of the attribution comparison. */
export const attributionStage: StageDefinition<AttributionConfig, AttributionInputs, AttributionComparison> =
  {
    name: "attribution",
    version: "2",
    usesBackend: false,
    codec: attributionCodec,
    async run(context, config, inputs) {
      const pooling = poolingOf(config.selection);
      let differential = await tokenScoresOf(inputs.differential, context.signal);
      let plain = inputs.plain === undefined ? undefined : await tokenScoresOf(inputs.plain, context.signal);
      // Token AUROC of the scores as computed, kept beside the pooled comparison.
      const unpooled: Record<string, number> = {};
      if (pooling.kind !== "none") {
        const labels = tokenLabels(inputs.corpus, differential.chunkIds, differential.blockSize);
        unpooled["differential influence"] = auroc(differential.scores, labels);
        differential = poolTokenScores(differential, inputs.corpus, pooling);
        if (plain) {
          unpooled["plain influence (tokens)"] = auroc(plain.scores, labels);
          plain = poolTokenScores(plain, inputs.corpus, pooling);
        }
      }
      const comparison = await compareAttribution({
        corpus: inputs.corpus,
        tokenizer: inputs.tokenizer,
        spec: config.selection,
        differential,
        plain,
        seed: context.seed,
        curveBudgets: config.curve_budgets,
        chunkLabel: config.chunk_label,
        signal: context.signal,
      });
      for (const row of comparison.rows) {
        const auroc = row.tokenAuroc.toFixed(3);
        context.events.log(
          `${row.method}: ${row.tokensSelected} tokens, precision ${row.precision.toFixed(3)}, ` +
            `lift ${row.lift.toFixed(2)}, recall ${row.recall.toFixed(3)}, token AUROC ${auroc}`,
        );
      }
      for (const [method, value] of Object.entries(unpooled)) {
        context.events.log(`${method}: token AUROC before ${pooling.kind} pooling ${value.toFixed(3)}`);
      }
      const first = comparison.qualities[0];
      for (const warning of first.warnings) {
        context.events.warning(`${first.method}: ${warning}`);
      }
      return { ...comparison, pooling: pooling.kind, unpooledTokenAuroc: unpooled };
    },
  };

/** Ground-truth label (1 for tokens of toxic documents) of every scored position. */
function tokenLabels(corpus: Corpus, chunkIds: Int32Array, blockSize: number): Uint8Array {
  const labels = new Uint8Array(chunkIds.length * blockSize);
  chunkIds.forEach((chunk, c) => {
    for (let t = 0; t < blockSize; t++) {
      labels[c * blockSize + t] = corpus.documents.toxic[corpus.docIds[chunk * blockSize + t]];
    }
  });
  return labels;
}

/** Read a saved comparison without the runner (for reports). */
export function readAttribution(dir: string): Promise<AttributionComparison> {
  return attributionCodec.load(dir);
}
