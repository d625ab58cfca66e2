/**
 * Writes a report document as one self-contained HTML page: inline CSS and inline SVG, no scripts, no
 * fonts, no links to anything outside the page.
 */

import type { Block, ReportDocument } from "./document.ts";
import type { ChunkToken } from "./types.ts";
import { escapeHtml, formatNumber, PROBABILITY_DECIMALS } from "./format.ts";

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
.subtitle { color: #555; margin: 0.1rem 0; }
nav ul { columns: 2; font-size: 0.92rem; }
nav li.sub { margin-left: 1.2rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
caption { caption-side: top; text-align: left; color: #444; font-style: italic; padding-bottom: 0.3rem; }
th, td { border: 1px solid #d5d5d5; padding: 0.25rem 0.5rem; vertical-align: top; }
th { background: #f2f2f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #555; font-style: italic; }
.warning { border-left: 4px solid #b35900; background: #fff4e5; padding: 0.4rem 0.8rem; }
figure { margin: 1rem 0; }
figcaption { color: #444; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; font-size: 0.82rem; }
.chunk { font-family: ui-monospace, monospace; font-size: 0.85rem; white-space: pre-wrap;
  border: 1px solid #ddd; padding: 0.5rem; background: #fafafa; }
.chunk mark { background: transparent; color: inherit; }
.chunk .toxic { text-decoration: underline; text-decoration-color: #7c3aed; }
`;

function renderTable(block: Extract<Block, { kind: "table" }>): string {
  const cellClass = (index: number) => (block.columns[index]?.align === "right" ? ' class="num"' : "");
  // Wide tables scroll inside their own box instead of widening the page.
  const lines = ['<div class="scroll">', "<table>"];
  if (block.caption) lines.push(`<caption>${escapeHtml(block.caption)}</caption>`);
  lines.push(
    `<thead><tr>${
      block.columns.map((column, index) => `<th${cellClass(index)}>${escapeHtml(column.header)}</th>`).join(
        "",
      )
    }</tr></thead>`,
  );
  lines.push("<tbody>");
  for (const row of block.rows) {
    lines.push(
      `<tr>${row.map((cell, index) => `<td${cellClass(index)}>${escapeHtml(cell)}</td>`).join("")}</tr>`,
    );
  }
  lines.push("</tbody>", "</table>", "</div>");
  return lines.join("\n");
}

/** Lowest highlight opacity, so the weakest selected token stays visible. */
const MIN_HIGHLIGHT = 0.25;

/**
 * Highlight opacity per token: selected tokens scale with their score relative to the chunk's top
 * selected score; without scores every selected token gets full opacity.
 */
function highlightOpacity(tokens: ChunkToken[]): number[] {
  const top = Math.max(
    0,
    ...tokens.filter((token) => token.selected && Number.isFinite(token.score)).map((token) => token.score),
  );
  return tokens.map((token) => {
    if (!token.selected) return 0;
    if (!(top > 0) || !Number.isFinite(token.score)) return 1;
    return MIN_HIGHLIGHT + (1 - MIN_HIGHLIGHT) * Math.min(1, Math.max(0, token.score / top));
  });
}

function renderTokens(block: Extract<Block, { kind: "tokens" }>): string {
  const opacity = highlightOpacity(block.tokens);
  const spans = block.tokens.map((token, index) => {
    const attributes: string[] = [];
    if (Number.isFinite(token.score)) {
      attributes.push(`title="score ${escapeHtml(formatNumber(token.score, PROBABILITY_DECIMALS))}"`);
    }
    if (token.selected) {
      attributes.push(`style="background-color: rgba(220, 38, 38, ${opacity[index].toFixed(2)})"`);
    }
    if (token.toxic) attributes.push('class="toxic"');
    const text = escapeHtml(token.text);
    const tag = token.selected ? "mark" : "span";
    return attributes.length > 0 || token.selected
      ? `<${tag}${attributes.map((a) => ` ${a}`).join("")}>${text}</${tag}>`
      : text;
  });
  return `<p><strong>${escapeHtml(block.title)}</strong></p>\n<div class="chunk">${spans.join("")}</div>`;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return `<p>${escapeHtml(block.text)}</p>`;
    case "note":
      return `<p class="note">${escapeHtml(block.text)}</p>`;
    case "warning":
      return `<p class="warning"><strong>Warning:</strong> ${escapeHtml(block.text)}</p>`;
    case "list":
      return `<ul>\n${block.items.map((item) => `<li>${escapeHtml(item)}</li>`).join("\n")}\n</ul>`;
    case "table":
      return renderTable(block);
    case "figure":
      return `<figure>\n${block.svg}\n<figcaption>${escapeHtml(block.caption)}</figcaption>\n</figure>`;
    case "code":
      return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
    case "tokens":
      return renderTokens(block);
  }
}

/** Write a document as a self-contained HTML page. */
export function renderHtml(document: ReportDocument): string {
  const lines: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(document.title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(document.title)}</h1>`,
  ];
  for (const line of document.subtitle) lines.push(`<p class="subtitle">${escapeHtml(line)}</p>`);

  lines.push("<nav><ul>");
  for (const section of document.sections) {
    const itemClass = section.level === 3 ? ' class="sub"' : "";
    lines.push(`<li${itemClass}><a href="#${section.id}">${escapeHtml(section.title)}</a></li>`);
  }
  lines.push("</ul></nav>");

  for (const section of document.sections) {
    lines.push(`<h${section.level} id="${section.id}">${escapeHtml(section.title)}</h${section.level}>`);
    for (const block of section.blocks) lines.push(renderBlock(block));
  }
  lines.push("</body>", "</html>", "");
  return lines.join("\n");
}
