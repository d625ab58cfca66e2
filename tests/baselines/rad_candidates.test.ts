import assert from "assert";
import { selectCandidates } from "../../lib/baselines/rad_candidates.ts";
import { Rng } from "../../lib/util/rng.ts";

/**
 * Brute force: sort every token, keep those at or above the k-th largest logit, renormalise over them
 * and cut the nucleus in probability order.
 */
function referenceCandidates(row: Float32Array, topP: number, topK: number): number[] {
  const sorted = Array.from(row).sort((a, b) => b - a);
  const threshold = topK > 0 && topK < row.length ? sorted[topK - 1] : -Infinity;
  const kept = Array.from(row.keys()).filter((v) => row[v] >= threshold && row[v] !== -Infinity);
  const max = Math.max(...kept.map((v) => row[v]));
  const total = kept.reduce((sum, v) => sum + Math.exp(row[v] - max), 0);
  kept.sort((a, b) => row[b] - row[a] || a - b);
  if (topP >= 1) return kept;
  let cumulative = 0;
  for (let i = 0; i < kept.length; i++) {
    cumulative += Math.exp(row[kept[i]] - max);
    if (cumulative >= topP * total) return kept.slice(0, i + 1);
  }
  return kept;
}

Deno.test("selectCandidates matches full sort", () => {
  const rng = Rng.derive(7, "rad-candidates");
  const settings: Array<[number, number]> = [[0.9, 20], [0.5, 20], [1, 20], [0.9, 0], [0.99, 3], [0.3, 1]];
  for (let trial = 0; trial < 60; trial++) {
    const vocab = 50 + rng.int(300);
    const scale = 0.5 + 4 * rng.next();
    const row = Float32Array.from({ length: vocab }, () => scale * rng.normal());
    if (trial % 3 === 0) row[rng.int(vocab)] = -Infinity;
    // Rounded logits make many ties, at the k-th value too.
    if (trial % 4 === 1) row.forEach((value, v) => (row[v] = Math.round(value)));
    for (const [topP, topK] of settings) {
      assert.deepEqual(
        Array.from(selectCandidates(row, topP, topK)),
        referenceCandidates(row, topP, topK),
        `trial ${trial}, top-p ${topP}, top-k ${topK}`,
      );
    }
  }
});

Deno.test("selectCandidates keeps ties", () => {
  // Ties at the k-th value are all kept, as the sampler keeps them.
  const row = Float32Array.from([1, 3, 3, 0, 3]);
  assert.deepEqual(Array.from(selectCandidates(row, 1, 2)), [1, 2, 4]);
  assert.deepEqual(Array.from(selectCandidates(row, 1, 4)), [1, 2, 4, 0]);
  assert.deepEqual(Array.from(selectCandidates(row, 1, 0)), [1, 2, 4, 0, 3]);
});

Deno.test("selectCandidates skips removed tokens", () => {
  const row = Float32Array.from([-Infinity, 2, -Infinity, 1]);
  assert.deepEqual(Array.from(selectCandidates(row, 1, 20)), [1, 3]);
  assert.throws(() => selectCandidates(Float32Array.from([-Infinity, -Infinity]), 0.9, 20), /-Infinity/);
});

Deno.test("selectCandidates rejects bad settings", () => {
  const row = Float32Array.from([0, 1]);
  assert.throws(() => selectCandidates(row, 0, 20), /top-p/);
  assert.throws(() => selectCandidates(row, 1.5, 20), /top-p/);
  assert.throws(() => selectCandidates(row, 0.9, -1), /top-k/);
});
