/**
 * A small deterministic SVG chart renderer: line charts with error bars, labelled scatter plots,
 * histograms and grouped bar charts, with axes, ticks, labels and a legend. Output has no ids and no scripts. It has no
 * `xmlns` either, because inline SVG in HTML needs none, and `standaloneSvg` adds it for files. The
 * same input always gives the same bytes because every coordinate is printed with fixed decimals.
 */

import {
  type ChartOptions,
  coordinate,
  dashAttribute,
  DASHES,
  DOMAIN_PADDING,
  domainOf,
  drawAxes,
  drawLegend,
  emptyNote,
  errorBar,
  finite,
  frameOf,
  type LegendEntry,
  makeScale,
  PALETTE,
  shorten,
  text,
} from "./svg_frame.ts";

export { type AxisOptions, type ChartOptions, DASHES, niceTicks, PALETTE } from "./svg_frame.ts";

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

/** Values of one bar series, one per category, with optional intervals. NaN leaves a gap. */
export interface BarGroupSeries {
  label: string;
  values: number[];
  low?: number[];
  high?: number[];
}

/** Share of a category's band that its bars fill; the rest separates neighbouring categories. */
const BAR_BAND_FILL = 0.8;

/** Maximum category label length, in characters, before the label is shortened. */
const MAX_CATEGORY_CHARS = 14;

/** Draw grouped bars: one group per category, one bar per series, with optional error bars. */
export function barChart(categories: string[], series: BarGroupSeries[], options: ChartOptions): string {
  for (const group of series) {
    if (group.values.length !== categories.length) {
      throw new RangeError(
        `bar series '${group.label}' has ${group.values.length} values for ${categories.length} categories; ` +
          "pass one value per category",
      );
    }
  }
  const frame = frameOf(options, series.length > 0);
  const values = series.flatMap((group) => [...group.values, ...(group.low ?? []), ...(group.high ?? [])]);
  // Bars grow from zero, so the axis starts at zero unless a value is negative.
  const [low, high] = domainOf([0, ...values], options.y);
  const negative = values.some((value) => value < 0);
  const y = makeScale([options.y.min ?? (negative ? low : 0), high], [frame.bottom, frame.top], false);
  const band = (frame.right - frame.left) / Math.max(1, categories.length);
  const x = makeScale([0, 1], [frame.left, frame.right], false);
  const ticks = categories.map((label, index) => ({
    position: frame.left + band * (index + 0.5),
    label: label.length > MAX_CATEGORY_CHARS ? `${label.slice(0, MAX_CATEGORY_CHARS - 1)}…` : label,
  }));
  const parts = drawAxes(options, frame, x, y, ticks);
  if (categories.length === 0 || !values.some((value) => Number.isFinite(value))) {
    parts.push(emptyNote(frame));
  }

  const barWidth = (band * BAR_BAND_FILL) / Math.max(1, series.length);
  const legend: LegendEntry[] = [];
  series.forEach((group, seriesIndex) => {
    const color = PALETTE[seriesIndex % PALETTE.length];
    legend.push({ label: group.label, color, dash: "" });
    group.values.forEach((value, index) => {
      if (!Number.isFinite(value)) return;
      const left = frame.left + band * index + (band * (1 - BAR_BAND_FILL)) / 2 + barWidth * seriesIndex;
      const top = Math.min(y(value), y(0));
      parts.push(
        `<rect x="${coordinate(left)}" y="${coordinate(top)}" width="${coordinate(barWidth)}" ` +
          `height="${coordinate(Math.abs(y(value) - y(0)))}" fill="${color}" fill-opacity="0.8"/>`,
      );
      const barLow = group.low?.[index];
      const barHigh = group.high?.[index];
      if (finite(barLow, barHigh)) {
        const centre = left + barWidth / 2;
        parts.push(errorBar(centre, y(barLow!), centre, y(barHigh!), "#333333"));
      }
    });
  });
  parts.push(...drawLegend(legend, frame, true), "</svg>");
  return parts.join("\n");
}

/** Add the SVG namespace so the chart can be saved and opened as a standalone `.svg` file. */
export function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${
    svg.replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" ')
  }\n`;
}
