/** Fingerprints of the data a plan reads, so cache keys change when shipped or user data change. */

import type { DataSpec } from "../spec/types.ts";
import { sha256File, sha256Hex } from "../util/hash.ts";
import { dataRoot } from "./shipped.ts";

/** Version of the `nlp-corpus` npm package in the import map. */
export const NLP_CORPUS_VERSION = "4.4.0";

/** SHA-256 over the shipped checksum manifest and the nlp-corpus package version. */
export async function shippedDataFingerprint(): Promise<string> {
  const manifest = await Deno.readTextFile(`${dataRoot()}/CHECKSUMS.json`);
  return sha256Hex(`${manifest}\nnlp-corpus@${NLP_CORPUS_VERSION}`);
}

/** SHA-256 of every user file named by `data.sources`, keyed by source name. */
export async function userFileFingerprints(data: DataSpec): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const source of data.sources) {
    if (source.dataset === "file" && source.path) out[source.name] = await sha256File(source.path);
  }
  return out;
}
