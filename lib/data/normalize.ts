/** Text normalisation used to detect the same text across rows and roles. */

/** NFKC, lowercase, whitespace runs collapsed to one space, trimmed. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}
