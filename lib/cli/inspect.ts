/**
 * `deno task inspect RUN_DIR [--chunk N ...] [--top K] [--html FILE] [--no-color]`: show scored
 * training chunks with their selected tokens highlighted and toxic-document tokens underlined.
 *
 * The run folder's `plan.json` lists each node's artifact folder. The command reads the selection
 * artifact (mask and ranking), the token-score table that fed it (token ids, scores and toxic labels
 * per position) and the tokenizer. Each lookup is a small function below, so a change of artifact
 * layout touches one place.
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import type { Tokenizer } from "../data/types.ts";
import { loadTokenizer, TOKENIZER_FILE } from "../data/tokenizer/io.ts";
import type { StoredPlan } from "../runner/run_folder.ts";
import { readSelection } from "../select/artifact.ts";
import { type ChunkView, renderChunksHtml, renderChunkTerminal } from "../select/render.ts";
import type { SelectionResult } from "../select/types.ts";
import { buildChunkView, type ChunkColumns, topRankedChunks } from "../select/views.ts";
import { readArrowBatches } from "../util/arrow.ts";
import { exists, readJson, writeTextAtomic } from "../util/atomic.ts";

const HELP = `usage: deno task inspect RUN_DIR [options]

Show training chunks of a run with the tokens the selection picked highlighted
(deeper colour: higher score) and tokens of ground-truth toxic documents underlined.

options:
  --chunk N          corpus chunk id to show (repeatable)
  --top K            show the K highest-ranked chunks (default 5 when no --chunk is given)
  --selection ID     plan node id of the selection to inspect, when the run has several
  --html FILE        also write the chunks as an HTML fragment to FILE
  --no-color         plain text markers instead of colours (also when NO_COLOR is set)
  -h, --help         show this help

exit codes: 0 shown, 1 the run folder or an artifact could not be read, 2 usage error`;

/** Stage names of the nodes the command reads, in order of preference. */
const SELECTION_STAGES = ["selection"];
const SCORE_STAGES = ["merge-scores", "scores"];
const TOKENIZER_STAGES = ["tokenizer"];

type PlanNode = StoredPlan["nodes"][number];

/** Read `plan.json` from a run folder. */
export async function readRunPlan(runDir: string): Promise<StoredPlan> {
  const path = join(runDir, "plan.json");
  if (!(await exists(path))) {
    throw new Error(
      `${path} not found; pass the folder of a run (reports/<spec>/<run id>) created by 'deno task run'`,
    );
  }
  return await readJson<StoredPlan>(path);
}

/** Find the plan node of one of `stages`: the one named `nodeId` when given, else the first such node. */
export function findNode(plan: StoredPlan, stages: string[], nodeId?: string): PlanNode {
  const matches = plan.nodes.filter((node) => stages.includes(node.stage));
  if (nodeId !== undefined) {
    const node = matches.find((candidate) => candidate.id === nodeId);
    if (!node) {
      const available = matches.map((candidate) => candidate.id).join(", ") || "none";
      throw new Error(`no ${stages[0]} node '${nodeId}' in the plan; available: ${available}`);
    }
    return node;
  }
  if (matches.length === 0) {
    throw new Error(`the plan has no ${stages.join("/")} node, so the run has nothing to inspect`);
  }
  return matches[0];
}

/** Find the score node that feeds a selection node (by its recorded inputs), or else the first score node. */
export function scoreNodeOf(plan: StoredPlan, selection: PlanNode): PlanNode {
  const inputs = new Set(Object.values(selection.inputs ?? {}));
  const fed = plan.nodes.find((node) =>
    SCORE_STAGES.includes(node.stage) && (inputs.has(node.id) || inputs.has(node.key))
  );
  return fed ?? findNode(plan, SCORE_STAGES);
}

/** Load the tokenizer artifact of a tokenizer node. */
export function loadTokenizerArtifact(dir: string): Promise<Tokenizer> {
  return loadTokenizer(join(dir, TOKENIZER_FILE));
}

/** Path of the token-score table in a score artifact folder. */
export async function scoreTablePath(dir: string): Promise<string> {
  const preferred = join(dir, "scores.arrow");
  if (await exists(preferred)) return preferred;
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".arrow")) return join(dir, entry.name);
  }
  throw new Error(
    `no Arrow score table in ${dir}; the score artifact is incomplete, so rerun the scores stage`,
  );
}

/** Token ids, scores and toxic labels of the wanted chunks, read from the score table batch by batch. */
export async function readChunkColumns(
  path: string,
  chunkIds: number[],
  blockSize: number,
): Promise<Map<number, ChunkColumns>> {
  const wanted = new Set(chunkIds);
  const columns = new Map<number, ChunkColumns>();
  for await (const batch of readArrowBatches(path)) {
    const chunk = batch.getChild("chunk_id")?.toArray() as Int32Array | undefined;
    const position = batch.getChild("position")?.toArray() as Int32Array | undefined;
    const token = batch.getChild("token_id")?.toArray() as Int32Array | undefined;
    if (!chunk || !position || !token) {
      throw new Error(`${path} lacks chunk_id, position or token_id; inspection needs all three columns`);
    }
    const score = batch.getChild("score")?.toArray() as Float32Array | undefined;
    const toxic = batch.getChild("toxic")?.toArray() as Uint8Array | undefined;
    for (let i = 0; i < chunk.length; i++) {
      if (!wanted.has(chunk[i])) continue;
      let entry = columns.get(chunk[i]);
      if (!entry) {
        entry = {
          tokenIds: new Int32Array(blockSize),
          scores: score ? new Float32Array(blockSize) : null,
          toxic: toxic ? new Uint8Array(blockSize) : null,
        };
        columns.set(chunk[i], entry);
      }
      entry.tokenIds[position[i]] = token[i];
      if (entry.scores && score) entry.scores[position[i]] = score[i];
      if (entry.toxic && toxic) entry.toxic[position[i]] = toxic[i];
    }
  }
  return columns;
}

/** Everything the views need from a run folder. */
export interface InspectSources {
  selection: SelectionResult;
  tokenizer: Tokenizer;
  scoreTable: string;
}

/** Locate and load the selection, tokenizer and score table of a run. */
export async function loadInspectSources(runDir: string, selectionNode?: string): Promise<InspectSources> {
  const plan = await readRunPlan(runDir);
  const selectionAt = findNode(plan, SELECTION_STAGES, selectionNode);
  return {
    selection: await readSelection(selectionAt.artifactDir),
    tokenizer: await loadTokenizerArtifact(findNode(plan, TOKENIZER_STAGES).artifactDir),
    scoreTable: await scoreTablePath(scoreNodeOf(plan, selectionAt).artifactDir),
  };
}

/** Views of the given chunks. */
export async function inspectViews(sources: InspectSources, chunkIds: number[]): Promise<ChunkView[]> {
  const { selection, tokenizer, scoreTable } = sources;
  const columns = await readChunkColumns(scoreTable, chunkIds, selection.blockSize);
  return chunkIds.map((chunkId) => {
    const found = columns.get(chunkId);
    if (!found) {
      throw new Error(
        `chunk ${chunkId} is not in the score table ${scoreTable}; pick a scored training chunk`,
      );
    }
    return buildChunkView(selection, tokenizer, chunkId, found);
  });
}

function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${flag} needs a whole number >= 0, got '${value}'`);
  }
  return n;
}

/** Run the inspect command; returns the exit code. */
export async function inspectCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        chunk: { type: "string", multiple: true },
        top: { type: "string" },
        selection: { type: "string" },
        html: { type: "string" },
        "no-color": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`expected one RUN_DIR, got ${positionals.length} arguments\n\n${HELP}`);
    return 2;
  }

  let chunkIds: number[];
  let top: number;
  try {
    chunkIds = (values.chunk ?? []).map((value) => parseCount(value, "--chunk"));
    top = values.top !== undefined ? parseCount(values.top, "--top") : chunkIds.length > 0 ? 0 : 5;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }

  try {
    const sources = await loadInspectSources(positionals[0], values.selection);
    const wanted = [...new Set([...chunkIds, ...topRankedChunks(sources.selection, top)])];
    if (wanted.length === 0) {
      console.log(
        "the selection ranked no chunks (no score is above the threshold); pass --chunk N to view one",
      );
      return 0;
    }
    const views = await inspectViews(sources, wanted);
    const stats = sources.selection.stats;
    const threshold = stats.threshold.toPrecision(6);
    console.log(
      `selection: ${stats.tokensSelected} of ${stats.budgetTokens} budget tokens in ${stats.chunksTouched} chunks, ` +
        `threshold ${threshold} (quantile ${stats.percentile}), stop: ${stats.stopReason}\n`,
    );
    const color = !values["no-color"] && !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal();
    for (const view of views) console.log(renderChunkTerminal(view, { color }));
    if (values.html) {
      await writeTextAtomic(values.html, renderChunksHtml(views) + "\n");
      console.log(`wrote ${views.length} chunks to ${values.html}`);
    }
    return 0;
  } catch (error) {
    console.error(`inspect failed: ${(error as Error).message}`);
    return 1;
  }
}
