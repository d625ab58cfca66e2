/** Fingerprints of the data a plan reads, so cache keys change when shipped or user data change. */

import { createHash } from "node:crypto";
import type { DataSpec } from "../spec/types.ts";
import { canonicalJson, sha256File, sha256Hex } from "../util/hash.ts";
import { ROLE_PRECEDENCE, ROLE_TABLES, TOXIGEN_VALIDATION_GROUPS } from "./roles.ts";
import { dataRoot } from "./shipped.ts";

/** Version of the `nlp-corpus` npm package in the import map. */
export const NLP_CORPUS_VERSION = "4.4.0";

/**
 * SHA-256 over the shipped checksum manifest, the nlp-corpus package version and the role tables,
 * so a change to any of them changes the cache keys of stages that read shipped rows.
 */
export async function shippedDataFingerprint(): Promise<string> {
  const manifest = await Deno.readTextFile(`${dataRoot()}/CHECKSUMS.json`);
  const roles = canonicalJson({
    tables: ROLE_TABLES,
    precedence: ROLE_PRECEDENCE,
    toxigen: TOXIGEN_VALIDATION_GROUPS,
  });
  return sha256Hex(`${manifest}\nnlp-corpus@${NLP_CORPUS_VERSION}\n${roles}`);
}

/** SHA-256 of every user file named by `data.sources`, keyed by source name. */
export async function userFileFingerprints(data: DataSpec): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const source of data.sources) {
    if (source.dataset === "file" && source.path) out[source.name] = await sha256File(source.path);
  }
  return out;
}

/** Fingerprint name of the user RTP file in stage keys. */
export const RTP_FILE_FINGERPRINT = "rtp-file";

/**
 * SHA-256 of the user RTP file named by `data.rtp`, read in chunks, as `{ "rtp-file": hex }`; an
 * empty record when the spec names none. Throws when the file cannot be read.
 */
export async function rtpFileFingerprint(data: DataSpec): Promise<Record<string, string>> {
  if (!data.rtp) return {};
  const hash = createHash("sha256");
  const file = await Deno.open(data.rtp.path);
  // The readable stream closes the file when it ends or fails.
  for await (const chunk of file.readable) hash.update(chunk);
  return { [RTP_FILE_FINGERPRINT]: hash.digest("hex") };
}
