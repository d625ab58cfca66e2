import assert from "assert";
import fc from "fast-check";
import {
  BpeTokenizer,
  loadDavidson,
  loadGpt2Tokenizer,
  loadGutenberg,
  loadNlpCorpus,
  loadRtp,
  trainTokenizer,
} from "../../lib/data/mod.ts";

const VOCAB = 1024;
const TRAIN_CHARS = 400_000;

let shared: Promise<BpeTokenizer> | undefined;
async function sampleTexts(): Promise<string[]> {
  const gutenberg = (await loadGutenberg()).slice(0, 600).map((row) => row.text);
  const web = (await loadNlpCorpus()).slice(0, 1500).map((row) => row.text);
  const tweets = (await loadDavidson()).slice(0, 800).map((row) => row.tweet);
  return [...gutenberg, ...web, ...tweets];
}
function tokenizer(): Promise<BpeTokenizer> {
  shared ??= sampleTexts().then((texts) =>
    trainTokenizer(texts, { vocabSize: VOCAB, maxChars: TRAIN_CHARS })
  );
  return shared;
}

Deno.test("trainTokenizer vocabulary and specials", async () => {
  const tok = await tokenizer();
  assert.equal(tok.vocabSize, VOCAB);
  assert.equal(tok.eotId, VOCAB - 2);
  assert.equal(tok.padId, VOCAB - 1);
  assert.equal(tok.decode([tok.eotId]), "<|endoftext|>");
  assert.equal(tok.decode([tok.padId]), "<|pad|>");
  // Special-token text in the input is ordinary text.
  assert.ok(!Array.from(tok.encode("a<|endoftext|>b")).includes(tok.eotId));
  assert.throws(() => tok.decode([VOCAB]), /outside the vocabulary/);
});

Deno.test("trainTokenizer deterministic", async () => {
  const texts = await sampleTexts();
  const a = trainTokenizer(texts, { vocabSize: 600, maxChars: 200_000 });
  const b = trainTokenizer(texts, { vocabSize: 600, maxChars: 200_000 });
  assert.deepEqual(a.toJSON(), b.toJSON());
});

Deno.test("trainTokenizer compresses text", async () => {
  const tok = await tokenizer();
  const text = (await loadGutenberg()).slice(2000, 2200).map((row) => row.text).join("\n\n");
  const ids = tok.encode(text);
  // Bytes per token: a 1k-vocabulary BPE on English prose is expected above 2.5 (plain bytes give 1).
  assert.ok(new TextEncoder().encode(text).length / ids.length > 2.5);
});

Deno.test("encode decode hard cases", async () => {
  const tok = await tokenizer();
  const cases = [
    "",
    " ",
    "héllo wörld",
    "emoji 🎉👩‍👩‍👧 ok",
    "line\r\nbreak\r\n\r\n",
    "\t tabs  and   spaces ",
    "\uFEFFbom",
    "日本語のテキスト",
    "it's they'll WE'RE",
  ];
  for (const text of cases) assert.equal(tok.decode(tok.encode(text)), text);
  // A lone surrogate has no UTF-8 form: it is encoded as U+FFFD.
  assert.equal(tok.decode(tok.encode("a\uD800b")), "a\uFFFDb");
  assert.equal(tok.decode(tok.encode("x\uDC00")), "x\uFFFD");
  // Bytes that are not valid UTF-8 decode to U+FFFD.
  assert.equal(tok.decode([0xff, 0x41]), "\uFFFDA");
  assert.equal(tok.tokenText(0xff), "\\xff");
});

Deno.test("encode decode random strings", async () => {
  const tok = await tokenizer();
  fc.assert(
    fc.property(
      fc.string({ unit: "binary", maxLength: 200 }),
      (text) => tok.decode(tok.encode(text)) === text.toWellFormed(),
    ),
    { numRuns: 500, seed: 42 },
  );
  fc.assert(
    fc.property(
      fc.string({ unit: "grapheme", maxLength: 100 }),
      (text) => tok.decode(tok.encode(text)) === text,
    ),
    { numRuns: 300, seed: 43 },
  );
});

Deno.test("encodeBytes random bytes exact", async () => {
  const tok = await tokenizer();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const back = tok.decodeBytes(tok.encodeBytes(bytes));
      return back.length === bytes.length && back.every((b, i) => b === bytes[i]);
    }),
    { numRuns: 500, seed: 44 },
  );
  // Random bytes read as text (invalid sequences become U+FFFD) also round-trip.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      return tok.decode(tok.encode(text)) === text;
    }),
    { numRuns: 300, seed: 45 },
  );
});

Deno.test("encode decode shipped corpora", async () => {
  const tok = await tokenizer();
  const rtp = (await loadRtp()).slice(0, 2000).map((row) => row.prompt + (row.continuation ?? ""));
  const tweets = (await loadDavidson()).slice(5000, 7000).map((row) => row.tweet);
  const web = (await loadNlpCorpus()).slice(50_000, 52_000).map((row) => row.text);
  const books = (await loadGutenberg()).slice(10_000, 11_000).map((row) => row.text);
  for (const text of [...rtp, ...tweets, ...web, ...books]) assert.equal(tok.decode(tok.encode(text)), text);
});

Deno.test("BpeTokenizer JSON round trip", async () => {
  const tok = await tokenizer();
  const copy = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  const text = "The quick brown fox, 123 times!";
  assert.deepEqual(Array.from(copy.encode(text)), Array.from(tok.encode(text)));
  assert.throws(() => BpeTokenizer.fromJSON({ ...tok.toJSON(), vocab_size: 5 }), /records 5/);
});

Deno.test("gpt2 tokenizer round trip", async () => {
  const gpt2 = await loadGpt2Tokenizer();
  assert.equal(gpt2.vocabSize, 50257);
  assert.deepEqual(Array.from(gpt2.encode("Hello world")), [15496, 995]);
  const text = "emoji 🎉 and CRLF\r\n<|endoftext|>";
  assert.equal(gpt2.decode(gpt2.encode(text)), text);
});
