/** Dataset ids a corpus source may name: the shipped datasets, or `file` for a user file. */
export const CORPUS_DATASETS = ["gutenberg", "us_speeches", "nlp_corpus", "rtp", "davidson", "file"] as const;

/** One of `CORPUS_DATASETS`. */
export type CorpusDatasetId = typeof CORPUS_DATASETS[number];
