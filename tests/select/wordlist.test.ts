import assert from "assert";
import {
  keepDocumentsWithoutWords,
  profanityList,
  profanityMatcher,
  wordListMask,
  WordListMatcher,
} from "../../lib/select/wordlist.ts";
import { corpusFromDocuments, pieceTokenizer } from "./helpers.ts";

Deno.test("profanity list loads offline", () => {
  const list = profanityList();
  assert.equal(list.length, 403);
  assert.ok(list.includes("shit"));
});

Deno.test("filter-words on hand documents", () => {
  const texts = [
    "The weather is fine today.",
    "What the FUCK is this?",
    "Classic literature: Dickens and Shitake mushrooms.", // "dick" and "shit" only inside longer words
    "He wore a g-spot costume.", // a hyphenated list entry
    "two girls 1 cup", // near miss of a phrase entry
    "2 girls 1 cup",
    "",
  ];
  assert.deepEqual(Array.from(keepDocumentsWithoutWords(texts, profanityMatcher())), [1, 0, 1, 0, 1, 0, 1]);
});

Deno.test("matcher spans phrases and symbols", () => {
  const matcher = new WordListMatcher(["bad word", "bad", "🖕"]);
  assert.deepEqual(matcher.findSpans("a Bad  word 🖕"), [[2, 11], [2, 5], [12, 14]]);
});

Deno.test("word-list mask marks spelling tokens", () => {
  // Token texts: 0 "", 1 " what", 2 " the", 3 " sh", 4 "it", 5 " day", 6 ".".
  const tokenizer = pieceTokenizer(["", " what", " the", " sh", "it", " day", "."]);
  const corpus = corpusFromDocuments([{ tokens: [1, 2, 3, 4, 5, 6, 3, 5] }], 4);
  const mask = wordListMask(corpus, tokenizer, Int32Array.of(1, 0), new WordListMatcher(["shit"]));
  // Chunk 1 (" day" "." " sh" " day") has no match; chunk 0 (" what" " the" " sh" "it") spells "shit".
  assert.deepEqual(Array.from(mask), [0, 0, 0, 0, 0, 0, 1, 1]);
});
