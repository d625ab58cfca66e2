/** Writes a report document as GitHub-flavoured Markdown; figures link to SVG files beside it. */

import type { Block, ReportDocument } from "./document.ts";
import { escapeMarkdown, escapeMarkdownBlock } from "./format.ts";

/** File name of a figure written beside the Markdown report. */
export function figureFileName(name: string): string {
  return `${name}.svg`;
}

function renderTable(block: Extract<Block, { kind: "table" }>): string[] {
  const lines: string[] = [];
  if (block.caption) lines.push(`*${escapeMarkdown(block.caption)}*`, "");
  lines.push(`| ${block.columns.map((column) => escapeMarkdown(column.header)).join(" | ")} |`);
  lines.push(`|${block.columns.map((column) => (column.align === "right" ? "---:" : ":---")).join("|")}|`);
  for (const row of block.rows) {
    lines.push(`| ${row.map((cell) => escapeMarkdown(cell)).join(" | ")} |`);
  }
  return lines;
}

/** Maximum run of backticks in `text`, so a code fence can be made longer than any run inside. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}

function renderBlock(block: Block): string[] {
  switch (block.kind) {
    case "paragraph":
      return [escapeMarkdownBlock(block.text)];
    case "note":
      return [`*${escapeMarkdown(block.text)}*`];
    case "warning":
      return [`> **Warning:** ${escapeMarkdown(block.text)}`];
    case "list":
      return block.items.map((item) => `- ${escapeMarkdownBlock(item)}`);
    case "table":
      return renderTable(block);
    case "figure":
      return [`![${escapeMarkdown(block.caption)}](${figureFileName(block.name)})`];
    case "code": {
      const fence = "`".repeat(Math.max(3, longestBacktickRun(block.text) + 1));
      return [`${fence}${block.language}`, block.text.replace(/\n$/, ""), fence];
    }
    case "tokens": {
      // Selected tokens are bold. Whitespace stays outside the markers, because CommonMark ignores
      // emphasis markers next to a space.
      const parts = block.tokens.map((token, index) => {
        // The first token starts the quoted paragraph, so a block marker there must be escaped.
        const text = index === 0 ? escapeMarkdownBlock(token.text) : escapeMarkdown(token.text);
        if (!token.selected || text.trim() === "") return text;
        const leading = text.match(/^\s*/)![0];
        const trailing = text.match(/\s*$/)![0];
        return `${leading}**${text.trim()}**${trailing}`;
      });
      return [`**${escapeMarkdown(block.title)}**`, "", `> ${parts.join("")}`];
    }
  }
}

/** Write a document as Markdown text. */
export function renderMarkdown(document: ReportDocument): string {
  const lines: string[] = [`# ${escapeMarkdown(document.title)}`, ""];
  for (const line of document.subtitle) lines.push(escapeMarkdownBlock(line), "");
  lines.push("## Contents", "");
  for (const section of document.sections) {
    const indent = section.level === 3 ? "  " : "";
    lines.push(`${indent}- [${escapeMarkdown(section.title)}](#${section.id})`);
  }
  lines.push("");
  for (const section of document.sections) {
    lines.push(`<a id="${section.id}"></a>`, "");
    lines.push(`${"#".repeat(section.level)} ${escapeMarkdown(section.title)}`, "");
    for (const block of section.blocks) lines.push(...renderBlock(block), "");
  }
  return lines.join("\n").replace(/\n+$/, "\n");
}
