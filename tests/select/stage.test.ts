import assert from "assert";
import { attributionStage } from "../../lib/select/attribution_stage.ts";
import { selectionStage } from "../../lib/select/stage.ts";
import {
  corpusFromDocuments,
  pieceTokenizer,
  scoresFromRows,
  selectionSpec,
  stageContext as context,
} from "./helpers.ts";

Deno.test("selection stage saves and loads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scores = scoresFromRows([[0, 9, 0, 0], [0, 0, 0, 4]], [3, 8]);
    const config = selectionSpec({ percentile: 0.5, window: 1, budget_tokens: 10 });
    const warnings: string[] = [];
    const result = await selectionStage.run(context(dir, warnings), config, { scores });
    // Two candidates with windows of 3 and 2 tokens fill 5 of the 10 budget tokens.
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].includes("filled 50.0% of its 10-token budget"), warnings[0]);
    await selectionStage.codec.save(dir, result);
    const loaded = await selectionStage.codec.load(dir);
    assert.deepEqual(loaded, result);
    assert.equal(loaded.stats.tokensSelected, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("selection stage honours abort", async () => {
  const controller = new AbortController();
  controller.abort(new Error("cancelled by test"));
  const scores = scoresFromRows([[0, 1]]);
  await assert.rejects(
    () =>
      selectionStage.run({ ...context("/nonexistent"), signal: controller.signal }, selectionSpec(), {
        scores,
      }),
    /cancelled by test/,
  );
});

Deno.test("attribution stage keeps NaN", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const corpus = corpusFromDocuments([
      { tokens: [1, 2, 3, 4], source: "books" },
      { tokens: [5, 5, 6, 6], toxic: true, source: "tweets" },
    ], 4);
    const tokenizer = pieceTokenizer(["", " a", " b", " c", " d", " shit", " e"]);
    const differential = scoresFromRows([[0, 0, 0, 0], [2, 3, 1, 1]]);
    const config = { selection: selectionSpec({ percentile: 0.5, window: 0, budget_tokens: 2 }), seed: 1 };
    const comparison = await attributionStage.run(context(dir), config, { corpus, tokenizer, differential });
    await attributionStage.codec.save(dir, comparison);
    const loaded = await attributionStage.codec.load(dir);
    assert.deepEqual(loaded, comparison);
    // A budget of 0.5% of 8 tokens is 0 tokens, so those curve points have no precision.
    assert.ok(loaded.curves.some((point) => point.budgetTokens === 0 && Number.isNaN(point.precision)));
    const wordList = loaded.rows.find((row) => row.method === "word list")!;
    assert.equal(wordList.tokensSelected, 2);
    // The word-list scores (1 on the " shit" tokens) rank the toxic chunk above the benign one.
    assert.equal(wordList.chunkAuroc, 1);
    assert.equal(loaded.rows[0].precision, 1);
    // Random selection scores are uniform draws; only its set metrics are checked here.
    assert.equal(loaded.rows.find((row) => row.method === "random")!.tokensSelected, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
