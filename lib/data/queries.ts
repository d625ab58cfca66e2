/**
 * Influence query sets: toxic and non-toxic RealToxicityPrompts prompt+continuation pairs from the
 * `queries` role, labelled by the continuation (and prompt) toxicity thresholds of the spec.
 */

import type { QuerySpec } from "../spec/types.ts";
import type { PromptRow, QuerySets } from "./types.ts";
import { loadRtp, type RtpRow } from "./datasets/rtp.ts";
import { roleIndex } from "./role_index.ts";
import { rtpFileRoles, type RtpSourceOptions } from "./rtp_file_roles.ts";
import { seededSample } from "./shuffle.ts";

/** True when a row is a toxic query under the rule: continuation toxicity >= `toxic_min`. */
export function isToxicQuery(row: RtpRow, rule: QuerySpec): boolean {
  return row.continuationToxicity !== undefined && row.continuationToxicity >= rule.toxic_min;
}

/** True when both halves are scored and below `nontoxic_max`. */
export function isNontoxicQuery(row: RtpRow, rule: QuerySpec): boolean {
  return row.continuationToxicity !== undefined && row.promptToxicity !== undefined &&
    row.continuationToxicity < rule.nontoxic_max && row.promptToxicity < rule.nontoxic_max;
}

/** Convert an RTP row to a prompt row with both halves and their scores; absent values are left out. */
export function rtpPromptRow(row: RtpRow, group?: string, withContinuation = true): PromptRow {
  const out: PromptRow = { id: row.rowId, prompt: row.prompt };
  if (withContinuation && row.continuation !== undefined) out.continuation = row.continuation;
  if (row.promptToxicity !== undefined) out.promptToxicity = row.promptToxicity;
  if (row.continuationToxicity !== undefined) out.continuationToxicity = row.continuationToxicity;
  if (group !== undefined) out.group = group;
  return out;
}

/** RTP rows with a continuation whose role is `queries`: from the user file when one is named. */
async function queryCandidates(seed: number, source: RtpSourceOptions): Promise<RtpRow[]> {
  if (source.file) return (await rtpFileRoles(source.file, seed, source)).queries;
  const index = await roleIndex(seed);
  return (await loadRtp()).filter((row) =>
    row.continuation !== undefined && index.roleOf(row.rowId) === "queries"
  );
}

/**
 * Build the query sets for a split seed, from the shipped RTP subsets or from a user RTP file. Throws
 * when the `queries` role contains fewer rows of a kind than the spec requests.
 */
export async function buildQuerySets(
  rule: QuerySpec,
  seed: number,
  source: RtpSourceOptions = {},
): Promise<QuerySets> {
  if (!(rule.toxic_min >= rule.nontoxic_max)) {
    throw new RangeError(
      `invalid query rule: toxic_min ${rule.toxic_min} is below nontoxic_max ${rule.nontoxic_max}, so a pair could be both`,
    );
  }
  const rows = await queryCandidates(seed, source);
  const origin = source.file ? `RTP pairs of ${source.file.path}` : "RTP pairs";
  const toxic = rows.filter((row) => isToxicQuery(row, rule));
  const nontoxic = rows.filter((row) => isNontoxicQuery(row, rule));
  for (
    const [kind, available, wanted] of [["toxic", toxic.length, rule.toxic], [
      "nontoxic",
      nontoxic.length,
      rule.nontoxic,
    ]] as const
  ) {
    if (wanted > available) {
      throw new RangeError(
        `influence.queries.${kind} is ${wanted}, but the queries role contains only ${available} ${kind} ${origin} ` +
          `under this rule; lower it to at most ${available}`,
      );
    }
  }
  return {
    toxic: seededSample(toxic, rule.toxic, seed, "queries", "toxic").map((row) => rtpPromptRow(row, "toxic")),
    nontoxic: seededSample(nontoxic, rule.nontoxic, seed, "queries", "nontoxic").map((row) =>
      rtpPromptRow(row, "nontoxic")
    ),
  };
}
