/**
 * A small deterministic SVG chart renderer: line charts with error bars, labelled scatter plots and
 * histograms, with axes, ticks, labels and a legend. Output has no ids and no scripts. It has no
 * `xmlns` either, because inline SVG in HTML needs none, and `standaloneSvg` adds it for files. The
 * same input always gives the same bytes because every coordinate is printed with fixed decimals.
 */

import { escapeHtml } from "./format.ts";

/** Dash patterns for lines that share a colour, solid first. */
export const DASHES = ["", "6 3", "2 3", "8 3 2 3"];

/** Colour-blind-safe palette (Okabe and Ito), cycled by series index. */
export const PALETTE = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#F0E442",
];

const DEFAULT_WIDTH = 640;
const DEFAULT_HEIGHT = 380;
const LEGEND_WIDTH = 210;
const TICK_TARGET = 6;
/** Fraction of the data range added on each side so points do not sit on the frame. */
const DOMAIN_PADDING = 0.06;
/** Maximum legend or point label length, in characters, before the label is shortened. */
const MAX_LABEL_CHARS = 28;

/** One axis: its label, optional fixed bounds, and whether it is logarithmic. */
export interface AxisOptions {
  label: string;
  min?: number;
  max?: number;
  log?: boolean;
}

/** Size, title and axes of a chart. */
export interface ChartOptions {
  title: string;
  x: AxisOptions;
  y: AxisOptions;
  width?: number;
  height?: number;
}

/** A point of a line series, with an optional vertical interval. */
export interface LinePoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** A named line. */
export interface LineSeries {
  label: string;
  points: LinePoint[];
  /** Palette index of the line colour; defaults to the series index. */
  color?: number;
  /** Index into the dash patterns (0 is solid); defaults to solid. */
  dash?: number;
}

/** A labelled point with optional intervals on both axes. */
export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  xLow?: number;
  xHigh?: number;
  yLow?: number;
  yHigh?: number;
}

/** Counts per histogram bin for one group. */
export interface BarSeries {
  label: string;
  counts: number[];
}

/** Print a coordinate with two decimals. */
function coordinate(value: number): string {
  return value.toFixed(2);
}

function shorten(label: string): string {
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${coordinate(x)}" y="${coordinate(y)}"${attributes}>${escapeHtml(content)}</text>`;
}

/** Compute ticks at 1, 2 or 5 times a power of ten that cover [min, max]. */
export function niceTicks(min: number, max: number, target = TICK_TARGET): number[] {
  if (!(max > min)) return [min];
  const rough = (max - min) / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ??
    10 * power;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

/** Label a tick with just enough decimals for the tick spacing. */
function tickLabel(value: number, ticks: number[], log: boolean): string {
  if (log) return Number(value.toPrecision(3)).toString();
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(value) || 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

/** Numeric extent of finite values, padded, honouring fixed bounds and log axes. */
function domainOf(values: number[], axis: AxisOptions): [number, number] {
  const usable = values.filter((value) => Number.isFinite(value) && (!axis.log || value > 0));
  let low = usable.length > 0 ? Math.min(...usable) : 0;
  let high = usable.length > 0 ? Math.max(...usable) : 1;
  if (axis.log) {
    if (usable.length === 0) [low, high] = [0.1, 1];
    low = 10 ** Math.floor(Math.log10(low));
    high = 10 ** Math.ceil(Math.log10(high));
    if (high === low) high = low * 10;
  } else {
    const span = high - low || Math.abs(high) || 1;
    low -= span * DOMAIN_PADDING;
    high += span * DOMAIN_PADDING;
  }
  return [axis.min ?? low, axis.max ?? high];
}

/** Maps data values to pixels along one axis. */
interface Scale {
  (value: number): number;
  ticks: number[];
  log: boolean;
}

function makeScale(domain: [number, number], range: [number, number], log: boolean): Scale {
  const transform = log ? Math.log10 : (value: number) => value;
  const [d0, d1] = [transform(domain[0]), transform(domain[1])];
  const scale =
    ((value: number) =>
      range[0] + ((transform(value) - d0) / (d1 - d0 || 1)) * (range[1] - range[0])) as Scale;
  scale.log = log;
  if (log) {
    scale.ticks = [];
    for (let power = Math.round(d0); power <= Math.round(d1); power += 1) scale.ticks.push(10 ** power);
  } else {
    scale.ticks = niceTicks(domain[0], domain[1]).filter((tick) => tick >= domain[0] && tick <= domain[1]);
  }
  return scale;
}

/** Plot area in pixels. */
interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

function frameOf(options: ChartOptions, legend: boolean): Frame {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  return {
    left: 64,
    right: width - (legend ? LEGEND_WIDTH : 20),
    top: 34,
    bottom: height - 48,
    width,
    height,
  };
}

/** Open the SVG element, draw the title, axes, grid, ticks and axis labels. */
function drawAxes(options: ChartOptions, frame: Frame, x: Scale, y: Scale): string[] {
  const parts = [
    `<svg viewBox="0 0 ${frame.width} ${frame.height}" width="${frame.width}" height="${frame.height}" ` +
    `role="img" font-family="sans-serif" font-size="11">`,
    `<title>${escapeHtml(options.title)}</title>`,
    `<rect x="0" y="0" width="${frame.width}" height="${frame.height}" fill="#ffffff"/>`,
    text(frame.width / 2, 18, options.title, ' text-anchor="middle" font-size="13" font-weight="bold"'),
  ];
  for (const tick of y.ticks) {
    const py = y(tick);
    parts.push(
      `<line x1="${coordinate(frame.left)}" y1="${coordinate(py)}" x2="${coordinate(frame.right)}" ` +
        `y2="${coordinate(py)}" stroke="#e6e6e6"/>`,
      text(frame.left - 6, py + 4, tickLabel(tick, y.ticks, y.log), ' text-anchor="end"'),
    );
  }
  for (const tick of x.ticks) {
    const px = x(tick);
    parts.push(
      `<line x1="${coordinate(px)}" y1="${coordinate(frame.bottom)}" x2="${coordinate(px)}" ` +
        `y2="${coordinate(frame.bottom + 5)}" stroke="#333333"/>`,
      text(px, frame.bottom + 18, tickLabel(tick, x.ticks, x.log), ' text-anchor="middle"'),
    );
  }
  parts.push(
    `<rect x="${coordinate(frame.left)}" y="${coordinate(frame.top)}" width="${
      coordinate(frame.right - frame.left)
    }" height="${coordinate(frame.bottom - frame.top)}" fill="none" stroke="#333333"/>`,
    text((frame.left + frame.right) / 2, frame.height - 10, options.x.label, ' text-anchor="middle"'),
    text(
      16,
      (frame.top + frame.bottom) / 2,
      options.y.label,
      ` text-anchor="middle" transform="rotate(-90 16 ${coordinate((frame.top + frame.bottom) / 2)})"`,
    ),
  );
  return parts;
}

/** One legend entry: label, colour and dash pattern of its line or bar. */
interface LegendEntry {
  label: string;
  color: string;
  dash: string;
}

function dashAttribute(dash: string): string {
  return dash ? ` stroke-dasharray="${dash}"` : "";
}

function drawLegend(entries: LegendEntry[], frame: Frame, filled: boolean): string[] {
  const parts: string[] = [];
  entries.forEach(({ label, color, dash }, index) => {
    const y = frame.top + 8 + index * 16;
    const x = frame.right + 12;
    parts.push(
      filled
        ? `<rect x="${coordinate(x)}" y="${
          coordinate(y - 5)
        }" width="14" height="10" fill="${color}" fill-opacity="0.55"/>`
        : `<line x1="${coordinate(x)}" y1="${coordinate(y)}" x2="${coordinate(x + 14)}" y2="${
          coordinate(y)
        }" stroke="${color}" stroke-width="2"${dashAttribute(dash)}/>`,
      text(x + 20, y + 4, shorten(label)),
    );
  });
  return parts;
}

function errorBar(x1: number, y1: number, x2: number, y2: number, color: string): string {
  return `<line x1="${coordinate(x1)}" y1="${coordinate(y1)}" x2="${coordinate(x2)}" y2="${
    coordinate(y2)
  }" stroke="${color}" stroke-width="1"/>`;
}

function emptyNote(frame: Frame): string {
  return text(
    (frame.left + frame.right) / 2,
    (frame.top + frame.bottom) / 2,
    "no data",
    ' text-anchor="middle"',
  );
}

function finite(...values: Array<number | undefined>): boolean {
  return values.every((value) => value !== undefined && Number.isFinite(value));
}

/** Draw lines with markers and optional vertical intervals, one colour per series. */
export function lineChart(series: LineSeries[], options: ChartOptions): string {
  const points = series.flatMap((line) => line.points).filter((point) => finite(point.x, point.y));
  const frame = frameOf(options, series.length > 0);
  const x = makeScale(
    domainOf(points.map((point) => point.x), options.x),
    [frame.left, frame.right],
    !!options.x.log,
  );
  const yValues = points.flatMap((point) => [point.y, point.low ?? point.y, point.high ?? point.y]);
  const y = makeScale(domainOf(yValues, options.y), [frame.bottom, frame.top], !!options.y.log);
  const parts = drawAxes(options, frame, x, y);
  if (points.length === 0) parts.push(emptyNote(frame));

  const styles = series.map((line, index): LegendEntry => ({
    label: line.label,
    color: PALETTE[(line.color ?? index) % PALETTE.length],
    dash: DASHES[(line.dash ?? 0) % DASHES.length],
  }));
  series.forEach((line, index) => {
    const { color, dash } = styles[index];
    const usable = line.points.filter((point) => finite(point.x, point.y)).sort((a, b) => a.x - b.x);
    if (usable.length > 1) {
      const path = usable.map((point) => `${coordinate(x(point.x))},${coordinate(y(point.y))}`).join(" ");
      parts.push(
        `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dashAttribute(dash)}/>`,
      );
    }
    for (const point of usable) {
      if (finite(point.low, point.high)) {
        parts.push(errorBar(x(point.x), y(point.low!), x(point.x), y(point.high!), color));
      }
      parts.push(
        `<circle cx="${coordinate(x(point.x))}" cy="${coordinate(y(point.y))}" r="3" fill="${color}"/>`,
      );
    }
  });
  parts.push(...drawLegend(styles, frame, false), "</svg>");
  return parts.join("\n");
}

/** Draw labelled points with optional intervals on both axes. */
export function scatterChart(points: ScatterPoint[], options: ChartOptions): string {
  const usable = points.filter((point) => finite(point.x, point.y));
  const frame = frameOf(options, false);
  const xValues = usable.flatMap((point) => [point.x, point.xLow ?? point.x, point.xHigh ?? point.x]);
  const yValues = usable.flatMap((point) => [point.y, point.yLow ?? point.y, point.yHigh ?? point.y]);
  const x = makeScale(domainOf(xValues, options.x), [frame.left, frame.right], !!options.x.log);
  const y = makeScale(domainOf(yValues, options.y), [frame.bottom, frame.top], !!options.y.log);
  const parts = drawAxes(options, frame, x, y);
  if (usable.length === 0) parts.push(emptyNote(frame));

  usable.forEach((point, index) => {
    const color = PALETTE[index % PALETTE.length];
    const px = x(point.x);
    const py = y(point.y);
    if (finite(point.yLow, point.yHigh)) parts.push(errorBar(px, y(point.yLow!), px, y(point.yHigh!), color));
    if (finite(point.xLow, point.xHigh)) parts.push(errorBar(x(point.xLow!), py, x(point.xHigh!), py, color));
    parts.push(
      `<circle cx="${coordinate(px)}" cy="${coordinate(py)}" r="4" fill="${color}"/>`,
      text(px + 6, py - 6, shorten(point.label), ` fill="${color}"`),
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Draw overlaid histograms over shared bin edges (translucent bars, one colour per series). */
export function histogramChart(edges: number[], series: BarSeries[], options: ChartOptions): string {
  for (const group of series) {
    if (group.counts.length !== edges.length - 1) {
      throw new RangeError(
        `histogram series '${group.label}' has ${group.counts.length} counts for ${edges.length} edges; ` +
          "expected one count fewer than edges",
      );
    }
  }
  const frame = frameOf(options, series.length > 0);
  const counts = series.flatMap((group) => group.counts).filter((count) => Number.isFinite(count));
  const x = makeScale(
    [options.x.min ?? edges[0] ?? 0, options.x.max ?? edges[edges.length - 1] ?? 1],
    [frame.left, frame.right],
    false,
  );
  const y = makeScale(
    [options.y.min ?? 0, options.y.max ?? Math.max(1e-12, ...counts) * (1 + DOMAIN_PADDING)],
    [frame.bottom, frame.top],
    false,
  );
  const parts = drawAxes(options, frame, x, y);
  if (edges.length < 2 || counts.length === 0) parts.push(emptyNote(frame));

  series.forEach((group, index) => {
    const color = PALETTE[index % PALETTE.length];
    group.counts.forEach((count, bin) => {
      if (!Number.isFinite(count) || count <= 0) return;
      const left = x(edges[bin]);
      const top = y(count);
      parts.push(
        `<rect x="${coordinate(left)}" y="${coordinate(top)}" width="${
          coordinate(x(edges[bin + 1]) - left)
        }" ` +
          `height="${
            coordinate(frame.bottom - top)
          }" fill="${color}" fill-opacity="0.55" stroke="${color}"/>`,
      );
    });
  });
  const legend = series.map((group, index) => ({
    label: group.label,
    color: PALETTE[index % PALETTE.length],
    dash: "",
  }));
  parts.push(...drawLegend(legend, frame, true), "</svg>");
  return parts.join("\n");
}

/** Add the SVG namespace so the chart can be saved and opened as a standalone `.svg` file. */
export function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${
    svg.replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" ')
  }\n`;
}
