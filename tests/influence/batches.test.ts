import assert from "assert";
import { chunkBatch, encodeQuery, queryBatch } from "../../lib/influence/batches.ts";
import { globToRegExp, selectLayers } from "../../lib/influence/layers.ts";
import { chunkCorpus, IntegerTokenizer, queryRow } from "./tiny.ts";

const tokenizer = new IntegerTokenizer(50);

Deno.test("encodeQuery truncates prompt start", () => {
  const encoded = encodeQuery(queryRow("q", [1, 2, 3, 4, 5, 6], [7, 8, 9]), tokenizer, 6)!;
  assert.deepEqual(Array.from(encoded.tokens), [4, 5, 6, 7, 8, 9]);
  assert.equal(encoded.completionStart, 3);
});

Deno.test("encodeQuery long completion and empty prompt", () => {
  const long = encodeQuery(queryRow("q", [1, 2], [3, 4, 5, 6, 7, 8]), tokenizer, 4)!;
  assert.deepEqual(Array.from(long.tokens), [2, 3, 4, 5]);
  assert.equal(long.completionStart, 1);
  const empty = encodeQuery(queryRow("q", [], [9, 10]), tokenizer, 8)!;
  assert.deepEqual(Array.from(empty.tokens), [tokenizer.eotId, 9, 10]);
  assert.equal(empty.completionStart, 1);
  assert.equal(encodeQuery({ id: "q", prompt: "1 2" }, tokenizer, 8), null);
});

Deno.test("queryBatch weights completion only", () => {
  const a = encodeQuery(queryRow("a", [1, 2], [3, 4]), tokenizer, 16)!;
  const b = encodeQuery(queryRow("b", [5], [6]), tokenizer, 16)!;
  const batch = queryBatch([a, b], tokenizer.padId);
  assert.equal(batch.time, 4);
  // Row a: positions 1 and 2 predict the completion tokens 3 and 4.
  assert.deepEqual(Array.from(batch.weights.subarray(0, 4)), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(batch.targets.subarray(1, 3)), [3, 4]);
  // Row b: position 0 predicts token 6; the rest is padding.
  assert.deepEqual(Array.from(batch.weights.subarray(4, 8)), [1, 0, 0, 0]);
  assert.deepEqual(Array.from(batch.mask!.subarray(4, 8)), [1, 1, 0, 0]);
  assert.deepEqual(Array.from(batch.tokens.subarray(4, 8)), [5, 6, 0, 0]);
});

Deno.test("chunkBatch next-token targets", () => {
  const corpus = chunkCorpus([[1, 2, 3, 4], [5, 6, 7, 8]], [false, true], 4);
  const batch = chunkBatch(corpus, [1]);
  assert.deepEqual(Array.from(batch.tokens), [5, 6, 7, 8]);
  assert.deepEqual(Array.from(batch.targets.subarray(0, 3)), [6, 7, 8]);
  assert.deepEqual(Array.from(batch.weights), [1, 1, 1, 0]);
  assert.throws(() => chunkBatch(corpus, [2]), /outside the corpus/);
});

Deno.test("layer globs", () => {
  assert.ok(globToRegExp("blocks.*.mlp.fc").test("blocks.12.mlp.fc"));
  assert.ok(!globToRegExp("blocks.*.mlp.fc").test("blocks.1.2.mlp.fc"));
  assert.ok(globToRegExp("blocks.**").test("blocks.1.attn.qkv"));
  assert.ok(globToRegExp("blocks.?.attn.out").test("blocks.3.attn.out"));
  const layers = [
    { name: "blocks.0.attn.qkv", inFeatures: 4, outFeatures: 12, bias: true },
    { name: "blocks.0.mlp.fc", inFeatures: 4, outFeatures: 8, bias: false },
  ];
  const picked = selectLayers(layers, ["blocks.*.mlp.*"]);
  assert.equal(picked.length, 1);
  assert.equal(picked[0].inDim, 4);
  assert.equal(selectLayers(layers, ["**"])[0].inDim, 5);
  assert.throws(() => selectLayers(layers, ["blocks.*.mlp.proj"]), /matches no linear layer/);
  assert.throws(() => selectLayers(layers, []), /is empty/);
});
