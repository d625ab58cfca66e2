/** Token filters: greedy, top-k and top-p keep the right tokens and sample them in proportion. */

import assert from "assert";
import { argmax, sampleFromLogits } from "../../lib/model/sampling.ts";
import { Rng } from "../../lib/util/rng.ts";

/** Draws per frequency check, and the allowed gap to the exact probability (about 4 standard errors). */
const DRAWS = 4000;
const FREQUENCY_TOLERANCE = 0.035;

function frequencies(logits: number[], topK: number, topP: number): number[] {
  const rng = Rng.derive(1, "sampling-test", topK, topP);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < DRAWS; i++) counts[sampleFromLogits(logits, { temperature: 1, topK, topP }, rng)] += 1;
  return counts.map((c) => c / DRAWS);
}

function expectClose(got: number[], want: number[], label: string): void {
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]) <= FREQUENCY_TOLERANCE, `${label} token ${i}: ${g} vs ${want[i]}`)
  );
}

const LOGITS = [0.1, 0.2, 0.3, 0.4].map(Math.log); // probabilities 0.1, 0.2, 0.3, 0.4

Deno.test("sampling without filters follows softmax", () => {
  expectClose(frequencies(LOGITS, 0, 1), [0.1, 0.2, 0.3, 0.4], "full");
});

Deno.test("sampling top-k keeps the k largest", () => {
  const f = frequencies(LOGITS, 2, 1);
  assert.equal(f[0] + f[1], 0, "tokens outside the top 2 never appear");
  expectClose(f, [0, 0, 3 / 7, 4 / 7], "top-2");
});

Deno.test("sampling top-p keeps the smallest nucleus", () => {
  // 0.4 < 0.5, 0.4 + 0.3 >= 0.5: the nucleus is {3, 2}.
  expectClose(frequencies(LOGITS, 0, 0.5), [0, 0, 3 / 7, 4 / 7], "top-p 0.5");
  // p = 0.4 is reached by token 3 alone.
  expectClose(frequencies(LOGITS, 0, 0.4), [0, 0, 0, 1], "top-p 0.4");
  // After top-3 the probabilities are 2/9, 3/9, 4/9: 4/9 + 3/9 reaches 0.75 but not 0.8.
  expectClose(frequencies(LOGITS, 3, 0.75), [0, 0, 3 / 7, 4 / 7], "top-3 then top-p 0.75");
  expectClose(frequencies(LOGITS, 3, 0.8), [0, 2 / 9, 3 / 9, 4 / 9], "top-3 then top-p 0.8");
});

Deno.test("sampling temperature 0 is argmax and -Infinity is never drawn", () => {
  assert.equal(sampleFromLogits(LOGITS, { temperature: 0, topK: 0, topP: 1 }, new Rng(1)), 3);
  assert.equal(argmax([1, 5, 5, 2]), 1, "first index on ties");
  const masked = [0, -Infinity, 0, -Infinity];
  const f = frequencies(masked, 0, 1);
  assert.equal(f[1] + f[3], 0);
  assert.throws(
    () => sampleFromLogits([-Infinity, -Infinity], { temperature: 1, topK: 0, topP: 1 }, new Rng(1)),
    /-Infinity/,
  );
});
