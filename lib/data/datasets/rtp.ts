/** RealToxicityPrompts (merged public subsets): prompt and continuation halves with Perspective scores. */

import { readShippedJsonl } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped file, relative to the data root. */
export const RTP_FILE = "rtp/rtp_merged_dedup.jsonl.gz";

/** One RTP sentence split into a prompt and (where known) its original continuation. */
export interface RtpRow {
  /** `rtp:<owt file>:<begin>-<end>`, the RTP key of the sentence. */
  rowId: string;
  prompt: string;
  continuation?: string;
  /** Perspective toxicity of the prompt; undefined where the release has no score. */
  promptToxicity?: number;
  continuationToxicity?: number;
  /** Every Perspective attribute of the prompt that has a score (toxicity included). */
  promptAttributes: Record<string, number>;
  continuationAttributes: Record<string, number>;
  challenging: boolean;
}

interface RawHalf {
  text: string;
  [attribute: string]: number | string | null;
}

interface RawRtp {
  filename: string;
  begin: number;
  end: number;
  challenging: boolean;
  prompt: RawHalf;
  continuation: RawHalf | null;
}

function attributes(half: RawHalf | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!half) return out;
  for (const [key, value] of Object.entries(half)) {
    if (key !== "text" && typeof value === "number") out[key] = value;
  }
  return out;
}

/** Load the 19,501 RTP rows (9,253 with a continuation), verified against the checksum manifest. */
export const loadRtp: () => Promise<RtpRow[]> = memoize(async () => {
  const raw = await readShippedJsonl<RawRtp>(RTP_FILE);
  return raw.map((row) => {
    const promptAttributes = attributes(row.prompt);
    const continuationAttributes = attributes(row.continuation);
    return {
      rowId: `rtp:${row.filename}:${row.begin}-${row.end}`,
      prompt: row.prompt.text,
      continuation: row.continuation?.text ?? undefined,
      promptToxicity: promptAttributes.toxicity,
      continuationToxicity: continuationAttributes.toxicity,
      promptAttributes,
      continuationAttributes,
      challenging: row.challenging === true,
    };
  });
});
