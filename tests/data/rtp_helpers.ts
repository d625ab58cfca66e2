/** Fixtures of the user RTP file tests: the synthetic RTP-schema files and a spec naming one. */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RtpFileSpec } from "../../lib/spec/types.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

/** 120 synthetic rows in the nested layout of the RTP release (row 5: null prompt score; row 7: no continuation). */
export const RTP_JSONL = resolve(HERE, "../fixtures/rtp/prompts.jsonl");
/** The same rows with flattened column names such as `prompt.text`. */
export const RTP_CSV = resolve(HERE, "../fixtures/rtp/prompts_flat.csv");

/** A `data.rtp` value with the schema defaults; evaluation shares are raised so the small fixture fills both roles. */
export function rtpSpec(path: string, fields: Partial<RtpFileSpec> = {}): RtpFileSpec {
  return {
    path,
    prompt_text: "prompt.text",
    prompt_toxicity: "prompt.toxicity",
    continuation_text: "continuation.text",
    continuation_toxicity: "continuation.toxicity",
    eval_share: { toxic: 0.5, nontoxic: 0.4 },
    ...fields,
  };
}
