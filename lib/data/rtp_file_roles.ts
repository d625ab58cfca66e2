/**
 * Role split of a user's RealToxicityPrompts file into influence-query candidates and evaluation
 * prompts. A row's role comes from a seeded hash of its normalised prompt text, compared with the
 * evaluation share of its prompt-toxicity class. So rows with the same prompt share a role, and the
 * split depends neither on row order nor on the requested set sizes. No row of the file enters the corpus.
 *
 * A row is dropped in three cases. First, a text of it (normalised) is also a text of a shipped row
 * with another role: corpus, classifier training or validation, DPO, or another role's prompt.
 * Second, it is a query that shares a text with an evaluation prompt of the file. Third, it repeats
 * a prompt already kept in its role. So queries, evaluation prompts, the corpus and the classifiers
 * share no text.
 */

import type { RtpFileSpec } from "../spec/types.ts";
import type { RtpRow } from "./datasets/rtp.ts";
import { normalizeText } from "./normalize.ts";
import { roleIndex } from "./role_index.ts";
import { hashUnit, type Role } from "./roles.ts";
import { readRtpFile } from "./user/rtp_file.ts";
import { fnv1a32 } from "../util/hash.ts";

/** Prompt toxicity at or above which an RTP prompt counts as toxic (evaluation sets and shares). */
export const RTP_TOXIC_PROMPT_MIN = 0.5;

/** Salt of the role hash of user RTP rows. */
const ROLE_SALT = "rtp-file";
/** Rows read between checks of the abort signal. */
const SIGNAL_EVERY = 4096;

/** Source of the RTP rows for the query and prompt builders, with the stage's signal and log. */
export interface RtpSourceOptions {
  /** The user RTP file; absent means the shipped RTP subsets. */
  file?: RtpFileSpec;
  signal?: AbortSignal;
  /** Receives one line with the row counts of the file. */
  log?: (line: string) => void;
}

/** The rows of a user RTP file by role, with counts for the log. */
export interface RtpFileRoles {
  /** Rows with a continuation whose role is `queries`. */
  queries: RtpRow[];
  /** Rows with a scored prompt whose role is `eval-prompts`. */
  evalPrompts: RtpRow[];
  /** Rows read from the file. */
  rows: number;
  /** Rows dropped because a text of theirs has another role or repeats a kept prompt. */
  dropped: number;
}

/** Compact key of a normalised text: two seeded 32-bit hashes (collisions are negligible at RTP scale). */
function textKey(text: string): string {
  const normalized = normalizeText(text);
  return `${fnv1a32(normalized, 0x9e3779b9).toString(36)}.${fnv1a32(normalized, 0x85ebca6b).toString(36)}`;
}

/** Role of a user RTP row: `eval-prompts` for a hashed share of scored prompts, else `queries`. */
export function rtpFileRole(row: RtpRow, spec: RtpFileSpec, seed: number): Role {
  if (row.promptToxicity === undefined) return "queries";
  const share = row.promptToxicity >= RTP_TOXIC_PROMPT_MIN ? spec.eval_share.toxic : spec.eval_share.nontoxic;
  return hashUnit(normalizeText(row.prompt), seed, ROLE_SALT) < share ? "eval-prompts" : "queries";
}

/**
 * Texts of shipped rows mapped to their role, for the roles that stay in use when a user RTP file
 * replaces the shipped RTP queries and evaluation prompts.
 */
async function shippedClaims(seed: number): Promise<Map<string, Role>> {
  const claims = new Map<string, Role>();
  for (const entry of (await roleIndex(seed)).entries()) {
    const replaced = (entry.source === "rtp" || entry.source === "rtp-prompt-only") &&
      (entry.role === "queries" || entry.role === "eval-prompts");
    if (replaced) continue;
    for (const unit of entry.units) {
      const key = textKey(unit);
      if (!claims.has(key)) claims.set(key, entry.role);
    }
  }
  return claims;
}

/**
 * Read a user RTP file and split its rows into query candidates and evaluation prompts for a split
 * seed. Throws `UserDataError` for a malformed file.
 */
export async function rtpFileRoles(
  spec: RtpFileSpec,
  seed: number,
  options: Omit<RtpSourceOptions, "file"> = {},
): Promise<RtpFileRoles> {
  const { signal, log } = options;
  const claims = await shippedClaims(seed);
  const candidates: Record<"queries" | "eval-prompts", Array<{ row: RtpRow; keys: string[] }>> = {
    "queries": [],
    "eval-prompts": [],
  };
  let rows = 0;
  let dropped = 0;
  for await (const row of readRtpFile(spec)) {
    rows += 1;
    if (rows % SIGNAL_EVERY === 0) signal?.throwIfAborted();
    const role = rtpFileRole(row, spec, seed);
    const keys = [row.prompt, ...(row.continuation === undefined ? [] : [row.continuation])].map(textKey);
    const usable = role === "queries" ? row.continuation !== undefined : row.promptToxicity !== undefined;
    if (!usable || keys.some((key) => claims.has(key) && claims.get(key) !== role)) {
      dropped += 1;
      continue;
    }
    candidates[role as "queries" | "eval-prompts"].push({ row, keys });
  }

  // Evaluation prompts claim their texts first; a query that shares one is dropped.
  const evalTexts = new Set<string>();
  const evalPrompts: RtpRow[] = [];
  const evalSeen = new Set<string>();
  for (const { row, keys } of candidates["eval-prompts"]) {
    if (evalSeen.has(keys[0])) {
      dropped += 1;
      continue;
    }
    evalSeen.add(keys[0]);
    for (const key of keys) evalTexts.add(key);
    evalPrompts.push(row);
  }
  const queries: RtpRow[] = [];
  const querySeen = new Set<string>();
  for (const { row, keys } of candidates.queries) {
    if (querySeen.has(keys[0]) || keys.some((key) => evalTexts.has(key))) {
      dropped += 1;
      continue;
    }
    querySeen.add(keys[0]);
    queries.push(row);
  }
  log?.(
    `RTP file ${spec.path}: ${rows} rows, ${queries.length} query candidates, ${evalPrompts.length} ` +
      `evaluation prompts, ${dropped} dropped (unusable, repeated, or sharing a text with another role)`,
  );
  return { queries, evalPrompts, rows, dropped };
}
