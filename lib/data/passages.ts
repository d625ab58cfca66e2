/** Cutting long texts into passages and joining short rows into documents. */

/** A paragraph longer than this multiple of the passage length is first split at sentence ends. */
const LONG_PARAGRAPH_FACTOR = 2;

/** Split text after sentence-ending punctuation followed by whitespace. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?]["')\]]?)\s+/).filter((sentence) => sentence !== "");
}

/** A passage and the indices of the paragraphs it was cut from. */
export interface PassageSpan {
  text: string;
  paragraphs: number[];
}

/**
 * Group paragraphs into passages of at least `passageChars` characters (the last one may be shorter),
 * joined by blank lines. A paragraph longer than twice the passage length is cut at sentence ends
 * first, so it may contribute to several passages. `passageChars` 0 gives one passage of everything.
 */
export function passageSpans(paragraphs: readonly string[], passageChars: number): PassageSpan[] {
  if (paragraphs.length === 0) return [];
  if (passageChars <= 0) return [{ text: paragraphs.join("\n\n"), paragraphs: paragraphs.map((_, i) => i) }];
  const pieces: Array<{ text: string; joiner: string; paragraph: number }> = [];
  paragraphs.forEach((paragraph, index) => {
    if (paragraph.length <= LONG_PARAGRAPH_FACTOR * passageChars) {
      pieces.push({ text: paragraph, joiner: "\n\n", paragraph: index });
      return;
    }
    splitSentences(paragraph).forEach((sentence, at) =>
      pieces.push({ text: sentence, joiner: at === 0 ? "\n\n" : " ", paragraph: index })
    );
  });
  const spans: PassageSpan[] = [];
  let current: PassageSpan = { text: "", paragraphs: [] };
  for (const piece of pieces) {
    current.text = current.text === "" ? piece.text : current.text + piece.joiner + piece.text;
    if (current.paragraphs[current.paragraphs.length - 1] !== piece.paragraph) {
      current.paragraphs.push(piece.paragraph);
    }
    if (current.text.length >= passageChars) {
      spans.push(current);
      current = { text: "", paragraphs: [] };
    }
  }
  if (current.text !== "") spans.push(current);
  return spans;
}

/** Cut paragraphs into passage texts (see `passageSpans`). */
export function cutPassages(paragraphs: readonly string[], passageChars: number): string[] {
  return passageSpans(paragraphs, passageChars).map((span) => span.text);
}

/** Join consecutive items into groups of `size` (the last group may be smaller). */
export function groupRows<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`invalid group size ${size}; expected an integer >= 1`);
  }
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
