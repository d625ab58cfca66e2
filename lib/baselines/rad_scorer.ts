/**
 * Reward scorers for reward-augmented decoding, and the scorer that runs the explicit toxicity
 * classifier on decoded text.
 *
 * Shape legend: B rows of the generation batch, k_b candidates of row b (top-p may keep fewer than k).
 */

import type { Tokenizer } from "../data/types.ts";
import type { ToxicityClassifier } from "../evaluate/types.ts";

/**
 * Scores candidate next tokens: the toxicity in [0, 1] of each row's continuation followed by each of
 * its candidate tokens. Continuations exclude the prompt.
 */
export interface CandidateScorer {
  /** Identifier recorded in decoding manifests. */
  readonly id: string;
  /**
   * @param continuations generated tokens of each row so far, [B][t_b].
   * @param candidates candidate token ids of each row, [B][k_b].
   * @returns toxicity of continuation + candidate, flat in row order, [sum of k_b].
   */
  score(continuations: Int32Array[], candidates: Int32Array[]): Float32Array | Promise<Float32Array>;
}

const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Scores candidates with the explicit classifier on the decoded text of continuation + candidate. All
 * B x k texts of a step go to the classifier in one `predict` call.
 *
 * Decoding is cached: the text of each row's continuation is extended by one token per step, and each
 * token's own text is decoded once. Appending a token's text to the continuation's text equals decoding
 * the joined ids unless one side splits a UTF-8 character, which shows as U+FFFD at the seam. At such a
 * split the scorer decodes the whole sequence instead.
 *
 * NOTE: the classifier interface takes whole texts, so the classifier's features of the shared
 * continuation are recomputed for every candidate; only the decoding is cached.
 */
export class ClassifierScorer implements CandidateScorer {
  readonly id: string;
  #tokenizer: Tokenizer;
  #classifier: ToxicityClassifier;
  #pieces = new Map<number, string>();
  #rows: Array<{ tokens: Int32Array; text: string } | undefined> = [];

  constructor(tokenizer: Tokenizer, classifier: ToxicityClassifier) {
    this.#tokenizer = tokenizer;
    this.#classifier = classifier;
    this.id = `classifier:${classifier.id}`;
  }

  score(continuations: Int32Array[], candidates: Int32Array[]): Float32Array {
    const texts: string[] = [];
    continuations.forEach((continuation, row) => {
      const prefix = this.continuationText(row, continuation);
      for (const candidate of candidates[row]) texts.push(this.#join(prefix, continuation, candidate));
    });
    if (texts.length === 0) return new Float32Array(0);

    const toxicity = this.#classifier.predict(texts).toxicity;
    if (!toxicity || toxicity.length !== texts.length) {
      throw new Error(
        `classifier '${this.#classifier.id}' returned ${
          toxicity?.length ?? "no"
        } toxicity scores for ${texts.length} texts; ` +
          "a RAD classifier must return one 'toxicity' probability per text",
      );
    }
    return toxicity;
  }

  /** Decoded text of a row's continuation, extended from the previous step's text when possible. */
  continuationText(row: number, continuation: Int32Array): string {
    const cached = this.#rows[row];
    let text: string;
    if (
      cached && continuation.length === cached.tokens.length + 1 && startsWith(continuation, cached.tokens)
    ) {
      text = this.#join(cached.text, cached.tokens, continuation[continuation.length - 1]);
    } else if (
      cached && continuation.length === cached.tokens.length && startsWith(continuation, cached.tokens)
    ) {
      text = cached.text;
    } else {
      text = this.#tokenizer.decode(continuation);
    }
    this.#rows[row] = { tokens: continuation.slice(), text };
    return text;
  }

  #piece(token: number): string {
    let piece = this.#pieces.get(token);
    if (piece === undefined) {
      piece = this.#tokenizer.decode([token]);
      this.#pieces.set(token, piece);
    }
    return piece;
  }

  #join(prefixText: string, prefixTokens: Int32Array, token: number): string {
    const piece = this.#piece(token);
    if (!prefixText.endsWith(REPLACEMENT_CHARACTER) && !piece.startsWith(REPLACEMENT_CHARACTER)) {
      return prefixText + piece;
    }
    const joined = new Int32Array(prefixTokens.length + 1);
    joined.set(prefixTokens);
    joined[prefixTokens.length] = token;
    return this.#tokenizer.decode(joined);
  }
}

/** True when `tokens` begins with every token of `prefix`. */
export function startsWith(tokens: Int32Array, prefix: Int32Array): boolean {
  if (prefix.length > tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}
