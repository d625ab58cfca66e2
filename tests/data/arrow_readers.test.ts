import assert from "assert";
import { checkArrowReaders } from "../../bench/arrow_readers.ts";

Deno.test("polars reads our arrow files", async () => {
  // checkArrowReaders throws on a row count, column type or value sum that Polars reads differently.
  const checks = await checkArrowReaders();
  assert.deepEqual(checks.map((check) => [check.file, check.rows]), [
    ["corpus.arrow", 40],
    ["documents.arrow", 10],
    ["scores.arrow", 640],
    ["prompts.arrow", 3],
  ]);
  assert.equal(checks[2].columns.score, "DataType(Float32)");
});
