/**
 * The selection artifact: `mask.arrow` (chunk_id int32, position int32, selected uint8; one row per
 * scored token, chunk-major), `ranking.arrow` (rank, chunk_id, rank_score, count, sum) and
 * `stats.json`. Tables are written batch by batch and renamed into place.
 */

import { join } from "node:path";
import type * as arrow from "apache-arrow";
import type { ArtifactCodec } from "../runner/stage.ts";
import {
  readArrow,
  readArrowBatches,
  tableFromColumns,
  writeArrow,
  writeArrowBatches,
} from "../util/arrow.ts";
import { exists, readJson, writeJsonAtomic } from "../util/atomic.ts";
import type { SelectionResult, SelectionStats } from "./types.ts";

export const MASK_FILE = "mask.arrow";
export const RANKING_FILE = "ranking.arrow";
export const STATS_FILE = "stats.json";

/** Chunks per record batch of the mask table. */
const MASK_BATCH_CHUNKS = 512;

function* maskBatches(result: SelectionResult): Generator<arrow.Table> {
  const { numChunks, blockSize, chunkIds, mask } = result;
  for (let start = 0; start < numChunks; start += MASK_BATCH_CHUNKS) {
    const end = Math.min(numChunks, start + MASK_BATCH_CHUNKS);
    const rows = (end - start) * blockSize;
    const chunkColumn = new Int32Array(rows);
    const positionColumn = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      chunkColumn[i] = chunkIds[start + Math.floor(i / blockSize)];
      positionColumn[i] = i % blockSize;
    }
    yield tableFromColumns({
      chunk_id: chunkColumn,
      position: positionColumn,
      selected: mask.slice(start * blockSize, end * blockSize),
    });
  }
}

/** Write the mask and ranking tables and the statistics into an artifact folder. */
export async function writeSelection(dir: string, result: SelectionResult): Promise<void> {
  await writeArrowBatches(join(dir, MASK_FILE), maskBatches(result));
  const { ranking } = result;
  await writeArrow(
    join(dir, RANKING_FILE),
    tableFromColumns({
      rank: Int32Array.from(ranking.chunkIds, (_, i) => i),
      chunk_id: ranking.chunkIds,
      rank_score: ranking.rankScores,
      count: ranking.counts,
      sum: ranking.sums,
    }),
  );
  await writeJsonAtomic(join(dir, STATS_FILE), result.stats);
}

/** Load a selection written by `writeSelection`. */
export async function readSelection(dir: string): Promise<SelectionResult> {
  const stats = await readJson<SelectionStats>(join(dir, STATS_FILE));
  const { blockSize } = stats;
  const mask = new Uint8Array(stats.scoredTokens);
  const chunkIds = new Int32Array(stats.scoredChunks);
  let row = 0;
  for await (const batch of readArrowBatches(join(dir, MASK_FILE))) {
    const chunkColumn = batch.getChild("chunk_id")!.toArray() as Int32Array;
    const selected = batch.getChild("selected")!.toArray() as Uint8Array;
    if (row + selected.length > mask.length) {
      throw new RangeError(
        `${join(dir, MASK_FILE)} has more rows than the ${mask.length} scored tokens in ${STATS_FILE}; ` +
          "the artifact is inconsistent, so delete it and rerun the selection stage",
      );
    }
    mask.set(selected, row);
    const firstChunkStart = (blockSize - (row % blockSize)) % blockSize;
    for (let i = firstChunkStart; i < chunkColumn.length; i += blockSize) {
      chunkIds[(row + i) / blockSize] = chunkColumn[i];
    }
    row += selected.length;
  }
  if (row !== mask.length) {
    const path = join(dir, MASK_FILE);
    throw new RangeError(
      `${path} has ${row} rows, expected ${mask.length}; delete the artifact and rerun the selection stage`,
    );
  }
  const table = await readArrow(join(dir, RANKING_FILE));
  const ranking = {
    chunkIds: table.getChild("chunk_id")!.toArray() as Int32Array,
    rankScores: table.getChild("rank_score")!.toArray() as Float64Array,
    counts: table.getChild("count")!.toArray() as Int32Array,
    sums: table.getChild("sum")!.toArray() as Float64Array,
  };
  return { numChunks: stats.scoredChunks, blockSize, chunkIds, mask, ranking, stats };
}

/** Codec of the selection stage; `save` keeps tables the stage already streamed into the folder. */
export const selectionCodec: ArtifactCodec<SelectionResult> = {
  async save(dir, value) {
    if (!(await exists(join(dir, MASK_FILE)))) await writeSelection(dir, value);
    else await writeJsonAtomic(join(dir, STATS_FILE), value.stats);
  },
  load: readSelection,
};
