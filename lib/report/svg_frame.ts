/**
 * Building blocks of the SVG charts: scales with nice ticks, the plot frame, axes, legend, error bars
 * and escaped text. Every coordinate is printed with two decimals, so output is deterministic.
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

/** Chart size in pixels when the options give none. */
const DEFAULT_WIDTH = 640;
const DEFAULT_HEIGHT = 380;
/** Width reserved right of the plot for the legend, in pixels. */
const LEGEND_WIDTH = 210;
/** Tick count the tick step aims at. */
const TICK_TARGET = 6;
/** Fraction of the data range added on each side so points do not sit on the frame. */
export const DOMAIN_PADDING = 0.06;
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

/** Print a coordinate with two decimals. */
export function coordinate(value: number): string {
  return value.toFixed(2);
}

/** Shorten a label to the maximum label length with an ellipsis. */
export function shorten(label: string): string {
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/** Draw escaped text at (x, y) with extra attributes. */
export function text(x: number, y: number, content: string, attributes = ""): string {
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
export function domainOf(values: number[], axis: AxisOptions): [number, number] {
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
export interface Scale {
  (value: number): number;
  ticks: number[];
  log: boolean;
}

/** Build a linear or logarithmic scale from a data domain to a pixel range, with its ticks. */
export function makeScale(domain: [number, number], range: [number, number], log: boolean): Scale {
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
export interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

/** Compute the plot area of a chart, leaving room for a legend when asked. */
export function frameOf(options: ChartOptions, legend: boolean): Frame {
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

/** A labelled x position, for category axes. */
export interface CategoryTick {
  /** Pixel position of the category's centre. */
  position: number;
  label: string;
}

/**
 * Open the SVG element, draw the title, axes, grid, ticks and axis labels. `categories` replaces the
 * numeric x ticks with labelled positions.
 */
export function drawAxes(
  options: ChartOptions,
  frame: Frame,
  x: Scale,
  y: Scale,
  categories?: CategoryTick[],
): string[] {
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
  const xTicks = categories ??
    x.ticks.map((tick) => ({ position: x(tick), label: tickLabel(tick, x.ticks, x.log) }));
  for (const tick of xTicks) {
    parts.push(
      `<line x1="${coordinate(tick.position)}" y1="${coordinate(frame.bottom)}" x2="${
        coordinate(tick.position)
      }" ` +
        `y2="${coordinate(frame.bottom + 5)}" stroke="#333333"/>`,
      text(tick.position, frame.bottom + 18, tick.label, ' text-anchor="middle"'),
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
export interface LegendEntry {
  label: string;
  color: string;
  dash: string;
}

/** Format the `stroke-dasharray` attribute of a dash pattern, empty for solid lines. */
export function dashAttribute(dash: string): string {
  return dash ? ` stroke-dasharray="${dash}"` : "";
}

/** Draw the legend right of the plot: one swatch (a line, or a bar when `filled`) per entry. */
export function drawLegend(entries: LegendEntry[], frame: Frame, filled: boolean): string[] {
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

/** Draw one interval as a thin line between two points. */
export function errorBar(x1: number, y1: number, x2: number, y2: number, color: string): string {
  return `<line x1="${coordinate(x1)}" y1="${coordinate(y1)}" x2="${coordinate(x2)}" y2="${
    coordinate(y2)
  }" stroke="${color}" stroke-width="1"/>`;
}

/** Write "no data" in the middle of the plot. */
export function emptyNote(frame: Frame): string {
  return text(
    (frame.left + frame.right) / 2,
    (frame.top + frame.bottom) / 2,
    "no data",
    ' text-anchor="middle"',
  );
}

/** True when every value is present and finite. */
export function finite(...values: Array<number | undefined>): boolean {
  return values.every((value) => value !== undefined && Number.isFinite(value));
}
