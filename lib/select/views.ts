/** Build inspection views of chunks from a selection plus the corpus or the score table's columns. */

import type { Corpus, Tokenizer } from "../data/types.ts";
import type { ChunkView } from "./render.ts";
import type { SelectionResult, TokenScores } from "./types.ts";

/** Token-level columns of one chunk, [blockSize] each. */
export interface ChunkColumns {
  tokenIds: Int32Array;
  scores: Float32Array | null;
  toxic: Uint8Array | null;
}

function scoredIndex(selection: Pick<SelectionResult, "chunkIds">, chunkId: number): number {
  const index = selection.chunkIds.indexOf(chunkId);
  if (index < 0) {
    throw new RangeError(
      `chunk ${chunkId} is not among the ${selection.chunkIds.length} scored chunks of this selection; ` +
        "pick a training chunk id (the ranked chunks are listed by --top)",
    );
  }
  return index;
}

/** Build the view of one chunk from its token columns and the selection's mask and ranking. */
export function buildChunkView(
  selection: Pick<SelectionResult, "chunkIds" | "blockSize" | "mask" | "ranking">,
  tokenizer: Tokenizer,
  chunkId: number,
  columns: ChunkColumns,
): ChunkView {
  const c = scoredIndex(selection, chunkId);
  const { blockSize } = selection;
  if (columns.tokenIds.length !== blockSize) {
    throw new RangeError(
      `chunk ${chunkId} has ${columns.tokenIds.length} tokens, expected the block size ${blockSize}`,
    );
  }
  const rank = selection.ranking.chunkIds.indexOf(chunkId);
  return {
    chunkId,
    rank: rank >= 0 ? rank : null,
    rankScore: rank >= 0 ? selection.ranking.rankScores[rank] : null,
    tokens: Array.from(columns.tokenIds, (id) => tokenizer.tokenText(id)),
    selected: selection.mask.slice(c * blockSize, (c + 1) * blockSize),
    scores: columns.scores,
    toxic: columns.toxic,
  };
}

/** Build the view of one chunk with tokens and ground truth taken from the corpus. */
export function chunkViewFromCorpus(
  corpus: Corpus,
  tokenizer: Tokenizer,
  selection: SelectionResult,
  chunkId: number,
  scores?: TokenScores,
): ChunkView {
  const { blockSize } = corpus;
  const base = chunkId * blockSize;
  if (chunkId < 0 || chunkId >= corpus.numChunks) {
    throw new RangeError(`chunk ${chunkId} is outside the corpus (0..${corpus.numChunks - 1})`);
  }
  const tokenIds = corpus.tokens.slice(base, base + blockSize);
  const toxic = Uint8Array.from(
    corpus.docIds.subarray(base, base + blockSize),
    (doc) => corpus.documents.toxic[doc],
  );
  let chunkScores: Float32Array | null = null;
  if (scores) {
    const c = scoredIndex(scores, chunkId);
    chunkScores = scores.scores.slice(c * blockSize, (c + 1) * blockSize);
  }
  return buildChunkView(selection, tokenizer, chunkId, { tokenIds, scores: chunkScores, toxic });
}

/** Corpus chunk ids of the `k` highest-ranked chunks. */
export function topRankedChunks(selection: Pick<SelectionResult, "ranking">, k: number): number[] {
  return Array.from(selection.ranking.chunkIds.subarray(0, Math.max(0, k)));
}
