/**
 * A float64 plain-TypeScript reference of the GPT forward pass and its mean next-token
 * cross-entropy, written independently of the tf implementation, for gradient and forward checks.
 * Parameter names and layouts follow lib/model/params.ts (linear weights are [in, out]).
 */

import type { ModelConfig } from "../../lib/model/types.ts";

/** Parameters as float64 arrays by name. */
export type Params64 = Map<string, Float64Array>;

const LN_EPS = 1e-5;

function layerNorm(x: Float64Array, w: Float64Array, b: Float64Array): Float64Array {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= n;
  const inv = 1 / Math.sqrt(variance + LN_EPS);
  return Float64Array.from(x, (v, i) => (v - mean) * inv * w[i] + b[i]);
}

function linear(x: Float64Array, w: Float64Array, b: Float64Array | null, outWidth: number): Float64Array {
  const out = new Float64Array(outWidth);
  for (let o = 0; o < outWidth; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < x.length; i++) s += x[i] * w[i * outWidth + o];
    out[o] = s;
  }
  return out;
}

function gelu(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
}

function rotate(vec: Float64Array, offset: number, width: number, position: number): void {
  const half = width / 2;
  for (let i = 0; i < half; i++) {
    const angle = position * Math.pow(10000, (-2 * i) / width);
    const a = vec[offset + i];
    const b = vec[offset + half + i];
    vec[offset + i] = a * Math.cos(angle) - b * Math.sin(angle);
    vec[offset + half + i] = b * Math.cos(angle) + a * Math.sin(angle);
  }
}

/** Logits [T, V] of one sequence. */
export function referenceLogits(config: ModelConfig, p: Params64, tokens: number[]): Float64Array[] {
  const { d_model: d, n_heads: heads, d_ff: ff, vocab_size: vocab } = config;
  const e = d / heads;
  const get = (name: string) => {
    const value = p.get(name);
    if (!value) throw new Error(`reference: missing parameter ${name}`);
    return value;
  };
  let xs = tokens.map((id, t) => {
    const row = get("tok_emb").slice(id * d, (id + 1) * d);
    if (config.positions === "learned") { for (let j = 0; j < d; j++) row[j] += get("pos_emb")[t * d + j]; }
    return row;
  });

  for (let layer = 0; layer < config.n_layers; layer++) {
    const pre = `blocks.${layer}`;
    const h1 = xs.map((x) => layerNorm(x, get(`${pre}.ln1.weight`), get(`${pre}.ln1.bias`)));
    const qkv = h1.map((h) => linear(h, get(`${pre}.attn.qkv.weight`), get(`${pre}.attn.qkv.bias`), 3 * d));
    if (config.positions === "rotary") {
      qkv.forEach((row, t) => {
        for (let hd = 0; hd < heads; hd++) {
          rotate(row, hd * e, e, t);
          rotate(row, d + hd * e, e, t);
        }
      });
    }
    const context = xs.map(() => new Float64Array(d));
    for (let hd = 0; hd < heads; hd++) {
      for (let t = 0; t < xs.length; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let i = 0; i < e; i++) dot += qkv[t][hd * e + i] * qkv[s][d + hd * e + i];
          scores.push(dot / Math.sqrt(e));
        }
        const max = Math.max(...scores);
        const weights = scores.map((v) => Math.exp(v - max));
        const total = weights.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) {
          for (let i = 0; i < e; i++) {
            context[t][hd * e + i] += (weights[s] / total) * qkv[s][2 * d + hd * e + i];
          }
        }
      }
    }
    const attn = context.map((c) => linear(c, get(`${pre}.attn.out.weight`), get(`${pre}.attn.out.bias`), d));
    const mlp = (x: Float64Array) => {
      const h2 = layerNorm(x, get(`${pre}.ln2.weight`), get(`${pre}.ln2.bias`));
      const hidden = linear(h2, get(`${pre}.mlp.fc.weight`), get(`${pre}.mlp.fc.bias`), ff).map(gelu);
      return linear(hidden, get(`${pre}.mlp.proj.weight`), get(`${pre}.mlp.proj.bias`), d);
    };
    xs = xs.map((x, t) => {
      const mid = Float64Array.from(x, (v, j) => v + attn[t][j]);
      const m = mlp(config.parallel_residual ? x : mid);
      return Float64Array.from(mid, (v, j) => v + m[j]);
    });
  }

  return xs.map((x) => {
    const h = layerNorm(x, get("ln_f.weight"), get("ln_f.bias"));
    if (!config.tie_embeddings) return linear(h, get("lm_head.weight"), null, vocab);
    const emb = get("tok_emb");
    return Float64Array.from({ length: vocab }, (_, v) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += h[j] * emb[v * d + j];
      return s;
    });
  });
}

/** Mean next-token cross-entropy over rows of tokens (inputs tokens[:-1], targets tokens[1:]). */
export function referenceLoss(config: ModelConfig, p: Params64, rows: number[][]): number {
  let total = 0;
  let count = 0;
  for (const row of rows) {
    const logits = referenceLogits(config, p, row.slice(0, -1));
    logits.forEach((l, t) => {
      const max = Math.max(...l);
      const lse = max + Math.log(l.reduce((s, v) => s + Math.exp(v - max), 0));
      total += lse - l[row[t + 1]];
      count += 1;
    });
  }
  return total / count;
}
