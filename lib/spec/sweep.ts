/** Sweep grids: checking swept paths and listing the grid points in a stable order. */

import { closestMatch } from "./errors.ts";
import { childSchema } from "./overrides.ts";
import { dotted, isMapping, type Segment } from "./positions.ts";
import { SPEC_SCHEMA } from "./schema.ts";
import type { AnySchema } from "./dsl.ts";

/** Largest number of runs one sweep may expand into. */
export const MAX_SWEEP_RUNS = 1000;

/** One grid point: dotted path -> the value it takes in this run. */
export type SweepPoint = Record<string, unknown>;

/**
 * Explain why a dotted path cannot be swept in `spec` (a filled spec value), or return undefined when
 * it names a field the schema defines and whose containing list items and model entries exist.
 */
export function sweepPathProblem(
  spec: Record<string, unknown>,
  segments: readonly Segment[],
): string | undefined {
  if (segments[0] === "sweep") return "the sweep itself cannot be swept";
  let schema: AnySchema | undefined = SPEC_SCHEMA;
  let value: unknown = spec;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const here = dotted(segments.slice(0, i + 1));
    const next = childSchema(schema!, segment);
    if (!next) {
      const parent = i === 0 ? "the spec" : `"${dotted(segments.slice(0, i))}"`;
      const fields = schema!.kind === "object" ? Object.keys(schema!.fields) : [];
      const closest = closestMatch(String(segment), fields);
      const suggestion = closest ? ` (did you mean "${closest}"?)` : "";
      return `"${here}" does not exist: ${parent} has no field "${segment}"${suggestion}`;
    }
    if (schema!.kind === "array") {
      const length = Array.isArray(value) ? value.length : 0;
      if (typeof segment !== "number" || segment >= length) {
        return `"${here}" does not exist: the list has ${length} items`;
      }
    }
    if (schema!.kind === "record" && !(isMapping(value) && Object.hasOwn(value, String(segment)))) {
      return `"${here}" does not exist: no entry named "${segment}"`;
    }
    schema = next;
    value = Array.isArray(value)
      ? value[segment as number]
      : isMapping(value)
      ? value[String(segment)]
      : undefined;
  }
  return undefined;
}

/** Count the runs a sweep expands into. */
export function gridSize(sweep: Record<string, readonly unknown[]>): number {
  return Object.values(sweep).reduce((product, values) => product * values.length, 1);
}

/**
 * List every point of the grid. The first path varies slowest, so runs come out in the order a
 * reader of the spec expects (all values of the last path for the first value of the first, and so on).
 */
export function gridPoints(sweep: Record<string, readonly unknown[]>): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  for (const [path, values] of Object.entries(sweep)) {
    const next: SweepPoint[] = [];
    for (const point of points) {
      for (const value of values) next.push({ ...point, [path]: value });
    }
    points = next;
  }
  return points;
}
