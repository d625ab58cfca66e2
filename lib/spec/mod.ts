/**
 * The spec language: loading YAML experiment specs with positions, `extends`, overrides, validation,
 * sweeps and the JSON Schema for editors.
 */

export type * from "./types.ts";
export {
  expandSweep,
  type LoadedSpec,
  loadSpec,
  type LoadSpecOptions,
  type SpecRun,
  validateSpecObject,
} from "./load.ts";
export { formatIssue, SpecError, type SpecIssue } from "./errors.ts";
export { getPath, parseDotted, setPath } from "./positions.ts";
export { GPT2_VOCAB_SIZE, PRESETS, type PresetShape } from "./presets.ts";
export { ARM_KINDS, SPEC_SCHEMA } from "./schema.ts";
export { specJsonSchema } from "./json_schema.ts";
export type { SweepPoint } from "./sweep.ts";
