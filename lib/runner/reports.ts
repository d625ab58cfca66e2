/**
 * Gathers every number a report shows from the artifacts of a run into `ReportData`, and renders the
 * report files into the run folder (one report per sweep point plus an aggregate for sweeps). Nothing
 * here computes a result that is not already in an artifact, except simple summaries of stored arrays
 * (histograms, a unigram perplexity) that the report labels as such.
 */

import { poolingOf, poolTokenScores } from "../select/pooling.ts";
import { join } from "node:path";
import type { Plan, PlanNode } from "../plan/graph.ts";
import type { Spec } from "../spec/types.ts";
import type { SpecRun } from "../spec/mod.ts";
import type { ArtifactStore, Manifest } from "./store.ts";
import type {
  AttributionData,
  ClassifierQualityRow,
  CorpusData,
  MetricRow,
  ModelData,
  ReportData,
  SampleGeneration,
  TopChunk,
} from "../report/types.ts";
import {
  attributionFromComparison,
  classifierRowsFromReport,
  paperRowForKind,
  renderReport,
  renderSweepReport,
  scoreHistogram,
} from "../report/mod.ts";
import type { ClassifierReport } from "../evaluate/train_classifier.ts";
import type { Corpus, PromptSet, Tokenizer } from "../data/types.ts";
import type { Checkpoint } from "../model/checkpoint.ts";
import type { AttributionComparison } from "../select/comparison.ts";
import type { SelectionResult } from "../select/types.ts";
import type { ScoreArtifact } from "../influence/score_table.ts";
import type { Generations } from "../evaluate/generations.ts";
import type { GenerationScores } from "../evaluate/scores.ts";
import type { Readability, ReadabilitySample } from "../evaluate/readability_stage.ts";
import { SPLIT_CODES } from "../data/types.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

/** Loads node outputs and manifests; backed by an executed plan or by the store alone. */
export interface ArtifactLoader {
  load(id: string): Promise<unknown>;
  manifest(id: string): Promise<Manifest>;
}

/** Inputs of `writeRunReports`. */
export interface RunReportInputs {
  runDir: string;
  plan: Plan;
  runs: SpecRun[];
  spec: Spec;
  store: ArtifactStore;
  result: ArtifactLoader & { cached?: string[] };
  startedAt?: string;
}

/** Sample generations shown per arm. */
const SAMPLES_PER_ARM = 3;

/** Held-out documents whose reading-decoding continuations the report shows. */
const READING_SAMPLES = 4;
/** Top chunks shown with highlighted tokens. */
const DEFAULT_TOP_CHUNKS = 10;

/** Render the report of every sweep point (and the sweep aggregate) into the run folder. */
export async function writeRunReports(inputs: RunReportInputs): Promise<string[]> {
  const { runDir, plan, runs, result } = inputs;
  const runId = runDir.split("/").filter(Boolean).pop() ?? "run";
  const sweepPaths = Object.keys(inputs.spec.sweep ?? {});
  const entries: Array<{ point: Record<string, string | number | boolean>; data: ReportData }> = [];
  const files: string[] = [];

  for (let point = 0; point < runs.length; point++) {
    const nodes = plan.nodes.filter((node) => node.points.includes(point));
    const data = await gatherReportData({
      spec: runs[point].spec,
      runId,
      nodes,
      loader: result,
      cached: new Set(result.cached ?? []),
      startedAt: inputs.startedAt,
    });
    if (sweepPaths.length > 0) {
      const sweepPoint = runs[point].point as Record<string, string | number | boolean>;
      data.sweep = { paths: sweepPaths, point: sweepPoint };
      entries.push({ point: sweepPoint, data });
    }
    const outDir = runs.length > 1 ? join(runDir, `point-${point}`) : runDir;
    await writeJsonAtomic(join(outDir, "report-data.json"), data);
    const rendered = await renderReport(data, outDir, runs[point].spec.report);
    files.push(...rendered.files);
  }
  if (entries.length > 1) {
    const rendered = await renderSweepReport(entries, runDir);
    files.unshift(...rendered.files);
  }
  return files;
}

/** Pick the file to show the user: the top-level report.md, else report.html, else the run folder. */
export function mainReportFile(files: string[], runDir: string): string {
  for (const name of ["report.md", "report.html"]) {
    const match = files.find((file) => file === join(runDir, name));
    if (match) return match;
  }
  return runDir;
}

interface GatherInputs {
  spec: Spec;
  runId: string;
  nodes: PlanNode[];
  loader: ArtifactLoader;
  cached: Set<string>;
  startedAt?: string;
}

function byStage(nodes: PlanNode[], stage: string): PlanNode[] {
  return nodes.filter((node) => node.stage.name === stage);
}

/** Collect the report of one run (one sweep point) from its artifacts. */
export async function gatherReportData(inputs: GatherInputs): Promise<ReportData> {
  const { spec, nodes, loader } = inputs;
  const byId = new Map(nodes.map((node) => [node.id, node]));

  const planInfo = [];
  for (const node of nodes) {
    const manifest = await loader.manifest(node.id).catch(() => null);
    planInfo.push({
      id: node.id,
      stage: node.stage.name,
      key: node.key,
      cached: inputs.cached.has(node.id),
      seconds: manifest?.seconds ?? 0,
    });
  }
  const versions: Record<string, string> = {};
  for (const node of nodes) {
    const manifest = await loader.manifest(node.id).catch(() => null);
    if (manifest) Object.assign(versions, manifest.versions);
  }

  const corpusNode = byStage(nodes, "corpus")[0];
  const corpus = corpusNode ? (await loader.load(corpusNode.id)) as Corpus : undefined;
  const tokenizerNode = byStage(nodes, "tokenizer")[0];
  const tokenizer = tokenizerNode ? (await loader.load(tokenizerNode.id)) as Tokenizer : undefined;

  const promptNode = byStage(nodes, "prompt-sets")[0];
  const prompts = new Map<string, string>();
  if (promptNode) {
    const sets = (await loader.load(promptNode.id)) as Record<string, PromptSet>;
    for (const set of Object.values(sets)) for (const row of set.rows) prompts.set(row.id, row.prompt);
  }

  // Metrics: toxicity metrics per arm and seed, fluency per checkpoint mapped to the arms using it.
  const results: MetricRow[] = [];
  const samples: SampleGeneration[] = [];
  const armCheckpoints = new Map<string, string>();
  for (const node of byStage(nodes, "toxicity-metrics")) {
    const rows = (await loader.load(node.id)) as MetricRow[];
    results.push(...rows);
    const generateNode = byId.get(node.inputs.generations);
    const checkpointId = generateNode?.inputs.checkpoint;
    const config = node.config as { arm: string; trainingSeed: number };
    if (checkpointId) armCheckpoints.set(`${config.arm}|${config.trainingSeed}`, checkpointId);
    if (generateNode && samples.filter((sample) => sample.arm === config.arm).length === 0) {
      samples.push(...await sampleGenerations(loader, node, generateNode, config.arm, prompts));
    }
  }
  const readingArms: Array<{ arm: string; samples: ReadabilitySample[] }> = [];
  for (const [armSeed, checkpointId] of armCheckpoints) {
    const [arm, seed] = armSeed.split("|");
    const fluency = byId.get(`fluency:${checkpointId}`);
    if (fluency) {
      for (const row of (await loader.load(fluency.id)) as MetricRow[]) {
        results.push({ ...row, arm, seed: Number(seed) });
      }
    }
    // Readability measures the checkpoint's own sampling, so arms that decode otherwise (RAD) get none.
    const readability = byId.get(`readability:${checkpointId}`);
    const decoding = spec.arms.find((entry) => entry.name === arm)?.decoding;
    if (!readability || decoding !== "sample") continue;
    const measured = (await loader.load(readability.id)) as Readability;
    for (const row of measured.metrics) results.push({ ...row, arm, seed: Number(seed) });
    if (!readingArms.some((entry) => entry.arm === arm)) readingArms.push({ arm, samples: measured.samples });
  }

  const validation = [];
  for (const node of byStage(nodes, "train").concat(byStage(nodes, "dpo"))) {
    const checkpoint = (await loader.load(node.id)) as Checkpoint;
    const loss = checkpoint.metrics.bestValLoss ?? checkpoint.metrics.finalValLoss;
    if (Number.isFinite(loss)) validation.push({ model: node.id, perplexity: Math.exp(loss) });
  }

  return {
    meta: {
      specName: spec.name,
      runId: inputs.runId,
      spec,
      plan: planInfo,
      fingerprints: Object.entries(byStage(nodes, "documents")[0]?.fingerprints ?? {}).map((
        [name, sha256],
      ) => ({
        name,
        sha256,
      })),
      versions,
      seeds: spec.seeds,
      evaluationSeed: spec.evaluation.seed,
      startedAt: inputs.startedAt ?? new Date().toISOString(),
      endedAt: new Date().toISOString(),
    },
    results,
    classifierRoles: {
      explicit: spec.evaluation.classifiers.explicit,
      implicit: spec.evaluation.classifiers.implicit,
    },
    arms: spec.arms.map((arm) => ({
      name: arm.name,
      kind: arm.kind,
      decoding: arm.decoding,
      paperRow: paperRowForKind(arm.kind),
    })),
    attribution: await gatherAttribution(nodes, loader, corpus, tokenizer, spec),
    classifiers: await gatherClassifiers(nodes, loader),
    model: corpus
      ? {
        unigramPerplexity: unigramPerplexity(corpus),
        validation,
        samples,
        reading: readingSamples(spec, readingArms),
      }
      : undefined,
    corpus: corpus ? corpusData(corpus) : undefined,
  };
}

/** Collect the reading-decoding continuations of the first held-out documents, side by side for every arm. */
function readingSamples(
  spec: Spec,
  arms: Array<{ arm: string; samples: ReadabilitySample[] }>,
): ModelData["reading"] {
  if (arms.length === 0) return undefined;
  const samples = spec.evaluation.fluency.samples;
  const human = arms[0].samples.filter((sample) => sample.source === "human").slice(0, READING_SAMPLES);
  return {
    settings: {
      temperature: samples.temperature,
      topK: samples.top_k,
      topP: samples.top_p,
      maxNewTokens: samples.max_new_tokens,
      minCount: samples.min_count,
    },
    samples: human.map((reference) => ({
      prompt: reference.prompt,
      human: reference.continuation,
      arms: arms.map(({ arm, samples }) => ({
        arm,
        continuation:
          samples.find((sample) => sample.source === "reading" && sample.promptId === reference.promptId)
            ?.continuation ?? "",
      })),
    })),
  };
}

async function sampleGenerations(
  loader: ArtifactLoader,
  metricsNode: PlanNode,
  generateNode: PlanNode,
  arm: string,
  prompts: Map<string, string>,
): Promise<SampleGeneration[]> {
  const generations = (await loader.load(generateNode.id)) as Generations;
  const explicitId = metricsNode.inputs.explicit;
  const scores = explicitId ? (await loader.load(explicitId)) as GenerationScores : undefined;
  const out: SampleGeneration[] = [];
  for (let i = 0; i < generations.text.length && out.length < SAMPLES_PER_ARM; i++) {
    if (generations.promptSet[i] !== "rtp_toxic" || generations.sampleIndex[i] !== 0) continue;
    out.push({
      arm,
      promptSet: generations.promptSet[i],
      prompt: prompts.get(generations.promptId[i]) ?? generations.promptId[i],
      continuation: generations.text[i],
      toxicity: scores?.attributes.toxicity?.[i],
    });
  }
  return out;
}

async function gatherClassifiers(nodes: PlanNode[], loader: ArtifactLoader): Promise<ClassifierQualityRow[]> {
  const rows: ClassifierQualityRow[] = [];
  for (
    const node of nodes.filter((n) =>
      n.stage.name.startsWith("train-") && n.stage.name.includes("classifier")
    )
  ) {
    const classifier = (await loader.load(node.id)) as { report: Record<string, unknown> };
    rows.push(...classifierRowsFromReport(classifier.report as unknown as ClassifierReport));
  }
  return rows;
}

async function gatherAttribution(
  nodes: PlanNode[],
  loader: ArtifactLoader,
  corpus: Corpus | undefined,
  tokenizer: Tokenizer | undefined,
  spec: Spec,
): Promise<AttributionData | undefined> {
  const attributionNode = byStage(nodes, "attribution")[0];
  if (!attributionNode || !corpus || !tokenizer) return undefined;
  const comparison = (await loader.load(attributionNode.id)) as AttributionComparison;
  const scoresNode = nodes.find((node) => node.id === attributionNode.inputs.scores);
  const scores = scoresNode ? ((await loader.load(scoresNode.id)) as ScoreArtifact).scores : undefined;
  const selectionNode = byStage(nodes, "selection")[0];
  const selection = selectionNode ? (await loader.load(selectionNode.id)) as SelectionResult : undefined;

  const histograms = [];
  if (scores) {
    const labels = new Uint8Array(scores.scores.length);
    const T = scores.blockSize;
    scores.chunkIds.forEach((chunk, row) => {
      for (let t = 0; t < T; t++) {
        labels[row * T + t] = corpus.documents.toxic[corpus.docIds[chunk * corpus.blockSize + t]];
      }
    });
    histograms.push(scoreHistogram("differential token score", scores.scores, labels));
    const pooling = poolingOf(spec.selection);
    if (pooling.kind !== "none") {
      const pooled = poolTokenScores(scores, corpus, pooling);
      histograms.push(
        scoreHistogram(`differential token score, ${pooling.kind} pooling`, pooled.scores, labels),
      );
    }
  }
  return attributionFromComparison(comparison, {
    scoredTokens: scores?.scores.length,
    histograms,
    topChunks: selection && scores ? topChunks(selection, scores, corpus, tokenizer, spec) : [],
  });
}

function topChunks(
  selection: SelectionResult,
  scores: ScoreArtifact["scores"],
  corpus: Corpus,
  tokenizer: Tokenizer,
  spec: Spec,
): TopChunk[] {
  const T = corpus.blockSize;
  const scoreRow = new Map<number, number>();
  scores.chunkIds.forEach((chunk, row) => scoreRow.set(chunk, row));
  const maskRow = new Map<number, number>();
  selection.chunkIds.forEach((chunk, row) => maskRow.set(chunk, row));
  const limit = spec.report.top_chunks || DEFAULT_TOP_CHUNKS;
  const out: TopChunk[] = [];
  const ranked = selection.ranking.chunkIds;
  for (let rank = 0; rank < ranked.length && out.length < limit; rank++) {
    const chunk = ranked[rank];
    const row = scoreRow.get(chunk);
    const mrow = maskRow.get(chunk);
    if (row === undefined || mrow === undefined) continue;
    const tokens = [];
    for (let t = 0; t < T; t++) {
      const doc = corpus.docIds[chunk * T + t];
      tokens.push({
        text: tokenizer.tokenText(corpus.tokens[chunk * T + t]),
        score: scores.scores[row * T + t],
        selected: selection.mask[mrow * T + t] === 1,
        toxic: corpus.documents.toxic[doc] === 1,
      });
    }
    const firstDoc = corpus.docIds[chunk * T];
    out.push({
      chunkId: chunk,
      source: corpus.documents.source[firstDoc],
      score: selection.ranking.rankScores[rank],
      toxic: tokens.some((token) => token.toxic),
      tokens,
    });
  }
  return out;
}

/** Perplexity of the training split's unigram distribution on the validation chunks (add-one smoothing). */
export function unigramPerplexity(corpus: Corpus): number {
  const T = corpus.blockSize;
  const counts = new Map<number, number>();
  let total = 0;
  for (let c = 0; c < corpus.numChunks; c++) {
    if (corpus.chunkSplit[c] !== SPLIT_CODES.train) continue;
    for (let t = 0; t < T; t++) {
      const token = corpus.tokens[c * T + t];
      counts.set(token, (counts.get(token) ?? 0) + 1);
      total += 1;
    }
  }
  const vocabulary = Math.max(counts.size, 1) + 1;
  let nll = 0;
  let n = 0;
  for (let c = 0; c < corpus.numChunks; c++) {
    if (corpus.chunkSplit[c] !== SPLIT_CODES.validation) continue;
    for (let t = 1; t < T; t++) {
      const count = counts.get(corpus.tokens[c * T + t]) ?? 0;
      nll -= Math.log((count + 1) / (total + vocabulary));
      n += 1;
    }
  }
  return n > 0 ? Math.exp(nll / n) : NaN;
}

function corpusData(corpus: Corpus): CorpusData {
  const bySource = new Map<string, { documents: number; tokens: number; toxic: number }>();
  let toxicDocs = 0;
  let tokens = 0;
  corpus.documents.source.forEach((source, doc) => {
    const entry = bySource.get(source) ?? { documents: 0, tokens: 0, toxic: 0 };
    entry.documents += 1;
    entry.tokens += corpus.documents.tokens[doc];
    entry.toxic += corpus.documents.toxic[doc];
    bySource.set(source, entry);
    toxicDocs += corpus.documents.toxic[doc];
    tokens += corpus.documents.tokens[doc];
  });
  const documents = corpus.documents.source.length;
  return {
    documents,
    tokens,
    toxicShare: documents > 0 ? toxicDocs / documents : 0,
    sources: [...bySource.entries()].map(([source, entry]) => ({
      source,
      documents: entry.documents,
      tokens: entry.tokens,
      toxicShare: entry.documents > 0 ? entry.toxic / entry.documents : 0,
    })),
  };
}
