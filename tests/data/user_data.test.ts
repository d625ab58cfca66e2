import assert from "assert";
import * as arrow from "apache-arrow";
import { parquetWriteBuffer } from "hyparquet-writer";
import { documentsStage, readUserTexts, UserDataError, userPromptSet } from "../../lib/data/mod.ts";
import { source, TEST_SEED, testContext, writeTempFile as write } from "./helpers.ts";

function arrowBytes(columns: Record<string, arrow.Vector>): Uint8Array {
  return arrow.tableToIPC(new arrow.Table(columns), "file");
}

Deno.test("readUserTexts each format", async () => {
  const jsonl = await write("a.jsonl", '{"text": "first"}\n{"text": "second", "x": 1}\n');
  assert.deepEqual((await readUserTexts(jsonl)).map((r) => r.text), ["first", "second"]);

  const text = await write("b.txt", "para one\nstill one\r\n\r\npara two\n\n\n");
  assert.deepEqual((await readUserTexts(text)).map((r) => r.text), ["para one\nstill one", "para two"]);

  const csv = await write("c.csv", '\uFEFFid,body\r\n1,"multi\r\nline, quoted"\r\n2,plain\r\n');
  assert.deepEqual((await readUserTexts(csv, "body")).map((r) => r.text), ["multi\r\nline, quoted", "plain"]);

  const ipc = await write(
    "d.arrow",
    arrowBytes({ text: arrow.vectorFromArray(["x", "y"], new arrow.Utf8()) }),
  );
  assert.deepEqual((await readUserTexts(ipc)).map((r) => r.text), ["x", "y"]);

  const parquet = await write(
    "e.parquet",
    new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: "content", data: ["p", "q"], type: "STRING" }] }),
    ),
  );
  const rows = await readUserTexts(parquet, "content");
  assert.deepEqual(rows.map((r) => r.text), ["p", "q"]);
  assert.equal(rows[1].rowId, "e.parquet:2");

  const set = await userPromptSet("mine", jsonl);
  assert.deepEqual(set.rows.map((r) => r.prompt), ["first", "second"]);
});

Deno.test("readUserTexts csv missing column", async () => {
  const path = await write("m.csv", "id,body\n1,hello\n");
  await assert.rejects(readUserTexts(path, "text"), (error: Error) => {
    assert.ok(error instanceof UserDataError);
    assert.match(error.message, /m\.csv has no column 'text'; its columns are 'id', 'body'/);
    return true;
  });
});

Deno.test("readUserTexts invalid utf8", async () => {
  const bytes = new TextEncoder().encode('{"text": "ok"}\n{"text": "bad \u00e9"}\n');
  const at = bytes.indexOf(0xc3);
  bytes[at] = 0xff;
  const path = await write("u.jsonl", bytes);
  await assert.rejects(readUserTexts(path), /u\.jsonl is not valid UTF-8: invalid byte 0xff at line 2/);
});

Deno.test("readUserTexts empty file", async () => {
  await assert.rejects(readUserTexts(await write("e.jsonl", "")), /e\.jsonl is empty \(0 bytes\)/);
  await assert.rejects(readUserTexts(await write("blank.txt", "\n\n  \n")), /blank\.txt contains no rows/);
});

Deno.test("readUserTexts parquet wrong type", async () => {
  const buffer = parquetWriteBuffer({
    columnData: [{ name: "text", data: BigInt64Array.from([1n, 2n]), type: "INT64" }],
  });
  const path = await write("w.parquet", new Uint8Array(buffer));
  await assert.rejects(
    readUserTexts(path),
    /w\.parquet: Parquet column 'text' has type INT64, expected a UTF-8 string/,
  );
});

Deno.test("readUserTexts bad rows", async () => {
  await assert.rejects(
    readUserTexts(await write("j.jsonl", '{"text": "a"}\n{"text": 5}\n')),
    /j\.jsonl, line 2: field 'text' is a number/,
  );
  await assert.rejects(
    readUserTexts(await write("k.jsonl", '{"text": "a"}\n{oops\n')),
    /k\.jsonl, line 2: invalid JSON/,
  );
  const ipc = arrowBytes({ text: arrow.vectorFromArray([1, 2], new arrow.Int32()) });
  await assert.rejects(
    readUserTexts(await write("t.arrow", ipc)),
    /t\.arrow: column 'text' has Arrow type Int32/,
  );
  await assert.rejects(readUserTexts(await write("x.docx", "hi")), /extension '\.docx' is not one of/);
});

Deno.test("documentsStage rejects malformed files", async () => {
  const invalidUtf8 = new TextEncoder().encode('{"text": "fine"}\n{"text": "x"}\n');
  invalidUtf8[invalidUtf8.length - 4] = 0xc0;
  const wrongType = parquetWriteBuffer({
    columnData: [{ name: "text", data: Int32Array.from([1, 2]), type: "INT32" }],
  });
  const cases: Array<[string, string | Uint8Array, RegExp]> = [
    ["missing.csv", "id,body\n1,hello\n", /missing\.csv has no column 'text'/],
    ["invalid.jsonl", invalidUtf8, /invalid\.jsonl is not valid UTF-8: invalid byte 0xc0 at line 2/],
    ["empty.txt", "", /empty\.txt is empty/],
    ["wrong.parquet", new Uint8Array(wrongType), /wrong\.parquet: Parquet column 'text' has type INT32/],
  ];
  for (const [name, content, message] of cases) {
    const path = await write(name, content);
    const context = await testContext();
    const data = {
      sources: [
        source({ name: "books", dataset: "gutenberg", label: "benign", passage_chars: 800 }),
        source({ name: "mine", dataset: "file", path, text_column: "text", label: "benign" }),
      ],
      toxic_share: 0,
      max_tokens: 10_000,
      block_size: 64,
      splits: { train: 1, validation: 0, test: 0 },
      roots: [],
    };
    await assert.rejects(documentsStage.run(context, { data, split_seed: TEST_SEED }, {}), message);
    assert.deepEqual(
      [...Deno.readDirSync(context.outputDir)],
      [],
      `${name} must leave the output folder empty`,
    );
  }
});

Deno.test("documentsStage user corpus", async () => {
  const lines = Array.from(
    { length: 40 },
    (_, i) => JSON.stringify({ body: `user document number ${i} with some words` }),
  );
  const path = await write("corpus.jsonl", lines.join("\n"));
  const context = await testContext();
  const data = {
    sources: [
      source({ name: "mine", dataset: "file", path, text_column: "body", label: "benign", group: 4 }),
    ],
    toxic_share: 0,
    max_tokens: 10_000,
    block_size: 64,
    splits: { train: 1, validation: 0, test: 0 },
    roots: [],
  };
  const pool = await documentsStage.run(context, { data, split_seed: TEST_SEED }, {});
  assert.equal(pool.documents.length, 10);
  assert.ok(pool.documents.every((doc) => doc.rowIds.length === 4 && doc.source === "mine"));
});
