/**
 * Score sources for selection: in-memory token scores cut into batches, and the influence stage's
 * Arrow table (columns chunk_id int32, position int32, score float32, ...) read one record batch at a
 * time so memory stays bounded by a batch.
 */

import type * as arrow from "apache-arrow";
import { readArrowBatches } from "../util/arrow.ts";
import type { ScoreBatch, ScoreSource, TokenScores } from "./types.ts";

/** Rows per batch when cutting in-memory scores. */
export const DENSE_BATCH_ROWS = 1 << 16;

/** Check that token scores have consistent shapes; throws a RangeError naming the mismatch. */
export function assertTokenScoresShape(scores: TokenScores): void {
  const { numChunks, blockSize } = scores;
  if (!Number.isInteger(numChunks) || numChunks < 0 || !Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError(
      `token scores have an invalid shape: numChunks=${numChunks}, blockSize=${blockSize}; ` +
        "both must be integers, numChunks >= 0 and blockSize >= 1",
    );
  }
  if (scores.chunkIds.length !== numChunks) {
    throw new RangeError(
      `token scores list ${scores.chunkIds.length} chunk ids but numChunks is ${numChunks}; ` +
        "pass one corpus chunk id per scored chunk",
    );
  }
  if (scores.scores.length !== numChunks * blockSize) {
    throw new RangeError(
      `token scores hold ${scores.scores.length} values, expected numChunks x blockSize = ` +
        `${numChunks} x ${blockSize} = ${numChunks * blockSize}`,
    );
  }
}

/** Create a score source over in-memory token scores, in batches of `batchRows` rows. */
export function denseScoreSource(scores: TokenScores, batchRows = DENSE_BATCH_ROWS): ScoreSource {
  assertTokenScoresShape(scores);
  const { blockSize, chunkIds } = scores;
  const total = scores.scores.length;
  return {
    label: "in-memory token scores",
    async *batches() {
      for (let start = 0; start < total; start += batchRows) {
        const end = Math.min(total, start + batchRows);
        const batchChunkIds = new Int32Array(end - start);
        const positions = new Int32Array(end - start);
        for (let i = start; i < end; i++) {
          batchChunkIds[i - start] = chunkIds[Math.floor(i / blockSize)];
          positions[i - start] = i % blockSize;
        }
        yield { chunkIds: batchChunkIds, positions, scores: scores.scores.subarray(start, end) };
      }
    },
  };
}

function column<T>(batch: arrow.RecordBatch, name: string, path: string, kind: string): T {
  const vector = batch.getChild(name);
  if (vector === null) {
    const present = batch.schema.fields.map((field) => field.name).join(", ");
    throw new Error(
      `score table ${path} has no column '${name}' (columns: ${present}); ` +
        `it needs chunk_id int32, position int32 and score float32`,
    );
  }
  const values = vector.toArray() as unknown;
  if (!(values instanceof (kind === "float32" ? Float32Array : Int32Array))) {
    throw new TypeError(
      `column '${name}' of score table ${path} is ${vector.type}, expected ${kind}; ` +
        "rewrite the table with that column type",
    );
  }
  return values as T;
}

/** Create a score source over an Arrow IPC score table, read record batch by record batch. */
export function arrowScoreSource(path: string): ScoreSource {
  return {
    label: path,
    async *batches(): AsyncGenerator<ScoreBatch> {
      for await (const batch of readArrowBatches(path)) {
        yield {
          chunkIds: column<Int32Array>(batch, "chunk_id", path, "int32"),
          positions: column<Int32Array>(batch, "position", path, "int32"),
          scores: column<Float32Array>(batch, "score", path, "float32"),
        };
      }
    },
  };
}

/** Materialise a score source into dense token scores, checking that every (chunk, position) appears once. */
export async function collectTokenScores(source: ScoreSource, signal?: AbortSignal): Promise<TokenScores> {
  // First read every batch, numbering chunks by first appearance.
  const rows: ScoreBatch[] = [];
  const order = new Map<number, number>();
  let maxPosition = -1;
  for await (const batch of source.batches()) {
    signal?.throwIfAborted();
    rows.push({
      chunkIds: batch.chunkIds.slice(),
      positions: batch.positions.slice(),
      scores: batch.scores.slice(),
    });
    for (let i = 0; i < batch.chunkIds.length; i++) {
      if (!order.has(batch.chunkIds[i])) order.set(batch.chunkIds[i], order.size);
      if (batch.positions[i] > maxPosition) maxPosition = batch.positions[i];
    }
  }

  // Then place each score at its (chunk, position) and check that every slot is filled once.
  const numChunks = order.size;
  const blockSize = maxPosition + 1;
  const scores = new Float32Array(numChunks * blockSize);
  const seen = new Uint8Array(numChunks * blockSize);
  for (const batch of rows) {
    for (let i = 0; i < batch.chunkIds.length; i++) {
      const position = batch.positions[i];
      const chunkId = batch.chunkIds[i];
      if (position < 0) {
        throw new RangeError(
          `${source.label}: chunk ${chunkId} has negative position ${position}; positions start at 0`,
        );
      }
      const index = order.get(batch.chunkIds[i])! * blockSize + position;
      if (seen[index]) {
        throw new Error(
          `${source.label}: chunk ${batch.chunkIds[i]} position ${position} appears twice; ` +
            "each (chunk_id, position) must have one score",
        );
      }
      seen[index] = 1;
      scores[index] = batch.scores[i];
    }
  }

  const missing = seen.indexOf(0);
  if (missing >= 0) {
    const chunkId = [...order.keys()][Math.floor(missing / blockSize)];
    throw new Error(
      `${source.label}: chunk ${chunkId} has no score at position ${missing % blockSize} ` +
        `(block size ${blockSize}); every scored chunk needs a score at every position`,
    );
  }
  return { numChunks, blockSize, chunkIds: Int32Array.from(order.keys()), scores };
}

/**
 * Scores as a stage receives them: token scores in memory, the path of an Arrow score table, or a score
 * artifact object carrying either (`scores`, `tablePath`).
 */
export type ScoreInput = TokenScores | string | { scores?: TokenScores; tablePath?: string };

function isTokenScores(value: unknown): value is TokenScores {
  return typeof value === "object" && value !== null && (value as TokenScores).scores instanceof Float32Array;
}

/** Create a score source for any `ScoreInput`; in-memory scores win over a table path. */
export function scoreSourceOf(input: ScoreInput): ScoreSource {
  if (typeof input === "string") return arrowScoreSource(input);
  if (isTokenScores(input)) return denseScoreSource(input);
  if (isTokenScores(input.scores)) return denseScoreSource(input.scores);
  if (typeof input.tablePath === "string") return arrowScoreSource(input.tablePath);
  throw new TypeError(
    "scores input has neither in-memory token scores nor a table path; pass the scores stage's output",
  );
}

/** Load any `ScoreInput` as in-memory token scores. */
export async function tokenScoresOf(input: ScoreInput, signal?: AbortSignal): Promise<TokenScores> {
  if (typeof input !== "string" && isTokenScores(input)) return input;
  if (typeof input !== "string" && isTokenScores(input.scores)) return input.scores;
  return await collectTokenScores(scoreSourceOf(input), signal);
}
