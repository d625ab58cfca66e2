/**
 * The final role of every shipped row after duplicate removal. Rows are visited from the highest
 * role precedence down. A row is dropped when the normalised form of any of its texts was already
 * claimed by another row, so duplicate rows cannot carry one text into two roles.
 */

import { loadRtp } from "./datasets/rtp.ts";
import { loadDavidson } from "./datasets/davidson.ts";
import { loadParadetox } from "./datasets/paradetox.ts";
import { loadHhRlhf } from "./datasets/hh_rlhf.ts";
import { loadToxigen } from "./datasets/toxigen.ts";
import { loadBold } from "./datasets/bold.ts";
import { loadLambada } from "./datasets/lambada.ts";
import { loadGutenberg, loadNlpCorpus, loadSpeeches } from "./datasets/benign.ts";
import { normalizeText } from "./normalize.ts";
import { assignRole, type Role, ROLE_PRECEDENCE, type RoleSource, toxigenValidationGroups } from "./roles.ts";

/** A row as seen by role assignment: its id and every text it contributes wherever it is used. */
export interface RoleEntry {
  source: RoleSource;
  rowId: string;
  units: string[];
}

/** Final roles of all shipped rows for one split seed. */
export interface RoleIndex {
  readonly seed: number;
  /** Role of a row, or undefined when it was dropped as a duplicate (or is unknown). */
  roleOf(rowId: string): Role | undefined;
  /** Every entry with its final role (dropped duplicates excluded), for audits and tests. */
  entries(): Array<RoleEntry & { role: Role }>;
  /** Rows dropped because their text was claimed by another row. */
  readonly dropped: number;
}

/** Collect the role entries of every shipped source, each with its role before duplicate removal. */
export async function collectRoleEntries(seed: number): Promise<Array<RoleEntry & { role: Role }>> {
  const out: Array<RoleEntry & { role: Role }> = [];
  const add = (source: RoleSource, rowId: string, units: string[], role = assignRole(source, rowId, seed)) =>
    out.push({ source, rowId, units, role });

  for (const row of await loadRtp()) {
    if (row.continuation === undefined) add("rtp-prompt-only", row.rowId, [row.prompt]);
    else add("rtp", row.rowId, [row.prompt, row.continuation]);
  }
  for (const row of await loadDavidson()) add("davidson", row.rowId, [row.text]);
  for (const row of await loadParadetox()) add("paradetox", row.rowId, [row.toxic, ...row.neutral]);
  for (const row of await loadHhRlhf()) {
    add("hh-rlhf", row.rowId, [row.firstHumanTurn, row.chosenAnswer, row.rejectedAnswer]);
  }
  const toxigen = await loadToxigen();
  const heldOut = toxigenValidationGroups(toxigen.map((row) => row.targetGroup), seed);
  for (const row of toxigen) {
    const role = assignRole("toxigen", row.rowId, seed);
    const split: Role = role === "classifier-train" && heldOut.has(row.targetGroup)
      ? "classifier-validation"
      : role;
    add("toxigen", row.rowId, [row.text], split);
  }
  for (const row of await loadBold()) add("bold", row.rowId, [row.prompt]);
  for (const row of await loadLambada()) add("lambada", row.rowId, [row.text]);
  for (const row of await loadGutenberg()) add("gutenberg", row.rowId, [row.text]);
  for (const row of await loadSpeeches()) add("speeches", row.rowId, [row.text]);
  for (const row of await loadNlpCorpus()) add("nlp-corpus", row.rowId, [row.text]);
  return out;
}

function buildIndex(seed: number, entries: Array<RoleEntry & { role: Role }>): RoleIndex {
  const rank = new Map(ROLE_PRECEDENCE.map((role, index) => [role, index]));
  const order = entries.map((_, index) => index);
  order.sort((a, b) => rank.get(entries[a].role)! - rank.get(entries[b].role)! || a - b);

  const claimedBy = new Map<string, string>();
  const roles = new Map<string, Role>();
  const kept: Array<RoleEntry & { role: Role }> = [];
  let dropped = 0;
  for (const index of order) {
    const entry = entries[index];
    const keys = entry.units.map(normalizeText);
    if (keys.some((key) => claimedBy.has(key) && claimedBy.get(key) !== entry.rowId)) {
      dropped += 1;
      continue;
    }
    for (const key of keys) claimedBy.set(key, entry.rowId);
    roles.set(entry.rowId, entry.role);
    kept.push(entry);
  }
  return { seed, roleOf: (rowId) => roles.get(rowId), entries: () => kept, dropped };
}

const cache = new Map<number, Promise<RoleIndex>>();

/** Role index of all shipped rows for a split seed (computed once per process and seed). */
export function roleIndex(seed: number): Promise<RoleIndex> {
  let pending = cache.get(seed);
  if (!pending) {
    pending = collectRoleEntries(seed).then((entries) => buildIndex(seed, entries));
    cache.set(seed, pending);
    pending.catch(() => cache.delete(seed));
  }
  return pending;
}

/** Keep the rows whose final role is `role`. */
export function rowsWithRole<T extends { rowId: string }>(index: RoleIndex, rows: T[], role: Role): T[] {
  return rows.filter((row) => index.roleOf(row.rowId) === role);
}
