/**
 * Parameter names, shapes and seeded initialisation of the GPT model.
 *
 * Linear layer `name` has `${name}.weight` of shape [I, O] (applied as x @ W) and `${name}.bias` [O].
 * Other parameters: `tok_emb` [V, D], `pos_emb` [C, D] (learned positions only), `blocks.{i}.ln1`,
 * `blocks.{i}.ln2`, `ln_f` (each `.weight` and `.bias` [D]), and `lm_head.weight` [D, V] when the
 * unembedding is untied.
 */

import { Rng } from "../util/rng.ts";
import type { LinearLayerInfo, ModelConfig } from "./types.ts";

/** Standard deviation of the normal initialisation of weights and embeddings (GPT-2's value). */
export const INIT_STD = 0.02;

/** Name, shape and initial distribution of one parameter. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: "normal" | "zeros" | "ones";
  /** Standard deviation when `init` is normal. */
  std: number;
}

/** List the tracked linear layers of a model, in forward order. */
export function linearLayersOf(config: ModelConfig): LinearLayerInfo[] {
  const d = config.d_model;
  const layers: LinearLayerInfo[] = [];
  for (let i = 0; i < config.n_layers; i++) {
    layers.push(
      { name: `blocks.${i}.attn.qkv`, inFeatures: d, outFeatures: 3 * d, bias: true },
      { name: `blocks.${i}.attn.out`, inFeatures: d, outFeatures: d, bias: true },
      { name: `blocks.${i}.mlp.fc`, inFeatures: d, outFeatures: config.d_ff, bias: true },
      { name: `blocks.${i}.mlp.proj`, inFeatures: config.d_ff, outFeatures: d, bias: true },
    );
  }
  return layers;
}

/** List every parameter of a model, in a fixed order (the checkpoint order). */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const d = config.d_model;
  // Residual output projections start smaller so the residual stream's variance does not grow with depth.
  const residualStd = INIT_STD / Math.sqrt(2 * config.n_layers);
  const specs: ParamSpec[] = [{
    name: "tok_emb",
    shape: [config.vocab_size, d],
    init: "normal",
    std: INIT_STD,
  }];
  if (config.positions === "learned") {
    specs.push({ name: "pos_emb", shape: [config.context, d], init: "normal", std: INIT_STD });
  }
  const norm = (name: string) => [
    { name: `${name}.weight`, shape: [d], init: "ones" as const, std: 0 },
    { name: `${name}.bias`, shape: [d], init: "zeros" as const, std: 0 },
  ];
  for (let i = 0; i < config.n_layers; i++) {
    specs.push(...norm(`blocks.${i}.ln1`), ...norm(`blocks.${i}.ln2`));
  }
  for (const layer of linearLayersOf(config)) {
    const isResidualOutput = layer.name.endsWith(".attn.out") || layer.name.endsWith(".mlp.proj");
    specs.push(
      {
        name: `${layer.name}.weight`,
        shape: [layer.inFeatures, layer.outFeatures],
        init: "normal",
        std: isResidualOutput ? residualStd : INIT_STD,
      },
      { name: `${layer.name}.bias`, shape: [layer.outFeatures], init: "zeros", std: 0 },
    );
  }
  specs.push(...norm("ln_f"));
  if (!config.tie_embeddings) {
    specs.push({ name: "lm_head.weight", shape: [d, config.vocab_size], init: "normal", std: INIT_STD });
  }
  return specs;
}

/** Initial values of one parameter, drawn from a stream derived from the seed and the parameter name. */
export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (spec.init === "ones") values.fill(1);
  if (spec.init === "normal") {
    const rng = Rng.derive(seed, "init", spec.name);
    for (let i = 0; i < size; i++) values[i] = rng.normal() * spec.std;
  }
  return values;
}

/** Total number of parameters of a config. */
export function countParams(config: ModelConfig): number {
  return paramSpecs(config).reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
}
