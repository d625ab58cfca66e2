import assert from "assert";
import {
  loadToxigen,
  readShipped,
  setDataRoot,
  ShippedDataError,
  verifyShippedData,
} from "../../lib/data/mod.ts";
import { dataRoot } from "../../lib/data/shipped.ts";

const FILE = "toxigen/toxigen_prompt_statements.jsonl.gz";

async function copyData(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-data-copy-" });
  await Deno.mkdir(`${dir}/toxigen`);
  await Deno.copyFile(`${dataRoot()}/CHECKSUMS.json`, `${dir}/CHECKSUMS.json`);
  await Deno.copyFile(`${dataRoot()}/${FILE}`, `${dir}/${FILE}`);
  return dir;
}

Deno.test("readShipped intact copy", async () => {
  const dir = await copyData();
  setDataRoot(dir);
  try {
    const bytes = await readShipped(FILE);
    assert.ok(bytes.length > 100_000);
  } finally {
    setDataRoot();
  }
});

Deno.test("readShipped damaged file", async () => {
  const dir = await copyData();
  const bytes = await Deno.readFile(`${dir}/${FILE}`);
  bytes[bytes.length >> 1] ^= 0xff;
  await Deno.writeFile(`${dir}/${FILE}`, bytes);
  setDataRoot(dir);
  try {
    await assert.rejects(readShipped(FILE), (error: Error) => {
      assert.ok(error instanceof ShippedDataError);
      assert.match(error.message, /toxigen_prompt_statements\.jsonl\.gz is damaged/);
      assert.match(error.message, /git checkout -- data\/toxigen\/toxigen_prompt_statements\.jsonl\.gz/);
      return true;
    });
  } finally {
    setDataRoot();
  }
});

Deno.test("readShipped missing file", async () => {
  const dir = await copyData();
  await Deno.remove(`${dir}/${FILE}`);
  setDataRoot(dir);
  try {
    await assert.rejects(readShipped(FILE), /cannot read shipped file .*toxigen_prompt_statements/);
  } finally {
    setDataRoot();
  }
});

Deno.test("readShipped unlisted file", async () => {
  await assert.rejects(readShipped("toxigen/unknown.jsonl.gz"), /not listed in .*CHECKSUMS\.json/);
});

Deno.test("shipped loaders row counts", async () => {
  const rows = await loadToxigen();
  assert.equal(rows.length, 722);
  assert.equal(rows.filter((row) => row.hate).length, 425);
});

Deno.test("verifyShippedData every file", async () => {
  const paths = await verifyShippedData();
  const manifest = JSON.parse(await Deno.readTextFile(`${dataRoot()}/CHECKSUMS.json`)) as Record<
    string,
    string
  >;
  assert.deepEqual(paths, Object.keys(manifest).sort());
  assert.equal(paths.length, 25);
});
