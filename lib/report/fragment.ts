/**
 * Converts an escaped HTML fragment with highlight tags into plain tokens, so a fragment produced by
 * another stage is re-escaped by the report writers and can never inject markup or remote references.
 */

import type { ChunkToken } from "./types.ts";

/** Tags that mark selected text. */
const HIGHLIGHT_TAGS = new Set(["mark", "b", "strong"]);

/** Tags that carry no meaning for the report and are dropped. */
const IGNORED_TAGS = new Set(["span", "br"]);

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/** Decode the character references of escaped HTML text; unknown references stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X"
        ? parseInt(body.slice(2), 16)
        : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * Split an escaped HTML fragment into tokens: text inside highlight tags is selected, the rest is not.
 * Scores are unknown and set to NaN. A tag outside the allowed set is kept as literal text.
 */
export function tokensFromFragment(html: string): ChunkToken[] {
  const tokens: ChunkToken[] = [];
  let depth = 0;
  const push = (text: string) => {
    if (text === "") return;
    const selected = depth > 0;
    const last = tokens[tokens.length - 1];
    if (last && last.selected === selected) last.text += text;
    else tokens.push({ text, score: Number.NaN, selected });
  };

  const tagPattern = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>/g;
  let position = 0;
  for (const match of html.matchAll(tagPattern)) {
    push(decodeEntities(html.slice(position, match.index)));
    position = match.index + match[0].length;
    const closing = match[1] === "/";
    const name = match[2].toLowerCase();
    if (HIGHLIGHT_TAGS.has(name)) depth = Math.max(0, depth + (closing ? -1 : 1));
    else if (name === "br") push(" ");
    else if (!IGNORED_TAGS.has(name)) push(match[0]);
  }
  push(decodeEntities(html.slice(position)));
  return tokens;
}
