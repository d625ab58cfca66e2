/**
 * Readability of ifguide's Arrow IPC files by a reader other than apache-arrow JS: Polars (Rust, via
 * the `nodejs-polars` native module). It writes a token-chunk file, a score table and a prompt-set
 * file with the project's own writers, opens each with Polars, and checks the row counts and the
 * column types against what the writers declare. It prints one line per file and throws on a mismatch.
 *
 * Usage: deno run -A bench/arrow_readers.ts
 */

import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { CORPUS_FILES, writeCorpus } from "../lib/data/corpus_io.ts";
import { writePromptSets } from "../lib/data/prompt_io.ts";
import type { Corpus, PromptSet } from "../lib/data/types.ts";
import { writeScoreTable } from "../lib/influence/score_table.ts";
import type { ChunkScoreBatch } from "../lib/influence/scores.ts";

/** Relative tolerance between the float32 score sum Polars computes and the writer's float64 sum. */
const SCORE_SUM_TOLERANCE = 1e-5;
/** Size of the synthetic corpus written for the check. */
const BLOCK_SIZE = 16;
const NUM_CHUNKS = 40;
const NUM_DOCUMENTS = 10;

/** One checked file: its rows as Polars read them and the column types it reported. */
export interface ReaderCheck {
  file: string;
  rows: number;
  columns: Record<string, string>;
}

function syntheticCorpus(): Corpus {
  const tokens = new Int32Array(NUM_CHUNKS * BLOCK_SIZE);
  const docIds = new Int32Array(NUM_CHUNKS * BLOCK_SIZE);
  for (let i = 0; i < tokens.length; i++) {
    tokens[i] = (i * 7919) % 4096;
    docIds[i] = Math.floor((i * NUM_DOCUMENTS) / tokens.length);
  }
  const chunkSplit = new Uint8Array(NUM_CHUNKS).map((_, c) => c % 10 === 9 ? 1 : 0);
  const documentTokens = new Int32Array(NUM_DOCUMENTS);
  for (const doc of docIds) documentTokens[doc]++;
  return {
    blockSize: BLOCK_SIZE,
    numChunks: NUM_CHUNKS,
    tokens,
    docIds,
    chunkSplit,
    documents: {
      source: Array.from({ length: NUM_DOCUMENTS }, (_, d) => d % 5 === 0 ? "davidson" : "gutenberg"),
      toxic: new Uint8Array(NUM_DOCUMENTS).map((_, d) => d % 5 === 0 ? 1 : 0),
      tokens: documentTokens,
      rowId: Array.from({ length: NUM_DOCUMENTS }, (_, d) => `synthetic:${d}`),
      text: Array.from({ length: NUM_DOCUMENTS }, (_, d) => `Document ${d} text.`),
    },
    stats: {},
  };
}

const PROMPT_SETS: PromptSet[] = [
  {
    name: "rtp_toxic",
    rows: [
      { id: "rtp:a:0-10", prompt: "A first prompt", promptToxicity: 0.7, group: "toxic" },
      { id: "rtp:b:0-10", prompt: "A second prompt", promptToxicity: 0.9, group: "toxic" },
    ],
  },
  {
    name: "lambada",
    rows: [{ id: "lambada:0", prompt: "The passage without its last", continuation: " word" }],
  },
];

function readWithPolars(path: string): ReaderCheck & { frame: pl.DataFrame } {
  const frame = pl.readIPC(Buffer.from(Deno.readFileSync(path)));
  const columns: Record<string, string> = {};
  for (const name of frame.columns) columns[name] = String(frame.getColumn(name).dtype);
  return { file: path.slice(path.lastIndexOf("/") + 1), rows: frame.height, columns, frame };
}

function expect(check: ReaderCheck, rows: number, columns: Record<string, string>): void {
  if (check.rows !== rows) {
    throw new Error(`Polars read ${check.rows} rows from ${check.file}, expected ${rows}`);
  }
  for (const [name, type] of Object.entries(columns)) {
    if (check.columns[name] !== type) {
      throw new Error(
        `Polars read column '${name}' of ${check.file} as ${
          check.columns[name] ?? "missing"
        }, expected ${type}`,
      );
    }
  }
}

/** Score batches of eight chunks with made-up scores. */
async function* scoreBatches(): AsyncGenerator<ChunkScoreBatch> {
  for (let first = 0; first < NUM_CHUNKS; first += 8) {
    const chunkIds = Int32Array.from({ length: 8 }, (_, c) => first + c);
    yield { chunkIds, scores: new Float32Array(8 * BLOCK_SIZE).map((_, i) => Math.sin(first + i)) };
  }
}

/** Write one file of each kind with the project's writers, read them with Polars, and check them. */
export async function checkArrowReaders(): Promise<ReaderCheck[]> {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-arrow-readers-" });
  try {
    const corpus = syntheticCorpus();
    await writeCorpus(dir, corpus, 16);
    const chunks = readWithPolars(`${dir}/${CORPUS_FILES.chunks}`);
    expect(chunks, NUM_CHUNKS, {
      chunk_id: "DataType(Int32)",
      split: "DataType(String)",
      tokens: `DataType(FixedSizeList(DataType(Int32),${BLOCK_SIZE}))`,
      doc_ids: `DataType(FixedSizeList(DataType(Int32),${BLOCK_SIZE}))`,
    });
    const documents = readWithPolars(`${dir}/${CORPUS_FILES.documents}`);
    expect(documents, NUM_DOCUMENTS, {
      doc_id: "DataType(Int32)",
      toxic: "DataType(Bool)",
      text: "DataType(String)",
    });

    const scoreSum = await writeScoreTable(`${dir}/scores.arrow`, corpus, scoreBatches());
    const scores = readWithPolars(`${dir}/scores.arrow`);
    const tokenSum = corpus.tokens.reduce((sum, token) => sum + token, 0);
    const readTokenSum = Number(scores.frame.getColumn("token_id").sum());
    if (readTokenSum !== tokenSum) {
      throw new Error(`Polars token_id sum ${readTokenSum}, expected ${tokenSum}`);
    }
    const readScoreSum = Number(scores.frame.getColumn("score").sum());
    if (Math.abs(readScoreSum - scoreSum) > SCORE_SUM_TOLERANCE * Math.max(1, Math.abs(scoreSum))) {
      throw new Error(`Polars score sum ${readScoreSum}, expected ${scoreSum}`);
    }
    expect(scores, NUM_CHUNKS * BLOCK_SIZE, {
      chunk_id: "DataType(Int32)",
      position: "DataType(Int32)",
      token_id: "DataType(Int32)",
      score: "DataType(Float32)",
      source: "DataType(String)",
    });

    await writePromptSets(`${dir}/prompts.arrow`, PROMPT_SETS);
    const prompts = readWithPolars(`${dir}/prompts.arrow`);
    expect(prompts, 3, {
      set: "DataType(String)",
      prompt: "DataType(String)",
      continuation: "DataType(String)",
      prompt_toxicity: "DataType(Float64)",
    });
    return [chunks, documents, scores, prompts].map(({ file, rows, columns }) => ({ file, rows, columns }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  for (const check of await checkArrowReaders()) {
    const types = Object.entries(check.columns).map(([name, type]) => `${name}: ${type}`).join(", ");
    console.log(`polars read ${check.file}: ${check.rows} rows (${types})`);
  }
}
