/**
 * Fill fields whose defaults depend on other fields: source names, model vocabulary sizes, the
 * influence model, and each arm's name, model and decoding. Runs after schema validation, on a value
 * that may be incomplete where validation already reported a problem.
 */

import { GPT2_VOCAB_SIZE } from "./presets.ts";
import { isMapping } from "./positions.ts";

/** Return the vocabulary size implied by the tokenizer settings, or undefined when they are invalid. */
export function tokenizerVocabSize(tokenizer: unknown): number | undefined {
  if (!isMapping(tokenizer)) return undefined;
  if (tokenizer.kind === "gpt2") return GPT2_VOCAB_SIZE;
  return typeof tokenizer.vocab_size === "number" ? tokenizer.vocab_size : undefined;
}

/** Return the name of the model arms train by default: `target` if declared, otherwise the first model. */
export function defaultTargetModel(models: Record<string, unknown>): string | undefined {
  return Object.hasOwn(models, "target") ? "target" : Object.keys(models)[0];
}

/** Return the name of the model that scores influence by default: `proxy` if declared, otherwise the target. */
export function defaultInfluenceModel(models: Record<string, unknown>): string | undefined {
  return Object.hasOwn(models, "proxy") ? "proxy" : defaultTargetModel(models);
}

function sourceName(source: Record<string, unknown>): string | undefined {
  if (source.dataset === "file" && typeof source.path === "string") {
    const base = source.path.split(/[\\/]/).at(-1) ?? source.path;
    const stem = base.replace(/\.[^.]*$/, "");
    return stem.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[^A-Za-z0-9]+/, "") || undefined;
  }
  return typeof source.dataset === "string" ? source.dataset : undefined;
}

/** Fill derived fields in place. */
export function fillDerived(spec: Record<string, unknown>): void {
  const data = spec.data;
  if (isMapping(data) && Array.isArray(data.sources)) {
    for (const source of data.sources) {
      if (isMapping(source) && source.name === undefined) source.name = sourceName(source);
    }
  }

  const models = isMapping(spec.models) ? spec.models : {};
  const vocab = tokenizerVocabSize(spec.tokenizer);
  for (const model of Object.values(models)) {
    if (isMapping(model) && model.vocab_size === undefined && vocab !== undefined) model.vocab_size = vocab;
  }

  if (isMapping(spec.influence) && spec.influence.model === undefined) {
    spec.influence.model = defaultInfluenceModel(models);
  }

  if (Array.isArray(spec.arms)) {
    for (const arm of spec.arms) {
      if (!isMapping(arm) || typeof arm.kind !== "string") continue;
      arm.name ??= arm.kind;
      arm.model ??= defaultTargetModel(models);
      arm.decoding ??= arm.kind.includes("rad") ? "rad" : "sample";
    }
  }
}
