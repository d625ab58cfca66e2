/** Small stand-ins shared by the baselines tests: a byte-level tokenizer and a word-list classifier. */

import type { Tokenizer } from "../../lib/data/types.ts";
import type { ToxicityClassifier } from "../../lib/evaluate/types.ts";
import type { ModelConfig } from "../../lib/model/types.ts";

/** One token per UTF-8 byte, plus end-of-text (256) and padding (257). */
export class ByteTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly vocabSize = 258;
  readonly eotId = 256;
  readonly padId = 257;

  encode(text: string): Int32Array {
    return Int32Array.from(new TextEncoder().encode(text));
  }

  decode(ids: ArrayLike<number>): string {
    const bytes = Array.from(ids).filter((id) => id < 256);
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  tokenText(id: number): string {
    if (id < 256) return `<${id}>`;
    return id === this.eotId ? "<eot>" : "<pad>";
  }
}

/** Scores 0.9 for texts containing any listed word and 0.1 otherwise; records every call. */
export class WordListClassifier implements ToxicityClassifier {
  readonly id = "word-list";
  readonly attributes = ["toxicity"];
  readonly calls: string[][] = [];

  constructor(readonly words: string[]) {}

  predict(texts: string[]): Record<string, Float32Array> {
    this.calls.push(texts);
    return {
      toxicity: Float32Array.from(
        texts,
        (text) => (this.words.some((word) => text.includes(word)) ? 0.9 : 0.1),
      ),
    };
  }
}

/** A one-layer GPT over the byte vocabulary, small enough for many test runs on a CPU. */
export const TINY_CONFIG: ModelConfig = {
  d_model: 32,
  n_layers: 1,
  n_heads: 2,
  d_ff: 64,
  context: 48,
  positions: "learned",
  parallel_residual: false,
  tie_embeddings: true,
  vocab_size: 258,
};
