/**
 * The GPT-2 tokenizer (r50k_base ranks shipped inside the `gpt-tokenizer` npm package), loaded on
 * first use because the ranks take tens of megabytes. GPT-2 has no padding token, so padding uses the
 * end-of-text id, as is usual for GPT-2.
 */

import type { Tokenizer } from "../types.ts";

/** GPT-2 vocabulary size (50,000 merges, 256 bytes, one end-of-text token). */
export const GPT2_VOCAB_SIZE = 50257;
/** GPT-2 end-of-text id. */
export const GPT2_EOT_ID = 50256;

let pending: Promise<Tokenizer> | undefined;

/** Load the GPT-2 tokenizer (once per process). */
export function loadGpt2Tokenizer(): Promise<Tokenizer> {
  pending ??= (async () => {
    const gpt2 = await import("gpt-tokenizer/encoding/r50k_base");
    const tokenizer: Tokenizer = {
      kind: "gpt2",
      vocabSize: GPT2_VOCAB_SIZE,
      eotId: GPT2_EOT_ID,
      padId: GPT2_EOT_ID,
      // Special-token text is treated as plain text, matching the BPE tokenizer.
      encode: (text) => Int32Array.from(gpt2.encode(text, { disallowedSpecial: new Set() })),
      decode: (ids) => gpt2.decode(Array.from(ids)),
      // NOTE: the package decodes a token that contains part of a UTF-8 character to U+FFFD, because it
      // does not expose token bytes; the BPE tokenizer shows such bytes as \xNN instead.
      tokenText: (id) => gpt2.decode([id]),
    };
    return tokenizer;
  })();
  pending.catch(() => (pending = undefined));
  return pending;
}
