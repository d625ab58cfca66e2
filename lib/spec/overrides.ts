/**
 * Command-line overrides (`--set path=value`) and the shorthand expansion that lets a dotted path
 * reach into an arm written as a bare kind string.
 */

import type { AnySchema } from "./dsl.ts";
import type { SpecIssue } from "./errors.ts";
import { isMapping, parseDotted, type Position, type PositionMap, setPath } from "./positions.ts";
import { SPEC_SCHEMA } from "./schema.ts";
import { parseYaml, SourceText } from "./yaml_source.ts";

/** Source name used in issues about overrides. */
export const OVERRIDE_SOURCE = "--set";

/**
 * Rewrite, in place, every value the schema allows as a shorthand string into its mapping form, so
 * that paths such as `arms.1.dpo.beta` exist in the tree. Returns the possibly replaced value.
 */
export function expandShorthands(schema: AnySchema, value: unknown): unknown {
  if (schema.kind === "object") {
    if (typeof value === "string" && schema.shorthand) return { [schema.shorthand]: value };
    if (!isMapping(value)) return value;
    for (const [key, field] of Object.entries(schema.fields)) {
      if (value[key] !== undefined) value[key] = expandShorthands(field, value[key]);
    }
    return value;
  }
  if (schema.kind === "array" && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = expandShorthands(schema.items, value[i]);
  } else if (schema.kind === "record" && isMapping(value)) {
    for (const key of Object.keys(value)) value[key] = expandShorthands(schema.values, value[key]);
  }
  return value;
}

/**
 * Apply `path=value` overrides to a merged tree in order. The value is parsed as a YAML scalar or flow
 * collection (`0.5`, `true`, `[1, 2]`, `{beta: 0.2}`) under the same safety rules as spec files. Errors
 * about anything an override sets point at that override.
 */
export function applyOverrides(
  tree: Record<string, unknown>,
  positions: PositionMap,
  overrides: readonly string[],
  issues: SpecIssue[],
): void {
  expandShorthands(SPEC_SCHEMA, tree);
  overrides.forEach((argument, index) => {
    const line = index + 1;
    const at = (column: number): Position => ({ file: OVERRIDE_SOURCE, line, column, source: argument });
    const issue = (column: number, path: string, message: string, hint: string) =>
      issues.push({ ...at(column), path, message, hint });

    const equals = argument.indexOf("=");
    if (equals <= 0) {
      issue(
        1,
        "",
        `override "${argument}" is not of the form path=value`,
        "write e.g. --set selection.lambda=2",
      );
      return;
    }
    const pathText = argument.slice(0, equals).trim();
    const parsedPath = parseDotted(pathText);
    // Sweep keys are dotted paths themselves: `sweep.selection.lambda` names the key "selection.lambda".
    const segments = parsedPath?.[0] === "sweep" && parsedPath.length > 1
      ? ["sweep", pathText.slice("sweep.".length)]
      : parsedPath;
    if (!segments) {
      issue(
        1,
        pathText,
        `invalid dotted path "${pathText}"`,
        "write dot-separated keys, e.g. training.optimizer.lr",
      );
      return;
    }

    const valueText = argument.slice(equals + 1);
    const valueIssues: SpecIssue[] = [];
    const parsed = parseYaml(new SourceText(OVERRIDE_SOURCE, valueText), valueIssues);
    for (const problem of valueIssues) {
      issue(
        equals + 1 + problem.column,
        pathText,
        problem.message,
        problem.hint ?? "quote the value if it is text",
      );
    }
    if (!parsed) return;

    try {
      setPath(tree, segments, expandShorthands(schemaForPath(segments), parsed.value));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      issue(1, pathText, `cannot set "${pathText}": ${error.message}`, "check the path against the spec");
      return;
    }
    const lastKeyColumn = segments[0] === "sweep" ? "sweep.".length + 1 : pathText.lastIndexOf(".") + 2;
    positions.pinSubtree(segments, at(equals + 2), at(lastKeyColumn));
  });
}

/** Schema of the node at a path, or an unknown-value schema when the path leaves the schema. */
export function schemaForPath(segments: readonly (string | number)[]): AnySchema {
  let schema: AnySchema | undefined = SPEC_SCHEMA;
  for (const segment of segments) {
    schema = childSchema(schema, segment);
    if (!schema) return { kind: "unknown", description: "" };
  }
  return schema;
}

/** Schema of one child of `schema`, or undefined when the schema has no such child. */
export function childSchema(schema: AnySchema, segment: string | number): AnySchema | undefined {
  switch (schema.kind) {
    case "object":
      return Object.hasOwn(schema.fields, String(segment)) ? schema.fields[String(segment)] : undefined;
    case "record":
      return schema.values;
    case "array":
      return typeof segment === "number" ? schema.items : undefined;
    case "tuple":
      return typeof segment === "number" ? schema.items[segment] : undefined;
    default:
      return undefined;
  }
}
