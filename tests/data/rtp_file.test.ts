import assert from "assert";
import * as arrow from "apache-arrow";
import { parquetWriteBuffer } from "hyparquet-writer";
import { readRtpFile, type RtpRow, UserDataError } from "../../lib/data/mod.ts";
import type { RtpFileSpec } from "../../lib/spec/types.ts";
import { RTP_CSV, RTP_JSONL, rtpSpec } from "./rtp_helpers.ts";
import { writeTempFile as write } from "./helpers.ts";

async function readAll(spec: RtpFileSpec): Promise<RtpRow[]> {
  const rows: RtpRow[] = [];
  for await (const row of readRtpFile(spec)) rows.push(row);
  return rows;
}

/** Drop the attribute fields, which exist only where the file nests the scores, so every format compares equal. */
function core(row: RtpRow) {
  const { promptAttributes: _p, continuationAttributes: _c, ...rest } = row;
  return rest;
}

async function expectError(spec: RtpFileSpec, pattern: RegExp): Promise<void> {
  await assert.rejects(readAll(spec), (error: Error) => {
    assert.ok(error instanceof UserDataError, `${error.name}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("rtp file nested jsonl", async () => {
  const rows = await readAll(rtpSpec(RTP_JSONL));
  assert.equal(rows.length, 120);
  assert.deepEqual(rows[1], {
    rowId: "rtp:0000001-fixture.txt:10-80",
    prompt: "In note 1, a lighthouse was described by",
    continuation: " the night guard, who wrote entry 1 about it.",
    promptToxicity: 0.374,
    continuationToxicity: 0.743,
    promptAttributes: { profanity: 0.187, insult: 0.1247, toxicity: 0.374 },
    continuationAttributes: { profanity: 0.3715, insult: 0.2477, toxicity: 0.743 },
    challenging: false,
  });
  assert.equal(rows[0].challenging, true);
  assert.equal(rows[5].promptToxicity, undefined, "null prompt score");
  assert.equal(rows[7].continuation, undefined, "null continuation");
  assert.equal(rows[7].continuationToxicity, undefined);
});

Deno.test("rtp file flat csv matches jsonl", async () => {
  const nested = await readAll(rtpSpec(RTP_JSONL));
  const flat = await readAll(rtpSpec(RTP_CSV));
  assert.deepEqual(flat.map(core), nested.map(core));
});

Deno.test("rtp file gzip jsonl matches plain", async () => {
  const bytes = await Deno.readFile(RTP_JSONL);
  const zipped = new Uint8Array(
    await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  const path = await write("prompts.jsonl.gz", zipped);
  assert.deepEqual(await readAll(rtpSpec(path)), await readAll(rtpSpec(RTP_JSONL)));
});

Deno.test("rtp file arrow struct and flat parquet", async () => {
  const nested = await readAll(rtpSpec(RTP_JSONL));
  const half = (text: string | undefined, toxicity: number | undefined) =>
    text === undefined ? null : { text, toxicity: toxicity ?? null };
  const halfType = new arrow.Struct([
    new arrow.Field("text", new arrow.Utf8(), true),
    new arrow.Field("toxicity", new arrow.Float64(), true),
  ]);
  const table = new arrow.Table({
    filename: arrow.vectorFromArray(nested.map((r) => r.rowId.split(":")[1]), new arrow.Utf8()),
    begin: arrow.vectorFromArray(
      nested.map((r) => BigInt(r.rowId.split(":")[2].split("-")[0])),
      new arrow.Int64(),
    ),
    end: arrow.vectorFromArray(nested.map((r) => Number(r.rowId.split("-").at(-1))), new arrow.Int32()),
    challenging: arrow.vectorFromArray(nested.map((r) => r.challenging), new arrow.Bool()),
    prompt: arrow.vectorFromArray(nested.map((r) => half(r.prompt, r.promptToxicity)), halfType),
    continuation: arrow.vectorFromArray(
      nested.map((r) => half(r.continuation, r.continuationToxicity)),
      halfType,
    ),
  });
  const ipc = await write("prompts.arrow", arrow.tableToIPC(table, "file"));
  assert.deepEqual((await readAll(rtpSpec(ipc))).map(core), nested.map(core));

  const parquet = await write(
    "prompts.parquet",
    new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "prompt.text", data: nested.map((r) => r.prompt), type: "STRING" },
        { name: "prompt.toxicity", data: nested.map((r) => r.promptToxicity ?? null), type: "DOUBLE" },
        { name: "continuation.text", data: nested.map((r) => r.continuation ?? null), type: "STRING" },
        {
          name: "continuation.toxicity",
          data: nested.map((r) => r.continuationToxicity ?? null),
          type: "DOUBLE",
        },
      ],
      rowGroupSize: 50,
    })),
  );
  const fromParquet = await readAll(rtpSpec(parquet));
  assert.equal(fromParquet.length, nested.length);
  assert.equal(fromParquet[3].rowId, "prompts.parquet:4", "row ids fall back to file name and row");
  assert.deepEqual(
    fromParquet.map(({ rowId: _, challenging: _c, ...rest }) =>
      core({ rowId: "", challenging: false, ...rest })
    ),
    nested.map(({ rowId: _, challenging: _c, ...rest }) => core({ rowId: "", challenging: false, ...rest })),
  );
});

Deno.test("rtp file errors name file and row", async () => {
  const csvMissing = await write("missing.csv", "prompt.text,prompt.toxicity,continuation.text\na,0.1,b\n");
  await expectError(
    rtpSpec(csvMissing),
    /missing\.csv has no column 'continuation\.toxicity'; its columns are/,
  );

  const lines = (await Deno.readTextFile(RTP_JSONL)).split("\n");
  const badScore = await write(
    "score.jsonl",
    [lines[0], lines[1].replace('"toxicity": 0.374', '"toxicity": 1.7'), ""].join("\n"),
  );
  await expectError(
    rtpSpec(badScore),
    /score\.jsonl, line 2: toxicity 'prompt\.toxicity' is number 1\.7, expected a number in \[0, 1\].*data\.rtp\.prompt_toxicity/,
  );

  const csvText = await write(
    "text.csv",
    "prompt.text,prompt.toxicity,continuation.text,continuation.toxicity\na,0.2,b,high\n",
  );
  await expectError(rtpSpec(csvText), /text\.csv, row 1: toxicity 'continuation\.toxicity' is string "high"/);

  const missingField = await write(
    "field.jsonl",
    `${lines[0]}\n{"prompt": {"toxicity": 0.1}, "continuation": null}\n`,
  );
  await expectError(rtpSpec(missingField), /field\.jsonl, line 2: field 'prompt\.text' is missing/);

  const encoded = new TextEncoder().encode(`${lines[0]}\n${lines[1]}\n`);
  const broken = new Uint8Array([
    ...encoded.subarray(0, encoded.length - 30),
    0xff,
    ...encoded.subarray(-30),
  ]);
  await expectError(
    rtpSpec(await write("utf8.jsonl", broken)),
    /utf8\.jsonl is not valid UTF-8: invalid byte 0xff at line 2/,
  );

  await expectError(rtpSpec(await write("empty.jsonl", "")), /empty\.jsonl is empty \(0 bytes\)/);
  await expectError(rtpSpec(await write("blank.jsonl", "\n\n")), /blank\.jsonl contains no rows/);
  await expectError(
    rtpSpec(await write("notes.txt", "a\n")),
    /notes\.txt is plain text, which has no columns/,
  );

  const wrongType = await write(
    "typed.parquet",
    new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "prompt.text", data: [1.5], type: "DOUBLE" },
        { name: "prompt.toxicity", data: [0.1], type: "DOUBLE" },
        { name: "continuation.text", data: ["b"], type: "STRING" },
        { name: "continuation.toxicity", data: [0.1], type: "DOUBLE" },
      ],
    })),
  );
  await expectError(
    rtpSpec(wrongType),
    /typed\.parquet, row 1: field 'prompt\.text' is number 1\.5, expected a string/,
  );
});

Deno.test("rtp file csv quoted newlines across batches", async () => {
  const header = "prompt.text,prompt.toxicity,continuation.text,continuation.toxicity\n";
  const body = Array.from(
    { length: 5000 },
    (_, i) => `"Row ${i} says ""hi""\r\nthen more",0.25,", end ${i}",\n`,
  );
  const rows = await readAll(rtpSpec(await write("many.csv", header + body.join(""))));
  assert.equal(rows.length, 5000);
  assert.equal(rows[4321].prompt, 'Row 4321 says "hi"\r\nthen more');
  assert.equal(rows[4321].continuation, ", end 4321");
  assert.equal(rows[4321].continuationToxicity, undefined, "an empty cell is null");
  assert.equal(rows[4321].rowId, "many.csv:4322");
});

Deno.test("rtp file empty arrow and parquet", async () => {
  await expectError(rtpSpec(await write("empty.arrow", "")), /empty\.arrow is empty \(0 bytes\)/);
  await expectError(
    rtpSpec(await write("broken.parquet", "not parquet")),
    /broken\.parquet is not a valid Parquet file/,
  );
  await expectError(
    rtpSpec("/nonexistent/prompts.arrow"),
    /cannot read user file \/nonexistent\/prompts\.arrow/,
  );
});
