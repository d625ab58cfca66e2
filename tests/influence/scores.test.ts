import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { captureBatch, disposeCaptured } from "../../lib/influence/capture.ts";
import { chunkBatch } from "../../lib/influence/batches.ts";
import { emptyFactorSet, type FactorSet } from "../../lib/influence/factors.ts";
import { fitFactors } from "../../lib/influence/fit.ts";
import { selectLayers } from "../../lib/influence/layers.ts";
import { buildQueryGradient } from "../../lib/influence/query.ts";
import { chunkScores, scoreTokens } from "../../lib/influence/scores.ts";
import {
  addCorrectionFloat64,
  addCorrectionTensors,
  addCovarianceFloat64,
  addCovarianceTensors,
  createCorrectionSums,
  createCovarianceSums,
} from "../../lib/influence/statistics.ts";
import { Rng } from "../../lib/util/rng.ts";
import { relativeError } from "./dense_reference.ts";
import {
  chunkCorpus,
  chunkGradient,
  gradientDot,
  IntegerTokenizer,
  queryGradient,
  queryRow,
  tinyModel,
} from "./tiny.ts";

await initBackend("wasm");

/** Agreement expected between float32 TF.js results and float64 references built from them. */
const FLOAT32_TOLERANCE = 1e-4;
/** Agreement of sums of float32 token scores with brute-force float32 gradients (cancellation). */
const SCORE_TOLERANCE = 2e-3;

const VOCAB = 24;
const BLOCK = 8;
const tokenizer = new IntegerTokenizer(VOCAB);
const rng = Rng.derive(3, "scores-test");
const chunks = Array.from({ length: 5 }, () => Array.from({ length: BLOCK }, () => 1 + rng.int(VOCAB - 1)));
const corpus = chunkCorpus(chunks, [false, true, false, false, true], BLOCK);
const queries = {
  toxic: [queryRow("t0", [3, 4], [5, 6, 7]), queryRow("t1", [8], [9, 10]), queryRow("t2", [2, 2, 2], [11])],
  nontoxic: [queryRow("n0", [12, 13], [14, 15]), queryRow("n1", [16], [17, 18, 19, 20])],
};
const allChunks = Int32Array.from({ length: corpus.numChunks }, (_, i) => i);

function bruteQueryDifference(model: ReturnType<typeof tinyModel>, layers: ReturnType<typeof selectLayers>) {
  const mean = (rows: typeof queries.toxic) => {
    const grads = rows.map((row) =>
      queryGradient(
        model,
        layers,
        tokenizer.encode(row.prompt) as unknown as number[],
        Array.from(tokenizer.encode(row.continuation!)),
      )
    );
    return layers.map((_, i) => {
      const out = new Float64Array(grads[0][i].length);
      for (const g of grads) for (let k = 0; k < out.length; k++) out[k] += g[i][k] / grads.length;
      return out;
    });
  };
  const toxic = mean(queries.toxic);
  const nontoxic = mean(queries.nontoxic);
  return toxic.map((layer, i) => layer.map((x, k) => x - nontoxic[i][k]));
}

Deno.test("identity scores brute force", async () => {
  const model = tinyModel(VOCAB, BLOCK);
  const layers = selectLayers(model.linearLayers(), ["blocks.*.attn.*", "blocks.*.mlp.*"]);
  const factors = emptyFactorSet("identity", "true", layers);
  const query = await buildQueryGradient(model, factors, tokenizer, queries, {
    differential: true,
    damping: 0,
  });

  const brute = bruteQueryDifference(model, layers);
  query.layers.forEach((layer, i) => {
    assert.ok(relativeError(layer.raw, brute[i]) < FLOAT32_TOLERANCE, `query gradient ${layer.name}`);
    assert.deepEqual(Array.from(layer.preconditioned), Array.from(layer.raw));
  });

  const tokens = await scoreTokens(model, query, corpus, allChunks);
  const perChunk = chunkScores(tokens);
  const expected = chunks.map((chunk) =>
    gradientDot(brute, chunkGradient(model, layers, Int32Array.from(chunk)))
  );
  assert.ok(relativeError(perChunk, expected) < SCORE_TOLERANCE, `chunk scores ${perChunk} vs ${expected}`);
  model.dispose();
});

Deno.test("ekfac token scores sum to chunk", async () => {
  const model = tinyModel(VOCAB, BLOCK, 2);
  const layers = selectLayers(model.linearLayers(), ["blocks.*.mlp.fc", "blocks.1.attn.qkv"]);
  const factors = await fitFactors(model, corpus, layers, allChunks, {
    strategy: "ekfac",
    fisher: "true",
    seed: 5,
  });
  const query = await buildQueryGradient(model, factors, tokenizer, queries, {
    differential: true,
    damping: "heuristic",
  });
  const preconditioned = query.layers.map((layer) => Float64Array.from(layer.preconditioned));

  const tokens = await scoreTokens(model, query, corpus, allChunks);
  const perChunk = chunkScores(tokens);
  const expected = chunks.map((chunk) =>
    gradientDot(preconditioned, chunkGradient(model, layers, Int32Array.from(chunk)))
  );
  assert.ok(relativeError(perChunk, expected) < SCORE_TOLERANCE, `chunk scores ${perChunk} vs ${expected}`);
  // The last position of a chunk predicts nothing, so no loss reaches it.
  for (let c = 0; c < tokens.numChunks; c++) assert.equal(tokens.scores[c * BLOCK + BLOCK - 1], 0);
  model.dispose();
});

Deno.test("scores independent of batch size", async () => {
  const model = tinyModel(VOCAB, BLOCK, 3);
  const layers = selectLayers(model.linearLayers(), ["blocks.*.mlp.*"]);
  const factors = await fitFactors(model, corpus, layers, allChunks, {
    strategy: "kfac",
    fisher: "true",
    seed: 5,
    batchSize: 2,
  });
  const query = await buildQueryGradient(model, factors, tokenizer, queries, {
    differential: true,
    damping: "heuristic",
  });
  const single = await scoreTokens(model, query, corpus, allChunks, { batchSize: 1 });
  const three = await scoreTokens(model, query, corpus, allChunks, { batchSize: 3 });
  assert.ok(relativeError(three.scores, single.scores) < FLOAT32_TOLERANCE);
  model.dispose();
});

Deno.test("factors independent of batch size", async () => {
  const model = tinyModel(VOCAB, BLOCK, 4);
  const layers = selectLayers(model.linearLayers(), ["blocks.0.mlp.*"]);
  const fit = (batchSize: number): Promise<FactorSet> =>
    fitFactors(model, corpus, layers, allChunks, { strategy: "ekfac", fisher: "true", seed: 9, batchSize });
  const [a, b] = [await fit(1), await fit(5)];
  a.layers.forEach((stats, i) => {
    const other = b.layers[i];
    assert.ok(
      relativeError(stats.activationEigen!.values, other.activationEigen!.values) < FLOAT32_TOLERANCE,
    );
    assert.ok(relativeError(stats.gradientEigen!.values, other.gradientEigen!.values) < FLOAT32_TOLERANCE);
    assert.ok(relativeError(stats.correctedEigenvalues!, other.correctedEigenvalues!) < FLOAT32_TOLERANCE);
  });
  model.dispose();
});

Deno.test("tensor statistics match float64", () => {
  const model = tinyModel(VOCAB, BLOCK, 5);
  const layers = selectLayers(model.linearLayers(), ["blocks.1.mlp.proj", "blocks.0.attn.qkv"]);
  const captured = captureBatch(model, layers, chunkBatch(corpus, [0, 2, 3]));
  const covTensor = createCovarianceSums(layers);
  const covDense = createCovarianceSums(layers);
  captured.layers.forEach((layer, i) => {
    addCovarianceTensors(covTensor.layers[i], layer.activations, layer.gradients);
    const a = Float64Array.from(layer.activations.dataSync());
    const s = Float64Array.from(layer.gradients.dataSync());
    addCovarianceFloat64(covDense.layers[i], a, s, 3 * BLOCK);
    assert.ok(
      relativeError(covTensor.layers[i].activation, covDense.layers[i].activation) < FLOAT32_TOLERANCE,
    );
    assert.ok(relativeError(covTensor.layers[i].gradient, covDense.layers[i].gradient) < FLOAT32_TOLERANCE);

    // Any orthogonal bases exercise the rotation; the eigenbases of the dense covariances are at hand.
    const fake = {
      gradient: eigenOf(covDense.layers[i].gradient, layer.layer.outFeatures),
      activation: eigenOf(covDense.layers[i].activation, layer.layer.inDim),
    };
    const corrTensor = createCorrectionSums([layer.layer]);
    const corrDense = createCorrectionSums([layer.layer]);
    const qs = columnsTensor(fake.gradient);
    const qa = columnsTensor(fake.activation);
    addCorrectionTensors(corrTensor.layers[0], layer.activations, layer.gradients, 3, BLOCK, qs, qa);
    addCorrectionFloat64(corrDense.layers[0], a, s, 3, BLOCK, fake.gradient, fake.activation);
    qs.dispose();
    qa.dispose();
    assert.ok(relativeError(corrTensor.layers[0].values, corrDense.layers[0].values) < FLOAT32_TOLERANCE);
  });
  // a_t carries the bias column of ones.
  const a = captured.layers[0].activations.arraySync() as number[][];
  assert.ok(a.every((row) => row[row.length - 1] === 1));
  disposeCaptured(captured);
  model.dispose();
});

Deno.test("capture leaves no tensors", async () => {
  const model = tinyModel(VOCAB, BLOCK, 6);
  const layers = selectLayers(model.linearLayers(), ["blocks.*.mlp.fc"]);
  const factors = emptyFactorSet("identity", "true", layers);
  const query = await buildQueryGradient(model, factors, tokenizer, queries, {
    differential: false,
    damping: 0,
  });
  const before = tf.memory().numTensors;
  await scoreTokens(model, query, corpus, allChunks, { batchSize: 2 });
  await fitFactors(model, corpus, layers, allChunks, { strategy: "ekfac", fisher: "true", seed: 1 });
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

import { symmetricEigen } from "../../lib/influence/eigen.ts";
import type { EigenResult } from "../../lib/influence/eigen.ts";

function eigenOf(m: Float64Array, n: number): EigenResult {
  return symmetricEigen(m, n);
}

function columnsTensor(eigen: EigenResult): tf.Tensor2D {
  const { n, vectors } = eigen;
  const columns = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) columns[j * n + i] = vectors[i * n + j];
  return tf.tensor2d(columns, [n, n]);
}

Deno.test("fisher labels seeded and empirical", async () => {
  const model = tinyModel(VOCAB, BLOCK, 8);
  const layers = selectLayers(model.linearLayers(), ["blocks.1.mlp.fc"]);
  const fit = (fisher: "true" | "empirical", seed: number) =>
    fitFactors(model, corpus, layers, allChunks, { strategy: "kfac", fisher, seed });
  const first = (await fit("true", 1)).layers[0].gradientEigen!.values;
  const again = (await fit("true", 1)).layers[0].gradientEigen!.values;
  const reseeded = (await fit("true", 2)).layers[0].gradientEigen!.values;
  assert.deepEqual(Array.from(again), Array.from(first));
  assert.ok(relativeError(reseeded, first) > FLOAT32_TOLERANCE, "another seed draws other labels");

  // The empirical Fisher's S is the covariance of data-label gradients, which capture returns directly.
  const empirical = (await fit("empirical", 1)).layers[0];
  const sums = createCovarianceSums(layers);
  const captured = captureBatch(model, layers, chunkBatch(corpus, allChunks));
  addCovarianceTensors(sums.layers[0], captured.layers[0].activations, captured.layers[0].gradients);
  disposeCaptured(captured);
  const direct = symmetricEigen(
    sums.layers[0].gradient.map((x) => x / (allChunks.length * BLOCK)),
    layers[0].outFeatures,
  );
  assert.ok(relativeError(empirical.gradientEigen!.values, direct.values) < FLOAT32_TOLERANCE);
  model.dispose();
});
