import assert from "assert";
import { join } from "node:path";
import { BpeTokenizer } from "../../lib/data/tokenizer/bpe.ts";
import { inspectCommand, inspectViews, loadInspectSources } from "../../lib/cli/inspect.ts";
import { writeSelection } from "../../lib/select/artifact.ts";
import {
  type ChunkView,
  highlightStrengths,
  renderChunkHtml,
  renderChunkTerminal,
} from "../../lib/select/render.ts";
import { denseScoreSource } from "../../lib/select/score_source.ts";
import { selectTokens } from "../../lib/select/select.ts";
import { tableFromColumns, writeArrowBatches } from "../../lib/util/arrow.ts";
import { writeJsonAtomic } from "../../lib/util/atomic.ts";
import { selectionSpec } from "./helpers.ts";

const STRENGTH_TOLERANCE = 1e-9;

function handView(): ChunkView {
  return {
    chunkId: 7,
    rank: 0,
    rankScore: 0.9,
    tokens: ["<b>", " you", " pig", "\x1b[2J", "\n"],
    selected: Uint8Array.of(0, 1, 1, 0, 0),
    scores: Float32Array.of(0, 2, 4, 0, 0),
    toxic: Uint8Array.of(0, 1, 1, 1, 0),
  };
}

Deno.test("highlight strength follows score", () => {
  const strengths = highlightStrengths(handView());
  assert.equal(strengths[0], 0);
  assert.ok(Math.abs(strengths[1] - (0.25 + 0.75 * 0.5)) < STRENGTH_TOLERANCE);
  assert.equal(strengths[2], 1);
});

Deno.test("html escapes and marks tokens", () => {
  const html = renderChunkHtml(handView());
  assert.ok(html.includes("&lt;b&gt;"), html);
  assert.ok(!html.includes("<b>"));
  assert.ok(html.includes("rgba(220, 38, 38, 1.00)"));
  assert.ok(html.includes("rgba(220, 38, 38, 0.63)"));
  assert.equal(html.match(/text-decoration: underline/g)?.length, 3);
  assert.ok(html.includes("chunk 7: rank 1"));
});

Deno.test("terminal plain view markers", () => {
  const text = renderChunkTerminal(handView(), { color: false });
  assert.ok(text.includes("<b>{[ you][ pig]\\x1b[2J}\n"), text);
  assert.ok(!text.includes("\x1b"));
});

Deno.test("terminal color view codes", () => {
  const text = renderChunkTerminal(handView(), { color: true });
  assert.ok(text.includes("\x1b[48;5;196;30;4m pig\x1b[0m"), JSON.stringify(text));
  assert.ok(text.includes("\\x1b[2J"), "corpus escape sequences must be neutralised");
});

async function fakeRun(root: string): Promise<string> {
  const tokenizer = new BpeTokenizer([]);
  const blockSize = 4;
  // Two scored chunks (corpus ids 5 and 9) of byte tokens spelling "hi you!" and "abcd".
  const tokenIds = Int32Array.from(new TextEncoder().encode("hi yabcd"));
  const scores = {
    numChunks: 2,
    blockSize,
    chunkIds: Int32Array.of(5, 9),
    scores: Float32Array.of(0, 0, 0, 3, 1, 0, 0, 0),
  };
  const selection = await selectTokens(
    denseScoreSource(scores),
    selectionSpec({ percentile: 0.5, window: 0, budget_tokens: 8 }),
  );

  const dirs = {
    selection: join(root, "sel"),
    scores: join(root, "sc"),
    tokenizer: join(root, "tok"),
    run: join(root, "run"),
  };
  for (const dir of Object.values(dirs)) await Deno.mkdir(dir, { recursive: true });
  await writeSelection(dirs.selection, selection);
  await writeArrowBatches(join(dirs.scores, "scores.arrow"), [tableFromColumns({
    chunk_id: Int32Array.of(5, 5, 5, 5, 9, 9, 9, 9),
    position: Int32Array.of(0, 1, 2, 3, 0, 1, 2, 3),
    token_id: tokenIds,
    score: scores.scores,
    toxic: Uint8Array.of(0, 0, 1, 1, 0, 0, 0, 0),
  })]);
  await writeJsonAtomic(join(dirs.tokenizer, "tokenizer.json"), tokenizer.toJSON());
  const node = (id: string, stage: string, artifactDir: string, inputs: Record<string, string> = {}) => ({
    id,
    stage,
    version: "1",
    key: `key-${id}`,
    inputs,
    points: [],
    artifactDir,
  });
  await writeJsonAtomic(join(dirs.run, "plan.json"), {
    cacheDir: root,
    nodes: [
      node("tokenizer", "tokenizer", dirs.tokenizer),
      node("scores", "scores", dirs.scores),
      node("selection", "selection", dirs.selection, { scores: "scores" }),
    ],
  });
  return dirs.run;
}

Deno.test("inspect reads a run folder", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = await fakeRun(root);
    const sources = await loadInspectSources(run);
    assert.deepEqual(Array.from(sources.selection.ranking.chunkIds), [5, 9]);
    const [view] = await inspectViews(sources, [5]);
    assert.equal(view.tokens.join(""), "hi y");
    assert.deepEqual(Array.from(view.selected), [0, 0, 0, 1]);
    assert.deepEqual(Array.from(view.toxic!), [0, 0, 1, 1]);

    const lines: string[] = [];
    const original = console.log;
    console.log = (text: string) => lines.push(text);
    let code: number;
    try {
      code = await inspectCommand([run, "--top", "1", "--no-color", "--html", join(root, "view.html")]);
    } finally {
      console.log = original;
    }
    assert.equal(code, 0);
    assert.ok(lines[0].startsWith("selection: 2 of 8 budget tokens in 2 chunks"), lines[0]);
    assert.ok(lines[1].startsWith("chunk 5: rank 1"), lines[1]);
    assert.ok(lines[1].includes("hi{ [y]}"), lines[1]);
    assert.ok((await Deno.readTextFile(join(root, "view.html"))).includes('data-chunk-id="5"'));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("inspect rejects bad arguments", async () => {
  const original = console.error;
  console.error = () => {};
  try {
    assert.equal(await inspectCommand([]), 2);
    assert.equal(await inspectCommand(["run", "--top", "x"]), 2);
    assert.equal(await inspectCommand(["/nonexistent-run-folder"]), 1);
  } finally {
    console.error = original;
  }
});
