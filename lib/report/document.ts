/**
 * A small document model for reports. Sections are built once from the report data and written twice,
 * as Markdown and as HTML, so both files always show the same numbers. All text is plain text; the
 * writers escape it.
 */

import type { ChunkToken } from "./types.ts";

/** A table column: header text and cell alignment. */
export interface Column {
  header: string;
  align: "left" | "right";
}

/** One block of content inside a section. */
export type Block =
  | { kind: "paragraph"; text: string }
  /** A one-line remark, such as why a part is missing. */
  | { kind: "note"; text: string }
  /** A content warning shown prominently. */
  | { kind: "warning"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "table"; columns: Column[]; rows: string[][]; caption?: string }
  /** An SVG chart; `name` is the file stem used beside the Markdown report. */
  | { kind: "figure"; name: string; svg: string; caption: string }
  | { kind: "code"; language: string; text: string }
  /** A token sequence with selected tokens highlighted and scores in tooltips. */
  | { kind: "tokens"; title: string; tokens: ChunkToken[] };

/** A titled section; level 2 is a top-level section, level 3 a subsection. */
export interface Section {
  /** Anchor id, unique within the document. */
  id: string;
  title: string;
  level: 2 | 3;
  blocks: Block[];
}

/** A whole report. */
export interface ReportDocument {
  title: string;
  /** Lines shown under the title (run id, times). */
  subtitle: string[];
  sections: Section[];
}

/** Build a left-aligned column for labels. */
export function textColumn(header: string): Column {
  return { header, align: "left" };
}

/** Build a right-aligned column for numbers. */
export function numberColumn(header: string): Column {
  return { header, align: "right" };
}

/** Collect the figures of a document, in order. */
export function figuresOf(document: ReportDocument): Array<Extract<Block, { kind: "figure" }>> {
  const figures: Array<Extract<Block, { kind: "figure" }>> = [];
  for (const section of document.sections) {
    for (const block of section.blocks) if (block.kind === "figure") figures.push(block);
  }
  return figures;
}
