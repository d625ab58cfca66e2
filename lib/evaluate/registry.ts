/**
 * Toxicity classifiers by id, so a spec names a classifier and orchestration never branches on it.
 *
 * - `builtin-explicit` and `builtin-implicit`: the classifiers trained by the classifier stages.
 * - `file:<path>`: precomputed scores in JSONL, one object per line with `text` and one number per
 *   attribute (`toxicity` required), for scores from an external model such as Detoxify.
 * - `module:<path>`: a TypeScript or JavaScript module whose default export (or `classifier` export) is
 *   a `ToxicityClassifier` or a function returning one.
 *
 * Further prefixes are added with `registerClassifier`.
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ToxicityClassifier } from "./types.ts";

/** Trained classifiers available to the resolver (the outputs of the classifier stages). */
export interface ClassifierContext {
  builtin: Record<string, ToxicityClassifier>;
}

/** Builds a classifier from the part of the id after the prefix. */
export type ClassifierFactory = (argument: string, context: ClassifierContext) => Promise<ToxicityClassifier>;

const factories = new Map<string, ClassifierFactory>();

/** Register a factory for ids of the form `<prefix>:<argument>`. */
export function registerClassifier(prefix: string, factory: ClassifierFactory): void {
  factories.set(prefix, factory);
}

/** Resolve a classifier id; fails with the id and the known forms when it cannot. */
export async function resolveClassifier(id: string, context: ClassifierContext): Promise<ToxicityClassifier> {
  if (context.builtin[id]) return context.builtin[id];
  const colon = id.indexOf(":");
  const factory = colon > 0 ? factories.get(id.slice(0, colon)) : undefined;
  if (!factory) {
    throw new Error(
      `unknown classifier '${id}'; use one of ${
        Object.keys(context.builtin).join(", ") || "(no trained classifier)"
      }` +
        `, or ${[...factories.keys()].map((prefix) => `${prefix}:<path>`).join(", ")}`,
    );
  }
  return await factory(id.slice(colon + 1), context);
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(Deno.cwd(), path);
}

/** Scores looked up by exact text from a JSONL file. */
export class FileScoresClassifier implements ToxicityClassifier {
  readonly id: string;
  readonly attributes: string[];
  #scores = new Map<string, number[]>();

  constructor(id: string, attributes: string[], rows: Array<Record<string, unknown>>) {
    this.id = id;
    this.attributes = attributes;
    for (const row of rows) {
      this.#scores.set(
        row.text as string,
        attributes.map((name) => row[name] as number),
      );
    }
  }

  /** Load `path`; every line needs `text` and `toxicity`, and every line the attributes of the first. */
  static async load(path: string): Promise<FileScoresClassifier> {
    const full = absolute(path);
    const text = await Deno.readTextFile(full).catch((error: Error) => {
      throw new Error(`cannot read classifier scores ${full}: ${error.message}`);
    });
    const rows: Array<Record<string, unknown>> = [];
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new Error(`invalid JSON in ${full} at line ${i + 1}: ${(error as Error).message}`);
      }
      if (typeof row.text !== "string" || typeof row.toxicity !== "number") {
        throw new Error(`${full} line ${i + 1} needs a string 'text' and a number 'toxicity'`);
      }
      rows.push(row);
    });
    if (rows.length === 0) throw new Error(`classifier scores ${full} are empty`);
    const attributes = Object.keys(rows[0]).filter((key) => typeof rows[0][key] === "number");
    rows.forEach((row, i) => {
      for (const name of attributes) {
        if (typeof row[name] !== "number") {
          throw new Error(`${full} row ${i + 1} has no number for '${name}', which the first row scores`);
        }
      }
    });
    return new FileScoresClassifier(`file:${path}`, attributes, rows);
  }

  /** Look up every text; fails on the first text the file does not score. */
  predict(texts: string[]): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const name of this.attributes) out[name] = new Float32Array(texts.length);
    texts.forEach((text, i) => {
      const scores = this.#scores.get(text);
      if (!scores) {
        throw new Error(
          `${this.id} has no score for text ${i} ${JSON.stringify(text.slice(0, 80))}; ` +
            `score every generated continuation (the generations artifact lists them) and retry`,
        );
      }
      this.attributes.forEach((name, a) => (out[name][i] = scores[a]));
    });
    return out;
  }
}

function isClassifier(value: unknown): value is ToxicityClassifier {
  const candidate = value as ToxicityClassifier;
  return typeof candidate?.predict === "function" && Array.isArray(candidate?.attributes) &&
    candidate.attributes.includes("toxicity");
}

registerClassifier("file", (path) => FileScoresClassifier.load(path));

registerClassifier("module", async (path) => {
  const url = pathToFileURL(absolute(path)).href;
  const loaded = await import(url);
  let value = loaded.default ?? loaded.classifier;
  if (typeof value === "function" && !isClassifier(value)) value = await value();
  if (!isClassifier(value)) {
    throw new Error(
      `module ${path} must export (as default or 'classifier') a ToxicityClassifier with predict() and ` +
        `attributes including 'toxicity', or a function returning one`,
    );
  }
  return value;
});
