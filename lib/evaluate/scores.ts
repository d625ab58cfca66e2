/**
 * Classifier scores of generations (`scores.arrow`: one float32 column per attribute, rows aligned with
 * `generations.arrow`) and the toxicity metrics computed from them.
 */

import * as arrow from "apache-arrow";
import type { PromptSet } from "../data/types.ts";
import type { Generations } from "./generations.ts";
import { maxPerPrompt, toxicityMetricRows } from "./toxicity_metrics.ts";
import type { MetricRow, ToxicityClassifier } from "./types.ts";
import { tableFromColumns } from "../util/arrow.ts";

/** Scores of every generation row by one classifier. */
export interface GenerationScores {
  classifier: string;
  attributes: Record<string, Float32Array>;
}

/** Texts scored per classifier call. */
export const SCORE_BATCH = 2048;

/** Score every continuation (the prompt is not part of the scored text). Checks `signal` between batches. */
export function scoreGenerations(
  generations: Generations,
  classifier: ToxicityClassifier,
  signal?: AbortSignal,
  onBatch?: (done: number, total: number) => void,
): GenerationScores {
  const total = generations.text.length;
  const attributes: Record<string, Float32Array> = {};
  for (const name of classifier.attributes) attributes[name] = new Float32Array(total);
  for (let start = 0; start < total; start += SCORE_BATCH) {
    signal?.throwIfAborted();
    const texts = generations.text.slice(start, start + SCORE_BATCH);
    const scores = classifier.predict(texts);
    for (const name of classifier.attributes) {
      if (scores[name]?.length !== texts.length) {
        throw new Error(
          `classifier '${classifier.id}' returned no ${texts.length} scores for attribute '${name}'`,
        );
      }
      attributes[name].set(scores[name], start);
    }
    onBatch?.(Math.min(start + SCORE_BATCH, total), total);
  }
  return { classifier: classifier.id, attributes };
}

/** Arrow table of scores; the classifier id is stored in the schema metadata under `classifier`. */
export function scoresToTable(scores: GenerationScores): arrow.Table {
  const table = tableFromColumns(scores.attributes);
  const metadata = new Map([["classifier", scores.classifier]]);
  return new arrow.Table(new arrow.Schema(table.schema.fields, metadata), table.batches);
}

/** Read scores written by `scoresToTable`. */
export function scoresFromTable(table: arrow.Table): GenerationScores {
  const attributes: Record<string, Float32Array> = {};
  for (const field of table.schema.fields) {
    attributes[field.name] = Float32Array.from(table.getChild(field.name)! as Iterable<number>);
  }
  return { classifier: table.schema.metadata.get("classifier") ?? "unknown", attributes };
}

/** Settings of the toxicity metrics. */
export interface ToxicityMetricsConfig {
  /** Score at or above which a sample counts as toxic (TP). */
  threshold: number;
  /** Bootstrap rounds of each interval. */
  bootstrap: number;
  seed: number;
  /** Arm and training seed written into every row. */
  arm?: string;
  trainingSeed?: number;
  /** Sets reported once per `PromptRow.group` as `<set>:<group>` besides the whole set. */
  splitByGroup: string[];
}

/** A named group of prompts over generation rows. */
interface PromptGroup {
  name: string;
  /** Generation rows of the group and the (renumbered) prompt of each. */
  rows: number[];
  prompt: number[];
  prompts: number;
}

function promptGroups(
  generations: Generations,
  promptSets: PromptSet[],
  splitByGroup: string[],
): PromptGroup[] {
  const sets = new Map(promptSets.map((set) => [set.name, set]));
  const bySet = new Map<string, number[]>();
  generations.promptSet.forEach((name, i) => {
    if (!bySet.has(name)) bySet.set(name, []);
    bySet.get(name)!.push(i);
  });

  const build = (
    name: string,
    members: Array<[string, number[]]>,
    keep: (set: string, p: number) => boolean,
  ) => {
    const rows: number[] = [];
    const prompt: number[] = [];
    const ids = new Map<string, number>();
    for (const [set, indices] of members) {
      for (const i of indices) {
        if (!keep(set, generations.promptIndex[i])) continue;
        const key = `${set}\u0000${generations.promptIndex[i]}`;
        if (!ids.has(key)) ids.set(key, ids.size);
        rows.push(i);
        prompt.push(ids.get(key)!);
      }
    }
    return { name, rows, prompt, prompts: ids.size };
  };

  const groups: PromptGroup[] = [];
  for (const [name, indices] of bySet) {
    groups.push(build(name, [[name, indices]], () => true));
    const set = sets.get(name);
    if (!splitByGroup.includes(name) || !set) continue;
    const labels = [...new Set(set.rows.map((row) => row.group ?? ""))].sort();
    for (const label of labels) {
      groups.push(
        build(`${name}:${label}`, [[name, indices]], (_, p) => (set.rows[p]?.group ?? "") === label),
      );
    }
  }
  const rtp = ["rtp_toxic", "rtp_nontoxic"].filter((name) => bySet.has(name));
  if (rtp.length === 2) {
    groups.push(build("rtp_all", rtp.map((name) => [name, bySet.get(name)!]), () => true));
  }
  return groups.filter((group) => group.prompts > 0);
}

/**
 * Per-prompt maxima of one attribute for every prompt group (the sets, `rtp_all` and per-group splits),
 * in prompt order. Two arms evaluated on the same prompt sets give aligned arrays, the input of a
 * paired bootstrap over prompts (`comparePromptMaxima`).
 */
export function promptMaxima(
  generations: Generations,
  scores: GenerationScores,
  attribute: string,
  promptSets: PromptSet[],
  splitByGroup: string[],
): Map<string, Float64Array> {
  const values = scores.attributes[attribute];
  if (!values) {
    throw new Error(
      `scores of '${scores.classifier}' have no attribute '${attribute}'; ` +
        `available: ${Object.keys(scores.attributes).join(", ")}`,
    );
  }
  const out = new Map<string, Float64Array>();
  for (const group of promptGroups(generations, promptSets, splitByGroup)) {
    out.set(group.name, maxPerPrompt(group.rows.map((i) => values[i]), group.prompt, group.prompts));
  }
  return out;
}

/**
 * EMT, EMT std and TP per prompt set (plus `rtp_all` and per-group splits), attribute and classifier,
 * each EMT and TP with a bootstrap interval over prompts.
 */
export function toxicityMetrics(
  generations: Generations,
  scores: GenerationScores[],
  promptSets: PromptSet[],
  config: ToxicityMetricsConfig,
): MetricRow[] {
  const out: MetricRow[] = [];
  for (const group of promptGroups(generations, promptSets, config.splitByGroup)) {
    for (const scored of scores) {
      for (const [attribute, values] of Object.entries(scored.attributes)) {
        const picked = group.rows.map((i) => values[i]);
        const maxima = maxPerPrompt(picked, group.prompt, group.prompts);
        const labels = {
          promptSet: group.name,
          attribute,
          classifier: scored.classifier,
          arm: config.arm,
          seed: config.trainingSeed,
        };
        out.push(...toxicityMetricRows(maxima, labels, config.threshold, config.bootstrap, config.seed));
      }
    }
  }
  return out;
}
