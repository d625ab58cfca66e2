import assert from "assert";
import {
  barChart,
  DASHES,
  histogramChart,
  lineChart,
  niceTicks,
  PALETTE,
  scatterChart,
  standaloneSvg,
} from "../../lib/report/svg.ts";
import { nestingErrors, scanTags } from "./markup.ts";

/** Ticks are compared after rounding away binary representation noise. */
const TICK_TOLERANCE = 1e-12;

Deno.test("niceTicks unit interval", () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

Deno.test("niceTicks cover range with even steps", () => {
  for (const [min, max] of [[0.003, 0.047], [-3.2, 17.9], [25.1, 26.9], [0, 1250]]) {
    const ticks = niceTicks(min, max);
    assert.ok(ticks.length >= 3, `${ticks.length} ticks for [${min}, ${max}]`);
    assert.ok(ticks.length <= 12, `${ticks.length} ticks for [${min}, ${max}]`);
    assert.ok(ticks[0] >= min - TICK_TOLERANCE);
    assert.ok(ticks[ticks.length - 1] <= max + TICK_TOLERANCE);
    const step = ticks[1] - ticks[0];
    for (let i = 2; i < ticks.length; i++) {
      assert.ok(Math.abs(ticks[i] - ticks[i - 1] - step) < TICK_TOLERANCE * 1e3);
    }
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `step ${step} is not 1, 2 or 5 x 10^k`);
  }
});

Deno.test("scatterChart maps fixed axes linearly", () => {
  // Default frame: 640 x 380, plot area x in [64, 620], y in [34, 332].
  const svg = scatterChart([{ label: "mid", x: 5, y: 0.5 }, { label: "corner", x: 0, y: 1 }], {
    title: "t",
    x: { label: "x", min: 0, max: 10 },
    y: { label: "y", min: 0, max: 1 },
  });
  assert.ok(svg.includes('<circle cx="342.00" cy="183.00"'), svg);
  assert.ok(svg.includes('<circle cx="64.00" cy="34.00"'));
});

Deno.test("lineChart well formed with legend", () => {
  const svg = lineChart([
    { label: "a<b", points: [{ x: 0.01, y: 0.5, low: 0.4, high: 0.6 }, { x: 0.1, y: 0.7 }] },
    { label: "single", points: [{ x: 0.05, y: Number.NaN }, { x: 0.02, y: 0.3 }] },
  ], { title: "T & U", x: { label: "budget", log: true }, y: { label: "precision" } });
  assert.deepEqual(nestingErrors(svg), []);
  const tags = scanTags(svg);
  assert.equal(tags.filter((tag) => tag.name === "polyline").length, 1);
  assert.equal(tags.filter((tag) => tag.name === "circle").length, 3);
  assert.ok(svg.includes("a&lt;b"));
  assert.ok(svg.includes("T &amp; U"));
  assert.ok(!svg.includes("xmlns"), "inline SVG carries a namespace");
  assert.ok(svg.includes(">0.01</text>"), "log axis lacks the 0.01 tick");
  assert.ok(svg.includes(">0.1</text>"), "log axis lacks the 0.1 tick");
});

Deno.test("lineChart deterministic", () => {
  const series = [{ label: "s", points: [{ x: 1, y: 2 }, { x: 3, y: 5 }] }];
  const options = { title: "t", x: { label: "x" }, y: { label: "y" } };
  assert.equal(lineChart(series, options), lineChart(series, options));
});

Deno.test("charts without data say so", () => {
  const svg = scatterChart([], { title: "t", x: { label: "x" }, y: { label: "y" } });
  assert.ok(svg.includes(">no data</text>"));
  assert.deepEqual(nestingErrors(svg), []);
});

Deno.test("histogramChart bars per bin", () => {
  const svg = histogramChart([0, 1, 2], [{ label: "a", counts: [1, 3] }, { label: "b", counts: [0, 2] }], {
    title: "h",
    x: { label: "score" },
    y: { label: "count" },
  });
  assert.deepEqual(nestingErrors(svg), []);
  const bars = scanTags(svg).filter((tag) =>
    tag.name === "rect" && tag.attributes["fill-opacity"] === "0.55"
  );
  // Three non-empty bins plus two legend swatches.
  assert.equal(bars.length, 5);
});

Deno.test("histogramChart rejects count mismatch", () => {
  assert.throws(
    () =>
      histogramChart([0, 1], [{ label: "a", counts: [1, 2] }], {
        title: "h",
        x: { label: "" },
        y: { label: "" },
      }),
    /has 2 counts for 2 edges/,
  );
});

Deno.test("standaloneSvg adds namespace", () => {
  const file = standaloneSvg(scatterChart([], { title: "t", x: { label: "x" }, y: { label: "y" } }));
  assert.ok(
    file.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '),
  );
});

Deno.test("lineChart explicit colour and dash", () => {
  const svg = lineChart([
    { label: "a", points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], color: 2, dash: 1 },
    { label: "b", points: [{ x: 0, y: 1 }, { x: 1, y: 0 }], color: 2 },
  ], { title: "t", x: { label: "x" }, y: { label: "y" } });
  const lines = scanTags(svg).filter((tag) => tag.name === "polyline");
  assert.equal(lines[0].attributes.stroke, PALETTE[2]);
  assert.equal(lines[0].attributes["stroke-dasharray"], DASHES[1]);
  assert.equal(lines[1].attributes.stroke, PALETTE[2]);
  assert.equal(lines[1].attributes["stroke-dasharray"], undefined);
});

Deno.test("barChart groups and gaps", () => {
  const svg = barChart(["a", "b", "c"], [
    { label: "ours", values: [1, 2, 3], low: [0.5, 1.5, 2.5], high: [1.5, 2.5, 3.5] },
    { label: "paper", values: [2, Number.NaN, 4] },
  ], { title: "bars", x: { label: "arm" }, y: { label: "factor" } });
  assert.deepEqual(nestingErrors(svg), []);
  const bars = scanTags(svg).filter((tag) => tag.name === "rect" && tag.attributes["fill-opacity"] === "0.8");
  assert.equal(bars.length, 5, "the NaN value must leave a gap");
  assert.ok(svg.includes(">b</text>"), "category label missing");
  // Bars start at zero: the bottom of every bar is the bottom of the plot.
  for (const bar of bars) {
    assert.equal(Number(bar.attributes.y) + Number(bar.attributes.height), 332);
  }
});

Deno.test("barChart rejects length mismatch", () => {
  assert.throws(
    () =>
      barChart(["a"], [{ label: "s", values: [1, 2] }], { title: "t", x: { label: "" }, y: { label: "" } }),
    /has 2 values for 1 categories/,
  );
});
