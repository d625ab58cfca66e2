/**
 * Deterministic, hash-based assignment of every labelled source row to one role, so corpus
 * injection, classifier training and validation, influence queries, evaluation prompts and DPO
 * pairs never share a row. A row's role depends only on (source, row id, split seed).
 */

import { fnv1a32 } from "../util/hash.ts";

/** Purpose a source row is reserved for. */
export type Role =
  | "corpus"
  | "classifier-train"
  | "classifier-validation"
  | "queries"
  | "eval-prompts"
  | "dpo";

/** Every role, ordered from the highest claim on a duplicated text to the lowest. */
export const ROLE_PRECEDENCE: readonly Role[] = [
  "eval-prompts",
  "queries",
  "classifier-validation",
  "classifier-train",
  "dpo",
  "corpus",
];

/** Sources that take part in role assignment. */
export type RoleSource =
  | "rtp"
  | "rtp-prompt-only"
  | "davidson"
  | "paradetox"
  | "hh-rlhf"
  | "toxigen"
  | "bold"
  | "lambada"
  | "gutenberg"
  | "speeches"
  | "nlp-corpus";

/** Share of rows given to each role, per source; shares of one source sum to 1. */
export type RoleTable = Partial<Record<Role, number>>;

/**
 * Role shares per source. RTP rows with a continuation feed the corpus, the queries and the
 * classifiers. Prompt-only RTP rows cannot be queries or corpus text, so the evaluation prompts come
 * from them. ToxiGen rows marked `classifier-train` are split further by target group (see
 * `toxigenValidationGroups`).
 *
 * The RTP shares follow what each role needs from the 9,253 shipped rows with a continuation. The
 * queries share of 15% contains about 520 toxic and 640 non-toxic pairs, and the default experiment
 * requests 400 of each. The corpus takes 45%, the last slice of the cumulative order, so moving the
 * other shares leaves its rows where they are. The remaining 40% goes to the explicit classifier,
 * because its held-out AUROC on continuations (its hardest source) rises with the number of training
 * continuations, and also with the number of training prompts. For that reason 55% of the prompt-only
 * rows train the classifier too, while their 30% evaluation share still gives about 1,400 toxic and
 * 1,600 non-toxic evaluation prompts (the default experiment requests 200 of each).
 */
export const ROLE_TABLES: Readonly<Record<RoleSource, Readonly<RoleTable>>> = {
  "rtp": {
    "corpus": 0.45,
    "queries": 0.15,
    "classifier-train": 0.3,
    "classifier-validation": 0.1,
  },
  "rtp-prompt-only": { "eval-prompts": 0.3, "classifier-train": 0.55, "classifier-validation": 0.15 },
  "davidson": { "corpus": 0.5, "classifier-train": 0.35, "classifier-validation": 0.15 },
  "paradetox": { "dpo": 0.4, "classifier-train": 0.45, "classifier-validation": 0.15 },
  "hh-rlhf": { "dpo": 0.6, "eval-prompts": 0.4 },
  "toxigen": { "eval-prompts": 0.5, "classifier-train": 0.5 },
  "bold": { "eval-prompts": 1 },
  "lambada": { "eval-prompts": 1 },
  "gutenberg": { "corpus": 0.9, "classifier-train": 0.07, "classifier-validation": 0.03 },
  "speeches": { "corpus": 0.9, "classifier-train": 0.07, "classifier-validation": 0.03 },
  "nlp-corpus": { "corpus": 0.9, "classifier-train": 0.07, "classifier-validation": 0.03 },
};

const UINT32_RANGE = 4294967296;

/** Uniform value in [0, 1) from a seeded 32-bit hash of a key. */
export function hashUnit(key: string, seed: number, salt = ""): number {
  // FNV-1a over short keys mixes the final characters poorly; a second pass with the hash as seed
  // spreads them over the whole range.
  const first = fnv1a32(`${salt}\u0000${key}`, seed >>> 0);
  return fnv1a32(key, first) / UINT32_RANGE;
}

/** Pick the role of a row by a seeded hash of its id, in proportion to the source's role shares. */
export function assignRole(source: RoleSource, rowId: string, seed: number): Role {
  const table = ROLE_TABLES[source];
  if (!table) {
    throw new RangeError(
      `unknown role source '${source}'; expected one of ${Object.keys(ROLE_TABLES).join(", ")}`,
    );
  }
  const u = hashUnit(rowId, seed, `role:${source}`);
  let cumulative = 0;
  let last: Role = "corpus";
  for (const role of ROLE_PRECEDENCE) {
    const share = table[role] ?? 0;
    if (share <= 0) continue;
    cumulative += share;
    last = role;
    if (u < cumulative) return role;
  }
  return last;
}

/** Number of ToxiGen target groups held out for classifier validation. */
export const TOXIGEN_VALIDATION_GROUPS = 4;

/**
 * Target groups whose ToxiGen classifier rows go to validation (so implicit-toxicity validation
 * measures transfer to unseen groups): the `TOXIGEN_VALIDATION_GROUPS` groups with the smallest
 * seeded hash.
 */
export function toxigenValidationGroups(groups: Iterable<string>, seed: number): Set<string> {
  const sorted = [...new Set(groups)].sort((a, b) =>
    hashUnit(a, seed, "toxigen-group") - hashUnit(b, seed, "toxigen-group")
  );
  return new Set(sorted.slice(0, TOXIGEN_VALIDATION_GROUPS));
}
