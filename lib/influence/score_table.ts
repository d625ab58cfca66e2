/**
 * Token-score artifacts. The Arrow IPC table is written record batch by record batch, with columns
 * chunk_id int32, position int32, token_id int32, score float32, toxic uint8 (ground truth from the
 * corpus documents) and source utf8. A JSON manifest records the shard, the counts and the
 * fingerprints of the inputs. Shards of one scoring run merge into one artifact after every check
 * passes.
 */

import * as arrow from "apache-arrow";
import type { Corpus } from "../data/types.ts";
import type { ArtifactCodec } from "../runner/stage.ts";
import type { TokenScores } from "../select/types.ts";
import { readArrow, readArrowBatches, tableFromColumns, writeArrowBatches } from "../util/arrow.ts";
import { exists, readJson, writeJsonAtomic } from "../util/atomic.ts";
import { sha256Hex } from "../util/hash.ts";
import type { ChunkScoreBatch } from "./scores.ts";
import { SPLIT_CODES } from "../data/types.ts";

/** File names inside a score artifact. */
export const SCORE_FILES = { table: "scores.arrow", manifest: "scores.json" } as const;

const SCORES_FORMAT = "ifguide-token-scores-1";

/** Shard of a scoring run: slice `index` of `count` equal slices of the chunk list. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Manifest of a score artifact: everything it records besides the table. */
export interface ScoreManifest {
  format: typeof SCORES_FORMAT;
  shard: ShardSpec;
  blockSize: number;
  /** Chunks scored in this artifact. */
  numChunks: number;
  /** Chunks of the whole scoring run (all shards together). */
  totalChunks: number;
  /** Half-open range of this shard in the run's ordered chunk list. */
  range: [number, number];
  strategy: string;
  differential: boolean;
  /** Fingerprint of the preconditioned query gradient the scores used. */
  queryFingerprint: string;
  /** Fingerprint of the corpus tokens, block size and splits. */
  corpusFingerprint: string;
  /** Float64 sum of every token score, a cheap consistency check after merging. */
  scoreSum: number;
}

/** A loaded score artifact: the manifest, the scores in memory and the table path. */
export interface ScoreArtifact {
  manifest: ScoreManifest;
  scores: TokenScores;
  /** Path of the Arrow table, for consumers that stream it. */
  tablePath: string;
}

/** Chunk ids of the training split in id order: the chunks influence scores cover. */
export function trainingChunkIds(corpus: Corpus): Int32Array {
  const ids: number[] = [];
  for (let c = 0; c < corpus.numChunks; c++) if (corpus.chunkSplit[c] === SPLIT_CODES.train) ids.push(c);
  return Int32Array.from(ids);
}

/** Compute the contiguous slice of `total` items that shard `index` of `count` covers. */
export function shardRange(total: number, shard: ShardSpec): [number, number] {
  if (
    !Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 ||
    shard.index >= shard.count
  ) {
    throw new RangeError(
      `shard ${shard.index}/${shard.count} is invalid; use an index in 0..count-1 with count >= 1 (for example --shard 0/4)`,
    );
  }
  return [
    Math.floor((shard.index * total) / shard.count),
    Math.floor(((shard.index + 1) * total) / shard.count),
  ];
}

/** SHA-256 over the corpus block size, chunk splits and tokens. */
export async function corpusFingerprint(corpus: Corpus): Promise<string> {
  const header = new TextEncoder().encode(`${corpus.blockSize}:${corpus.numChunks}:`);
  const tokens = new Uint8Array(corpus.tokens.buffer, corpus.tokens.byteOffset, corpus.tokens.byteLength);
  const bytes = new Uint8Array(header.length + corpus.chunkSplit.length + tokens.length);
  bytes.set(header);
  bytes.set(corpus.chunkSplit, header.length);
  bytes.set(tokens, header.length + corpus.chunkSplit.length);
  return await sha256Hex(bytes);
}

/**
 * Write scored batches into an Arrow table as they arrive, adding the token id, the ground-truth
 * toxic label and the source of each position from the corpus. Returns the float64 score sum.
 */
export async function writeScoreTable(
  path: string,
  corpus: Corpus,
  batches: AsyncIterable<ChunkScoreBatch>,
  collect?: (batch: ChunkScoreBatch) => void,
): Promise<number> {
  let total = 0;
  const { blockSize } = corpus;
  async function* tables() {
    for await (const batch of batches) {
      collect?.(batch);
      const rows = batch.chunkIds.length * blockSize;
      const chunkId = new Int32Array(rows);
      const position = new Int32Array(rows);
      const tokenId = new Int32Array(rows);
      const toxic = new Uint8Array(rows);
      const source: string[] = new Array(rows);
      batch.chunkIds.forEach((chunk, r) => {
        for (let t = 0; t < blockSize; t++) {
          const row = r * blockSize + t;
          const index = chunk * blockSize + t;
          const doc = corpus.docIds[index];
          chunkId[row] = chunk;
          position[row] = t;
          tokenId[row] = corpus.tokens[index];
          toxic[row] = corpus.documents.toxic[doc];
          source[row] = corpus.documents.source[doc];
        }
      });
      for (const score of batch.scores) total += score;
      yield tableFromColumns({
        chunk_id: chunkId,
        position,
        token_id: tokenId,
        score: batch.scores,
        toxic,
        source,
      });
    }
  }
  await writeArrowBatches(path, tables());
  return total;
}

/** Read a score table into the in-memory form. Throws when positions are not whole chunks in order. */
export async function readScoreTable(path: string, blockSize: number): Promise<TokenScores> {
  const table = await readArrow(path);

  const chunkColumn = table.getChild("chunk_id");
  const scoreColumn = table.getChild("score");
  const positionColumn = table.getChild("position");
  if (!chunkColumn || !scoreColumn || !positionColumn) {
    throw new Error(
      `score table ${path} lacks chunk_id, position or score; rebuild it with the scores stage`,
    );
  }
  const rows = table.numRows;
  if (rows % blockSize !== 0) {
    throw new RangeError(
      `score table ${path} has ${rows} rows, not a multiple of the block size ${blockSize}`,
    );
  }

  const chunks = chunkColumn.toArray() as Int32Array;
  const positions = positionColumn.toArray() as Int32Array;
  const numChunks = rows / blockSize;
  const chunkIds = new Int32Array(numChunks);
  for (let c = 0; c < numChunks; c++) {
    chunkIds[c] = chunks[c * blockSize];
    for (let t = 0; t < blockSize; t++) {
      const row = c * blockSize + t;
      if (positions[row] !== t || chunks[row] !== chunkIds[c]) {
        throw new RangeError(
          `score table ${path} row ${row} is (chunk ${chunks[row]}, position ${positions[row]}), expected ` +
            `(chunk ${chunkIds[c]}, position ${t}); the table is not in chunk order`,
        );
      }
    }
  }

  return { numChunks, blockSize, chunkIds, scores: Float32Array.from(scoreColumn.toArray() as Float32Array) };
}

/** Codec of score artifacts; `save` writes the table only when the stage did not stream it. */
export const scoreArtifactCodec: ArtifactCodec<ScoreArtifact> = {
  async save(dir, value) {
    const tablePath = `${dir}/${SCORE_FILES.table}`;
    if (!(await exists(tablePath))) await writeScoreTableFrom(tablePath, value);
    await writeJsonAtomic(`${dir}/${SCORE_FILES.manifest}`, value.manifest);
  },
  async load(dir) {
    const manifest = await readJson<ScoreManifest>(`${dir}/${SCORE_FILES.manifest}`);
    if (manifest.format !== SCORES_FORMAT) {
      throw new Error(
        `${dir}/${SCORE_FILES.manifest} has format '${manifest.format}', expected '${SCORES_FORMAT}'`,
      );
    }
    const tablePath = `${dir}/${SCORE_FILES.table}`;
    const scores = await readScoreTable(tablePath, manifest.blockSize);
    if (scores.numChunks !== manifest.numChunks) {
      throw new RangeError(
        `${tablePath} contains ${scores.numChunks} chunks but its manifest records ${manifest.numChunks}; rebuild the artifact`,
      );
    }
    return { manifest, scores, tablePath };
  },
};

/** Copy the table of an artifact loaded elsewhere (the runner may save into a new folder). */
async function writeScoreTableFrom(path: string, value: ScoreArtifact): Promise<void> {
  async function* batches() {
    for await (const batch of readArrowBatches(value.tablePath)) yield new arrow.Table(batch);
  }
  await writeArrowBatches(path, batches());
}

/** Build the manifest of one scored shard. */
export function scoreManifest(fields: Omit<ScoreManifest, "format">): ScoreManifest {
  return { format: SCORES_FORMAT, ...fields };
}

/**
 * Check that score shards form one complete run (every index present once, equal counts, equal
 * fingerprints, adjacent ranges) and return them in shard order. Throws naming the first problem.
 */
export function checkScoreShards(shards: ScoreArtifact[]): ScoreArtifact[] {
  if (shards.length === 0) throw new RangeError("no score shards to merge; score at least one shard");
  const first = shards[0].manifest;
  const ordered = [...shards].sort((a, b) => a.manifest.shard.index - b.manifest.shard.index);
  const fields = [
    "blockSize",
    "totalChunks",
    "strategy",
    "differential",
    "queryFingerprint",
    "corpusFingerprint",
  ] as const;
  ordered.forEach((shard, i) => {
    const m = shard.manifest;
    if (m.shard.count !== first.shard.count) {
      throw new RangeError(
        `score shard ${m.shard.index} belongs to a run of ${m.shard.count} shards, shard ${first.shard.index} to ${first.shard.count}`,
      );
    }
    if (m.shard.index !== i) {
      throw new RangeError(
        `score shard ${i} of ${first.shard.count} is ${
          i < m.shard.index ? "missing" : "present twice"
        }; score every shard once before merging`,
      );
    }
    for (const field of fields) {
      if (m[field] !== first[field]) {
        throw new RangeError(
          `score shard ${i} has ${field} ${m[field]} but shard ${first.shard.index} has ${first[field]}; ` +
            `all shards must score the same corpus with the same query gradient`,
        );
      }
    }
    const expected = shardRange(m.totalChunks, m.shard);
    if (
      m.range[0] !== expected[0] || m.range[1] !== expected[1] || m.numChunks !== expected[1] - expected[0]
    ) {
      throw new RangeError(
        `score shard ${i} covers chunks [${m.range}] (${m.numChunks}), expected [${expected}]`,
      );
    }
    if (shard.scores.numChunks !== m.numChunks) {
      throw new RangeError(
        `score shard ${i} contains ${shard.scores.numChunks} chunks but its manifest records ${m.numChunks}; rescore that shard`,
      );
    }
  });
  if (ordered.length !== first.shard.count) {
    throw new RangeError(
      `${ordered.length} of ${first.shard.count} score shards are present; score the missing ones`,
    );
  }
  return ordered;
}

/** Merge checked shards into one in-memory TokenScores in chunk-list order. */
export function concatShardScores(ordered: ScoreArtifact[]): TokenScores {
  const blockSize = ordered[0].manifest.blockSize;
  const numChunks = ordered.reduce((sum, s) => sum + s.scores.numChunks, 0);
  const chunkIds = new Int32Array(numChunks);
  const scores = new Float32Array(numChunks * blockSize);
  let offset = 0;
  for (const shard of ordered) {
    chunkIds.set(shard.scores.chunkIds, offset);
    scores.set(shard.scores.scores, offset * blockSize);
    offset += shard.scores.numChunks;
  }
  return { numChunks, blockSize, chunkIds, scores };
}
