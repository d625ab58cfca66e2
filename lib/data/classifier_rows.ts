/**
 * Training and validation rows for the toxicity classifiers, from the `classifier-train` and
 * `classifier-validation` roles. Explicit rows are Davidson tweets, ParaDetox pairs, RTP halves with
 * Perspective scores as soft targets, and benign snippets of books, speeches and web-like sentences
 * outside the corpus role. ToxiGen statements form the implicit-toxicity rows.
 */

import { loadRtp } from "./datasets/rtp.ts";
import { loadDavidson } from "./datasets/davidson.ts";
import { loadParadetox } from "./datasets/paradetox.ts";
import { loadToxigen } from "./datasets/toxigen.ts";
import { loadGutenberg, loadNlpCorpus, loadSpeeches } from "./datasets/benign.ts";
import { roleIndex, rowsWithRole } from "./role_index.ts";
import { seededSample } from "./shuffle.ts";

/** The two classifier roles. */
export type ClassifierRole = "classifier-train" | "classifier-validation";

/** One labelled text for classifier training or validation. */
export interface ClassifierRow {
  text: string;
  /** Probability of toxic in [0, 1]: 0/1 for hard labels, the Perspective toxicity for RTP halves. */
  label: number;
  /** `davidson`, `paradetox`, `rtp-prompt`, `rtp-continuation`, `benign:<source>` or `toxigen`. */
  source: string;
  /** Other Perspective attributes of RTP halves (severe_toxicity, insult, ...), where scored. */
  attributes?: Record<string, number>;
  /** ToxiGen target group (implicit rows only). */
  group?: string;
  /** Stable id of the source row. */
  rowId: string;
}

/** Longest benign snippet, in characters; longer paragraphs are cut at a word boundary. */
export const BENIGN_SNIPPET_CHARS = 400;

function snippet(text: string): string {
  if (text.length <= BENIGN_SNIPPET_CHARS) return text;
  const cut = text.lastIndexOf(" ", BENIGN_SNIPPET_CHARS);
  return text.slice(0, cut > 0 ? cut : BENIGN_SNIPPET_CHARS);
}

function checkRole(role: string): asserts role is ClassifierRole {
  if (role !== "classifier-train" && role !== "classifier-validation") {
    throw new RangeError(
      `invalid classifier role '${role}'; expected 'classifier-train' or 'classifier-validation'`,
    );
  }
}

/** Explicit-toxicity classifier rows of a role for a split seed, in a seeded random order. */
export async function classifierRows(role: ClassifierRole, seed: number): Promise<ClassifierRow[]> {
  checkRole(role);
  const index = await roleIndex(seed);
  const rows: ClassifierRow[] = [];

  for (const row of rowsWithRole(index, await loadDavidson(), role)) {
    if (row.text !== "") {
      rows.push({
        text: row.text,
        label: row.label === "neither" ? 0 : 1,
        source: "davidson",
        rowId: row.rowId,
      });
    }
  }
  for (const row of rowsWithRole(index, await loadParadetox(), role)) {
    rows.push({ text: row.toxic, label: 1, source: "paradetox", rowId: row.rowId });
    for (const text of row.neutral) rows.push({ text, label: 0, source: "paradetox", rowId: row.rowId });
  }
  for (const row of rowsWithRole(index, await loadRtp(), role)) {
    if (row.promptToxicity !== undefined) {
      const { toxicity: _, ...attributes } = row.promptAttributes;
      rows.push({
        text: row.prompt,
        label: row.promptToxicity,
        source: "rtp-prompt",
        attributes,
        rowId: row.rowId,
      });
    }
    if (row.continuation !== undefined && row.continuationToxicity !== undefined) {
      const { toxicity: _, ...attributes } = row.continuationAttributes;
      rows.push({
        text: row.continuation.trim(),
        label: row.continuationToxicity,
        source: "rtp-continuation",
        attributes,
        rowId: row.rowId,
      });
    }
  }
  const benign = [
    ["gutenberg", await loadGutenberg()],
    ["speeches", await loadSpeeches()],
    ["nlp-corpus", await loadNlpCorpus()],
  ] as const;
  for (const [name, source] of benign) {
    for (const row of rowsWithRole(index, source, role)) {
      rows.push({ text: snippet(row.text), label: 0, source: `benign:${name}`, rowId: row.rowId });
    }
  }
  return seededSample(rows, Infinity, seed, "classifier-rows", role);
}

/**
 * Implicit-toxicity rows: ToxiGen statements (hate 1, neutral 0). Validation holds whole target
 * groups that training never sees.
 */
export async function implicitRows(role: ClassifierRole, seed: number): Promise<ClassifierRow[]> {
  checkRole(role);
  const index = await roleIndex(seed);
  const rows = rowsWithRole(index, await loadToxigen(), role).map((row) => ({
    text: row.text,
    label: row.hate ? 1 : 0,
    source: "toxigen",
    group: row.targetGroup,
    rowId: row.rowId,
  }));
  return seededSample(rows, Infinity, seed, "implicit-rows", role);
}
