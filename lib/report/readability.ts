/**
 * The readability table and the side-by-side continuations of held-out benign documents, in the
 * report's fluency section.
 */

import { type Block, numberColumn, textColumn } from "./document.ts";
import { formatNumber, PROBABILITY_DECIMALS } from "./format.ts";
import type { ReportContext } from "./main_table.ts";
import { combinedCell, type MetricGroup, orderArms } from "./metrics.ts";
import type { ModelData } from "./types.ts";

/** Metric names of the readability stage; the general metric tables leave them out. */
export const READABILITY_METRICS = ["known_words", "known_bigrams", "repeated_trigrams"];

const SOURCES = [
  { promptSet: "samples_reading", label: "reading decoding" },
  { promptSet: "samples_evaluation", label: "evaluation decoding" },
] as const;

const HUMAN_SET = "human_text";

function cells(context: ReportContext, arm: string, promptSet: string): string[] {
  return READABILITY_METRICS.map((metric) =>
    combinedCell(context.table.get(arm, { metric, promptSet }), PROBABILITY_DECIMALS)
  );
}

/**
 * Build the readability table (one row per arm and decoding, with the held-out documents' own
 * continuations as the reference) and a sentence that sets the baseline's shares beside the reference.
 */
export function readabilityBlocks(context: ReportContext, model: ModelData): Block[] {
  const measured = orderArms(context.arms).filter((arm) =>
    context.table.get(arm.name, { metric: "known_words", promptSet: "samples_reading" }) !== undefined
  );
  if (measured.length === 0) return [];

  const settings = model.reading?.settings;
  const rows: string[][] = [[
    "human text",
    "held-out document",
    ...cells(context, measured[0].name, HUMAN_SET),
  ]];
  for (const arm of measured) {
    for (const source of SOURCES) {
      rows.push([arm.name, source.label, ...cells(context, arm.name, source.promptSet)]);
    }
  }
  const decoding = settings
    ? `temperature ${settings.temperature}, top-k ${settings.topK || "off"}, top-p ${settings.topP}`
    : "the spec's reading settings";
  const blocks: Block[] = [{
    kind: "table",
    columns: [
      textColumn("model"),
      textColumn("text"),
      numberColumn("known words"),
      numberColumn("known word pairs"),
      numberColumn("repeated trigrams"),
    ],
    rows,
    caption: "Continuations of the openings of held-out benign corpus documents" +
      (settings ? ` (${settings.maxNewTokens} tokens each)` : "") +
      `. A word or adjacent word pair is known when it occurs at least ${settings?.minCount ?? 2} times ` +
      `in the training text; repeated trigrams are word trigrams already seen earlier in the same text. ` +
      `Reading decoding: ${decoding}. Means over documents with 95% intervals. These shares catch invented ` +
      "words and loops but not grammar or sense: a share of known word pairs above the human one means " +
      "frequent phrases, so read the continuations in the samples section.",
  }];

  const baseline = measured.find((arm) => arm.kind === "none") ?? measured[0];
  const value = (promptSet: string, metric: string, arm = baseline.name): MetricGroup | undefined =>
    context.table.get(arm, { metric, promptSet });
  const words = value("samples_reading", "known_words");
  const pairs = value("samples_reading", "known_bigrams");
  const repeats = value("samples_reading", "repeated_trigrams");
  const humanWords = value(HUMAN_SET, "known_words");
  const humanPairs = value(HUMAN_SET, "known_bigrams");
  if (words && pairs && repeats && humanWords && humanPairs) {
    const p = (group: MetricGroup) => formatNumber(group.value, PROBABILITY_DECIMALS);
    blocks.push({
      kind: "paragraph",
      text: `Over ${humanWords.n} held-out documents, under the reading decoding, ${p(words)} of the words ` +
        `that '${baseline.name}' writes are known words (human text: ${p(humanWords)}), ${p(pairs)} of its ` +
        `adjacent word pairs are known pairs (human text: ${p(humanPairs)}), and ${p(repeats)} of its ` +
        "trigrams repeat an earlier one. Documents of sources that join several rows (`group` in the data " +
        "spec) change topic from row to row, the human text included.",
    });
  }
  return blocks;
}

/** Show the continuations of the first held-out documents under the reading decoding, one row per model. */
export function readingSampleBlocks(model: ModelData): Block[] {
  const reading = model.reading;
  if (!reading || reading.samples.length === 0) return [];
  const rows = reading.samples.flatMap((sample) => [
    [sample.prompt, "human text", sample.human],
    ...sample.arms.map((entry) => [sample.prompt, entry.arm, entry.continuation]),
  ]);
  const { temperature, topK, topP } = reading.settings;
  return [{
    kind: "table",
    columns: [textColumn("prompt"), textColumn("model"), textColumn("continuation")],
    rows,
    caption: `Openings of held-out benign documents continued by each model under the reading decoding ` +
      `(temperature ${temperature}, top-k ${
        topK || "off"
      }, top-p ${topP}); "human text" is the document's own ` +
      "continuation.",
  }];
}
