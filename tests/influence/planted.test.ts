import assert from "assert";
import { initBackend } from "../../lib/backend/init.ts";
import {
  buildQueryGradient,
  emptyFactorSet,
  type FactorSet,
  fitFactors,
  scoreTokens,
  selectLayers,
  trainingChunkIds,
} from "../../lib/influence/mod.ts";
import { auroc } from "../../lib/select/ranking_metrics.ts";
import { PLANTED_VOCAB, plantedCorpus, plantedQueries, trainPlanted } from "./planted.ts";
import { IntegerTokenizer } from "./tiny.ts";

await initBackend("wasm");

/** Token AUROC that preconditioned differential scores must reach on the planted corpus. */
const MIN_DIFFERENTIAL_AUROC = 0.75;
/** Training steps of the tiny model (about 5 s on two shared cores). */
const TRAIN_STEPS = 100;

Deno.test("planted toxic tokens ranked", async () => {
  const corpus = plantedCorpus(240, 0.15, 1);
  const queries = plantedQueries(16, 2);
  const tokenizer = new IntegerTokenizer(PLANTED_VOCAB);
  const model = trainPlanted(corpus, TRAIN_STEPS, 3);
  const layers = selectLayers(model.linearLayers(), ["blocks.*.attn.*", "blocks.*.mlp.*"]);
  const chunkIds = trainingChunkIds(corpus);
  const labels = Uint8Array.from(
    { length: chunkIds.length * corpus.blockSize },
    (_, i) => corpus.documents.toxic[corpus.docIds[i]],
  );

  const results: Record<string, number> = {};
  const factorSets: FactorSet[] = [emptyFactorSet("identity", "true", layers)];
  for (const strategy of ["kfac", "ekfac"] as const) {
    factorSets.push(await fitFactors(model, corpus, layers, chunkIds, { strategy, fisher: "true", seed: 4 }));
  }
  for (const factors of factorSets) {
    for (const differential of [true, false]) {
      const query = await buildQueryGradient(model, factors, tokenizer, queries, {
        differential,
        damping: "heuristic",
      });
      const scores = await scoreTokens(model, query, corpus, chunkIds);
      results[`${factors.strategy}${differential ? "+differential" : ""}`] = auroc(scores.scores, labels);
    }
  }
  model.dispose();
  const table = Object.entries(results).map(([name, value]) => `${name} ${value.toFixed(3)}`).join(", ");
  console.log(`token AUROC on the planted corpus: ${table}`);

  assert.ok(results["ekfac+differential"] >= MIN_DIFFERENTIAL_AUROC, table);
  assert.ok(results["kfac+differential"] >= MIN_DIFFERENTIAL_AUROC, table);
  assert.ok(results["ekfac+differential"] > results["ekfac"], `ekfac: differential beats plain (${table})`);
  assert.ok(results["kfac+differential"] > results["kfac"], `kfac: differential beats plain (${table})`);
  assert.ok(
    results["identity+differential"] > results["identity"],
    `identity: differential beats plain (${table})`,
  );
  assert.ok(
    results["ekfac+differential"] > results["identity+differential"],
    `preconditioning helps (${table})`,
  );
});
