import assert from "assert";
import { Rng } from "../../lib/util/rng.ts";
import { float32Key, keyToFloat32, quantileSorted, streamedQuantile } from "../../lib/select/quantile.ts";

function batchesOf(values: Float32Array, size: number): () => AsyncIterable<Float32Array> {
  return async function* () {
    for (let start = 0; start < values.length; start += size) yield values.subarray(start, start + size);
  };
}

Deno.test("float32 key preserves order", () => {
  const values = [-Infinity, -3.3e38, -1, -1e-40, -0, 0, 1e-40, 1, 2.5, 3.4e38, Infinity];
  const keys = values.map(float32Key);
  for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] <= keys[i], `key order broken at ${values[i]}`);
  for (const value of values) assert.equal(keyToFloat32(float32Key(value)), Math.fround(value));
});

Deno.test("streamed quantile equals sorted quantile", async () => {
  const rng = Rng.derive(7, "quantile");
  const sizes = [1, 2, 17, 1000, 4099];
  const levels = [0, 0.01, 0.37, 0.5, 0.9, 0.99, 1];
  for (const n of sizes) {
    // Half continuous values, half drawn from a few repeated values so ties cross the quantile.
    const values = Float32Array.from(
      { length: n },
      (_, i) => i % 2 === 0 ? rng.normal() * 1e3 : rng.int(5) - 2,
    );
    const sorted = values.slice().sort();
    for (const batchSize of [1, 7, 64, 100000]) {
      for (const p of levels) {
        const streamed = await streamedQuantile(batchesOf(values, batchSize), p);
        assert.equal(streamed, quantileSorted(sorted, p), `n=${n} batch=${batchSize} p=${p}`);
      }
    }
  }
});

Deno.test("quantile matches numpy linear", () => {
  // numpy.quantile([1, 2, 3, 4], q) with the default method gives 1.75 at 0.25 and 3.25 at 0.75.
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.75), 3.25);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.equal(quantileSorted([5], 0.3), 5);
});

Deno.test("quantile rejects bad level", async () => {
  await assert.rejects(
    () => streamedQuantile(batchesOf(Float32Array.of(1, 2), 1), 99),
    /in \[0, 1\], got 99/,
  );
});
