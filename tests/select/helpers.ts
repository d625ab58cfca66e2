/** Shared builders for selection tests. */

import { silentEvents } from "../../lib/runner/events.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import type { SelectionSpec } from "../../lib/spec/types.ts";
import type { TokenScores } from "../../lib/select/types.ts";
import type { Corpus, Tokenizer } from "../../lib/data/types.ts";

/** Token scores from nested rows, one array per chunk; chunk ids default to 0, 1, 2, ... */
export function scoresFromRows(rows: number[][], chunkIds?: number[]): TokenScores {
  const blockSize = rows[0].length;
  return {
    numChunks: rows.length,
    blockSize,
    chunkIds: Int32Array.from(chunkIds ?? rows.map((_, i) => i)),
    scores: Float32Array.from(rows.flat()),
  };
}

/** Build a selection spec with the reference defaults, overridden by `fields`. */
export function selectionSpec(fields: Partial<SelectionSpec> = {}): SelectionSpec {
  return {
    percentile: 0.99,
    window: 1,
    budget_fraction: 0.02,
    budget_tokens: 0,
    lambda: 1,
    pooling: "none",
    pooling_window: 8,
    ...fields,
  };
}

/** Rows of a mask as arrays of 0/1, for readable comparisons. */
export function maskRows(mask: Uint8Array, blockSize: number): number[][] {
  const rows: number[][] = [];
  for (let start = 0; start < mask.length; start += blockSize) {
    rows.push(Array.from(mask.subarray(start, start + blockSize)));
  }
  return rows;
}

/** A hand document: token ids, ground-truth label, source and text. */
export interface HandDocument {
  tokens: number[];
  toxic?: boolean;
  source?: string;
  text?: string;
}

/** Build a corpus from hand documents laid end to end and cut into chunks (a trailing partial chunk is dropped). */
export function corpusFromDocuments(docs: HandDocument[], blockSize: number, splits?: number[]): Corpus {
  const tokens = docs.flatMap((doc) => doc.tokens);
  const docIds = docs.flatMap((doc, d) => doc.tokens.map(() => d));
  const numChunks = Math.floor(tokens.length / blockSize);
  return {
    blockSize,
    numChunks,
    tokens: Int32Array.from(tokens.slice(0, numChunks * blockSize)),
    docIds: Int32Array.from(docIds.slice(0, numChunks * blockSize)),
    chunkSplit: Uint8Array.from(splits ?? new Array(numChunks).fill(0)),
    documents: {
      source: docs.map((doc) => doc.source ?? (doc.toxic ? "toxic" : "benign")),
      toxic: Uint8Array.from(docs, (doc) => doc.toxic ? 1 : 0),
      tokens: Int32Array.from(docs, (doc) => doc.tokens.length),
      rowId: docs.map((_, d) => `hand:${d}`),
      text: docs.map((doc) => doc.text ?? ""),
    },
    stats: {},
  };
}

/** Build a tokenizer whose token i is the i-th entry of `pieces`. */
export function pieceTokenizer(pieces: string[]): Tokenizer {
  return {
    kind: "bpe",
    vocabSize: pieces.length,
    eotId: 0,
    padId: 0,
    encode: () => {
      throw new Error("pieceTokenizer cannot encode");
    },
    decode: (ids) => Array.from(ids, (id) => pieces[id]).join(""),
    tokenText: (id) => pieces[id],
  };
}

/** Build a stage context writing to `outputDir`; warnings go to `warnings` when given. */
export function stageContext(outputDir: string, warnings: string[] = []): StageContext {
  return {
    events: { ...silentEvents, warning: (message) => warnings.push(message) },
    signal: new AbortController().signal,
    seed: 3,
    key: "test",
    outputDir,
    scratchDir: outputDir,
    versions: {},
  };
}
