/** Public face of the report renderer: render one run or a sweep from gathered report data. */

export type * from "./types.ts";
export { buildReport, type RenderOptions, renderReport, REPORT_FILES } from "./render.ts";
export { buildSweepReport, renderSweepReport, type SweepEntry } from "./sweep.ts";
export { paperRowForKind } from "./metrics.ts";
export { PAPER_RESULTS, PAPER_SCALE_LABEL, paperReduction } from "./paper.ts";
export { ReportDataError, validateReportData } from "./validate.ts";
export { type ReportInputs, type ReportOutput, reportStage } from "./stage.ts";
export {
  attributionFromComparison,
  classifierRowsFromReport,
  scoreHistogram,
  topChunkFromView,
} from "./gather.ts";
