/**
 * YAML parsing with source positions and safety checks. Only plain data is accepted: explicit tags
 * (`!tag`, `!!type`) and merge keys (`<<`) are rejected, and alias expansion is capped so a small file
 * cannot expand into a huge tree.
 */

import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import type { SpecIssue } from "./errors.ts";
import { type NodePositions, type Position, PositionMap, type Segment } from "./positions.ts";

/** Largest spec file accepted, in bytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/**
 * Limit passed to the yaml package as `maxAliasCount`: for each anchor, the number of aliases to it
 * times the number of aliases nested inside it may not exceed this (100 is the package's default).
 */
export const MAX_ALIAS_COUNT = 100;
/** Nodes visited per document after alias expansion; a second guard against expansion bombs. */
export const MAX_NODES = 200_000;

/** A parsed document: plain JS data plus the position of every node. */
export interface ParsedYaml {
  value: unknown;
  positions: PositionMap;
}

/** Helper that turns character offsets into positions of one source text. */
export class SourceText {
  readonly lines: string[];
  readonly counter = new LineCounter();

  constructor(readonly file: string, readonly text: string) {
    this.lines = text.split(/\r?\n/);
  }

  /** Position of a 0-based character offset. */
  at(offset: number): Position {
    const { line, col } = this.counter.linePos(offset);
    return { file: this.file, line, column: col, source: this.lines[line - 1] ?? "" };
  }

  /** Build an issue at a character offset. */
  issue(offset: number, path: string, message: string, hint?: string): SpecIssue {
    const position = this.at(offset);
    return {
      file: this.file,
      line: position.line,
      column: position.column,
      path,
      message,
      hint,
      source: position.source,
    };
  }
}

/** Strip the `at line L, column C:` tail and the excerpt the yaml package appends to its messages. */
function yamlMessage(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Parse one YAML document. Syntax errors, tags, merge keys and alias bombs are appended to `issues`;
 * the result is undefined when the document could not be read as data.
 */
export function parseYaml(source: SourceText, issues: SpecIssue[]): ParsedYaml | undefined {
  const doc = parseDocument(source.text, { lineCounter: source.counter, uniqueKeys: true, merge: false });
  const before = issues.length;
  for (const error of doc.errors) {
    issues.push(
      source.issue(
        error.pos[0],
        "",
        `YAML syntax error: ${yamlMessage(error.message)}`,
        yamlHint(error.code),
      ),
    );
  }
  for (const warning of doc.warnings) {
    if (warning.code === "TAG_RESOLVE_FAILED") continue; // reported below as a rejected tag
    const message = `YAML problem: ${yamlMessage(warning.message)}`;
    issues.push(source.issue(warning.pos[0], "", message, "rewrite this part as plain YAML data"));
  }
  if (issues.length > before) return undefined;

  if (!checkAliasExpansion(doc, source, issues)) return undefined;
  const walker = new Walker(doc, source, issues);
  const value = walker.convert(doc.contents as Node | null, [], undefined);
  return walker.failed ? undefined : { value, positions: walker.positions };
}

function yamlHint(code: string): string | undefined {
  if (code === "DUPLICATE_KEY") {
    return "each key may appear once per mapping; remove or rename the repeated key";
  }
  if (code === "MULTIPLE_DOCS") return "a spec file holds one YAML document; remove the `---` separators";
  return "check indentation, quotes and brackets around this position";
}

/** Let the yaml package count alias expansions; report a bomb at the first alias. */
function checkAliasExpansion(doc: Document, source: SourceText, issues: SpecIssue[]): boolean {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return true;
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    issues.push(source.issue(
      firstAliasOffset(doc),
      "",
      `YAML aliases expand to too many nodes (${error.message})`,
      `an anchor's uses times the aliases inside it may not exceed ${MAX_ALIAS_COUNT}; write the values out or use extends`,
    ));
    return false;
  }
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Write a core-schema tag such as `tag:yaml.org,2002:int` in its source form `!!int`. */
function shortTag(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice("tag:yaml.org,2002:".length)}` : tag;
}

class Walker {
  readonly positions = new PositionMap();
  failed = false;
  #nodes = 0;

  constructor(readonly doc: Document, readonly source: SourceText, readonly issues: SpecIssue[]) {}

  /** Convert one node; `pinned` is the alias position every node below an alias maps to. */
  convert(node: Node | null, path: Segment[], pinned: Position | undefined, key?: Position): unknown {
    if (++this.#nodes > MAX_NODES) {
      if (!this.failed) {
        this.fail(0, path, `the document expands to more than ${MAX_NODES} nodes`, "write a smaller spec");
      }
      return null;
    }
    const start = node?.range?.[0];
    const here = pinned ?? (start !== undefined ? this.source.at(start) : key);
    if (here) this.record(path, { key, value: here });
    if (node === null || node === undefined) return null;

    if (node.tag !== undefined && start !== undefined) {
      this.fail(
        this.tagOffset(start),
        path,
        `explicit YAML tag "${shortTag(node.tag)}" is not allowed`,
        "specs hold plain data; remove the tag",
      );
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      return this.convert((target ?? null) as Node | null, path, here, key);
    }
    if (isScalar(node)) return node.value ?? null;
    if (isSeq(node)) {
      return node.items.map((item, index) => this.convert(item as Node | null, [...path, index], pinned));
    }
    if (isMap(node)) return this.convertMap(node, path, pinned);
    return null;
  }

  private convertMap(
    node: Node & { items: Array<{ key: unknown; value: unknown }> },
    path: Segment[],
    pinned?: Position,
  ) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyStart = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.fail(
          keyStart,
          path,
          "mapping keys must be plain strings",
          "write the key as a word, e.g. `lr:`",
        );
        continue;
      }
      const name = String(keyNode.value);
      if (keyNode.tag !== undefined) {
        this.fail(
          this.tagOffset(keyStart),
          [...path, name],
          `explicit YAML tag "${shortTag(keyNode.tag)}" is not allowed`,
          "remove the tag from the key",
        );
      }
      if (name === "<<") {
        this.fail(
          keyStart,
          [...path, name],
          "YAML merge keys (<<) are not supported",
          "write the keys out, or put shared settings in a parent spec and use `extends`",
        );
        continue;
      }
      const keyPosition = pinned ?? this.source.at(keyStart);
      out[name] = this.convert(pair.value as Node | null, [...path, name], pinned, keyPosition);
    }
    return out;
  }

  /** Move a tagged node's offset back to its tag, because the yaml package places the node at its value. */
  private tagOffset(valueStart: number): number {
    const text = this.source.text;
    const lineStart = text.lastIndexOf("\n", valueStart - 1) + 1;
    const bang = text.lastIndexOf("!", valueStart);
    if (bang < lineStart) return valueStart;
    let tagStart = bang;
    while (tagStart > lineStart && !/[\s,[{]/.test(text[tagStart - 1])) tagStart--;
    return tagStart;
  }

  private record(path: Segment[], positions: NodePositions): void {
    this.positions.set(path, positions);
  }

  private fail(offset: number, path: Segment[], message: string, hint: string): void {
    this.failed = true;
    this.issues.push(this.source.issue(offset, path.map(String).join("."), message, hint));
  }
}
