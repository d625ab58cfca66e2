/**
 * Builds the report of one run from its `ReportData` and writes `report.md` (with its figures as SVG
 * files beside it), a self-contained `report.html` and `results.arrow`, each atomically.
 */

import { join } from "node:path";
import { writeFileAtomic, writeTextAtomic } from "../util/atomic.ts";
import type { ReportSpec } from "../spec/types.ts";
import {
  curveBlocks,
  DEFAULT_TOP_CHUNKS,
  histogramBlocks,
  qualityBlocks,
  selectionBlocks,
  topChunkBlocks,
  topTokenBlocks,
} from "./attribution.ts";
import { figuresOf, type ReportDocument, type Section } from "./document.ts";
import { renderHtml } from "./html.ts";
import {
  computeReductions,
  mainTableBlock,
  paperTableBlock,
  reductionChartBlock,
  reductionTableBlock,
  type ReportContext,
} from "./main_table.ts";
import { figureFileName, renderMarkdown } from "./markdown.ts";
import { MetricTable } from "./metrics.ts";
import { provenanceBlocks } from "./provenance.ts";
import { resultsRows, resultsToArrow } from "./results_arrow.ts";
import { classifierBlocks, corpusBlocks, fluencyBlocks, sampleBlocks } from "./sections.ts";
import { readabilityBlocks, readingSampleBlocks } from "./readability.ts";
import { standaloneSvg } from "./svg.ts";
import {
  attributeBlocks,
  frontierBlocks,
  otherMetricBlocks,
  promptSetBlocks,
  runLevelBlocks,
} from "./toxicity.ts";
import type { ReportData } from "./types.ts";
import { validateReportData } from "./validate.ts";
import { headlineBlocks, verdictBlocks } from "./verdict.ts";

/** Report options; the same fields as the spec's `report` section, all optional. */
export type RenderOptions = Partial<ReportSpec>;

/** Output file names inside the report folder. */
export const REPORT_FILES = { markdown: "report.md", html: "report.html", results: "results.arrow" } as const;

function section(id: string, title: string, level: 2 | 3, blocks: Section["blocks"]): Section {
  return { id, title, level, blocks };
}

function attributionSections(data: ReportData, topChunks: number): Section[] {
  const attribution = data.attribution;
  if (!attribution) {
    return [section("attribution", "Attribution", 2, [{
      kind: "note",
      text: "No attribution data: the run has no influence-guided arm, so token scores were not computed.",
    }])];
  }
  return [
    section("attribution", "Attribution quality", 2, [
      ...qualityBlocks(attribution),
      ...selectionBlocks(attribution),
    ]),
    section("attribution-budget", "Precision and recall vs budget", 3, curveBlocks(attribution.curves)),
    section("attribution-histograms", "Token score histograms", 3, histogramBlocks(attribution.histograms)),
    section("attribution-tokens", "Most selected token types", 3, topTokenBlocks(attribution)),
    section("attribution-chunks", "Top chunks", 3, topChunkBlocks(attribution.topChunks, topChunks)),
  ];
}

/** Build the report document and the values written to results.arrow. */
export function buildReport(data: ReportData, options: RenderOptions = {}) {
  validateReportData(data);
  const withPaper = options.paper_comparison ?? true;
  const context: ReportContext = {
    table: new MetricTable(data.results, data.arms),
    arms: data.arms,
    roles: data.classifierRoles,
  };
  const reductions = computeReductions(context);

  const mainBlocks: Section["blocks"] = [];
  if (data.results.length === 0) {
    mainBlocks.push({ kind: "note", text: "No metrics were measured in this run." });
  } else {
    mainBlocks.push(mainTableBlock(context));
    if (reductions.length > 0) {
      mainBlocks.push(reductionTableBlock(reductions, data.arms, withPaper));
      mainBlocks.push(...headlineBlocks(context, reductions, withPaper));
      const chart = reductionChartBlock(reductions, data.arms, withPaper);
      if (chart) mainBlocks.push(chart);
    } else {mainBlocks.push({
        kind: "note",
        text: "No arm comparable with the paper's none row, so no reductions.",
      });}
    const paperTable = withPaper ? paperTableBlock(data.arms) : undefined;
    if (paperTable) mainBlocks.push(paperTable);
    mainBlocks.push(...verdictBlocks(context, withPaper));
  }

  const sections: Section[] = [
    section("main", "Main results", 2, mainBlocks),
    section("frontier", "Toxicity vs perplexity", 2, frontierBlocks(context)),
    section("prompt-sets", "Toxicity per prompt set", 2, promptSetBlocks(context)),
    section("attributes", "Toxicity per attribute", 3, attributeBlocks(context)),
  ];
  const others = otherMetricBlocks(context);
  if (others.length > 0) sections.push(section("other-metrics", "Other metrics", 3, others));
  const runLevel = runLevelBlocks(context);
  if (runLevel.length > 0) sections.push(section("run-metrics", "Run-level metrics", 3, runLevel));
  sections.push(...attributionSections(data, options.top_chunks ?? DEFAULT_TOP_CHUNKS));
  sections.push(
    section(
      "classifiers",
      "Classifier quality",
      2,
      data.classifiers ? classifierBlocks(data.classifiers) : [{
        kind: "note",
        text: "No classifier quality data in this run.",
      }],
    ),
    section(
      "corpus",
      "Training corpus",
      2,
      data.corpus ? corpusBlocks(data.corpus) : [{ kind: "note", text: "No corpus statistics in this run." }],
    ),
  );
  if (data.model) {
    sections.push(
      section("fluency", "Model fluency", 2, [
        ...fluencyBlocks(data.model),
        ...readabilityBlocks(context, data.model),
      ]),
      section("samples", "Sample generations", 3, [
        ...sampleBlocks(data.model),
        ...readingSampleBlocks(data.model),
      ]),
    );
  } else {
    sections.push(section("fluency", "Model fluency", 2, [{ kind: "note", text: "No model fluency data." }]));
  }
  sections.push(section("provenance", "Provenance", 2, provenanceBlocks(data.meta)));

  const subtitle = [`Run ${data.meta.runId}, ${data.meta.startedAt} to ${data.meta.endedAt}.`];
  if (data.sweep) {
    const point = Object.entries(data.sweep.point).map(([path, value]) => `${path} = ${value}`).join(", ");
    subtitle.push(`Sweep point: ${point}.`);
  }
  const document: ReportDocument = { title: `Report: ${data.meta.specName}`, subtitle, sections };
  return { document, rows: resultsRows(context, reductions) };
}

/** Write the figures of a document as standalone SVG files; returns their paths. */
export async function writeFigures(document: ReportDocument, outDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const figure of figuresOf(document)) {
    const path = join(outDir, figureFileName(figure.name));
    await writeTextAtomic(path, standaloneSvg(figure.svg));
    files.push(path);
  }
  return files;
}

/**
 * Write a document into `outDir` in the requested formats: Markdown with its figures as SVG files, a
 * self-contained HTML page, and the results table. Returns the paths written.
 */
export async function writeReportFiles(
  document: ReportDocument,
  results: () => Uint8Array,
  outDir: string,
  formats: ReadonlyArray<"md" | "html" | "arrow"> = ["md", "html", "arrow"],
): Promise<{ files: string[] }> {
  const files: string[] = [];
  if (formats.includes("md")) {
    files.push(...await writeFigures(document, outDir));
    const path = join(outDir, REPORT_FILES.markdown);
    await writeTextAtomic(path, renderMarkdown(document));
    files.push(path);
  }
  if (formats.includes("html")) {
    const path = join(outDir, REPORT_FILES.html);
    await writeTextAtomic(path, renderHtml(document));
    files.push(path);
  }
  if (formats.includes("arrow")) {
    const path = join(outDir, REPORT_FILES.results);
    await writeFileAtomic(path, results());
    files.push(path);
  }
  return { files };
}

/**
 * Render the report of one run into `outDir`: `report.md` with its SVG figures, `report.html` and
 * `results.arrow`, limited to `options.formats` when given. Returns the paths written.
 */
export async function renderReport(
  data: ReportData,
  outDir: string,
  options: RenderOptions = {},
): Promise<{ files: string[] }> {
  const { document, rows } = buildReport(data, options);
  return await writeReportFiles(document, () => resultsToArrow(rows), outDir, options.formats);
}
