import assert from "assert";
import { join } from "node:path";
import { readArrow } from "../../lib/util/arrow.ts";
import { renderReport } from "../../lib/report/render.ts";
import { PAPER_SCALE_LABEL } from "../../lib/report/paper.ts";
import type { ReportData } from "../../lib/report/types.ts";
import { EXPLICIT, HOSTILE, MAIN_ORDER, PERPLEXITY, reportData, TP_TOXIC } from "./fixture.ts";
import { HTML_VOID, nestingErrors, scanTags } from "./markup.ts";

/** Folders created by `render`, removed when the test module unloads. */
const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) Deno.removeSync(dir, { recursive: true });
});

async function render(data: ReportData) {
  const dir = await Deno.makeTempDir({ prefix: "report-test-" });
  tempDirs.push(dir);
  const { files } = await renderReport(data, dir);
  return {
    dir,
    files,
    markdown: await Deno.readTextFile(join(dir, "report.md")),
    html: await Deno.readTextFile(join(dir, "report.html")),
  };
}

/** Markdown without fenced code blocks, whose content is shown literally by every renderer. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "");
}

/** Rows of the first Markdown table after `marker`, as arrays of raw cell strings. */
function markdownTable(markdown: string, marker: string): string[][] {
  const lines = markdown.slice(markdown.indexOf(marker)).split("\n");
  const start = lines.findIndex((line) => line.startsWith("| "));
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(2, -2).split(/(?<!\\) \| /).map((cell) => cell.replaceAll("\\", "")));
  }
  return rows;
}

Deno.test("renderReport writes report files", async () => {
  const { dir, files } = await render(reportData());
  for (
    const name of [
      "report.md",
      "report.html",
      "results.arrow",
      "budget-precision.svg",
      "score-histogram-1.svg",
    ]
  ) {
    assert.ok(files.includes(join(dir, name)), `${name} missing from ${files.join(", ")}`);
  }
  const leftovers = [...Deno.readDirSync(dir)].filter((entry) => entry.name.endsWith(".tmp"));
  assert.deepEqual(leftovers, []);
});

Deno.test("renderReport sections present", async () => {
  const { markdown, html } = await render(reportData());
  for (
    const title of [
      "Main results",
      "Toxicity vs perplexity",
      "Attribution quality",
      "Top chunks",
      "Classifier quality",
      "Training corpus",
      "Model fluency",
      "Sample generations",
      "Provenance",
    ]
  ) {
    assert.ok(markdown.includes(`## ${title}`), `markdown lacks section ${title}`);
    assert.ok(html.includes(`>${title}</h`), `html lacks section ${title}`);
  }
});

Deno.test("selection statistics table", async () => {
  const { markdown } = await render(reportData());
  const rows = markdownTable(markdown, "How each score-based selection was made");
  assert.deepEqual(rows[0], ["statistic", "differential"]);
  assert.deepEqual(rows.find((row) => row[0] === "threshold"), ["threshold", "0.000123"]);
  assert.deepEqual(rows.find((row) => row[0] === "budgetTokens"), ["budgetTokens", "5,000"]);
  assert.deepEqual(rows.find((row) => row[0] === "stopReason"), ["stopReason", "budget"]);
});

Deno.test("classifier table with interval", async () => {
  const { markdown } = await render(reportData());
  const rows = markdownTable(markdown, "ECE is the expected calibration error");
  assert.deepEqual(rows[0], [
    "classifier",
    "evaluation data",
    "AUROC",
    "95% CI",
    "F1",
    "ECE",
    "positive rate",
    "Spearman",
    "n",
  ]);
  assert.deepEqual(rows[2], [
    "explicit-logreg",
    "jigsaw test",
    "0.940",
    "[0.920, 0.960]",
    "0.810",
    "0.031",
    "0.120",
    "0.770",
    "2,000",
  ]);
});

Deno.test("main table rows per arm in paper order", async () => {
  const { markdown } = await render(reportData());
  const rows = markdownTable(markdown, "## Main results");
  const header = rows[0];
  assert.equal(header.filter((cell) => cell === "95% CI").length, 8);
  assert.deepEqual(rows.slice(2).map((row) => row[0]), MAIN_ORDER);
  for (const row of rows.slice(2)) assert.equal(row.length, header.length);
});

Deno.test("reduction table labels paper scale", async () => {
  const { markdown } = await render(reportData());
  const rows = markdownTable(markdown, "Reduction factor = ");
  const header = rows[0];
  const ours = header.indexOf("TP toxic ×, ours");
  const paper = header.indexOf(`TP toxic ×, ${PAPER_SCALE_LABEL}`);
  assert.ok(ours > 0, `header: ${header.join(" | ")}`);
  assert.equal(paper, ours + 1);
  const ifguide = rows.find((row) => row[0] === "ifguide")!;
  assert.equal(ifguide[ours], (TP_TOXIC.none / TP_TOXIC.ifguide).toFixed(1));
  assert.equal(ifguide[paper], (0.801 / 0.085).toFixed(1));
  const filter = rows.find((row) => row[0] === "filter-docs")!;
  assert.equal(filter[paper], "n/a");

  const change = header.indexOf("perplexity change, ours");
  assert.equal(header[change + 1], `perplexity change, ${PAPER_SCALE_LABEL}`);
  assert.equal(ifguide[change], `+${((PERPLEXITY.ifguide / PERPLEXITY.none - 1) * 100).toFixed(1)}%`);
  assert.equal(ifguide[change + 1], `+${((26.77 / 25.84 - 1) * 100).toFixed(1)}%`);
  assert.equal(rows.find((row) => row[0] === "rad")![change], "n/a");
});

Deno.test("verdict computed from intervals", async () => {
  const { markdown } = await render(reportData());
  assert.match(markdown, /TP toxic, ifguide vs dpo: 0\.120 \[0\.080, 0\.160\] vs .*: lower, CIs disjoint/);
  assert.match(markdown, /TP toxic, ifguide vs rad: .*: lower, CIs overlap/);
  assert.match(markdown, /as the paper found; the 95% CIs are disjoint in 2 of 4/);

  const worse = reportData();
  for (const row of worse.results) if (row.arm === "ifguide" && row.metric === "tp") row.value = 0.9;
  const { markdown: worseMarkdown } = await render(worse);
  assert.match(worseMarkdown, /TP toxic, ifguide vs dpo: .*: higher/);
  assert.match(worseMarkdown, /does not reproduce the paper's finding/);
});

Deno.test("headline against none", async () => {
  const { markdown } = await render(reportData());
  const line = markdown.split("\n").find((text) => text.startsWith("ifguide against none:"))!;
  const tpFactor = (TP_TOXIC.none / TP_TOXIC.ifguide).toFixed(1);
  assert.ok(line.includes(`TP toxic ${tpFactor}× lower (paper: ${(0.801 / 0.085).toFixed(1)}×)`), line);
  const change = ((PERPLEXITY.ifguide / PERPLEXITY.none - 1) * 100).toFixed(1);
  assert.ok(
    line.includes(`perplexity +${change}% (paper: +${((26.77 / 25.84 - 1) * 100).toFixed(1)}%)`),
    line,
  );
  assert.ok(markdown.includes("ifguide+rad against none: EMT toxic"), "IF-Guide + RAD headline missing");

  // A toxicity probability of exactly 0 leaves the factor undefined, so the sentence states the value.
  const data = reportData();
  for (const row of data.results) {
    if (row.arm === "ifguide+rad" && row.metric === "tp" && row.promptSet === "rtp_toxic") row.value = 0;
  }
  const zero = (await render(data)).markdown.split("\n").find((text) =>
    text.startsWith("ifguide+rad against")
  )!;
  assert.ok(zero.includes("TP toxic down to 0"), zero);
});

Deno.test("main table numbers in results.arrow", async () => {
  const data = reportData([1004, 2024]);
  const { dir, markdown } = await render(data);
  const table = await readArrow(join(dir, "results.arrow"));
  const known = new Set<string>();
  for (const row of table.toArray()) {
    for (const field of ["value", "ci_low", "ci_high", "seed_sd"]) {
      const value = row[field];
      if (value === null || !Number.isFinite(value)) continue;
      for (const decimals of [1, 2, 3]) known.add(value.toFixed(decimals));
      // Relative changes are shown as percentages.
      if (row.row_kind === "change") known.add(Math.abs(value * 100).toFixed(1));
    }
  }
  const cells = [
    ...markdownTable(markdown, "## Main results").slice(2),
    ...markdownTable(markdown, "Reduction factor = ").slice(2).map((row) =>
      // Keep the arm and our columns. Each of our columns is followed by the IF-Guide paper's factor.
      row.filter((_, i) => i === 0 || i % 2 === 1)
    ),
  ];
  let checked = 0;
  for (const row of cells) {
    for (const number of row.slice(1).join(" ").match(/-?\d+\.\d+/g) ?? []) {
      assert.ok(known.has(number), `main-table number ${number} is not in results.arrow`);
      checked += 1;
    }
  }
  assert.ok(checked > 100, `only ${checked} numbers checked`);
  assert.ok(markdown.includes(" ± "), "several seeds must show mean ± spread");
});

Deno.test("results.arrow rows and columns", async () => {
  const data = reportData([1004, 2024]);
  const { dir } = await render(data);
  const table = await readArrow(join(dir, "results.arrow"));
  assert.deepEqual(table.schema.fields.map((field) => field.name), [
    "arm",
    "seed",
    "prompt_set",
    "metric",
    "attribute",
    "classifier",
    "row_kind",
    "value",
    "ci_low",
    "ci_high",
    "seed_sd",
    "n",
  ]);
  const rows = table.toArray();
  const givenRows = rows.filter((row) => row.row_kind === "seed" || row.row_kind === "pooled");
  assert.equal(givenRows.length, data.results.length);
  const isExplicitToxicTp = (row: Record<string, unknown>) =>
    row.metric === "tp" && row.prompt_set === "rtp_toxic" && row.classifier === EXPLICIT &&
    row.attribute === "toxicity";
  const mean = rows.find((row) =>
    row.row_kind === "seed_mean" && row.arm === "none" && isExplicitToxicTp(row)
  )!;
  assert.equal(mean.seed, null);
  assert.ok(Math.abs(mean.value - (TP_TOXIC.none + 0.005)) < 1e-12);
  assert.ok(Math.abs(mean.seed_sd - Math.SQRT1_2 * 0.01) < 1e-12);
  const reduction = rows.find((row) =>
    row.row_kind === "reduction" && row.arm === "ifguide" && row.metric === "reduction.tp" &&
    row.prompt_set === "rtp_toxic" && row.classifier === EXPLICIT
  )!;
  assert.ok(Math.abs(reduction.value - (TP_TOXIC.none + 0.005) / (TP_TOXIC.ifguide + 0.005)) < 1e-12);
});

Deno.test("html has no external references", async () => {
  const { html } = await render(reportData());
  const forbidden = new Set(["script", "link", "iframe", "img", "object", "embed", "base", "form"]);
  for (const tag of scanTags(html)) {
    assert.ok(!forbidden.has(tag.name), `forbidden <${tag.name}>`);
    assert.ok(!("src" in tag.attributes), `<${tag.name}> has src`);
    for (const [name, value] of Object.entries(tag.attributes)) {
      assert.ok(!name.startsWith("on"), `<${tag.name}> has event handler ${name}`);
      if (name === "href") assert.ok(value.startsWith("#"), `<${tag.name}> links to ${value}`);
    }
  }
  const style = html.slice(html.indexOf("<style>"), html.indexOf("</style>"));
  assert.ok(!style.includes("url("));
  assert.ok(!style.includes("@import"));
  assert.ok(!html.includes("http"), "html mentions http");
});

Deno.test("html and svg well formed", async () => {
  const { dir, files, html } = await render(reportData());
  assert.deepEqual(nestingErrors(html, HTML_VOID), []);
  const svgs = files.filter((file) => file.endsWith(".svg"));
  assert.ok(svgs.length >= 5, `only ${svgs.length} figures`);
  for (const file of svgs) {
    const svg = await Deno.readTextFile(file);
    assert.deepEqual(nestingErrors(svg), [], file);
    assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'), `${file} lacks the SVG namespace`);
  }
  assert.equal(html.split("<svg ").length - 1, svgs.length, `inline figures differ from files in ${dir}`);
});

Deno.test("hostile text escaped", async () => {
  const { markdown, html } = await render(reportData());
  assert.ok(!html.includes("<script"), "html contains a script tag");
  assert.ok(html.includes("&lt;script src=&quot;//evil.invalid/x.js&quot;&gt;"));
  const prose = withoutCode(markdown);
  assert.ok(prose.length < markdown.length, "the spec code block was not found");
  assert.ok(!prose.includes("<script"), "markdown contains a script tag");
  assert.ok(!prose.includes("[x](y)"), "markdown contains a live link from hostile text");
  assert.ok(prose.includes("[x\\](y)"), "hostile link text missing");
  const sampleRow = markdown.split("\n").find((line) => line.startsWith("| none | toxic |"))!;
  assert.equal(sampleRow.split(/(?<!\\)\|/).length, 7, `sample row splits wrongly: ${sampleRow}`);
  assert.ok(sampleRow.includes("line one line two"), "newline kept inside a table cell");
  assert.match(html, /<mark [^>]*>b&lt;c<\/mark>/, "fragment highlight lost");
  assert.ok(html.includes("&lt;script&gt;x&lt;/script&gt;"), "fragment tag not shown as text");
  assert.ok(HOSTILE.includes("<script"));
});

Deno.test("render deterministic bytes", async () => {
  const first = await render(reportData([1004, 2024]));
  const second = await render(reportData([1004, 2024]));
  assert.equal(first.files.length, second.files.length);
  for (let i = 0; i < first.files.length; i++) {
    const a = await Deno.readFile(first.files[i]);
    const b = await Deno.readFile(second.files[i]);
    assert.deepEqual(a, b, `${first.files[i]} differs between renders`);
  }
});

Deno.test("missing parts become notes", async () => {
  const data = reportData();
  delete data.attribution;
  delete data.classifiers;
  delete data.model;
  delete data.corpus;
  data.arms = data.arms.filter((arm) => arm.name === "none" || arm.name === "filter-docs");
  data.results = data.results.filter((row) => row.arm === "none" || row.arm === "filter-docs");
  const { markdown } = await render(data);
  assert.match(markdown, /No attribution data/);
  assert.match(markdown, /No classifier quality data/);
  assert.match(markdown, /No corpus statistics/);
  assert.match(markdown, /No model fluency data/);
  assert.match(markdown, /No IF-Guide arm/);
});

Deno.test("render after JSON round trip", async () => {
  const data = reportData([1004, 2024]);
  data.results[0].value = Number.NaN;
  data.results[1].ciLow = Number.NaN;
  data.attribution!.quality[1].auroc = Number.NaN;
  data.attribution!.curves[0].points[0].precision = Number.NaN;
  data.attribution!.topChunks[0].tokens![0].score = Number.NaN;
  data.model!.unigramPerplexity = Number.NaN;
  // JSON turns every NaN above into null, as a saved report-data.json does.
  const { markdown, html } = await render(JSON.parse(JSON.stringify(data)) as ReportData);
  assert.deepEqual(nestingErrors(html, HTML_VOID), []);
  assert.match(markdown, /validation perplexity n\/a/);
  const rows = markdownTable(markdown, "Token-level precision, recall");
  const auroc = rows[0].indexOf("AUROC");
  assert.equal(rows.find((row) => row[0] === "random")![auroc], "n/a");
});

Deno.test("empty results render", async () => {
  const data = reportData();
  data.results = [];
  delete data.attribution;
  const { markdown, html } = await render(data);
  assert.match(markdown, /No metrics were measured/);
  assert.deepEqual(nestingErrors(html, HTML_VOID), []);
});

Deno.test("unknown arm rejected", async () => {
  const data = reportData();
  data.results.push({ arm: "ghost", seed: 1, promptSet: "all", metric: "tp", value: 0.5, n: 1 });
  await assert.rejects(render(data), /names arm 'ghost'/);
});

Deno.test("formats option limits files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "report-test-" });
  tempDirs.push(dir);
  const { files } = await renderReport(reportData(), dir, { formats: ["arrow"], paper_comparison: false });
  assert.deepEqual(files, [join(dir, "results.arrow")]);
});

Deno.test("readability table and held-out continuations", async () => {
  const data = reportData();
  const sets = ["samples_reading", "samples_evaluation", "human_text"];
  const metrics = ["known_words", "known_bigrams", "repeated_trigrams"];
  for (const [a, arm] of ["none", "ifguide"].entries()) {
    for (const [s, promptSet] of sets.entries()) {
      for (const [m, metric] of metrics.entries()) {
        // Distinct values per cell, so a misplaced cell shows.
        const value = 0.5 + a / 10 + s / 100 + m / 1000;
        data.results.push({
          arm,
          seed: 1004,
          promptSet,
          metric,
          value,
          ciLow: value - 0.1,
          ciHigh: value + 0.1,
          n: 50,
        });
      }
    }
  }
  data.model!.reading = {
    settings: { temperature: 0.7, topK: 40, topP: 1, maxNewTokens: 40, minCount: 2 },
    samples: [{
      prompt: "The river ran",
      human: " past the mill",
      arms: [{ arm: "none", continuation: " into the sea" }, {
        arm: "ifguide",
        continuation: " down the hill",
      }],
    }],
  };
  const { markdown } = await render(data);
  const table = markdownTable(markdown, "| model | text | known words");
  assert.deepEqual(table.slice(2).map((row) => row.slice(0, 3)), [
    ["human text", "held-out document", "0.520 [0.420, 0.620]"],
    ["none", "reading decoding", "0.500 [0.400, 0.600]"],
    ["none", "evaluation decoding", "0.510 [0.410, 0.610]"],
    ["ifguide", "reading decoding", "0.600 [0.500, 0.700]"],
    ["ifguide", "evaluation decoding", "0.610 [0.510, 0.710]"],
  ]);
  assert.equal(table[3][4], "0.502 [0.402, 0.602]");
  assert.match(markdown, /Over 50 held-out documents/);
  assert.match(markdown, /0\.500 of the words that 'none' writes are known words \(human text: 0\.520\)/);
  assert.match(markdown, /temperature 0\.7, top-k 40, top-p 1/);
  const samples = markdownTable(markdown, "| prompt | model | continuation");
  assert.deepEqual(samples.slice(2), [
    ["The river ran", "human text", " past the mill"],
    ["The river ran", "none", " into the sea"],
    ["The river ran", "ifguide", " down the hill"],
  ]);
  // The general table of other metrics leaves readability to its own table.
  assert.ok(!/known_words \(/.test(markdown));
});
