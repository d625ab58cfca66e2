/**
 * JSON Schema (draft 2020-12) of the spec, generated from `SPEC_SCHEMA` so that editors can complete
 * and check spec files. The loader alone checks cross-field rules and the required keys of mappings that
 * a parent spec may supply, so this schema accepts a little more than the loader.
 */

import { type AnySchema, isRequired, type ObjectSchema } from "./dsl.ts";
import { SPEC_SCHEMA } from "./schema.ts";

/** A JSON Schema document or subschema. */
export type JsonSchema = Record<string, unknown>;

/** Default location of the generated schema file, relative to the project root. */
export const JSON_SCHEMA_PATH = "lib/spec/ifguide.schema.json";

/**
 * Where a mapping sits. Mappings outside lists deep-merge with a parent spec, so a file that uses
 * `extends` may write them partially and their required keys are not enforced. Mappings inside list
 * items replace the parent's list and must be complete.
 */
type Placement = "merged" | "replaced";

/** Build the JSON Schema of the spec. */
export function specJsonSchema(): JsonSchema {
  const root = convert(SPEC_SCHEMA, "merged");
  const properties = root.properties as Record<string, JsonSchema>;
  root.properties = {
    extends: {
      type: "string",
      minLength: 1,
      description: "Parent spec file, relative to this file; its keys are deep-merged under this file's keys",
    },
    ...properties,
  };
  const required = Object.entries(SPEC_SCHEMA.fields).filter(([, field]) => isRequired(field)).map(([key]) =>
    key
  );
  // A spec without `extends` must name the top-level sections that have no defaults.
  root.anyOf = [{ required: ["extends"] }, { required }];
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "ifguide experiment spec",
    ...root,
  };
}

/** Render the schema as the text stored in the generated file. */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}

function describe(schema: AnySchema): string {
  return schema.derived ? `${schema.description} (default: ${schema.derived})` : schema.description;
}

function convert(schema: AnySchema, placement: Placement): JsonSchema {
  const out: JsonSchema = { description: describe(schema) };
  if (schema.default !== undefined) out.default = schema.default;

  switch (schema.kind) {
    case "number":
      out.type = schema.integer ? "integer" : "number";
      if (schema.min !== undefined) out.minimum = schema.min;
      if (schema.max !== undefined) out.maximum = schema.max;
      if (schema.exclusiveMin !== undefined) out.exclusiveMinimum = schema.exclusiveMin;
      if (schema.exclusiveMax !== undefined) out.exclusiveMaximum = schema.exclusiveMax;
      return out;
    case "string":
      out.type = "string";
      if (schema.enum) out.enum = [...schema.enum];
      if (schema.pattern) out.pattern = schema.pattern.source;
      if (schema.minLength !== undefined) out.minLength = schema.minLength;
      return out;
    case "boolean":
      out.type = "boolean";
      return out;
    case "array":
      out.type = "array";
      out.items = convert(schema.items, "replaced");
      if (schema.minItems !== undefined) out.minItems = schema.minItems;
      if (schema.maxItems !== undefined) out.maxItems = schema.maxItems;
      return out;
    case "tuple":
      out.type = "array";
      out.prefixItems = schema.items.map((item) => convert(item, "replaced"));
      out.items = false;
      out.minItems = schema.items.length;
      out.maxItems = schema.items.length;
      return out;
    case "object":
      return convertObject(schema, placement, out);
    case "record":
      out.type = "object";
      out.propertyNames = { pattern: schema.keyPattern.source };
      out.additionalProperties = convert(schema.values, placement);
      if (schema.minEntries !== undefined && placement === "replaced") out.minProperties = schema.minEntries;
      return out;
    case "union":
      out.anyOf = schema.options.map((option) => convert(option, placement));
      return out;
    case "unknown":
      return out;
  }
}

function convertObject(schema: ObjectSchema, placement: Placement, out: JsonSchema): JsonSchema {
  const properties = Object.entries(schema.fields).map(([key, field]) => [key, convert(field, placement)]);
  const mapping: JsonSchema = {
    type: "object",
    properties: Object.fromEntries(properties),
    additionalProperties: false,
  };
  const required = Object.entries(schema.fields).filter(([, field]) => isRequired(field)).map(([key]) => key);
  if (placement === "replaced" && schema.presets) {
    // A named preset supplies every required field; without one, all of them must be written out.
    mapping.anyOf = [{ required: [schema.presets.key] }, { required }];
  } else if (placement === "replaced" && required.length > 0) {
    mapping.required = required;
  }
  if (!schema.shorthand) return { ...out, ...mapping };

  const shorthand = convert(schema.fields[schema.shorthand], placement);
  const { description: _description, default: _default, ...short } = shorthand;
  return { ...out, anyOf: [short, mapping] };
}
