/**
 * Candidate corpus documents from the declared sources: books and speeches cut into passages,
 * web-like sentences and toxic rows grouped into documents, user files read by column. Only rows in
 * the `corpus` role are used. Each class (toxic, benign) is sized by characters with some oversupply,
 * so that the corpus builder can then trim it to the exact token share. The pool is returned in a
 * seeded random order.
 */

import type { CorpusSourceSpec, DataSpec } from "../spec/types.ts";
import { Rng } from "../util/rng.ts";
import { CORPUS_DATASETS } from "./dataset_ids.ts";
import { type BenignRow, loadGutenberg, loadNlpCorpus, loadSpeeches } from "./datasets/benign.ts";
import { loadDavidson } from "./datasets/davidson.ts";
import { loadRtp } from "./datasets/rtp.ts";
import { cutPassages, groupRows, passageSpans } from "./passages.ts";
import { type RoleIndex, roleIndex, rowsWithRole } from "./role_index.ts";
import { readUserTexts, type UserRow } from "./user/read.ts";

/** Continuation toxicity at or above which an RTP row is toxic for source filters. */
export const RTP_TOXIC_MIN = 0.5;

/** Characters per token assumed before the tokenizer exists (a high guess, so classes are oversupplied). */
export const CHARS_PER_TOKEN_GUESS = 4;
/** Extra supply over the character budget of each class, so the exact token trim rarely runs short. */
export const OVERSUPPLY = 1.25;

/** Shipped dataset ids that can feed the corpus. */
export { CORPUS_DATASETS } from "./dataset_ids.ts";

/** One candidate document. */
export interface CandidateDocument {
  /** Name of the source entry in the spec. */
  source: string;
  toxic: boolean;
  /** Stable ids of the rows joined into this document, in order. */
  rowIds: string[];
  text: string;
}

/** Per-source counts of the candidate pool. */
export interface SourceCounts {
  rows: number;
  documents: number;
  chars: number;
  /** Documents and characters kept after the character budget of the class. */
  keptDocuments: number;
  keptChars: number;
}

/**
 * Candidate documents in seeded random order, with counts for the stats.
 * NOTE: the pool and the user files it reads are held in memory, so their size is limited by RAM;
 * only the corpus builder after it streams.
 */
export interface DocumentPool {
  documents: CandidateDocument[];
  sources: Record<string, SourceCounts>;
  /** Character budgets of the two classes. */
  budgetChars: { toxic: number; benign: number };
}

interface SourceText {
  rowId: string;
  text: string;
}

function requireFilter(source: CorpusSourceSpec, allowed: boolean): void {
  if (!allowed && source.filter !== undefined && source.filter !== "all") {
    throw new RangeError(
      `data source '${source.name}': filter '${source.filter}' needs a labelled dataset, but '${source.dataset}' has no ` +
        `toxicity labels; remove the filter`,
    );
  }
}

function sampleRows<T>(rows: T[], maxRows: number, seed: number, name: string, keepOrder: boolean): T[] {
  if (maxRows <= 0 || rows.length <= maxRows) return rows;
  const indices = Rng.derive(seed, "max-rows", name).shuffle(rows.map((_, i) => i)).slice(0, maxRows);
  if (keepOrder) indices.sort((a, b) => a - b);
  return indices.map((i) => rows[i]);
}

interface SourceDocument {
  rowIds: string[];
  text: string;
}

/** Passages of consecutive paragraphs of the same work, each with the ids of the rows it uses. */
function passagesOf(rows: BenignRow[], passageChars: number): SourceDocument[] {
  const out: SourceDocument[] = [];
  let start = 0;
  while (start < rows.length) {
    let end = start;
    while (end < rows.length && rows[end].work === rows[start].work) end++;
    const work = rows.slice(start, end);
    for (const span of passageSpans(work.map((row) => row.text), passageChars)) {
      out.push({ rowIds: span.paragraphs.map((index) => work[index].rowId), text: span.text });
    }
    start = end;
  }
  return out;
}

function joinGroup(group: SourceText[], separator: string): SourceDocument {
  return { rowIds: group.map((row) => row.rowId), text: group.map((row) => row.text).join(separator) };
}

function joinPassages(group: SourceDocument[]): SourceDocument {
  return { rowIds: group.flatMap((doc) => doc.rowIds), text: group.map((doc) => doc.text).join("\n\n") };
}

/** Build the documents of one source (before the class budget). */
export async function sourceDocuments(
  source: CorpusSourceSpec,
  roles: () => Promise<RoleIndex>,
  seed: number,
  /** Rows of a user file already read (and validated) by the caller. */
  userRows?: UserRow[],
): Promise<{ rows: number; documents: SourceDocument[] }> {
  const order = (rows: SourceText[]) => Rng.derive(seed, "source-order", source.name).shuffle(rows);

  switch (source.dataset) {
    case "gutenberg":
    case "us_speeches": {
      requireFilter(source, false);
      const loaded = source.dataset === "gutenberg" ? await loadGutenberg() : await loadSpeeches();
      const rows = sampleRows(
        rowsWithRole(await roles(), loaded, "corpus"),
        source.max_rows,
        seed,
        source.name,
        true,
      );
      const passages = passagesOf(rows, source.passage_chars);
      const documents = groupRows(passages, source.group).map(joinPassages);
      return { rows: rows.length, documents };
    }
    case "nlp_corpus": {
      requireFilter(source, false);
      const rows = sampleRows(
        rowsWithRole(await roles(), await loadNlpCorpus(), "corpus"),
        source.max_rows,
        seed,
        source.name,
        true,
      );
      return {
        rows: rows.length,
        documents: groupRows(rows, source.group).map((group) => joinGroup(group, " ")),
      };
    }
    case "rtp": {
      const filter = source.filter ?? "all";
      const rows = rowsWithRole(await roles(), await loadRtp(), "corpus").filter((row) => {
        if (row.continuation === undefined || row.continuationToxicity === undefined) return false;
        if (filter === "toxic") return row.continuationToxicity >= RTP_TOXIC_MIN;
        if (filter === "nontoxic") {
          return row.continuationToxicity < RTP_TOXIC_MIN && row.promptToxicity !== undefined &&
            row.promptToxicity < RTP_TOXIC_MIN;
        }
        return true;
      }).map((row) => ({ rowId: row.rowId, text: row.prompt + row.continuation }));
      const sampled = order(sampleRows(rows, source.max_rows, seed, source.name, false));
      return {
        rows: sampled.length,
        documents: groupRows(sampled, source.group).map((group) => joinGroup(group, "\n")),
      };
    }
    case "davidson": {
      const filter = source.filter ?? "all";
      const rows = rowsWithRole(await roles(), await loadDavidson(), "corpus")
        .filter((row) => row.text !== "")
        .filter((row) => filter === "all" || (filter === "toxic") === (row.label !== "neither"))
        .map((row) => ({ rowId: row.rowId, text: row.text }));
      const sampled = order(sampleRows(rows, source.max_rows, seed, source.name, false));
      return {
        rows: sampled.length,
        documents: groupRows(sampled, source.group).map((group) => joinGroup(group, "\n")),
      };
    }
    case "file": {
      requireFilter(source, false);
      if (!source.path) {
        throw new RangeError(`data source '${source.name}' has dataset 'file' but no path; set path`);
      }
      const rows = sampleRows(
        userRows ?? await readUserTexts(source.path, source.text_column),
        source.max_rows,
        seed,
        source.name,
        true,
      );
      const pieces = source.passage_chars > 0
        ? rows.flatMap((row) =>
          cutPassages(row.text.split(/\n[ \t]*\n/), source.passage_chars).map((text) => ({
            rowId: row.rowId,
            text,
          }))
        )
        : rows;
      return {
        rows: rows.length,
        documents: groupRows(pieces, source.group).map((group) => joinGroup(group, "\n\n")),
      };
    }
    default:
      throw new RangeError(
        `data source '${source.name}': unknown dataset '${source.dataset}'; expected one of ${
          CORPUS_DATASETS.join(", ")
        }`,
      );
  }
}

/**
 * Build the candidate pool of a data spec. User files are read and validated completely before any
 * document is returned, so a malformed file fails the stage before it writes anything.
 */
export async function buildDocumentPool(spec: DataSpec, splitSeed: number): Promise<DocumentPool> {
  if (spec.sources.length === 0) {
    throw new RangeError("data.sources is empty; declare at least one corpus source");
  }
  const names = new Set<string>();
  for (const source of spec.sources) {
    if (names.has(source.name)) {
      throw new RangeError(`data.sources has two entries named '${source.name}'; names must be unique`);
    }
    names.add(source.name);
  }
  // User files are read and validated before any shipped data is loaded, so a bad file fails fast.
  const userRows = new Map<string, UserRow[]>();
  for (const source of spec.sources) {
    if (source.dataset === "file" && source.path) {
      userRows.set(source.name, await readUserTexts(source.path, source.text_column));
    }
  }
  // Shipped-data roles are only computed when a shipped source needs them.
  const roles = () => roleIndex(splitSeed);
  const sources: Record<string, SourceCounts> = {};
  const classes: Record<"toxic" | "benign", CandidateDocument[]> = { toxic: [], benign: [] };
  for (const source of spec.sources) {
    const built = await sourceDocuments(source, roles, splitSeed, userRows.get(source.name));
    const documents = built.documents.filter((doc) => doc.text !== "")
      .map((doc) => ({ source: source.name, toxic: source.label === "toxic", ...doc }));
    sources[source.name] = {
      rows: built.rows,
      documents: documents.length,
      chars: documents.reduce((sum, doc) => sum + doc.text.length, 0),
      keptDocuments: 0,
      keptChars: 0,
    };
    classes[source.label].push(...documents);
  }

  const budgetChars = {
    toxic: Math.ceil(spec.toxic_share * spec.max_tokens * CHARS_PER_TOKEN_GUESS * OVERSUPPLY),
    benign: Math.ceil((1 - spec.toxic_share) * spec.max_tokens * CHARS_PER_TOKEN_GUESS * OVERSUPPLY),
  };
  const kept: CandidateDocument[] = [];
  for (const label of ["toxic", "benign"] as const) {
    let used = 0;
    for (const doc of Rng.derive(splitSeed, "class-budget", label).shuffle(classes[label])) {
      if (used >= budgetChars[label]) break;
      used += doc.text.length;
      kept.push(doc);
      sources[doc.source].keptDocuments += 1;
      sources[doc.source].keptChars += doc.text.length;
    }
  }
  return { documents: Rng.derive(splitSeed, "document-order").shuffle(kept), sources, budgetChars };
}
