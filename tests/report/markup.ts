/** A tiny markup scanner for tests: lists tags with attributes and checks that elements are balanced. */

/** One start or end tag. */
export interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: Record<string, string>;
}

/** HTML elements that have no end tag. */
export const HTML_VOID = new Set(["meta", "br", "hr", "img", "input", "link", "source", "wbr"]);

const TAG =
  /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/;
const ATTRIBUTE = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g;
const ENTITY = /^&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);/;

/** Scan markup into tags; throws on a stray `<` or `&` in text, which escaping should have prevented. */
export function scanTags(markup: string): Tag[] {
  const tags: Tag[] = [];
  let i = 0;
  while (i < markup.length) {
    const character = markup[i];
    if (character === "&") {
      if (!ENTITY.test(markup.slice(i, i + 12))) {
        throw new Error(`stray '&' at offset ${i}: ${markup.slice(i, i + 30)}`);
      }
      i += 1;
      continue;
    }
    if (character !== "<") {
      i += 1;
      continue;
    }
    const rest = markup.slice(i);
    if (rest.startsWith("<!--")) {
      i += rest.indexOf("-->") + 3;
      continue;
    }
    if (rest.startsWith("<!DOCTYPE") || rest.startsWith("<?xml")) {
      i += rest.indexOf(">") + 1;
      continue;
    }
    const match = TAG.exec(rest);
    if (!match) throw new Error(`stray '<' at offset ${i}: ${rest.slice(0, 40)}`);
    const attributes: Record<string, string> = {};
    for (const attribute of match[3].matchAll(ATTRIBUTE)) {
      attributes[attribute[1].toLowerCase()] = attribute[2] ?? attribute[3] ?? "";
    }
    tags.push({
      name: match[2].toLowerCase(),
      closing: match[1] === "/",
      selfClosing: match[4] === "/",
      attributes,
    });
    i += match[0].length;
    // Skip raw-text element content (CSS), which may legally hold characters such as '>'.
    if (!tags[tags.length - 1].closing && tags[tags.length - 1].name === "style") {
      const end = markup.indexOf("</style>", i);
      i = end < 0 ? markup.length : end;
    }
  }
  return tags;
}

/** Problems with element nesting: unclosed, unopened or crossed elements. Empty when balanced. */
export function nestingErrors(markup: string, voidElements: Set<string> = new Set()): string[] {
  const errors: string[] = [];
  const stack: string[] = [];
  for (const tag of scanTags(markup)) {
    if (tag.selfClosing || (!tag.closing && voidElements.has(tag.name))) continue;
    if (!tag.closing) {
      stack.push(tag.name);
      continue;
    }
    const open = stack.pop();
    if (open !== tag.name) errors.push(`</${tag.name}> closes <${open ?? "nothing"}>`);
  }
  for (const name of stack) errors.push(`<${name}> is never closed`);
  return errors;
}
