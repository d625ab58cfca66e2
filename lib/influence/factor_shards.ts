/**
 * Sharded factor fitting, for runs where one process should not see every fitting chunk. Fitting
 * splits into two rounds of shards, because the eigenvalue correction needs the eigenbases of the
 * merged covariances:
 *
 * 1. `covarianceShardStage` sums a a^T and s s^T over one slice of the fitting chunks;
 * 2. `eigenbasisStage` adds the shard sums and decomposes A and S once;
 * 3. `correctionShardStage` sums the squared rotated sequence gradients over one slice (EK-FAC);
 * 4. `correctedFactorsStage` adds those sums and stores Lambda.
 *
 * With one shard per round the result equals `factorsStage` up to float32 summation order.
 */

import type { Corpus } from "../data/types.ts";
import { type Checkpoint, modelFromCheckpoint } from "../model/checkpoint.ts";
import type { ArtifactCodec, StageDefinition } from "../runner/stage.ts";
import { readJson, writeJsonAtomic } from "../util/atomic.ts";
import { factorsCodec } from "./artifacts.ts";
import { type PackedEntry, readPacked, writePacked } from "./binary.ts";
import { assertModelFitsCorpus } from "./compat.ts";
import { applyCorrections, type FactorSet, factorSetFromCovariances } from "./factors.ts";
import { accumulateCorrections, accumulateCovariances } from "./fit.ts";
import { selectLayers, type TrackedLayer } from "./layers.ts";
import { shardRange, type ShardSpec } from "./score_table.ts";
import { type FactorsConfig, fitChunkIds } from "./stages.ts";
import {
  type CorrectionSums,
  type CovarianceSums,
  mergeCorrectionSums,
  mergeCovarianceSums,
} from "./statistics.ts";
import { getStrategy } from "./strategies.ts";

/** Config of a fitting shard: the factors config plus the slice of fitting chunks. */
export interface FactorShardConfig extends FactorsConfig {
  shard: ShardSpec;
}

/** Covariance sums of one shard, with the shard it came from and the layers it tracked. */
export interface CovarianceShard {
  shard: ShardSpec;
  layers: TrackedLayer[];
  sums: CovarianceSums;
}

/** Correction sums of one shard, with the shard it came from. */
export interface CorrectionShard {
  shard: ShardSpec;
  sums: CorrectionSums;
}

const SUMS_FILES = { manifest: "sums.json", data: "sums.bin" } as const;

interface SumsManifest {
  shard: ShardSpec;
  tracked?: TrackedLayer[];
  tokens?: number;
  sequences: number;
  layers: Array<{ name: string; inDim: number; outDim: number }>;
  arrays: PackedEntry[];
}

/** Codec of covariance shards: one packed float64 file plus a manifest. */
export const covarianceShardCodec: ArtifactCodec<CovarianceShard> = {
  async save(dir, value) {
    const arrays = value.sums.layers.flatMap((layer) => [
      { name: `${layer.name}/activation`, values: layer.activation },
      { name: `${layer.name}/gradient`, values: layer.gradient },
    ]);
    const manifest: SumsManifest = {
      shard: value.shard,
      tracked: value.layers,
      tokens: value.sums.tokens,
      sequences: value.sums.sequences,
      layers: value.sums.layers.map(({ name, inDim, outDim }) => ({ name, inDim, outDim })),
      arrays: await writePacked(`${dir}/${SUMS_FILES.data}`, arrays),
    };
    await writeJsonAtomic(`${dir}/${SUMS_FILES.manifest}`, manifest);
  },
  async load(dir) {
    const manifest = await readJson<SumsManifest>(`${dir}/${SUMS_FILES.manifest}`);
    const arrays = await readPacked(`${dir}/${SUMS_FILES.data}`, manifest.arrays);
    return {
      shard: manifest.shard,
      layers: manifest.tracked ?? [],
      sums: {
        tokens: manifest.tokens ?? 0,
        sequences: manifest.sequences,
        layers: manifest.layers.map((layer) => ({
          ...layer,
          activation: arrays.get(`${layer.name}/activation`) as Float64Array,
          gradient: arrays.get(`${layer.name}/gradient`) as Float64Array,
        })),
      },
    };
  },
};

/** Codec of correction shards. */
export const correctionShardCodec: ArtifactCodec<CorrectionShard> = {
  async save(dir, value) {
    const arrays = value.sums.layers.map((layer) => ({ name: layer.name, values: layer.values }));
    const manifest: SumsManifest = {
      shard: value.shard,
      sequences: value.sums.sequences,
      layers: value.sums.layers.map(({ name, inDim, outDim }) => ({ name, inDim, outDim })),
      arrays: await writePacked(`${dir}/${SUMS_FILES.data}`, arrays),
    };
    await writeJsonAtomic(`${dir}/${SUMS_FILES.manifest}`, manifest);
  },
  async load(dir) {
    const manifest = await readJson<SumsManifest>(`${dir}/${SUMS_FILES.manifest}`);
    const arrays = await readPacked(`${dir}/${SUMS_FILES.data}`, manifest.arrays);
    return {
      shard: manifest.shard,
      sums: {
        sequences: manifest.sequences,
        layers: manifest.layers.map((layer) => ({
          ...layer,
          values: arrays.get(layer.name) as Float64Array,
        })),
      },
    };
  },
};

/** Throw unless the shards are indices 0..count-1 of one run, each present once. */
export function checkShardSet(shards: ShardSpec[], what: string): void {
  if (shards.length === 0) throw new RangeError(`no ${what} shards to merge; fit at least one shard`);
  const count = shards[0].count;
  const seen = new Set<number>();
  for (const shard of shards) {
    if (shard.count !== count) {
      throw new RangeError(
        `${what} shards come from runs of ${count} and ${shard.count} shards; merge one run`,
      );
    }
    if (seen.has(shard.index)) {
      throw new RangeError(`${what} shard ${shard.index} of ${count} is present twice`);
    }
    seen.add(shard.index);
  }
  for (let index = 0; index < count; index++) {
    if (!seen.has(index)) {
      throw new RangeError(`${what} shard ${index} of ${count} is missing; fit it before merging`);
    }
  }
}

function shardChunks(corpus: Corpus, config: FactorShardConfig): Int32Array {
  const all = fitChunkIds(corpus, config.fit_chunks, config.seed);
  const [start, end] = shardRange(all.length, config.shard);
  return all.slice(start, end);
}

/** Sums the covariances of one slice of the fitting chunks. */
export const covarianceShardStage: StageDefinition<
  FactorShardConfig,
  { checkpoint: Checkpoint; corpus: Corpus },
  CovarianceShard
> = {
  name: "factor-covariances",
  version: "1",
  usesBackend: true,
  codec: covarianceShardCodec,
  async run(context, config, inputs) {
    assertModelFitsCorpus(inputs.checkpoint.config, inputs.corpus);
    const model = modelFromCheckpoint(inputs.checkpoint);
    try {
      const layers = selectLayers(model.linearLayers(), config.layers);
      const sums = await accumulateCovariances(
        model,
        inputs.corpus,
        layers,
        shardChunks(inputs.corpus, config),
        {
          fisher: config.fisher,
          seed: config.seed,
          batchSize: config.batch_size,
          signal: context.signal,
          events: context.events,
        },
      );
      return { shard: config.shard, layers, sums };
    } finally {
      model.dispose();
    }
  },
};

/** Merges covariance shards and decomposes A and S; inputs are the shards under any names. */
export const eigenbasisStage: StageDefinition<FactorsConfig, Record<string, CovarianceShard>, FactorSet> = {
  name: "factor-eigenbases",
  version: "1",
  usesBackend: false,
  codec: factorsCodec,
  // deno-lint-ignore require-await
  async run(context, config, inputs) {
    const shards = Object.values(inputs);
    checkShardSet(shards.map((s) => s.shard), "covariance");
    const sums = mergeCovarianceSums(shards.map((s) => s.sums));
    const layers = shards[0].layers;
    context.events.log(`decomposing ${2 * layers.length} covariance factors from ${shards.length} shards`);
    const strategy = getStrategy(config.strategy);
    if (!strategy.needsCovariances) {
      throw new RangeError(`strategy '${config.strategy}' fits no covariances; use factorsStage for it`);
    }
    return factorSetFromCovariances(strategy.name, config.fisher, layers, sums);
  },
};

/** Sums the eigenvalue correction of one slice of the fitting chunks in the merged eigenbases. */
export const correctionShardStage: StageDefinition<
  FactorShardConfig,
  { checkpoint: Checkpoint; corpus: Corpus; factors: FactorSet },
  CorrectionShard
> = {
  name: "factor-corrections",
  version: "1",
  usesBackend: true,
  codec: correctionShardCodec,
  async run(context, config, inputs) {
    assertModelFitsCorpus(inputs.checkpoint.config, inputs.corpus);
    const model = modelFromCheckpoint(inputs.checkpoint);
    try {
      const sums = await accumulateCorrections(
        model,
        inputs.corpus,
        inputs.factors,
        shardChunks(inputs.corpus, config),
        {
          fisher: config.fisher,
          seed: config.seed,
          batchSize: config.batch_size,
          signal: context.signal,
          events: context.events,
        },
      );
      return { shard: config.shard, sums };
    } finally {
      model.dispose();
    }
  },
};

/** Adds correction shards to the eigenbases; inputs are `factors` and the shards under other names. */
export const correctedFactorsStage: StageDefinition<
  Record<string, never>,
  Record<string, FactorSet | CorrectionShard>,
  FactorSet
> = {
  name: "factor-corrected",
  version: "1",
  usesBackend: false,
  codec: factorsCodec,
  // deno-lint-ignore require-await
  async run(_context, _config, inputs) {
    const { factors, ...rest } = inputs;
    if (!factors || !("layers" in factors) || "shard" in factors) {
      throw new RangeError("correctedFactorsStage needs an input named 'factors' holding the eigenbases");
    }
    const shards = Object.values(rest) as CorrectionShard[];
    checkShardSet(shards.map((s) => s.shard), "correction");
    const corrected: FactorSet = {
      ...(factors as FactorSet),
      layers: (factors as FactorSet).layers.map((l) => ({ ...l })),
    };
    applyCorrections(corrected, mergeCorrectionSums(shards.map((s) => s.sums)));
    return corrected;
  },
};
