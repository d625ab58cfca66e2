import assert from "assert";
import {
  escapeHtml,
  escapeMarkdown,
  escapeMarkdownBlock,
  formatCount,
  formatInterval,
  formatNumber,
} from "../../lib/report/format.ts";

Deno.test("escapeHtml special characters", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

Deno.test("escapeMarkdown inline markup", () => {
  assert.equal(
    escapeMarkdown("a|b *c* _d_ `e` [f](g) <h>\nnext"),
    "a\\|b \\*c\\* \\_d\\_ \\`e\\` [f\\](g) &lt;h&gt; next",
  );
  assert.equal(escapeMarkdown("0.123 [0.100, 0.150] -1.5"), "0.123 [0.100, 0.150] -1.5");
  assert.equal(escapeMarkdown("rtp_all _x"), "rtp_all \\_x");
  assert.equal(escapeMarkdown("~1B tokens"), "~1B tokens");
  assert.equal(escapeMarkdown("~a~"), "\\~a\\~");
  assert.equal(escapeMarkdown("[0.1, 0.2]: x"), "[0.1, 0.2]: x");
});

Deno.test("escapeMarkdownBlock line starts", () => {
  assert.equal(escapeMarkdownBlock("# title"), "\\# title");
  assert.equal(escapeMarkdownBlock("- item"), "\\- item");
  assert.equal(escapeMarkdownBlock("12. item"), "12\\. item");
  assert.equal(escapeMarkdownBlock("plain - text"), "plain - text");
  assert.equal(escapeMarkdownBlock("[a]: b"), "\\[a]: b");
});

Deno.test("formatNumber cases", () => {
  assert.equal(formatNumber(0.12345, 3), "0.123");
  assert.equal(formatNumber(-0.0001, 3), "0.000");
  assert.equal(formatNumber(Number.NaN, 3), "n/a");
  assert.equal(formatNumber(undefined, 3), "n/a");
  assert.equal(formatNumber(null, 2), "n/a");
});

Deno.test("formatCount and interval", () => {
  assert.equal(formatCount(1234567), "1,234,567");
  assert.equal(formatCount(12), "12");
  assert.equal(formatInterval(0.1, 0.25, 3), "[0.100, 0.250]");
  assert.equal(formatInterval(undefined, 0.25, 3), "");
});
