/** Save and load tokenizers as the `tokenizer.json` artifact. */

import type { Tokenizer } from "../types.ts";
import { BpeTokenizer, type BpeTokenizerJson } from "./bpe.ts";
import { loadGpt2Tokenizer } from "./gpt2.ts";
import { readJson, writeJsonAtomic } from "../../util/atomic.ts";

/** File name of the tokenizer artifact. */
export const TOKENIZER_FILE = "tokenizer.json";

/** Write a tokenizer: the merges for BPE, a reference to the packaged ranks for GPT-2. */
export function saveTokenizer(path: string, tokenizer: Tokenizer): Promise<void> {
  if (tokenizer instanceof BpeTokenizer) return writeJsonAtomic(path, tokenizer.toJSON());
  if (tokenizer.kind === "gpt2") {
    return writeJsonAtomic(path, { format: "ifguide-gpt2", version: 1, package: "gpt-tokenizer/r50k_base" });
  }
  throw new TypeError(`cannot save tokenizer of kind '${tokenizer.kind}'; expected a trained BPE or GPT-2`);
}

/** Load a tokenizer saved by `saveTokenizer`. */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  const json = await readJson<{ format?: string }>(path);
  if (json.format === "ifguide-gpt2") return loadGpt2Tokenizer();
  if (json.format === "ifguide-bpe") return BpeTokenizer.fromJSON(json as BpeTokenizerJson);
  throw new TypeError(
    `invalid tokenizer file ${path}: format '${json.format}' is neither 'ifguide-bpe' nor 'ifguide-gpt2'`,
  );
}
