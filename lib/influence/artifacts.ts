/**
 * Artifact codecs of the influence stages: factors and query gradients as one packed binary file
 * plus a JSON manifest each. Manifests are written last, so a folder without one is incomplete.
 */

import type { ArtifactCodec } from "../runner/stage.ts";
import { readJson, writeJsonAtomic } from "../util/atomic.ts";
import { type PackedEntry, readPacked, writePacked } from "./binary.ts";
import type { EigenResult } from "./eigen.ts";
import type { FactorSet } from "./factors.ts";
import type { TrackedLayer } from "./layers.ts";
import type { QueryGradient, QueryGradientLayer } from "./query.ts";
import type { LayerStatistics } from "./strategies.ts";

/** File names inside factor and query-gradient artifacts. */
export const INFLUENCE_FILES = {
  factorsManifest: "factors.json",
  factorsData: "factors.bin",
  queryManifest: "query_gradient.json",
  queryData: "query_gradient.bin",
} as const;

const FACTORS_FORMAT = "ifguide-factors-1";
const QUERY_FORMAT = "ifguide-query-gradient-1";

interface FactorsManifest {
  format: typeof FACTORS_FORMAT;
  strategy: FactorSet["strategy"];
  fisher: FactorSet["fisher"];
  tokens: number;
  sequences: number;
  layers: Array<{ layer: TrackedLayer; tokensPerSequence: number }>;
  arrays: PackedEntry[];
}

/** Save a factor set into an artifact folder. */
export async function saveFactors(dir: string, factors: FactorSet): Promise<void> {
  const arrays: Array<{ name: string; values: Float64Array }> = [];
  for (const stats of factors.layers) {
    const prefix = stats.layer.name;
    if (stats.activationEigen) {
      arrays.push({ name: `${prefix}/activation.values`, values: stats.activationEigen.values });
      arrays.push({ name: `${prefix}/activation.vectors`, values: stats.activationEigen.vectors });
    }
    if (stats.gradientEigen) {
      arrays.push({ name: `${prefix}/gradient.values`, values: stats.gradientEigen.values });
      arrays.push({ name: `${prefix}/gradient.vectors`, values: stats.gradientEigen.vectors });
    }
    if (stats.correctedEigenvalues) {
      arrays.push({ name: `${prefix}/corrected`, values: stats.correctedEigenvalues });
    }
  }
  const entries = await writePacked(`${dir}/${INFLUENCE_FILES.factorsData}`, arrays);
  const manifest: FactorsManifest = {
    format: FACTORS_FORMAT,
    strategy: factors.strategy,
    fisher: factors.fisher,
    tokens: factors.tokens,
    sequences: factors.sequences,
    layers: factors.layers.map((stats) => ({
      layer: stats.layer,
      tokensPerSequence: stats.tokensPerSequence,
    })),
    arrays: entries,
  };
  await writeJsonAtomic(`${dir}/${INFLUENCE_FILES.factorsManifest}`, manifest);
}

/** Load a factor set saved by `saveFactors`. */
export async function loadFactors(dir: string): Promise<FactorSet> {
  const manifest = await readManifest<FactorsManifest>(dir, INFLUENCE_FILES.factorsManifest, FACTORS_FORMAT);
  const arrays = await readPacked(`${dir}/${INFLUENCE_FILES.factorsData}`, manifest.arrays);
  const get = (name: string) => arrays.get(name) as Float64Array | undefined;
  const eigen = (name: string, n: number): EigenResult | undefined => {
    const values = get(`${name}.values`);
    const vectors = get(`${name}.vectors`);
    return values && vectors ? { n, values, vectors } : undefined;
  };
  const layers = manifest.layers.map(({ layer, tokensPerSequence }): LayerStatistics => ({
    layer,
    tokensPerSequence,
    activationEigen: eigen(`${layer.name}/activation`, layer.inDim),
    gradientEigen: eigen(`${layer.name}/gradient`, layer.outFeatures),
    correctedEigenvalues: get(`${layer.name}/corrected`),
  }));
  return {
    strategy: manifest.strategy,
    fisher: manifest.fisher,
    tokens: manifest.tokens,
    sequences: manifest.sequences,
    layers,
  };
}

interface QueryManifest {
  format: typeof QUERY_FORMAT;
  strategy: QueryGradient["strategy"];
  fisher: QueryGradient["fisher"];
  differential: boolean;
  counts: QueryGradient["counts"];
  fingerprint: string;
  layers: Array<Omit<QueryGradientLayer, "raw" | "preconditioned">>;
  arrays: PackedEntry[];
}

/** Save a query gradient into an artifact folder. */
export async function saveQueryGradient(dir: string, query: QueryGradient): Promise<void> {
  const arrays = query.layers.flatMap((layer) => [
    { name: `${layer.name}/raw`, values: layer.raw },
    { name: `${layer.name}/preconditioned`, values: layer.preconditioned },
  ]);
  const entries = await writePacked(`${dir}/${INFLUENCE_FILES.queryData}`, arrays);
  const manifest: QueryManifest = {
    format: QUERY_FORMAT,
    strategy: query.strategy,
    fisher: query.fisher,
    differential: query.differential,
    counts: query.counts,
    fingerprint: query.fingerprint,
    layers: query.layers.map(({ name, outDim, inDim, damping }) => ({ name, outDim, inDim, damping })),
    arrays: entries,
  };
  await writeJsonAtomic(`${dir}/${INFLUENCE_FILES.queryManifest}`, manifest);
}

/** Load a query gradient saved by `saveQueryGradient`. */
export async function loadQueryGradient(dir: string): Promise<QueryGradient> {
  const manifest = await readManifest<QueryManifest>(dir, INFLUENCE_FILES.queryManifest, QUERY_FORMAT);
  const arrays = await readPacked(`${dir}/${INFLUENCE_FILES.queryData}`, manifest.arrays);
  return {
    strategy: manifest.strategy,
    fisher: manifest.fisher,
    differential: manifest.differential,
    counts: manifest.counts,
    fingerprint: manifest.fingerprint,
    layers: manifest.layers.map((layer) => ({
      ...layer,
      raw: arrays.get(`${layer.name}/raw`) as Float32Array,
      preconditioned: arrays.get(`${layer.name}/preconditioned`) as Float32Array,
    })),
  };
}

/** Codec of the factors stage. */
export const factorsCodec: ArtifactCodec<FactorSet> = { save: saveFactors, load: loadFactors };

/** Codec of the query-gradient stage. */
export const queryGradientCodec: ArtifactCodec<QueryGradient> = {
  save: saveQueryGradient,
  load: loadQueryGradient,
};

async function readManifest<T extends { format: string }>(
  dir: string,
  file: string,
  format: string,
): Promise<T> {
  let manifest: T;
  try {
    manifest = await readJson<T>(`${dir}/${file}`);
  } catch (error) {
    throw new Error(
      `cannot read ${dir}/${file} (${
        (error as Error).message
      }); the artifact is incomplete, so delete it and rebuild it`,
    );
  }
  if (manifest.format !== format) {
    throw new Error(
      `${dir}/${file} has format '${manifest.format}', expected '${format}'; rebuild the artifact`,
    );
  }
  return manifest;
}
