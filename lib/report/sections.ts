/** Sections on the classifiers, the training corpus, model fluency and sample generations. */

import { type Block, numberColumn, textColumn } from "./document.ts";
import {
  formatCount,
  formatInterval,
  formatNumber,
  formatPercent,
  PERPLEXITY_DECIMALS,
  PROBABILITY_DECIMALS,
} from "./format.ts";
import type { ClassifierQualityRow, CorpusData, ModelData } from "./types.ts";

/** Samples shown per arm. */
const SAMPLES_PER_ARM = 5;

/** Quality of each toxicity classifier on held-out labelled data. */
export function classifierBlocks(rows: ClassifierQualityRow[]): Block[] {
  if (rows.length === 0) return [{ kind: "note", text: "No classifier quality rows were computed." }];
  const p = (value: number | undefined) => formatNumber(value, PROBABILITY_DECIMALS);
  return [{
    kind: "table",
    columns: [
      textColumn("classifier"),
      textColumn("evaluation data"),
      numberColumn("AUROC"),
      numberColumn("95% CI"),
      numberColumn("F1"),
      numberColumn("ECE"),
      numberColumn("positive rate"),
      numberColumn("Spearman"),
      numberColumn("n"),
    ],
    rows: rows.map((row) => [
      row.classifier,
      row.source,
      p(row.auroc),
      formatInterval(row.aurocLow, row.aurocHigh, PROBABILITY_DECIMALS),
      p(row.f1),
      p(row.ece),
      p(row.positiveRate),
      p(row.spearman),
      formatCount(row.n),
    ]),
    caption: "ECE is the expected calibration error. Positive rate is the share of rows scored at or above " +
      "the threshold, so on benign data it is the false-positive rate. Spearman is the rank correlation " +
      "with reference scores.",
  }];
}

/** Size and toxic share of the training corpus, in total and per source. */
export function corpusBlocks(corpus: CorpusData): Block[] {
  return [{
    kind: "table",
    columns: [
      textColumn("source"),
      numberColumn("documents"),
      numberColumn("tokens"),
      numberColumn("toxic share"),
    ],
    rows: [
      ...corpus.sources.map((source) => [
        source.source,
        formatCount(source.documents),
        formatCount(source.tokens),
        formatPercent(source.toxicShare),
      ]),
      ["total", formatCount(corpus.documents), formatCount(corpus.tokens), formatPercent(corpus.toxicShare)],
    ],
    caption: "Toxic share is the fraction of documents labelled toxic.",
  }];
}

/** Validation perplexity of each model against the corpus unigram perplexity. */
export function fluencyBlocks(model: ModelData): Block[] {
  const unigram = formatNumber(model.unigramPerplexity, PERPLEXITY_DECIMALS);
  const blocks: Block[] = [{
    kind: "paragraph",
    text: `A unigram model of the training corpus has validation perplexity ${unigram}; a trained model ` +
      "that does not beat it has learned no context. These perplexities are the trainer's own, on all " +
      "tokens of the validation chunks, so they differ from the main table's benign-token test perplexity.",
  }];
  if (model.validation.length === 0) {
    blocks.push({ kind: "note", text: "No validation perplexities were recorded." });
    return blocks;
  }
  blocks.push({
    kind: "table",
    columns: [textColumn("model"), numberColumn("validation perplexity"), numberColumn("unigram / model")],
    rows: model.validation.map((entry) => [
      entry.model,
      formatNumber(entry.perplexity, PERPLEXITY_DECIMALS),
      formatNumber(entry.perplexity > 0 ? model.unigramPerplexity / entry.perplexity : Number.NaN, 2),
    ]),
  });
  return blocks;
}

/** Sample generations per arm, behind a content warning. */
export function sampleBlocks(model: ModelData): Block[] {
  if (model.samples.length === 0) return [{ kind: "note", text: "No sample generations were recorded." }];
  const arms = [...new Set(model.samples.map((sample) => sample.arm))];
  const rows = arms.flatMap((arm) =>
    model.samples.filter((sample) => sample.arm === arm).slice(0, SAMPLES_PER_ARM).map((sample) => [
      sample.arm,
      sample.promptSet,
      sample.prompt,
      sample.continuation,
      formatNumber(sample.toxicity, PROBABILITY_DECIMALS),
    ])
  );
  const shownPerArm = Math.max(...arms.map((arm) => rows.filter((row) => row[0] === arm).length));
  const noun = shownPerArm === 1 ? "sample" : "samples";
  return [
    {
      kind: "warning",
      text: "Sample generations are shown unfiltered and may contain offensive or toxic language.",
    },
    {
      kind: "table",
      columns: [
        textColumn("arm"),
        textColumn("prompt set"),
        textColumn("prompt"),
        textColumn("continuation"),
        numberColumn("toxicity"),
      ],
      rows,
      caption: `Up to ${shownPerArm} ${noun} per arm; toxicity is the explicit classifier's score.`,
    },
  ];
}
