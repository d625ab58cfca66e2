/**
 * Stage definitions of the data part of the pipeline:
 * documents (sources -> candidate pool) -> tokenizer (pool -> Tokenizer) -> corpus (pool + tokenizer
 * -> Corpus), and the independent prompt-set and query-set stages. Every config carries `split_seed`
 * (the spec seed): all stages must use the same one, or the role splits and the document splits
 * (train, validation, test) would differ between them.
 */

import type { StageContext, StageDefinition } from "../runner/stage.ts";
import type { DataSpec, PromptSetSizes, QuerySpec, RtpFileSpec, TokenizerSpec } from "../spec/types.ts";
import type { Corpus, QuerySets, Tokenizer } from "./types.ts";
import { buildDocumentPool, type DocumentPool } from "./documents.ts";
import { readDocumentPool, writeDocumentPool } from "./document_io.ts";
import { loadTokenizer, saveTokenizer, TOKENIZER_FILE } from "./tokenizer/io.ts";
import { trainTokenizer } from "./tokenizer/train.ts";
import { loadGpt2Tokenizer } from "./tokenizer/gpt2.ts";
import { buildCorpusStream } from "./corpus.ts";
import { textsInSplit } from "./document_split.ts";
import { CORPUS_FILES, CorpusArrowWriter, readCorpus, writeCorpus, writeCorpusStats } from "./corpus_io.ts";
import { buildPromptSets, type EvaluationPromptSets } from "./prompts.ts";
import { buildQuerySets } from "./queries.ts";
import type { RtpSourceOptions } from "./rtp_file_roles.ts";
import { readPromptSets, writePromptSets } from "./prompt_io.ts";
import { exists } from "../util/atomic.ts";
import { formatCorpusStats } from "./stats_format.ts";

/** Version of every data stage; part of the cache keys. */
export const DATA_STAGE_VERSION = "2";

/** Config of the documents stage. */
export interface DocumentsConfig {
  data: DataSpec;
  split_seed: number;
}

/** Builds the candidate document pool from `data.sources`. */
export const documentsStage: StageDefinition<DocumentsConfig, Record<string, never>, DocumentPool> = {
  name: "documents",
  version: DATA_STAGE_VERSION,
  usesBackend: false,
  codec: { save: writeDocumentPool, load: readDocumentPool },
  async run(context, config) {
    const pool = await buildDocumentPool(config.data, config.split_seed);
    for (const [name, counts] of Object.entries(pool.sources)) {
      context.events.log(
        `source ${name}: ${counts.rows} rows, ${counts.documents} documents, ${counts.keptDocuments} kept`,
      );
    }
    return pool;
  },
};

/** Config of the tokenizer stage. */
export interface TokenizerConfig {
  tokenizer: TokenizerSpec;
  /** Split fractions of the document split hash. The BPE learns only from the train split. */
  splits: DataSpec["splits"];
  /** Seed of the document split hash (the spec seed, as in the corpus stage). */
  split_seed: number;
}

/**
 * Trains a byte-level BPE on the candidate documents whose split is `train` (the corpus stage gives
 * every document the same split), so held-out text never shapes the vocabulary. The pool is in seeded
 * random order, so a `train_chars` prefix is a random sample. A GPT-2 tokenizer is loaded instead.
 */
export const tokenizerStage: StageDefinition<TokenizerConfig, { documents: DocumentPool }, Tokenizer> = {
  name: "tokenizer",
  version: DATA_STAGE_VERSION,
  usesBackend: false,
  codec: {
    save: (dir, tokenizer) => saveTokenizer(`${dir}/${TOKENIZER_FILE}`, tokenizer),
    load: (dir) => loadTokenizer(`${dir}/${TOKENIZER_FILE}`),
  },
  async run(context, config, inputs) {
    if (config.tokenizer.kind === "gpt2") return await loadGpt2Tokenizer();
    const texts = textsInSplit(inputs.documents.documents, "train", config.split_seed, config.splits);
    if (texts.length === 0) {
      throw new RangeError(
        `none of the ${inputs.documents.documents.length} candidate documents is in the train split ` +
          `(data.splits ${JSON.stringify(config.splits)}), so the tokenizer has no text to learn from; ` +
          "raise data.splits.train or data.max_tokens",
      );
    }
    context.events.log(
      `tokenizer: training on ${texts.length} of ${inputs.documents.documents.length} candidate documents ` +
        "(train split)",
    );
    const tokenizer = trainTokenizer(texts, {
      vocabSize: config.tokenizer.vocab_size,
      maxChars: config.tokenizer.train_chars,
      onProgress: (done, total) => context.events.progress(done, total, "merges"),
    });
    context.events.metric("vocab_size", tokenizer.vocabSize);
    return tokenizer;
  },
};

/** Config of the corpus stage: the sizes and splits of `data`. */
export interface CorpusConfig {
  data: Pick<DataSpec, "toxic_share" | "max_tokens" | "block_size" | "splits">;
  split_seed: number;
}

/** Tokenizes, mixes and chunks the pool; streams `corpus.arrow` and `documents.arrow` into the artifact. */
export const corpusStage: StageDefinition<
  CorpusConfig,
  { documents: DocumentPool; tokenizer: Tokenizer },
  Corpus
> = {
  name: "corpus",
  version: DATA_STAGE_VERSION,
  usesBackend: false,
  codec: {
    async save(dir, corpus) {
      if (!(await exists(`${dir}/${CORPUS_FILES.chunks}`))) await writeCorpus(dir, corpus);
    },
    load: readCorpus,
  },
  async run(context, config, inputs) {
    const writer = new CorpusArrowWriter(context.outputDir, config.data.block_size);
    let stats;
    try {
      stats = await buildCorpusStream(() => inputs.documents.documents, inputs.tokenizer, {
        blockSize: config.data.block_size,
        maxTokens: config.data.max_tokens,
        toxicShare: config.data.toxic_share,
        splits: config.data.splits,
        seed: config.split_seed,
        totalDocuments: inputs.documents.documents.length,
        signal: context.signal,
        events: context.events,
      }, writer);
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writeCorpusStats(context.outputDir, stats);
    for (const line of formatCorpusStats(stats).split("\n")) context.events.log(`corpus: ${line}`);
    context.events.metric("corpus_tokens", stats.tokens);
    context.events.metric("toxic_share", stats.toxic_share);
    return readCorpus(context.outputDir);
  },
};

/** RTP source of the query and prompt-set stages: the user file if any, with the stage's signal and log. */
function rtpSource(context: StageContext, file: RtpFileSpec | undefined): RtpSourceOptions {
  return { file, signal: context.signal, log: (line) => context.events.log(line) };
}

/** Config of the prompt-set stage. */
export interface PromptSetsConfig {
  prompts: PromptSetSizes;
  /** LAMBADA passages (0 means all). */
  lambada: number;
  split_seed: number;
  /** User RTP file the RTP prompt sets come from (absent: the shipped subsets). */
  rtp_file?: RtpFileSpec;
}

const PROMPT_FILE = "prompts.arrow";
const PROMPT_SET_NAMES = ["rtp_toxic", "rtp_nontoxic", "toxigen", "bold", "adversarial", "lambada"] as const;

/** Builds the evaluation prompt sets and the LAMBADA set; saved as `prompts.arrow`. */
export const promptSetsStage: StageDefinition<PromptSetsConfig, Record<string, never>, EvaluationPromptSets> =
  {
    name: "prompt-sets",
    version: DATA_STAGE_VERSION,
    usesBackend: false,
    codec: {
      save: (dir, sets) =>
        writePromptSets(`${dir}/${PROMPT_FILE}`, PROMPT_SET_NAMES.map((name) => sets[name])),
      load: async (dir) =>
        (await readPromptSets(`${dir}/${PROMPT_FILE}`, PROMPT_SET_NAMES)) as unknown as EvaluationPromptSets,
    },
    run: (context, config) =>
      buildPromptSets(config.prompts, config.lambada, config.split_seed, rtpSource(context, config.rtp_file)),
  };

/** Config of the query-set stage. */
export interface QueriesConfig {
  queries: QuerySpec;
  split_seed: number;
  /** User RTP file the query pairs come from (absent: the shipped subsets). */
  rtp_file?: RtpFileSpec;
}

const QUERY_FILE = "queries.arrow";

/** Builds the toxic and non-toxic influence queries; saved as `queries.arrow` (sets `toxic`, `nontoxic`). */
export const queriesStage: StageDefinition<QueriesConfig, Record<string, never>, QuerySets> = {
  name: "queries",
  version: DATA_STAGE_VERSION,
  usesBackend: false,
  codec: {
    save: (dir, sets) =>
      writePromptSets(`${dir}/${QUERY_FILE}`, [{ name: "toxic", rows: sets.toxic }, {
        name: "nontoxic",
        rows: sets.nontoxic,
      }]),
    async load(dir) {
      const sets = await readPromptSets(`${dir}/${QUERY_FILE}`, ["toxic", "nontoxic"]);
      return { toxic: sets.toxic.rows, nontoxic: sets.nontoxic.rows };
    },
  },
  run: (context, config) =>
    buildQuerySets(config.queries, config.split_seed, rtpSource(context, config.rtp_file)),
};
