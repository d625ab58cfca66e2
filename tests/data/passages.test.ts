import assert from "assert";
import { cleanTweet, cutPassages, groupRows, passageSpans, splitSentences } from "../../lib/data/mod.ts";
import { detokenize } from "../../lib/data/datasets/paradetox.ts";

Deno.test("passageSpans short paragraphs", () => {
  const paragraphs = ["a".repeat(30), "b".repeat(30), "c".repeat(50), "d".repeat(10)];
  const spans = passageSpans(paragraphs, 60);
  assert.deepEqual(spans.map((span) => span.paragraphs), [[0, 1], [2, 3]]);
  assert.equal(spans[0].text, `${"a".repeat(30)}\n\n${"b".repeat(30)}`);
  // Every passage but the last reaches the requested length.
  for (const span of spans.slice(0, -1)) assert.ok(span.text.length >= 60);
  assert.equal(spans.map((span) => span.text).join("\n\n"), paragraphs.join("\n\n"));
});

Deno.test("passageSpans long paragraph", () => {
  const sentence = "This sentence has exactly forty chars.. ";
  const long = sentence.repeat(10).trim();
  const spans = passageSpans(["intro", long], 100);
  assert.ok(spans.length > 1);
  assert.deepEqual(spans[0].paragraphs, [0, 1]);
  for (const span of spans.slice(1)) assert.deepEqual(span.paragraphs, [1]);
  assert.equal(spans.map((span) => span.text).join(" ").replace("intro\n\n", "intro "), `intro ${long}`);
});

Deno.test("passageSpans whole text", () => {
  assert.deepEqual(cutPassages(["x", "y"], 0), ["x\n\ny"]);
  assert.deepEqual(cutPassages([], 100), []);
});

Deno.test("splitSentences punctuation", () => {
  assert.deepEqual(splitSentences('One. Two! "Three?" Four'), ["One.", "Two!", '"Three?"', "Four"]);
});

Deno.test("groupRows sizes", () => {
  assert.deepEqual(groupRows([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.throws(() => groupRows([1], 0), /invalid group size 0/);
});

Deno.test("cleanTweet removes markup", () => {
  assert.equal(cleanTweet("RT @user: look &amp; see http://t.co/x &#128514;"), "look & see \u{1F602}");
  assert.equal(cleanTweet("!!! RT @a: hi"), "!!! hi");
  assert.equal(cleanTweet("ART is fine"), "ART is fine");
});

Deno.test("detokenize paradetox spacing", () => {
  assert.equal(detokenize("he had steel balls too !"), "he had steel balls too!");
  assert.equal(detokenize("i do n't know , really ."), "i don't know, really.");
  assert.equal(detokenize("( see this ) $ 5"), "(see this) $5");
});
