/** The provenance section: run identity, versions, seeds, data fingerprints, plan keys, timings, spec. */

import { stringify } from "yaml";
import { type Block, numberColumn, textColumn } from "./document.ts";
import { formatCount, formatNumber } from "./format.ts";
import type { ReportMeta } from "./types.ts";

const SECONDS_DECIMALS = 1;

/** Seconds between two ISO-8601 times, or NaN when either does not parse. */
function elapsedSeconds(start: string, end: string): number {
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

/** Run facts, versions, seeds, fingerprints, stage timings, plan keys and the resolved spec. */
export function provenanceBlocks(meta: ReportMeta): Block[] {
  const seconds = (value: number) => formatNumber(value, SECONDS_DECIMALS);
  const blocks: Block[] = [{
    kind: "list",
    items: [
      `spec: ${meta.specName}`,
      `run: ${meta.runId}`,
      `started ${meta.startedAt}, ended ${meta.endedAt} (${
        seconds(elapsedSeconds(meta.startedAt, meta.endedAt))
      } s)`,
      `training seeds: ${meta.seeds.length > 0 ? meta.seeds.join(", ") : "none"}`,
      `evaluation seed: ${meta.evaluationSeed}`,
      ...Object.entries(meta.versions).sort(([a], [b]) => a.localeCompare(b)).map(([name, version]) =>
        `${name}: ${version}`
      ),
    ],
  }];

  if (meta.fingerprints.length > 0) {
    blocks.push({
      kind: "table",
      columns: [textColumn("data"), textColumn("sha256"), numberColumn("rows")],
      rows: meta.fingerprints.map((entry) => [
        entry.name,
        entry.sha256,
        entry.rows === undefined ? "" : formatCount(entry.rows),
      ]),
      caption: "Fingerprints of the data the run read.",
    });
  } else {
    blocks.push({ kind: "note", text: "No data fingerprints were recorded." });
  }

  if (meta.plan.length > 0) {
    const stages = [...new Set(meta.plan.map((node) => node.stage))];
    blocks.push({
      kind: "table",
      columns: [
        textColumn("stage"),
        numberColumn("nodes"),
        numberColumn("from cache"),
        numberColumn("seconds"),
      ],
      rows: stages.map((stage) => {
        const nodes = meta.plan.filter((node) => node.stage === stage);
        return [
          stage,
          formatCount(nodes.length),
          formatCount(nodes.filter((node) => node.cached).length),
          seconds(nodes.reduce((sum, node) => sum + node.seconds, 0)),
        ];
      }),
      caption: "Stage timings summed over plan nodes; cached nodes show the time they took when computed.",
    });
    blocks.push({
      kind: "table",
      columns: [
        textColumn("node"),
        textColumn("stage"),
        textColumn("key"),
        textColumn("cached"),
        numberColumn("s"),
      ],
      rows: meta.plan.map((
        node,
      ) => [node.id, node.stage, node.key, node.cached ? "yes" : "no", seconds(node.seconds)]),
      caption: "Plan nodes with their cache keys.",
    });
  } else {
    blocks.push({ kind: "note", text: "No plan nodes were recorded." });
  }

  blocks.push({ kind: "code", language: "yaml", text: stringify(meta.spec ?? null) });
  return blocks;
}
