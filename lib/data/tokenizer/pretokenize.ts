/**
 * GPT-2-style pre-tokenisation: text is split into pieces (English contractions, a letter run with
 * one optional leading space, a digit run likewise, a punctuation run likewise, whitespace) and BPE
 * merges never cross a piece boundary.
 */

/**
 * Piece pattern. `\s+(?!\S)` leaves the last space of a whitespace run for the following word, so
 * " hello" stays one piece after several spaces.
 */
export const PIECE_PATTERN = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Split text into pre-tokenisation pieces; concatenating them gives the text back. */
export function splitPieces(text: string): string[] {
  return text.match(PIECE_PATTERN) ?? [];
}
