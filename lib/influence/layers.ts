/**
 * Selection of tracked linear layers by glob patterns over layer names (`blocks.*.attn.qkv`).
 * `*` matches any run of characters except `.`, `**` matches any run including `.`, `?` one
 * character other than `.`.
 */

import type { LinearLayerInfo } from "../model/types.ts";

/** A tracked linear layer with the width of its input as the influence maths sees it. */
export interface TrackedLayer {
  name: string;
  /** Input width of the layer itself, without the bias column. */
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  /** Width of a_t: `inFeatures`, plus one for the constant bias column when the layer has a bias. */
  inDim: number;
}

/** Compile one glob pattern into an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (ch === "*") {
      source += "[^.]*";
    } else if (ch === "?") {
      source += "[^.]";
    } else {
      source += ch.replace(/[\\^$+.()|{}[\]]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Pick the layers whose names match any pattern, in the model's order. Throws when a pattern matches
 * nothing (a typo would otherwise silently drop layers) or when nothing is selected.
 */
export function selectLayers(available: LinearLayerInfo[], patterns: string[]): TrackedLayer[] {
  if (patterns.length === 0) {
    throw new RangeError("influence.layers is empty; list glob patterns such as 'blocks.*.mlp.fc'");
  }
  const compiled = patterns.map((pattern) => ({ pattern, regex: globToRegExp(pattern) }));
  for (const { pattern, regex } of compiled) {
    if (!available.some((layer) => regex.test(layer.name))) {
      const names = available.map((layer) => layer.name);
      throw new RangeError(
        `influence.layers pattern '${pattern}' matches no linear layer of the model; ` +
          `available layers: ${names.slice(0, 12).join(", ")}${names.length > 12 ? ", ..." : ""}`,
      );
    }
  }
  return available
    .filter((layer) => compiled.some(({ regex }) => regex.test(layer.name)))
    .map(toTrackedLayer);
}

/** Describe a model's linear layer as the influence maths sees it. */
export function toTrackedLayer(layer: LinearLayerInfo): TrackedLayer {
  return {
    name: layer.name,
    inFeatures: layer.inFeatures,
    outFeatures: layer.outFeatures,
    bias: layer.bias,
    inDim: layer.inFeatures + (layer.bias ? 1 : 0),
  };
}

/**
 * The tracked layers with the given names, in the given order, described by the model. Throws when
 * the model lacks a layer or its shape differs from the recorded one, which happens when factors or
 * query gradients come from another model.
 */
export function layersByName(
  available: LinearLayerInfo[],
  wanted: Array<{ name: string; outDim: number; inDim: number }>,
): TrackedLayer[] {
  const byName = new Map(available.map((layer) => [layer.name, layer]));
  return wanted.map(({ name, outDim, inDim }) => {
    const layer = byName.get(name);
    if (!layer) {
      throw new RangeError(
        `layer '${name}' is not a linear layer of this model; the factors or query gradient were built ` +
          `for another model, so rebuild them with the scoring checkpoint`,
      );
    }
    const tracked = toTrackedLayer(layer);
    if (tracked.outFeatures !== outDim || tracked.inDim !== inDim) {
      throw new RangeError(
        `layer '${name}' is [${tracked.outFeatures}, ${tracked.inDim}] in this model but ` +
          `[${outDim}, ${inDim}] in the recorded gradient; rebuild it with the scoring checkpoint`,
      );
    }
    return tracked;
  });
}
