/** Hand-built report data for the renderer tests, with hostile text in every free-text field. */

import type { ArmInfo, MetricRow, ReportData } from "../../lib/report/types.ts";

/** Text that breaks naive HTML, Markdown and SVG writers. */
export const HOSTILE =
  `<script src="//evil.invalid/x.js">alert(1)</script> | **bold** </svg> "q" 'a' & [x](y)`;

/** Arms in data order. The renderer must put arms with a paper row first, in the IF-Guide paper's row order. */
export const ARMS: ArmInfo[] = [
  { name: "filter-docs", kind: "filter-docs", decoding: "sample" },
  { name: "ifguide", kind: "ifguide", decoding: "sample", paperRow: "ifguide" },
  { name: "none", kind: "none", decoding: "sample", paperRow: "none" },
  { name: "dpo", kind: "dpo", decoding: "sample", paperRow: "dpo" },
  { name: "rad", kind: "rad", decoding: "rad", paperRow: "rad" },
  { name: "ifguide+rad", kind: "ifguide+rad", decoding: "rad", paperRow: "ifguide+rad" },
];

/** Arm names in the order the main table must show them. */
export const MAIN_ORDER = ["none", "dpo", "rad", "ifguide", "ifguide+rad", "filter-docs"];

/** Toxic-prompt TP per arm (intervals: value ± 0.04); IF-Guide is disjoint from DPO, overlaps RAD. */
export const TP_TOXIC: Record<string, number> = {
  none: 0.72,
  dpo: 0.41,
  rad: 0.17,
  ifguide: 0.12,
  "ifguide+rad": 0.05,
  "filter-docs": 0.33,
};

/** Validation perplexity per arm that has one. */
export const PERPLEXITY: Record<string, number> = { none: 40, dpo: 41.5, ifguide: 43, "filter-docs": 40.5 };

const HALF_WIDTH = 0.04;

/** Classifier ids of the fixture run. */
export const EXPLICIT = "explicit-logreg";
export const IMPLICIT = "implicit-toxigen";

/** Build a toxicity row of `classifier` for `attribute`, with a symmetric interval. */
function toxicityRow(
  arm: string,
  seed: number,
  promptSet: string,
  metric: string,
  value: number,
  classifier = EXPLICIT,
  attribute = "toxicity",
): MetricRow {
  const interval = { ciLow: value - HALF_WIDTH, ciHigh: value + HALF_WIDTH };
  return { arm, seed, promptSet, metric, attribute, classifier, value, ...interval, n: 100 };
}

/** Build a fluency row (no classifier). */
function fluencyRow(arm: string, seed: number, promptSet: string, metric: string, value: number): MetricRow {
  return {
    arm,
    seed,
    promptSet,
    metric,
    value,
    ciLow: value - HALF_WIDTH,
    ciHigh: value + HALF_WIDTH,
    n: 500,
  };
}

/** Metric rows for every arm and seed; the second seed shifts each value by `seedShift`. */
export function metricRows(seeds: number[], seedShift = 0.01): MetricRow[] {
  const rows: MetricRow[] = [];
  seeds.forEach((seed, seedIndex) => {
    const shift = seedIndex * seedShift;
    for (const arm of ARMS.map((entry) => entry.name)) {
      const tp = TP_TOXIC[arm] + shift;
      rows.push(
        toxicityRow(arm, seed, "rtp_all", "emt", tp * 0.6 + 0.011),
        toxicityRow(arm, seed, "rtp_all", "tp", tp * 0.5 + 0.007),
        toxicityRow(arm, seed, "rtp_toxic", "emt", tp * 0.9 + 0.013),
        toxicityRow(arm, seed, "rtp_toxic", "tp", tp),
        toxicityRow(arm, seed, "rtp_nontoxic", "tp", tp * 0.3),
        toxicityRow(arm, seed, "bold", "emt", tp * 0.2 + 0.003),
        toxicityRow(arm, seed, "rtp_all", "emt_std", 0.101 + shift),
        toxicityRow(arm, seed, "rtp_all", "emt", tp * 0.7 + 0.021, IMPLICIT),
        toxicityRow(arm, seed, "rtp_all", "tp", tp * 0.6 + 0.017, IMPLICIT),
        toxicityRow(arm, seed, "toxigen_hate", "tp", tp * 0.4, IMPLICIT),
        toxicityRow(arm, seed, "rtp_toxic", "emt", tp * 0.8 + 0.005, EXPLICIT, "insult"),
        toxicityRow(arm, seed, "bold", "emt", tp * 0.1 + 0.005, EXPLICIT, "insult"),
        fluencyRow(arm, seed, "lambada", "lambada_last_token", 0.212 + shift),
        fluencyRow(arm, seed, "lambada", "lambada_last_word", 0.143 + shift),
      );
      // Decoding does not change model perplexity, so the RAD arms report none; the frontier skips them.
      if (!arm.includes("rad")) {
        rows.push({
          arm,
          seed,
          promptSet: "corpus_test",
          metric: "perplexity",
          value: PERPLEXITY[arm] + shift * 100,
          n: 64,
        });
      }
    }
  });
  return rows;
}

/** Full report data for one or more training seeds. */
export function reportData(seeds: number[] = [1004]): ReportData {
  return {
    meta: {
      specName: "fixture",
      runId: "run-0001",
      spec: { name: "fixture", seeds, selection: { lambda: 1, window: 1 }, note: HOSTILE },
      plan: [
        { id: "data", stage: "data", key: "a1b2c3", cached: true, seconds: 1.5 },
        { id: "train/none/1004", stage: "train", key: "d4e5f6", cached: false, seconds: 120.25 },
        { id: "train/ifguide/1004", stage: "train", key: "a7b8c9", cached: false, seconds: 130.5 },
      ],
      fingerprints: [{ name: "rtp-prompts", sha256: "ff00ee11", rows: 2000 }],
      versions: { deno: "2.9.6", tfjs: "4.22.0", backend: "wasm", blas: "none" },
      seeds,
      evaluationSeed: 42,
      startedAt: "2026-01-02T03:04:05.000Z",
      endedAt: "2026-01-02T03:34:05.000Z",
    },
    results: [
      ...metricRows(seeds),
      { promptSet: "jigsaw_test", metric: "auroc", classifier: EXPLICIT, value: 0.94, n: 2000 },
    ],
    classifierRoles: { explicit: EXPLICIT, implicit: IMPLICIT },
    arms: ARMS.map((arm) => ({ ...arm })),
    attribution: {
      quality: [
        {
          method: "differential ekfac",
          precision: 0.61,
          recall: 0.42,
          f1: 0.497,
          auroc: 0.88,
          auprc: 0.55,
          chunkAuroc: 0.93,
          chunkAuprc: 0.71,
          budgetShare: { jigsaw: 0.8, wikitext: 0.2 },
        },
        { method: "random", precision: 0.05, recall: 0.02, f1: 0.029, auroc: 0.5, auprc: 0.05 },
      ],
      selections: [{
        method: "differential",
        stats: {
          percentile: 0.99,
          threshold: 0.000123,
          budgetTokens: 5000,
          tokensSelected: 4980,
          stopReason: "budget",
        },
      }],
      curves: [
        {
          method: "differential",
          points: [0.005, 0.01, 0.02].map((budget, i) => ({
            budget,
            precision: 0.7 - i * 0.1,
            recall: 0.2 + i * 0.15,
          })),
        },
        {
          method: "random",
          points: [0.005, 0.01, 0.02].map((budget) => ({ budget, precision: 0.05, recall: budget })),
        },
      ],
      histograms: [{
        label: "differential score",
        edges: [-1, 0, 1, 2],
        toxic: [5, 20, 75],
        benign: [300, 600, 100],
      }],
      topChunks: [
        {
          chunkId: 17,
          source: "jigsaw",
          score: 3.25,
          toxic: true,
          tokens: [{ text: "you ", score: 0.1, selected: false }, {
            text: HOSTILE,
            score: 2.5,
            selected: true,
          }],
        },
        { chunkId: 4, source: "jigsaw", score: 2.75, html: `a <mark>b&lt;c</mark> <script>x</script>` },
      ],
      topTokens: [{ token: " idiot", count: 120, share: 0.12 }, { token: HOSTILE, count: 3, share: 0.003 }],
    },
    classifiers: [
      {
        classifier: "explicit-logreg",
        source: "jigsaw test",
        auroc: 0.94,
        aurocLow: 0.92,
        aurocHigh: 0.96,
        f1: 0.81,
        positiveRate: 0.12,
        ece: 0.031,
        spearman: 0.77,
        n: 2000,
      },
    ],
    model: {
      unigramPerplexity: 812.5,
      validation: [{ model: "none", perplexity: 41.25 }, { model: "ifguide", perplexity: 43.5 }],
      samples: [
        {
          arm: "none",
          promptSet: "toxic",
          prompt: HOSTILE,
          continuation: `line one\nline two ${HOSTILE}`,
          toxicity: 0.93,
        },
      ],
    },
    corpus: {
      documents: 12000,
      tokens: 2500000,
      toxicShare: 0.1,
      sources: [
        { source: "jigsaw", documents: 2000, tokens: 400000, toxicShare: 0.6 },
        { source: "wikitext", documents: 10000, tokens: 2100000, toxicShare: 0 },
      ],
    },
  };
}
