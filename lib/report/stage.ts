/**
 * The report as a pipeline stage: renders gathered `ReportData` into the artifact folder, so the
 * runner caches it like any other artifact and copies the files into `reports/<spec>/<run>/`.
 */

import { relative } from "node:path";
import { jsonCodec, type StageDefinition } from "../runner/stage.ts";
import { type RenderOptions, renderReport } from "./render.ts";
import type { ReportData } from "./types.ts";

/** Inputs of the report stage. */
export interface ReportInputs {
  data: ReportData;
}

/** Output of the report stage: file names relative to the artifact folder. */
export interface ReportOutput {
  files: string[];
}

/** Renders report.md (with SVG figures), report.html and results.arrow into the artifact folder. */
export const reportStage: StageDefinition<RenderOptions, ReportInputs, ReportOutput> = {
  name: "report",
  version: "1",
  usesBackend: false,
  codec: jsonCodec<ReportOutput>(),
  async run(context, config, inputs) {
    context.events.log(`rendering report for run ${inputs.data.meta.runId}`);
    const { files } = await renderReport(inputs.data, context.outputDir, config);
    context.events.progress(1, 1, "report");
    return { files: files.map((file) => relative(context.outputDir, file)) };
  },
};
