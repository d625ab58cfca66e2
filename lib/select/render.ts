/**
 * Views of scored chunks for inspection: an HTML fragment (selected tokens highlighted with an opacity
 * that grows with the score, tokens of ground-truth toxic documents underlined) and a terminal view
 * (ANSI colours, or bracket markers when colour is off).
 */

/** One chunk as the views draw it; arrays are [blockSize]. */
export interface ChunkView {
  chunkId: number;
  /** 0-based position in the selection ranking, or null when the chunk had no above-threshold token. */
  rank: number | null;
  rankScore: number | null;
  tokens: string[];
  selected: Uint8Array;
  /** Token scores, when available. */
  scores: Float32Array | null;
  /** 1 for tokens of ground-truth toxic documents, when known. */
  toxic: Uint8Array | null;
}

/** Lowest highlight opacity, so the weakest selected token stays visible. */
const MIN_OPACITY = 0.25;
/** Opacity of selected tokens when the view has no scores. */
const PLAIN_OPACITY = 0.6;
/** xterm-256 background shades from light to deep red, indexed by highlight strength. */
const RED_SHADES = [224, 217, 210, 203, 196];

/** Highlight strength in [MIN_OPACITY, 1] of each selected token, relative to the chunk's top selected score. */
export function highlightStrengths(view: ChunkView): Float64Array {
  const strengths = new Float64Array(view.tokens.length);
  let top = 0;
  view.selected.forEach((s, t) => {
    if (s && view.scores && view.scores[t] > top) top = view.scores[t];
  });
  view.selected.forEach((s, t) => {
    if (!s) return;
    if (!view.scores || top <= 0) strengths[t] = PLAIN_OPACITY;
    else strengths[t] = MIN_OPACITY + (1 - MIN_OPACITY) * Math.min(1, Math.max(0, view.scores[t] / top));
  });
  return strengths;
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

function header(view: ChunkView, toxicCount: number): string {
  const selectedCount = view.selected.reduce((a, b) => a + b, 0);
  const rank = view.rank === null
    ? "unranked"
    : `rank ${view.rank + 1} (score ${view.rankScore!.toFixed(4)})`;
  const toxic = view.toxic ? `, ${toxicCount} toxic-document tokens` : "";
  return `chunk ${view.chunkId}: ${rank}, ${selectedCount} of ${view.tokens.length} tokens selected${toxic}`;
}

function toxicTotal(view: ChunkView): number {
  return view.toxic ? view.toxic.reduce((a, b) => a + b, 0) : 0;
}

/** HTML fragment of one chunk. Styles are inline, so the fragment renders anywhere. */
export function renderChunkHtml(view: ChunkView): string {
  const strengths = highlightStrengths(view);
  const parts = view.tokens.map((text, t) => {
    const styles: string[] = [];
    if (view.selected[t]) styles.push(`background-color: rgba(220, 38, 38, ${strengths[t].toFixed(2)})`);
    if (view.toxic?.[t]) styles.push("text-decoration: underline; text-decoration-color: #7c3aed");
    const title = view.scores
      ? ` title="${escapeHtml(`position ${t}, score ${view.scores[t].toPrecision(4)}`)}"`
      : "";
    const style = styles.length > 0 ? ` style="${styles.join("; ")}"` : "";
    return styles.length > 0 || title ? `<span${style}${title}>${escapeHtml(text)}</span>` : escapeHtml(text);
  });
  return [
    `<figure class="ifguide-chunk" data-chunk-id="${view.chunkId}">`,
    `<figcaption>${escapeHtml(header(view, toxicTotal(view)))}</figcaption>`,
    `<pre style="white-space: pre-wrap">${parts.join("")}</pre>`,
    `</figure>`,
  ].join("\n");
}

/** HTML fragment of several chunks with a legend. */
export function renderChunksHtml(views: ChunkView[]): string {
  const legend =
    `<p class="ifguide-legend"><span style="background-color: rgba(220, 38, 38, 0.6)">selected</span> ` +
    `(darker: higher score), <span style="text-decoration: underline; text-decoration-color: #7c3aed">` +
    `token of a toxic document</span></p>`;
  return [legend, ...views.map(renderChunkHtml)].join("\n");
}

/** Replace control characters (including ESC) so corpus text cannot drive the terminal. */
function visible(text: string): string {
  // deno-lint-ignore no-control-regex
  const controls = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g;
  return text.replace(controls, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Terminal view of one chunk: ANSI colours when `color` is true, bracket markers otherwise. */
export function renderChunkTerminal(view: ChunkView, options: { color: boolean }): string {
  const strengths = highlightStrengths(view);
  let body = "";
  view.tokens.forEach((raw, t) => {
    const text = visible(raw);
    const selected = view.selected[t] === 1;
    const toxic = view.toxic?.[t] === 1;
    if (options.color) {
      const codes: string[] = [];
      if (selected) {
        const shade =
          RED_SHADES[Math.min(RED_SHADES.length - 1, Math.floor(strengths[t] * RED_SHADES.length))];
        codes.push(`48;5;${shade}`, "30");
      }
      if (toxic) codes.push("4");
      body += codes.length > 0 ? `\x1b[${codes.join(";")}m${text}\x1b[0m` : text;
    } else {
      // Plain view: [selected] tokens, and toxic-document stretches between { and }.
      const toxicStart = toxic && !(t > 0 && view.toxic?.[t - 1] === 1);
      const toxicEnd = toxic && !(t + 1 < view.tokens.length && view.toxic?.[t + 1] === 1);
      body += `${toxicStart ? "{" : ""}${selected ? `[${text}]` : text}${toxicEnd ? "}" : ""}`;
    }
  });
  const legend = options.color
    ? "red background: selected (deeper: higher score); underline: toxic-document token"
    : "[...]: selected token; {...}: tokens of toxic documents";
  return `${header(view, toxicTotal(view))}\n${body}\n(${legend})\n`;
}
