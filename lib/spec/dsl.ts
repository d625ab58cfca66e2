/**
 * A small schema language for the spec. One definition per field carries its type, default, allowed
 * range or enum and a one-line description. Validation, defaults filling and the JSON Schema are all
 * derived from it. Every builder also carries the TypeScript type of the value it produces, so
 * `Infer<typeof schema>` can be compared with the hand-written `Spec` type at compile time.
 */

/** Fields shared by every schema node. */
interface CommonSchema {
  /** One-line description shown in the JSON Schema and in error hints. */
  description: string;
  /** Value used when the key is missing (or null). */
  default?: unknown;
  /** The key may be absent from the output. */
  optional?: boolean;
  /** The key may be absent from the input because the loader computes it; the text describes how. */
  derived?: string;
}

/** A number, optionally integral and bounded. */
export interface NumberSchema extends CommonSchema {
  kind: "number";
  integer: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: number;
  exclusiveMax?: number;
}

/** A string, optionally restricted to an enum or a pattern. */
export interface StringSchema extends CommonSchema {
  kind: "string";
  enum?: readonly string[];
  pattern?: RegExp;
  /** Plain-words description of `pattern` for error messages. */
  patternHint?: string;
  minLength?: number;
}

/** `true` or `false`. */
export interface BooleanSchema extends CommonSchema {
  kind: "boolean";
}

/** A list of items of one schema. */
export interface ArraySchema extends CommonSchema {
  kind: "array";
  items: AnySchema;
  minItems?: number;
  maxItems?: number;
}

/** A fixed-length list whose positions have their own schemas. */
export interface TupleSchema extends CommonSchema {
  kind: "tuple";
  items: readonly AnySchema[];
}

/** Named presets that fill missing fields of an object before validation. */
export interface PresetTable {
  /** Field that names the preset. */
  key: string;
  table: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A mapping with a fixed set of keys; unknown keys are errors. */
export interface ObjectSchema extends CommonSchema {
  kind: "object";
  fields: Readonly<Record<string, AnySchema>>;
  /** When set, a bare string in place of the mapping means `{[shorthand]: string}`. */
  shorthand?: string;
  presets?: PresetTable;
}

/** A mapping from free-form names to values of one schema. */
export interface RecordSchema extends CommonSchema {
  kind: "record";
  values: AnySchema;
  keyPattern: RegExp;
  keyHint: string;
  minEntries?: number;
}

/** A value that matches one of several schemas, tried in order. */
export interface UnionSchema extends CommonSchema {
  kind: "union";
  options: readonly AnySchema[];
}

/** Any YAML value; checked elsewhere. */
export interface UnknownSchema extends CommonSchema {
  kind: "unknown";
}

/** Every schema node. */
export type AnySchema =
  | NumberSchema
  | StringSchema
  | BooleanSchema
  | ArraySchema
  | TupleSchema
  | ObjectSchema
  | RecordSchema
  | UnionSchema
  | UnknownSchema;

/** A schema node tagged (at type level only) with the type of the value it produces. */
export type Typed<S extends AnySchema, T> = S & { readonly __output?: T };

/** The output type of a typed schema node. */
export type Infer<S> = S extends { readonly __output?: infer T } ? Exclude<T, undefined> : never;

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
type OptionalKeys<F> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>;

/** Output type of an object schema built from `fields`. */
export type ObjectOutput<F> = Simplify<
  & { [K in RequiredKeys<F>]: Infer<F[K]> }
  & { [K in OptionalKeys<F>]?: Infer<F[K]> }
>;

type Options<S extends AnySchema> = Omit<S, "kind" | "description">;

/** Build a number field (floating point unless `integer` is set). */
export function number(
  description: string,
  options: Partial<Options<NumberSchema>> = {},
): Typed<NumberSchema, number> {
  return { kind: "number", description, integer: false, ...options };
}

/** Build an integer field. */
export function integer(
  description: string,
  options: Partial<Omit<Options<NumberSchema>, "integer">> = {},
): Typed<NumberSchema, number> {
  return { kind: "number", description, ...options, integer: true };
}

/** Build a free-form string field. */
export function string(
  description: string,
  options: Options<StringSchema> = {},
): Typed<StringSchema, string> {
  return { kind: "string", description, ...options };
}

/** Build a string field restricted to `values`. */
export function enumOf<const E extends readonly string[]>(
  values: E,
  description: string,
  options: Omit<Options<StringSchema>, "enum"> = {},
): Typed<StringSchema, E[number]> {
  return { kind: "string", description, ...options, enum: values };
}

/** Build a boolean field. */
export function boolean(
  description: string,
  options: Options<BooleanSchema> = {},
): Typed<BooleanSchema, boolean> {
  return { kind: "boolean", description, ...options };
}

/** Build a list field. */
export function list<I extends AnySchema>(
  items: I,
  description: string,
  options: Omit<Options<ArraySchema>, "items"> = {},
): Typed<ArraySchema, Array<Infer<I>>> {
  return { kind: "array", description, items, ...options };
}

/** Build a pair field such as Adam's betas. */
export function pair<A extends AnySchema, B extends AnySchema>(
  first: A,
  second: B,
  description: string,
  options: Omit<Options<TupleSchema>, "items"> = {},
): Typed<TupleSchema, [Infer<A>, Infer<B>]> {
  return { kind: "tuple", description, items: [first, second], ...options };
}

/** Build a mapping with fixed keys. */
export function object<const F extends Record<string, AnySchema>>(
  fields: F,
  description: string,
  options: Omit<Options<ObjectSchema>, "fields"> = {},
): Typed<ObjectSchema, ObjectOutput<F>> {
  return { kind: "object", description, fields, ...options };
}

/** Build a mapping from names matching `keyPattern` to values of one schema. */
export function record<V extends AnySchema>(
  values: V,
  description: string,
  options: Omit<Options<RecordSchema>, "values">,
): Typed<RecordSchema, Record<string, Infer<V>>> {
  return { kind: "record", description, values, ...options };
}

/** Build a field that accepts any of `options`, tried in order. */
export function union<const O extends readonly AnySchema[]>(
  options: O,
  description: string,
  extra: Omit<Options<UnionSchema>, "options"> = {},
): Typed<UnionSchema, Infer<O[number]>> {
  return { kind: "union", description, options, ...extra };
}

/** Build a field whose value is checked by code outside the schema. */
export function unknownValue(description: string): Typed<UnknownSchema, unknown> {
  return { kind: "unknown", description };
}

/** Mark a field as optional: it may be absent from both input and output. */
export function optional<S extends AnySchema>(schema: S): S & { optional: true } {
  return { ...schema, optional: true };
}

/** Return whether a field must be present in the input: it has no default and is neither optional nor derived. */
export function isRequired(schema: AnySchema): boolean {
  return schema.default === undefined && !schema.optional && schema.derived === undefined &&
    !canDefaultWhole(schema);
}

/** Return whether a missing object can default to `{}`: no preset table and no required field. */
export function canDefaultWhole(schema: AnySchema): boolean {
  if (schema.kind !== "object" || schema.presets) return false;
  return Object.values(schema.fields).every((field) => !isRequired(field));
}
