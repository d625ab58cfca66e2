import assert from "assert";
import { decodeEntities, tokensFromFragment } from "../../lib/report/fragment.ts";

Deno.test("tokensFromFragment highlights marks", () => {
  const tokens = tokensFromFragment("you <mark>b&lt;c</mark> and <strong>d</strong>");
  assert.deepEqual(tokens.map((token) => [token.text, token.selected]), [
    ["you ", false],
    ["b<c", true],
    [" and ", false],
    ["d", true],
  ]);
  assert.ok(tokens.every((token) => Number.isNaN(token.score)));
});

Deno.test("tokensFromFragment keeps unknown tags as text", () => {
  const tokens = tokensFromFragment('a<script src="x">y</script><span class="k">z</span><br>w');
  assert.equal(tokens.length, 1);
  assert.equal(tokens[0].text, 'a<script src="x">y</script>z w');
  assert.equal(tokens[0].selected, false);
});

Deno.test("tokensFromFragment unbalanced close", () => {
  const tokens = tokensFromFragment("</mark>a<mark>b");
  assert.deepEqual(tokens.map((token) => [token.text, token.selected]), [["a", false], ["b", true]]);
});

Deno.test("decodeEntities references", () => {
  assert.equal(decodeEntities("&amp;&lt;&#65;&#x42;&quot;&unknown;&#0;"), '&<AB"&unknown;&#0;');
});
