import assert from "assert";
import { ContinuationTracker, RadProcessor } from "../../lib/baselines/rad.ts";
import { type CandidateScorer, ClassifierScorer } from "../../lib/baselines/rad_scorer.ts";
import { Rng } from "../../lib/util/rng.ts";
import { ByteTokenizer, WordListClassifier } from "./fixtures.ts";

/** Logits are float32; sums of two float32 values of order 50 round within this. */
const FLOAT32_TOLERANCE = 1e-5;

Deno.test("ClassifierScorer texts equal full decodes", () => {
  const tokenizer = new ByteTokenizer();
  const classifier = new WordListClassifier(["bad"]);
  const scorer = new ClassifierScorer(tokenizer, classifier);
  // Multi-byte characters make the byte tokens split UTF-8 sequences at most steps.
  const rows = ["a日é bad!", "ünïcødé ok", "plain text"].map((text) => tokenizer.encode(text));
  const rng = Rng.derive(3, "scorer");
  const steps = Math.max(...rows.map((row) => row.length));

  for (let step = 0; step <= steps; step++) {
    const continuations = rows.map((row) => row.subarray(0, Math.min(step, row.length)));
    const candidates = rows.map(() => Int32Array.from({ length: 4 }, () => rng.int(256)));
    const scores = scorer.score(continuations, candidates);

    const sent = classifier.calls[classifier.calls.length - 1];
    assert.equal(classifier.calls.length, step + 1, "one predict call per step");
    assert.equal(sent.length, 12);
    assert.equal(scores.length, 12);
    let offset = 0;
    continuations.forEach((continuation, row) => {
      for (const candidate of candidates[row]) {
        const expected = tokenizer.decode([...continuation, candidate]);
        assert.equal(sent[offset], expected, `step ${step}, row ${row}, candidate ${candidate}`);
        offset += 1;
      }
    });
  }
});

/** Records what it was given; the listed token scores toxicity 1, every other token 0. */
class RecordingScorer implements CandidateScorer {
  readonly id = "recording";
  readonly seen: Array<{ continuations: number[][]; candidates: number[][] }> = [];
  constructor(readonly toxicToken: number) {}

  score(continuations: Int32Array[], candidates: Int32Array[]): Float32Array {
    this.seen.push({
      continuations: continuations.map((row) => Array.from(row)),
      candidates: candidates.map((row) => Array.from(row)),
    });
    return Float32Array.from(
      candidates.flatMap((row) => Array.from(row, (token) => (token === this.toxicToken ? 1 : 0))),
    );
  }
}

Deno.test("RadProcessor reward and mask", async () => {
  const vocab = 6;
  const scorer = new RecordingScorer(1);
  const processor = new RadProcessor({ beta: 10, topK: 3, topP: 1, scorer });
  const logits = Float32Array.from([0.5, 3, 2, 1, -1, 0, /* row 2 */ 5, 4, 0, -1, -2, -3]);
  const out = await processor.process(logits, vocab, [Int32Array.from([4, 4]), Int32Array.from([2])]);

  // Row 1 keeps tokens 1, 2, 3 and row 2 keeps 0, 1, 2; token 1 is toxic, so it gains nothing.
  const expected = [-Infinity, 3, 12, 11, -Infinity, -Infinity, 15, 4, 10, -Infinity, -Infinity, -Infinity];
  expected.forEach((value, i) => {
    if (value === -Infinity) assert.equal(out[i], -Infinity, `index ${i}`);
    else assert.ok(Math.abs(out[i] - value) <= FLOAT32_TOLERANCE, `index ${i}: ${out[i]} vs ${value}`);
  });
  assert.deepEqual(scorer.seen[0].continuations, [[], []]);
  assert.deepEqual(processor.stats, { steps: 1, rowSteps: 2, candidates: 6 });
});

Deno.test("ContinuationTracker separates prompts", () => {
  const tracker = new ContinuationTracker();
  const step = (contexts: number[][]) =>
    tracker.continuations(contexts.map((context) => Int32Array.from(context)))
      .map((state) => ({ tokens: Array.from(state.tokens), stalled: state.stalled }));
  assert.deepEqual(step([[7, 8], [9]]), [{ tokens: [], stalled: false }, { tokens: [], stalled: false }]);
  assert.deepEqual(step([[7, 8, 1], [9, 2]]), [{ tokens: [1], stalled: false }, {
    tokens: [2],
    stalled: false,
  }]);
  // Row 2 stopped: its context stays the same and it is reported stalled with its continuation.
  assert.deepEqual(step([[7, 8, 1, 3], [9, 2]]), [{ tokens: [1, 3], stalled: false }, {
    tokens: [2],
    stalled: true,
  }]);
  // A new batch: contexts that do not extend the previous ones are prompts again.
  assert.deepEqual(step([[5, 5, 5], [9, 2, 4, 4, 4]]), [{ tokens: [], stalled: false }, {
    tokens: [],
    stalled: false,
  }]);
});

Deno.test("ContinuationTracker new batch same prompt", () => {
  const tracker = new ContinuationTracker();
  const step = (contexts: number[][]) =>
    tracker.continuations(contexts.map((context) => Int32Array.from(context)))
      .map((state) => ({ tokens: Array.from(state.tokens), stalled: state.stalled }));
  step([[7], [8]]);
  // Row 1 stops at once (its context stays [7]); row 2 goes on.
  assert.deepEqual(step([[7], [8, 1]]), [{ tokens: [], stalled: true }, { tokens: [1], stalled: false }]);
  // The next batch gives row 1 the same prompt [7] and row 2 a new one: no row grew, so both are prompts.
  assert.deepEqual(step([[7], [3]]), [{ tokens: [], stalled: false }, { tokens: [], stalled: false }]);
  assert.deepEqual(step([[7, 4], [3, 5]]), [{ tokens: [4], stalled: false }, {
    tokens: [5],
    stalled: false,
  }]);
});

Deno.test("RadProcessor passes stalled rows", async () => {
  const scorer = new RecordingScorer(-1);
  const processor = new RadProcessor({ beta: 1, topK: 1, topP: 1, scorer });
  const logits = Float32Array.from([1, 0, 0, 2]);
  await processor.process(logits, 2, [Int32Array.from([0]), Int32Array.from([1])]);
  const out = await processor.process(logits, 2, [Int32Array.from([0, 0]), Int32Array.from([1])]);
  assert.deepEqual(Array.from(out), [2, -Infinity, 0, 2]);
  assert.deepEqual(scorer.seen[1].continuations, [[0]]);
  assert.equal(processor.stats.rowSteps, 3);
});

Deno.test("RadProcessor rejects bad scores", async () => {
  const scorer: CandidateScorer = {
    id: "broken",
    score: (_c, candidates) => new Float32Array(candidates.length).fill(2),
  };
  const processor = new RadProcessor({ beta: 1, topK: 1, topP: 1, scorer });
  await assert.rejects(
    () => Promise.resolve(processor.process(Float32Array.from([1, 0]), 2, [Int32Array.from([0])])),
    /toxicity 2/,
  );
  assert.throws(() => new RadProcessor({ beta: -1, topK: 20, topP: 0.9, scorer }), /beta/);
  assert.throws(() => new RadProcessor({ beta: 50, topK: 0, topP: 0.9, scorer }), /top-k/);
});
