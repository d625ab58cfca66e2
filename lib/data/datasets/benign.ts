/**
 * Benign text for the corpus: Project Gutenberg books and US presidential speeches split into
 * paragraphs, and the `nlp-corpus` npm package's web-like sentences. Roles are assigned per paragraph
 * or sentence, so passages of any length can be assembled later without crossing roles.
 */

import { dirname, join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { readShippedJsonl, readShippedText } from "../shipped.ts";
import { memoize } from "../memo.ts";

/** Shipped Gutenberg books (file stems under `data/gutenberg/`). */
export const GUTENBERG_BOOKS = [
  "austen-emma",
  "austen-persuasion",
  "austen-sense",
  "blake-poems",
  "chesterton-ball",
  "chesterton-brown",
  "chesterton-thursday",
  "melville-moby_dick",
  "milton-paradise",
  "shakespeare-caesar",
  "shakespeare-hamlet",
  "shakespeare-macbeth",
  "whitman-leaves",
] as const;

/** Shipped speeches file, relative to the data root. */
export const SPEECHES_FILE = "us_speeches/speeches.jsonl.gz";

/** A paragraph or sentence of a benign text; `work` names the book, speech or package file. */
export interface BenignRow {
  /** `gutenberg:<book>:<paragraph>`, `speeches:<file>:<paragraph>` or `nlp-corpus:<file>:<sentence>`. */
  rowId: string;
  text: string;
  /** The book, speech or package file the row comes from; passages never cross works. */
  work: string;
}

/** Split text at blank lines into paragraphs with inner whitespace collapsed; empty ones are dropped. */
export function splitParagraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, " ").trim())
    .filter((paragraph) => paragraph !== "");
}

/** Load the paragraphs of the 13 shipped Gutenberg books, in book order. */
export const loadGutenberg: () => Promise<BenignRow[]> = memoize(async () => {
  const rows: BenignRow[] = [];
  for (const book of GUTENBERG_BOOKS) {
    const paragraphs = splitParagraphs(await readShippedText(`gutenberg/${book}.txt.gz`));
    paragraphs.forEach((text, index) => rows.push({ rowId: `gutenberg:${book}:${index}`, text, work: book }));
  }
  return rows;
});

/** Load the paragraphs of the 120 State of the Union and inaugural addresses. */
export const loadSpeeches: () => Promise<BenignRow[]> = memoize(async () => {
  const speeches = await readShippedJsonl<{ corpus: string; file: string; text: string }>(SPEECHES_FILE);
  const rows: BenignRow[] = [];
  for (const speech of speeches) {
    const work = `${speech.corpus}/${speech.file}`;
    splitParagraphs(speech.text).forEach((text, index) =>
      rows.push({ rowId: `speeches:${work}:${index}`, text, work })
    );
  }
  return rows;
});

/** Number of sentence files in `nlp-corpus@4.4.0` (`builds/doc-0.json` ... `doc-99.json`). */
export const NLP_CORPUS_FILES = 100;

/**
 * Load the 100,000 sentences of the `nlp-corpus` npm package from its installed files (the package is
 * an import-map dependency, so its integrity is checked by the lock file). Empty sentences are dropped.
 */
export const loadNlpCorpus: () => Promise<BenignRow[]> = memoize(async () => {
  let entry: string;
  try {
    entry = fromFileUrl(import.meta.resolve("nlp-corpus"));
  } catch (error) {
    throw new Error(
      `cannot locate the 'nlp-corpus' package: ${
        (error as Error).message
      }. Run 'deno install' in the project root.`,
    );
  }
  const builds = join(dirname(entry), "..", "..", "builds");
  const rows: BenignRow[] = [];
  for (let file = 0; file < NLP_CORPUS_FILES; file++) {
    const path = join(builds, `doc-${file}.json`);
    let sentences: unknown;
    try {
      sentences = JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      throw new Error(
        `cannot read ${path} of the 'nlp-corpus' package: ${(error as Error).message}. Run 'deno install'.`,
      );
    }
    if (!Array.isArray(sentences)) {
      throw new TypeError(`${path} of 'nlp-corpus' is not a JSON array of strings`);
    }
    sentences.forEach((sentence, index) => {
      const text = typeof sentence === "string" ? sentence.replace(/\s+/g, " ").trim() : "";
      if (text !== "") {
        rows.push({ rowId: `nlp-corpus:${file}:${index}`, text, work: `nlp-corpus/doc-${file}` });
      }
    });
  }
  return rows;
});
