/**
 * Schema-driven validation: checks types, ranges, enums and unknown keys, fills defaults and presets,
 * and expands shorthands. Every problem is reported through a `Reporter`; validation never stops at the
 * first problem.
 */

import {
  type AnySchema,
  type ArraySchema,
  canDefaultWhole,
  isRequired,
  type NumberSchema,
  type ObjectSchema,
  type RecordSchema,
  type StringSchema,
} from "./dsl.ts";
import { suggestionHint } from "./errors.ts";
import { isMapping, type Segment } from "./positions.ts";

/** Receives each problem found; `at: "key"` places it on the key instead of the value. */
export type Reporter = (path: Segment[], message: string, hint?: string, at?: "key" | "value") => void;

/** Start of the message reported for a required key that is absent. */
export const MISSING_KEY_PREFIX = "missing required key";

/** Render a value for a message: JSON, cut to 60 characters. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list of ${value.length} ${value.length === 1 ? "item" : "items"}`;
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${showValue(value)}`;
}

function rangeText(schema: NumberSchema): string {
  const low = schema.min !== undefined
    ? `>= ${schema.min}`
    : schema.exclusiveMin !== undefined
    ? `> ${schema.exclusiveMin}`
    : "";
  const high = schema.max !== undefined
    ? `<= ${schema.max}`
    : schema.exclusiveMax !== undefined
    ? `< ${schema.exclusiveMax}`
    : "";
  return [low, high].filter((part) => part !== "").join(" and ");
}

/** Describe what a schema accepts, e.g. "an integer >= 1" or "one of: bpe, gpt2". */
export function describeSchema(schema: AnySchema): string {
  switch (schema.kind) {
    case "number": {
      const range = rangeText(schema);
      return `${schema.integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}`;
    }
    case "string":
      if (schema.enum) return `one of: ${schema.enum.join(", ")}`;
      return schema.patternHint ? `a string: ${schema.patternHint}` : "a string";
    case "boolean":
      return "true or false";
    case "array":
      return `a list (each item ${describeSchema(schema.items)})`;
    case "tuple":
      return `a list of ${schema.items.length} values: ${schema.items.map(describeSchema).join("; ")}`;
    case "object":
      return schema.shorthand
        ? `a mapping, or a ${schema.shorthand} string (${describeSchema(schema.fields[schema.shorthand])})`
        : "a mapping";
    case "record":
      return "a mapping of names to values";
    case "union":
      return schema.options.map(describeSchema).join(", or ");
    case "unknown":
      return "any value";
  }
}

/**
 * Validate `value` against `schema` and return the filled value. A missing (undefined or null) value
 * takes the default; a missing derived or optional field stays undefined.
 */
export function validateNode(schema: AnySchema, value: unknown, path: Segment[], report: Reporter): unknown {
  if (value === undefined || value === null) {
    if (schema.default !== undefined) return structuredClone(schema.default);
    if (canDefaultWhole(schema)) return validateNode(schema, {}, path, report);
    if (schema.optional || schema.derived !== undefined) return undefined;
    const key = path.at(-1);
    report(
      path,
      `${MISSING_KEY_PREFIX} "${String(key)}"`,
      `${schema.description}: ${describeSchema(schema)}`,
      "key",
    );
    return undefined;
  }

  switch (schema.kind) {
    case "number":
      return checkNumber(schema, value, path, report);
    case "string":
      return checkString(schema, value, path, report);
    case "boolean":
      if (typeof value === "boolean") return value;
      report(
        path,
        `expected true or false, got ${typeName(value)}`,
        "write true or false (yes/no/on/off are strings)",
      );
      return undefined;
    case "array":
      return checkArray(schema, value, path, report);
    case "tuple": {
      if (!Array.isArray(value) || value.length !== schema.items.length) {
        report(
          path,
          `expected a list of ${schema.items.length} values, got ${typeName(value)}`,
          describeSchema(schema),
        );
        return undefined;
      }
      return schema.items.map((item, index) => validateNode(item, value[index], [...path, index], report));
    }
    case "object":
      return checkObject(schema, value, path, report);
    case "record":
      return checkRecord(schema, value, path, report);
    case "union": {
      for (const option of schema.options) {
        const problems: string[] = [];
        const result = validateNode(option, value, path, (_p, message) => problems.push(message));
        if (problems.length === 0) return result;
      }
      report(path, `invalid value ${showValue(value)}`, `expected ${describeSchema(schema)}`);
      return undefined;
    }
    case "unknown":
      return value;
  }
}

function checkNumber(
  schema: NumberSchema,
  value: unknown,
  path: Segment[],
  report: Reporter,
): number | undefined {
  const expected = describeSchema(schema);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    report(path, `expected ${expected}, got ${typeName(value)}`, schema.description);
    return undefined;
  }
  const outside = (schema.integer && !Number.isInteger(value)) ||
    (schema.min !== undefined && value < schema.min) ||
    (schema.max !== undefined && value > schema.max) ||
    (schema.exclusiveMin !== undefined && value <= schema.exclusiveMin) ||
    (schema.exclusiveMax !== undefined && value >= schema.exclusiveMax);
  if (outside) {
    const problem = schema.integer && !Number.isInteger(value) ? "is not an integer" : "is out of range";
    report(path, `value ${value} ${problem}`, `${schema.description}: expected ${expected}`);
    return undefined;
  }
  return value;
}

function checkString(
  schema: StringSchema,
  value: unknown,
  path: Segment[],
  report: Reporter,
): string | undefined {
  if (typeof value !== "string") {
    report(path, `expected ${describeSchema(schema)}, got ${typeName(value)}`, schema.description);
    return undefined;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    report(path, `invalid value "${value}"`, suggestionHint(value, schema.enum, "values"));
    return undefined;
  }
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    report(path, "value is empty", `${schema.description}: write a non-empty string`);
    return undefined;
  }
  if (schema.pattern && !schema.pattern.test(value)) {
    report(path, `invalid value "${value}"`, `expected ${schema.patternHint ?? schema.pattern.source}`);
    return undefined;
  }
  return value;
}

function checkArray(
  schema: ArraySchema,
  value: unknown,
  path: Segment[],
  report: Reporter,
): unknown[] | undefined {
  if (!Array.isArray(value)) {
    report(
      path,
      `expected a list, got ${typeName(value)}`,
      `${schema.description}: ${describeSchema(schema)}`,
    );
    return undefined;
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    report(path, `list has ${value.length} items, at least ${schema.minItems} required`, schema.description);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    report(path, `list has ${value.length} items, at most ${schema.maxItems} allowed`, schema.description);
  }
  return value.map((item, index) => validateNode(schema.items, item, [...path, index], report));
}

function checkObject(
  schema: ObjectSchema,
  value: unknown,
  path: Segment[],
  report: Reporter,
): Record<string, unknown> | undefined {
  if (typeof value === "string" && schema.shorthand) value = { [schema.shorthand]: value };
  if (!isMapping(value)) {
    report(path, `expected ${describeSchema(schema)}, got ${typeName(value)}`, schema.description);
    return undefined;
  }
  const { input, unknownPreset } = applyPreset(schema, value);
  const allowed = Object.keys(schema.fields);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(schema.fields, key)) {
      report([...path, key], `unknown key "${key}"`, suggestionHint(key, allowed, "keys"), "key");
    }
  }
  // The unknown preset name is reported once; the fields it would have filled are not reported again.
  for (const [key, field] of Object.entries(schema.fields)) {
    const missing = input[key] === undefined || input[key] === null;
    if (unknownPreset && missing && isRequired(field)) continue;
    const result = validateNode(field, input[key], [...path, key], report);
    if (result !== undefined) out[key] = result;
  }
  return out;
}

/**
 * Fill fields the mapping leaves out from its named preset. An unknown preset name fills nothing and
 * sets `unknownPreset`; the preset field's own enum check reports it.
 */
function applyPreset(
  schema: ObjectSchema,
  value: Record<string, unknown>,
): { input: Record<string, unknown>; unknownPreset: boolean } {
  const presets = schema.presets;
  const name = presets ? value[presets.key] : undefined;
  if (!presets || typeof name !== "string") return { input: value, unknownPreset: false };
  const preset = presets.table[name];
  if (!preset) return { input: value, unknownPreset: true };
  const filled: Record<string, unknown> = { ...value };
  for (const [key, presetValue] of Object.entries(preset)) {
    if (filled[key] === undefined || filled[key] === null) filled[key] = presetValue;
  }
  return { input: filled, unknownPreset: false };
}

function checkRecord(
  schema: RecordSchema,
  value: unknown,
  path: Segment[],
  report: Reporter,
): Record<string, unknown> | undefined {
  if (!isMapping(value)) {
    report(path, `expected a mapping of names to values, got ${typeName(value)}`, schema.description);
    return undefined;
  }
  const keys = Object.keys(value);
  if (schema.minEntries !== undefined && keys.length < schema.minEntries) {
    report(
      path,
      `mapping has ${keys.length} entries, at least ${schema.minEntries} required`,
      schema.description,
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (!schema.keyPattern.test(key)) {
      report([...path, key], `invalid name "${key}"`, `expected ${schema.keyHint}`, "key");
      continue;
    }
    const result = validateNode(schema.values, value[key], [...path, key], report);
    if (result !== undefined) out[key] = result;
  }
  return out;
}

/** Return a copy of `value` whose mapping keys follow the schema's field order (stable output). */
export function orderBySchema(schema: AnySchema, value: unknown): unknown {
  if (schema.kind === "object" && isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.fields)) {
      if (value[key] !== undefined) out[key] = orderBySchema(field, value[key]);
    }
    return out;
  }
  if (schema.kind === "array" && Array.isArray(value)) {
    return value.map((item) => orderBySchema(schema.items, item));
  }
  if (schema.kind === "record" && isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, orderBySchema(schema.values, item)]),
    );
  }
  return value;
}
