import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import { checkpointFromModel } from "../../lib/model/checkpoint.ts";
import { silentEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import {
  correctedFactorsStage,
  type CorrectionShard,
  correctionShardStage,
  type CovarianceShard,
  covarianceShardCodec,
  covarianceShardStage,
  eigenbasisStage,
  factorsCodec,
  type FactorSet,
  factorsStage,
  mergeScoresStage,
  queryGradientCodec,
  queryGradientStage,
  readScoreTable,
  type ScoreArtifact,
  scoreArtifactCodec,
  scoresStage,
  shardRange,
} from "../../lib/influence/mod.ts";
import { readArrow } from "../../lib/util/arrow.ts";
import { Rng } from "../../lib/util/rng.ts";
import { relativeError } from "./dense_reference.ts";
import { chunkCorpus, IntegerTokenizer, queryRow, tinyModel } from "./tiny.ts";

await initBackend("wasm");

/** Float32 scores computed in different batch groupings agree to this relative error. */
const FLOAT32_TOLERANCE = 1e-4;

const VOCAB = 20;
const BLOCK = 8;
const rng = Rng.derive(11, "stage-test");
const chunks = Array.from({ length: 7 }, () => Array.from({ length: BLOCK }, () => 1 + rng.int(VOCAB - 1)));
const corpus = chunkCorpus(chunks, [true, false, false, true, false, false, true], BLOCK);
corpus.chunkSplit[5] = 1; // one validation chunk, which is never scored
const tokenizer = new IntegerTokenizer(VOCAB);
const queries = {
  toxic: [queryRow("t0", [3, 4], [5, 6]), queryRow("t1", [], [9, 10, 2])],
  nontoxic: [queryRow("n0", [12], [14, 15]), queryRow("n1", [16, 1], [17])],
};

async function context(name: string): Promise<StageContext> {
  const root = await Deno.makeTempDir({ prefix: `influence-${name}-` });
  await Deno.mkdir(`${root}/out`);
  await Deno.mkdir(`${root}/scratch`);
  return {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: 1,
    key: name,
    outputDir: `${root}/out`,
    scratchDir: `${root}/scratch`,
    versions: {},
  };
}

const model = tinyModel(VOCAB, BLOCK, 7);
const checkpoint = await checkpointFromModel(model, 0);
model.dispose();

async function pipeline() {
  const factorsConfig = {
    strategy: "ekfac" as const,
    fisher: "true" as const,
    layers: ["blocks.*.mlp.*", "blocks.*.attn.*"],
    fit_chunks: 0,
    seed: 3,
  };
  const factors = await factorsStage.run(await context("factors"), factorsConfig, { checkpoint, corpus });
  const query = await queryGradientStage.run(await context("query"), {
    differential: true,
    damping: "heuristic",
  }, {
    checkpoint,
    factors,
    queries,
    tokenizer,
  });
  return { factors, query };
}

async function scoreInShards(
  query: Awaited<ReturnType<typeof pipeline>>["query"],
  count: number,
): Promise<ScoreArtifact[]> {
  const shards: ScoreArtifact[] = [];
  for (let index = 0; index < count; index++) {
    shards.push(
      await scoresStage.run(await context(`scores-${index}`), { shard: { index, count }, batch_size: 2 }, {
        checkpoint,
        query,
        corpus,
      }),
    );
  }
  return shards;
}

Deno.test("scores independent of shard count", async () => {
  const { query } = await pipeline();
  const [whole] = await scoreInShards(query, 1);
  const shards = await scoreInShards(query, 3);
  const merged = await mergeScoresStage.run(await context("merge"), {}, {
    a: shards[2],
    b: shards[0],
    c: shards[1],
  });
  assert.deepEqual(Array.from(merged.scores.chunkIds), [0, 1, 2, 3, 4, 6]);
  assert.deepEqual(Array.from(whole.scores.chunkIds), [0, 1, 2, 3, 4, 6]);
  assert.ok(relativeError(merged.scores.scores, whole.scores.scores) < FLOAT32_TOLERANCE);
  assert.ok(
    Math.abs(merged.manifest.scoreSum - whole.manifest.scoreSum) <
      FLOAT32_TOLERANCE * Math.abs(whole.manifest.scoreSum) + 1e-9,
  );

  // The merged table carries the corpus columns and reads back to the same scores.
  const table = await readArrow(merged.tablePath);
  assert.equal(table.numRows, 6 * BLOCK);
  const toxic = table.getChild("toxic")!.toArray() as Uint8Array;
  const tokens = table.getChild("token_id")!.toArray() as Int32Array;
  assert.equal(toxic[0], 1);
  assert.equal(toxic[BLOCK], 0);
  assert.equal(tokens[BLOCK + 2], chunks[1][2]);
  assert.equal(String(table.getChild("source")!.get(0)), "toxic-source");
  const reread = await readScoreTable(merged.tablePath, BLOCK);
  assert.deepEqual(Array.from(reread.scores), Array.from(merged.scores.scores));
});

Deno.test("merge rejects incomplete shards", async () => {
  const { query } = await pipeline();
  const shards = await scoreInShards(query, 3);
  const run = (inputs: Record<string, ScoreArtifact>) =>
    context("merge-bad").then((ctx) => mergeScoresStage.run(ctx, {}, inputs));
  await assert.rejects(run({ a: shards[0], b: shards[2] }), /missing/);
  await assert.rejects(run({ a: shards[0], b: shards[1], c: shards[1] }), /present twice/);
  const altered = { ...shards[2], manifest: { ...shards[2].manifest, queryFingerprint: "other" } };
  await assert.rejects(run({ a: shards[0], b: shards[1], c: altered }), /queryFingerprint/);
  const [other] = await scoreInShards(query, 2);
  await assert.rejects(run({ a: shards[0], b: shards[1], c: other }), /run of 2 shards/);
});

Deno.test("codecs round trip", async () => {
  const { factors, query } = await pipeline();
  const dir = await Deno.makeTempDir({ prefix: "influence-codec-" });
  await factorsCodec.save(dir, factors);
  const loadedFactors = await factorsCodec.load(dir);
  assert.equal(loadedFactors.strategy, "ekfac");
  assert.equal(loadedFactors.layers.length, factors.layers.length);
  factors.layers.forEach((stats, i) => {
    const other = loadedFactors.layers[i];
    assert.deepEqual(other.layer, stats.layer);
    assert.deepEqual(Array.from(other.activationEigen!.vectors), Array.from(stats.activationEigen!.vectors));
    assert.deepEqual(Array.from(other.correctedEigenvalues!), Array.from(stats.correctedEigenvalues!));
  });
  await queryGradientCodec.save(dir, query);
  const loadedQuery = await queryGradientCodec.load(dir);
  assert.equal(loadedQuery.fingerprint, query.fingerprint);
  assert.deepEqual(
    Array.from(loadedQuery.layers[1].preconditioned),
    Array.from(query.layers[1].preconditioned),
  );

  const [scores] = await scoreInShards(query, 1);
  const scoreDir = await Deno.makeTempDir({ prefix: "influence-scores-" });
  await scoreArtifactCodec.save(scoreDir, scores);
  const loadedScores = await scoreArtifactCodec.load(scoreDir);
  assert.deepEqual(loadedScores.manifest, scores.manifest);
  assert.deepEqual(Array.from(loadedScores.scores.scores), Array.from(scores.scores.scores));
});

Deno.test("stage rejects mismatched checkpoint", async () => {
  const small = tinyModel(10, BLOCK, 1);
  const smallVocab = await checkpointFromModel(small, 0);
  small.dispose();
  const config = {
    strategy: "kfac" as const,
    fisher: "true" as const,
    layers: ["blocks.*.mlp.fc"],
    fit_chunks: 0,
    seed: 1,
  };
  await assert.rejects(
    factorsStage.run(await context("bad-vocab"), config, { checkpoint: smallVocab, corpus }),
    /vocabulary of 10/,
  );
  const short = tinyModel(VOCAB, 4, 1);
  const shortContext = await checkpointFromModel(short, 0);
  short.dispose();
  await assert.rejects(
    factorsStage.run(await context("bad-context"), config, { checkpoint: shortContext, corpus }),
    /context 4/,
  );
  await assert.rejects(
    factorsStage.run(await context("bad-layer"), { ...config, layers: ["blocks.*.mlp.typo"] }, {
      checkpoint,
      corpus,
    }),
    /matches no linear layer/,
  );
});

Deno.test("shard ranges partition chunks", () => {
  for (const total of [0, 1, 7, 100]) {
    for (const count of [1, 2, 3, 8]) {
      let next = 0;
      for (let index = 0; index < count; index++) {
        const [start, end] = shardRange(total, { index, count });
        assert.equal(start, next);
        next = end;
      }
      assert.equal(next, total);
    }
  }
  assert.throws(() => shardRange(10, { index: 3, count: 3 }), /invalid/);
});

Deno.test("sharded factor fit equals one pass", async () => {
  const config = {
    strategy: "ekfac" as const,
    fisher: "true" as const,
    layers: ["blocks.*.mlp.*", "blocks.0.attn.qkv"],
    fit_chunks: 0,
    seed: 3,
  };
  const whole = await factorsStage.run(await context("factors-whole"), config, { checkpoint, corpus });

  const count = 3;
  const covariances: Record<string, CovarianceShard> = {};
  for (let index = count - 1; index >= 0; index--) {
    const shard = await covarianceShardStage.run(await context(`cov-${index}`), {
      ...config,
      shard: { index, count },
    }, {
      checkpoint,
      corpus,
    });
    // A codec round trip on the way, as the runner would store each shard.
    const dir = await Deno.makeTempDir({ prefix: "influence-cov-shard-" });
    await covarianceShardCodec.save(dir, shard);
    covariances[`shard${index}`] = await covarianceShardCodec.load(dir);
  }
  const bases = await eigenbasisStage.run(await context("bases"), config, covariances);
  const corrections: Record<string, FactorSet | CorrectionShard> = { factors: bases };
  for (let index = 0; index < count; index++) {
    corrections[`shard${index}`] = await correctionShardStage.run(
      await context(`corr-${index}`),
      { ...config, shard: { index, count } },
      { checkpoint, corpus, factors: bases },
    );
  }
  const sharded = await correctedFactorsStage.run(await context("corrected"), {}, corrections);

  assert.equal(sharded.tokens, whole.tokens);
  assert.equal(sharded.sequences, whole.sequences);
  whole.layers.forEach((stats, i) => {
    const other = sharded.layers[i];
    assert.deepEqual(other.layer, stats.layer);
    assert.ok(
      relativeError(other.activationEigen!.values, stats.activationEigen!.values) < FLOAT32_TOLERANCE,
    );
    assert.ok(relativeError(other.gradientEigen!.values, stats.gradientEigen!.values) < FLOAT32_TOLERANCE);
    assert.ok(relativeError(other.correctedEigenvalues!, stats.correctedEigenvalues!) < FLOAT32_TOLERANCE);
  });

  const { shard2: _dropped, ...incomplete } = covariances;
  await assert.rejects(
    eigenbasisStage.run(await context("bases-bad"), config, incomplete),
    /shard 2 of 3 is missing/,
  );
});
