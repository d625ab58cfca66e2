/** Cutting long texts into passages and joining short rows into documents. */

/** A paragraph longer than this multiple of the passage length is first split at sentence ends. */
const LONG_PARAGRAPH_FACTOR = 2;

/** Split text after sentence-ending punctuation followed by whitespace. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?]["')\]]?)\s+/).filter((sentence) => sentence !== "");
}

/**
 * Group paragraphs into passages of at least `passageChars` characters (the last one may be shorter),
 * joined by blank lines. A paragraph longer than twice the passage length is cut at sentence ends
 * first. `passageChars` 0 returns one passage of all paragraphs.
 */
export function cutPassages(paragraphs: readonly string[], passageChars: number): string[] {
  if (passageChars <= 0) return paragraphs.length === 0 ? [] : [paragraphs.join("\n\n")];
  const pieces: Array<{ text: string; joiner: string }> = [];
  for (const paragraph of paragraphs) {
    if (paragraph.length <= LONG_PARAGRAPH_FACTOR * passageChars) {
      pieces.push({ text: paragraph, joiner: "\n\n" });
      continue;
    }
    splitSentences(paragraph).forEach((sentence, index) =>
      pieces.push({ text: sentence, joiner: index === 0 ? "\n\n" : " " })
    );
  }
  const passages: string[] = [];
  let current = "";
  for (const piece of pieces) {
    current = current === "" ? piece.text : current + piece.joiner + piece.text;
    if (current.length >= passageChars) {
      passages.push(current);
      current = "";
    }
  }
  if (current !== "") passages.push(current);
  return passages;
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
