/**
 * Decoder-only transformer (GPT-2 / GPT-NeoX style) in plain tf ops: token embedding, learned or
 * rotary positions, pre-LayerNorm blocks with causal multi-head attention and a GELU MLP (optionally
 * in parallel), a final LayerNorm and a tied or untied unembedding.
 *
 * Shape legend: B batch, T query positions, S key positions (T plus cached ones), N = B*T rows,
 * D model width, H heads, E = D/H head width, F MLP width, V vocabulary, C context.
 */

import * as tf from "@tensorflow/tfjs";
import {
  applyRotary,
  assertProbeShape,
  gelu,
  layerNorm,
  linear,
  mergeHeads,
  rotaryTables,
  splitHeads,
} from "./layers.ts";
import { initialValues, linearLayersOf, paramSpecs } from "./params.ts";
import { assertModelConfig } from "./config.ts";
import type { LinearCapture, LinearLayerInfo, ModelConfig } from "./types.ts";

/** Additive attention bias of masked (future or padded) keys; finite so fully masked rows stay finite. */
export const MASK_VALUE = -1e9;

/** Keys and values of earlier positions, per layer: [B, H, S, E]. */
export interface KvCache {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
}

/** Options of one forward pass beyond the tokens. */
export interface PassOptions {
  capture?: LinearCapture;
  /** Position id of every token [B, T] int32; default 0..T-1 (after the cached positions). */
  positions?: tf.Tensor2D;
  /** Additive bias on keys [B, 1, 1, S]: MASK_VALUE on padding, 0 elsewhere. */
  keyBias?: tf.Tensor4D;
  /** Keys and values of earlier positions; the pass returns the extended cache. */
  cache?: KvCache;
  /** Compute logits only for the last position of each row. */
  lastOnly?: boolean;
}

/** Result of `GPT.run`. */
export interface PassResult {
  /** [B, T, V], or [B, 1, V] with `lastOnly`. */
  logits: tf.Tensor3D;
  /** Keys and values including this pass, present when a cache was given. */
  cache?: KvCache;
}

/** A GPT model: named variables plus the forward pass. */
export class GPT {
  readonly config: ModelConfig;
  /** Trainable parameters by name (see params.ts for names and shapes). */
  readonly params: Map<string, tf.Variable>;
  #causal: tf.Tensor2D;
  #rotary: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null = null;

  /** Wrap existing values; prefer `createModel` or `modelFromCheckpoint`. */
  constructor(config: ModelConfig, values: Map<string, Float32Array>) {
    assertModelConfig(config);
    this.config = { ...config };
    this.params = new Map();
    for (const spec of paramSpecs(config)) {
      const data = values.get(spec.name);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (!data || data.length !== size) {
        this.dispose();
        throw new Error(
          `Parameter '${spec.name}' is ${
            data ? `of length ${data.length}` : "missing"
          }, expected [${spec.shape}] (${size} values); ` +
            `the checkpoint does not match the model config.`,
        );
      }
      // tidy disposes the initial tensor; the variable keeps its own reference to the data.
      const variable = tf.tidy(() =>
        tf.variable(tf.tensor(data, spec.shape, "float32"), true, `${spec.name}#${crypto.randomUUID()}`)
      );
      this.params.set(spec.name, variable);
    }
    this.#causal = tf.tidy(() => causalBias(config.context));
    if (config.positions === "rotary") {
      const head = config.d_model / config.n_heads;
      const { cos, sin } = rotaryTables(config.context, head);
      this.#rotary = {
        cos: tf.tensor2d(cos, [config.context, head]),
        sin: tf.tensor2d(sin, [config.context, head]),
      };
    }
  }

  /** List the tracked linear layers (attention qkv/out, MLP fc/proj of every block). */
  linearLayers(): LinearLayerInfo[] {
    return linearLayersOf(this.config);
  }

  /** Logits [B, T, V] of int32 tokens [B, T]; `capture` exposes linear-layer inputs and output-gradients. */
  forward(tokens: tf.Tensor2D, capture?: LinearCapture): tf.Tensor3D {
    return this.run(tokens, { capture }).logits;
  }

  /** Run one forward pass with positions, padding, a key/value cache or last-position logits. */
  run(tokens: tf.Tensor2D, options: PassOptions = {}): PassResult {
    const { config } = this;
    if (tokens.rank !== 2 || tokens.dtype !== "int32") {
      throw new Error(`GPT.forward expects int32 tokens [B, T], got ${tokens.dtype} [${tokens.shape}].`);
    }
    const [batch, time] = tokens.shape;
    const past = options.cache?.keys[0]?.shape[2] ?? 0;
    if (past + time > config.context) {
      throw new Error(
        `Sequence of ${
          past + time
        } positions exceeds the model context of ${config.context}; shorten the input.`,
      );
    }

    // tidy keeps every tensor of the returned object (logits and the nested cache arrays).
    return tf.tidy((): tf.TensorContainer => {
      const rows = batch * time;
      const flatTokens = tf.reshape(tokens, [rows]); // [N]
      let x = tf.gather(this.p("tok_emb"), flatTokens) as tf.Tensor2D; // [N, D]
      const positions = options.positions ??
        tf.add(tf.range(past, past + time, 1, "int32"), tf.zeros([batch, time], "int32")) as tf.Tensor2D;
      if (config.positions === "learned") {
        const pos = tf.gather(this.p("pos_emb"), tf.reshape(positions, [rows])); // [N, D]
        x = tf.add(x, pos);
      }
      const rotary = this.#rotaryFor(positions);
      let bias: tf.Tensor = tf.slice(this.#causal, [past, 0], [time, past + time]); // [T, S]
      if (options.keyBias) bias = tf.add(bias, options.keyBias); // [B, 1, T, S]

      const cache: KvCache | undefined = options.cache ? { keys: [], values: [] } : undefined;
      for (let i = 0; i < config.n_layers; i++) {
        x = this.#block(i, x, batch, bias, rotary, options, cache);
      }

      let h = layerNorm(x, this.p("ln_f.weight"), this.p("ln_f.bias")); // [N, D]
      let outRows = batch * time;
      if (options.lastOnly) {
        h = tf.reshape(
          tf.slice(tf.reshape(h, [batch, time, config.d_model]), [0, time - 1, 0], [-1, 1, -1]),
          [batch, config.d_model],
        );
        outRows = batch;
      }
      const logits = config.tie_embeddings
        ? tf.matMul(h, this.p("tok_emb"), false, true) // [N, V]
        : tf.matMul(h, this.p("lm_head.weight")); // [N, V]
      const shaped = tf.reshape(logits, [batch, outRows / batch, config.vocab_size]) as tf.Tensor3D; // [B, T, V]
      const result: PassResult = cache ? { logits: shaped, cache } : { logits: shaped };
      return result as unknown as tf.TensorContainer;
    }) as unknown as PassResult;
  }

  #block(
    i: number,
    x: tf.Tensor2D,
    batch: number,
    bias: tf.Tensor,
    rotary: { cos: tf.Tensor; sin: tf.Tensor } | null,
    options: PassOptions,
    cache: KvCache | undefined,
  ): tf.Tensor2D {
    const prefix = `blocks.${i}`;
    const attnIn = layerNorm(x, this.p(`${prefix}.ln1.weight`), this.p(`${prefix}.ln1.bias`)); // [N, D]
    const attn = this.#attention(i, attnIn, batch, bias, rotary, options, cache); // [N, D]
    if (this.config.parallel_residual) {
      const mlpIn = layerNorm(x, this.p(`${prefix}.ln2.weight`), this.p(`${prefix}.ln2.bias`));
      return tf.add(tf.add(x, attn), this.#mlp(i, mlpIn, options.capture)) as tf.Tensor2D;
    }
    const mid = tf.add(x, attn) as tf.Tensor2D; // [N, D]
    const mlpIn = layerNorm(mid, this.p(`${prefix}.ln2.weight`), this.p(`${prefix}.ln2.bias`));
    return tf.add(mid, this.#mlp(i, mlpIn, options.capture)) as tf.Tensor2D;
  }

  #attention(
    i: number,
    x: tf.Tensor2D,
    batch: number,
    bias: tf.Tensor,
    rotary: { cos: tf.Tensor; sin: tf.Tensor } | null,
    options: PassOptions,
    cache: KvCache | undefined,
  ): tf.Tensor2D {
    const { d_model: d, n_heads: heads } = this.config;
    const name = `blocks.${i}.attn.qkv`;
    const capture = options.capture;
    const weight = this.p(`${name}.weight`);
    const qkvBias = this.p(`${name}.bias`);

    // Three products with column slices of the fused weight: slicing the small weight is much cheaper
    // on wasm than splitting the [N, 3D] output. A probe for the fused output is sliced the same way.
    let probe: tf.Tensor2D | undefined;
    if (capture?.layers.has(name)) {
      capture.inputs.set(name, tf.keep(x));
      probe = capture.probes.get(name);
      if (probe) assertProbeShape(name, probe, [x.shape[0], 3 * d]);
    }
    const project = (part: number): tf.Tensor4D => {
      const w = tf.slice(weight, [0, part * d], [d, d]); // [D, D]
      const b = tf.slice(qkvBias, [part * d], [d]); // [D]
      let y = tf.add(tf.matMul(x, w), b) as tf.Tensor2D; // [N, D]
      if (probe) y = tf.add(y, tf.slice(probe, [0, part * d], [-1, d]));
      return splitHeads(y, batch, heads); // [B, H, T, E]
    };
    let q = project(0);
    let k = project(1);
    let v = project(2);
    if (rotary) {
      q = applyRotary(q, rotary.cos, rotary.sin);
      k = applyRotary(k, rotary.cos, rotary.sin);
    }
    if (options.cache && cache) {
      const pastK = options.cache.keys[i];
      const pastV = options.cache.values[i];
      if (pastK) {
        k = tf.concat([pastK, k], 2); // [B, H, S, E]
        v = tf.concat([pastV, v], 2); // [B, H, S, E]
      }
      cache.keys.push(k);
      cache.values.push(v);
    }

    // Scaling q [B, H, T, E] instead of the scores [B, H, T, S] touches fewer values when S > E.
    const scaledQ = tf.mul(q, 1 / Math.sqrt(d / heads));
    const scores = tf.add(tf.matMul(scaledQ, k, false, true), bias); // [B, H, T, S]
    const weights = tf.softmax(scores); // [B, H, T, S]
    const context = mergeHeads(tf.matMul(weights, v) as tf.Tensor4D); // [N, D]
    return linear(
      context,
      this.p(`blocks.${i}.attn.out.weight`),
      this.p(`blocks.${i}.attn.out.bias`),
      `blocks.${i}.attn.out`,
      capture,
    );
  }

  #mlp(i: number, x: tf.Tensor2D, capture?: LinearCapture): tf.Tensor2D {
    const prefix = `blocks.${i}.mlp`;
    const hidden = gelu(
      linear(x, this.p(`${prefix}.fc.weight`), this.p(`${prefix}.fc.bias`), `${prefix}.fc`, capture),
    ); // [N, F]
    return linear(
      hidden,
      this.p(`${prefix}.proj.weight`),
      this.p(`${prefix}.proj.bias`),
      `${prefix}.proj`,
      capture,
    ); // [N, D]
  }

  #rotaryFor(positions: tf.Tensor2D): { cos: tf.Tensor; sin: tf.Tensor } | null {
    if (!this.#rotary) return null;
    const [batch, time] = positions.shape;
    const head = this.config.d_model / this.config.n_heads;
    const flat = tf.reshape(positions, [batch * time]);
    const pick = (table: tf.Tensor2D) => tf.reshape(tf.gather(table, flat), [batch, 1, time, head]); // [B, 1, T, E]
    return { cos: pick(this.#rotary.cos), sin: pick(this.#rotary.sin) };
  }

  /** A parameter by name (typed for the ops that use it). */
  p<R extends tf.Rank = tf.Rank.R2>(name: string): tf.Tensor<R> {
    const value = this.params.get(name);
    if (!value) throw new Error(`Model has no parameter '${name}'.`);
    return value as unknown as tf.Tensor<R>;
  }

  /** Parameter values as named Float32Arrays (copies). */
  async exportParams(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, variable] of this.params) out.set(name, (await variable.data()) as Float32Array);
    return out;
  }

  /** Overwrite parameter values (shapes must match). */
  loadParams(values: Map<string, Float32Array>): void {
    for (const [name, variable] of this.params) {
      const data = values.get(name);
      if (!data || data.length !== variable.size) {
        throw new Error(
          `Parameter '${name}' is ${
            data ? `of length ${data.length}` : "missing"
          }, expected ${variable.size} values.`,
        );
      }
      tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, "float32")));
    }
  }

  /** Release every tensor the model holds. */
  dispose(): void {
    for (const variable of this.params.values()) variable.dispose();
    this.params.clear();
    this.#causal?.dispose();
    this.#rotary?.cos.dispose();
    this.#rotary?.sin.dispose();
  }
}

/** [C, C] additive causal bias: 0 where key j <= query i, MASK_VALUE elsewhere. */
function causalBias(context: number): tf.Tensor2D {
  const values = new Float32Array(context * context);
  for (let i = 0; i < context; i++) {
    for (let j = i + 1; j < context; j++) values[i * context + j] = MASK_VALUE;
  }
  return tf.tensor2d(values, [context, context]);
}

/** Create a freshly initialised model. The same config and seed always give the same parameters. */
export function createModel(config: ModelConfig, seed: number): GPT {
  assertModelConfig(config);
  const values = new Map<string, Float32Array>();
  for (const spec of paramSpecs(config)) values.set(spec.name, initialValues(spec, seed));
  return new GPT(config, values);
}
