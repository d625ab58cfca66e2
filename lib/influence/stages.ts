/**
 * Stage definitions of the influence engine: fit factors, build the preconditioned query gradient,
 * score token positions of training chunks (one shard at a time), and merge score shards.
 */

import type { Corpus, QuerySets, Tokenizer } from "../data/types.ts";
import { type Checkpoint, modelFromCheckpoint } from "../model/checkpoint.ts";
import type { StageDefinition } from "../runner/stage.ts";
import type { InfluenceSpec } from "../spec/types.ts";
import { readArrowBatches, writeArrowBatches } from "../util/arrow.ts";
import { Rng } from "../util/rng.ts";
import * as arrow from "apache-arrow";
import { factorsCodec, queryGradientCodec } from "./artifacts.ts";
import { assertModelFitsCorpus, assertModelFitsTokenizer } from "./compat.ts";
import type { FactorSet } from "./factors.ts";
import { fitFactors } from "./fit.ts";
import { selectLayers } from "./layers.ts";
import { buildQueryGradient, type QueryGradient } from "./query.ts";
import {
  checkScoreShards,
  concatShardScores,
  corpusFingerprint,
  SCORE_FILES,
  type ScoreArtifact,
  scoreArtifactCodec,
  scoreManifest,
  shardRange,
  type ShardSpec,
  trainingChunkIds,
  writeScoreTable,
} from "./score_table.ts";
import { scoreChunks } from "./scores.ts";

/** Config of the factors stage: the fitting part of `spec.influence` plus the label-sampling seed. */
export interface FactorsConfig extends Pick<InfluenceSpec, "strategy" | "fisher" | "layers" | "fit_chunks"> {
  seed: number;
  /** Chunks per batch; default 8. */
  batch_size?: number;
}

/** Inputs of the factors stage. */
export interface FactorsInputs {
  checkpoint: Checkpoint;
  corpus: Corpus;
}

/** Fits the curvature factors of the scoring checkpoint on training chunks. */
export const factorsStage: StageDefinition<FactorsConfig, FactorsInputs, FactorSet> = {
  name: "factors",
  version: "1",
  usesBackend: true,
  codec: factorsCodec,
  async run(context, config, inputs) {
    assertModelFitsCorpus(inputs.checkpoint.config, inputs.corpus);
    const chunkIds = fitChunkIds(inputs.corpus, config.fit_chunks, config.seed);
    const model = modelFromCheckpoint(inputs.checkpoint);
    try {
      const layers = selectLayers(model.linearLayers(), config.layers);
      context.events.log(
        `fitting ${config.strategy} factors (${config.fisher} Fisher) for ${layers.length} layers on ${chunkIds.length} chunks`,
      );
      const factors = await fitFactors(model, inputs.corpus, layers, chunkIds, {
        strategy: config.strategy,
        fisher: config.fisher,
        seed: config.seed,
        batchSize: config.batch_size,
        signal: context.signal,
        events: context.events,
      });
      context.events.metric("factor_tokens", factors.tokens);
      return factors;
    } finally {
      model.dispose();
    }
  },
};

/** Training chunks used for fitting: all of them, or a seeded subset of `limit` in id order. */
export function fitChunkIds(corpus: Corpus, limit: number, seed: number): Int32Array {
  const all = trainingChunkIds(corpus);
  if (all.length === 0) {
    throw new RangeError("the corpus has no training chunks to fit factors on; check data.splits.train");
  }
  if (!(limit > 0) || limit >= all.length) return all;
  const picked = Rng.derive(seed, "fit-chunks").shuffle(Array.from(all)).slice(0, limit);
  return Int32Array.from(picked.sort((a, b) => a - b));
}

/** Config of the query-gradient stage. */
export interface QueryGradientConfig extends Pick<InfluenceSpec, "differential" | "damping"> {
  /** Queries per batch; default 16. */
  batch_size?: number;
}

/** Inputs of the query-gradient stage. */
export interface QueryGradientInputs {
  checkpoint: Checkpoint;
  factors: FactorSet;
  queries: QuerySets;
  tokenizer: Tokenizer;
}

/** Builds the (differential) query gradient and preconditions it with the factors. */
export const queryGradientStage: StageDefinition<QueryGradientConfig, QueryGradientInputs, QueryGradient> = {
  name: "query-gradient",
  version: "1",
  usesBackend: true,
  codec: queryGradientCodec,
  async run(context, config, inputs) {
    assertModelFitsTokenizer(inputs.checkpoint.config, inputs.tokenizer);
    const model = modelFromCheckpoint(inputs.checkpoint);
    try {
      const query = await buildQueryGradient(model, inputs.factors, inputs.tokenizer, inputs.queries, {
        differential: config.differential,
        damping: config.damping,
        batchSize: config.batch_size,
        signal: context.signal,
        events: context.events,
      });
      context.events.metric("queries_toxic", query.counts.toxic);
      context.events.metric("queries_nontoxic", query.counts.nontoxic);
      for (const layer of query.layers) {
        context.events.log(`damping of ${layer.name}: ${layer.damping.toExponential(3)}`);
      }
      return query;
    } finally {
      model.dispose();
    }
  },
};

/** Config of the scores stage: which shard to score. */
export interface ScoresConfig {
  shard: ShardSpec;
  /** Chunks per batch; default 8. */
  batch_size?: number;
}

/** Inputs of the scores stage. */
export interface ScoresInputs {
  checkpoint: Checkpoint;
  query: QueryGradient;
  corpus: Corpus;
}

/** Scores every position of one shard of the training chunks into an Arrow table. */
export const scoresStage: StageDefinition<ScoresConfig, ScoresInputs, ScoreArtifact> = {
  name: "scores",
  version: "1",
  usesBackend: true,
  codec: scoreArtifactCodec,
  async run(context, config, inputs) {
    const { corpus, query } = inputs;
    assertModelFitsCorpus(inputs.checkpoint.config, corpus);
    const all = trainingChunkIds(corpus);
    const range = shardRange(all.length, config.shard);
    const chunkIds = all.slice(range[0], range[1]);

    const tablePath = `${context.outputDir}/${SCORE_FILES.table}`;
    const scores = new Float32Array(chunkIds.length * corpus.blockSize);
    let offset = 0;
    const model = modelFromCheckpoint(inputs.checkpoint);
    let scoreSum: number;
    try {
      const batches = scoreChunks(model, query, corpus, chunkIds, {
        batchSize: config.batch_size,
        signal: context.signal,
        events: context.events,
      });
      scoreSum = await writeScoreTable(tablePath, corpus, batches, (batch) => {
        scores.set(batch.scores, offset);
        offset += batch.scores.length;
      });
    } finally {
      model.dispose();
    }

    const manifest = scoreManifest({
      shard: config.shard,
      blockSize: corpus.blockSize,
      numChunks: chunkIds.length,
      totalChunks: all.length,
      range,
      strategy: query.strategy,
      differential: query.differential,
      queryFingerprint: query.fingerprint,
      corpusFingerprint: await corpusFingerprint(corpus),
      scoreSum,
    });
    return {
      manifest,
      scores: { numChunks: chunkIds.length, blockSize: corpus.blockSize, chunkIds, scores },
      tablePath,
    };
  },
};

/** Merges the score shards of one run; inputs are the shard artifacts under any names. */
export const mergeScoresStage: StageDefinition<
  Record<string, never>,
  Record<string, ScoreArtifact>,
  ScoreArtifact
> = {
  name: "merge-scores",
  version: "1",
  usesBackend: false,
  codec: scoreArtifactCodec,
  async run(context, _config, inputs) {
    const ordered = checkScoreShards(Object.values(inputs));
    const tablePath = `${context.outputDir}/${SCORE_FILES.table}`;
    let done = 0;
    async function* batches() {
      for (const shard of ordered) {
        context.signal.throwIfAborted();
        for await (const batch of readArrowBatches(shard.tablePath)) yield new arrow.Table(batch);
        context.events.progress(++done, ordered.length, "shards", "merging scores");
      }
    }
    await writeArrowBatches(tablePath, batches());
    const first = ordered[0].manifest;
    const scoreSum = ordered.reduce((sum, shard) => sum + shard.manifest.scoreSum, 0);
    const manifest = scoreManifest({
      ...first,
      shard: { index: 0, count: 1 },
      numChunks: first.totalChunks,
      range: [0, first.totalChunks],
      scoreSum,
    });
    return { manifest, scores: concatShardScores(ordered), tablePath };
  },
};
