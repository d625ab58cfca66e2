/** Text escaping and number formatting shared by the Markdown, HTML and SVG writers. */

/** Decimals for probabilities and scores, as in the IF-Guide paper's main table. */
export const PROBABILITY_DECIMALS = 3;

/** Decimals for perplexities. */
export const PERPLEXITY_DECIMALS = 2;

/** Decimals for reduction factors. */
export const FACTOR_DECIMALS = 1;

/** Text shown for a value that is missing or not finite. */
export const MISSING = "n/a";

/** Escape text for HTML and XML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Characters that start inline Markdown constructs anywhere in a line (emphasis, code, cells). */
const MARKDOWN_INLINE = /[\\`*|]/g;

/** An underscore that can open or close emphasis: one not inside a word (`rtp_all` is safe). */
const MARKDOWN_UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

/** A `]` that would close a link or a reference link: followed by `(` or `[`. */
const MARKDOWN_LINK_CLOSE = /\](?=[([])/g;

/**
 * Escape text for inline Markdown, also inside table cells. Emphasis, code and cell characters get a
 * backslash, and so does a `]` that would form a link. Tildes are escaped only when there are two or
 * more, because strikethrough needs a pair. `<`, `>` and `&` become entities, so raw HTML in
 * generated text never renders, and line breaks become spaces. Digits, periods, brackets and dashes
 * stay as written so numbers and intervals read cleanly in the source.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(MARKDOWN_INLINE, (character) => `\\${character}`)
    .replace(MARKDOWN_UNDERSCORE, "\\_")
    .replace(MARKDOWN_LINK_CLOSE, "\\]")
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/~/g, (tilde, _offset: number, whole: string) => (whole.split("~").length > 2 ? "\\~" : tilde));
}

/**
 * Escape text that starts a Markdown block (a paragraph or list item): as `escapeMarkdown`, and a
 * leading heading, list or rule marker, or a `[` that could start a link reference definition, is
 * escaped so the text stays a paragraph.
 */
export function escapeMarkdownBlock(text: string): string {
  return escapeMarkdown(text)
    .replace(/^(\s*)\[/, "$1\\[")
    .replace(/^(\s*)([#+=-])/, (_whole, space: string, marker: string) => `${space}\\${marker}`)
    .replace(/^(\s*\d+)([.)])/, (_whole, number: string, marker: string) => `${number}\\${marker}`);
}

/** Format a number with fixed decimals, or `n/a` when it is missing or not finite. */
export function formatNumber(value: number | null | undefined, decimals: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const text = value.toFixed(decimals);
  // Avoid "-0.000" for tiny negative values.
  return Number(text) === 0 ? (0).toFixed(decimals) : text;
}

/** Format an integer count with thousands separators (fixed locale, so output is deterministic). */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return MISSING;
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Format a share in [0, 1] as a percentage with one decimal. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return `${(value * 100).toFixed(1)}%`;
}

/** Format a relative change as a signed percentage with one decimal (`+5.5%`). */
export function formatSignedPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const text = (value * 100).toFixed(1);
  return Number(text) === 0 ? "0.0%" : `${value > 0 ? "+" : ""}${text}%`;
}

/** Format a confidence interval `[low, high]`, or an empty string when either bound is missing. */
export function formatInterval(
  low: number | null | undefined,
  high: number | null | undefined,
  decimals: number,
): string {
  if (low === null || low === undefined || high === null || high === undefined) return "";
  if (!Number.isFinite(low) || !Number.isFinite(high)) return "";
  return `[${formatNumber(low, decimals)}, ${formatNumber(high, decimals)}]`;
}

/** Decimals used to show a metric, by metric name. */
export function decimalsFor(metric: string): number {
  return metric.startsWith("perplexity") ? PERPLEXITY_DECIMALS : PROBABILITY_DECIMALS;
}
