/**
 * AdamW (Adam with decoupled weight decay) over named variables, with global-norm gradient clipping.
 * Weight decay applies to matrices (weights and embeddings) and not to biases or LayerNorm
 * parameters, as in the usual GPT training recipes.
 */

import * as tf from "@tensorflow/tfjs";
import { FUSED, hasKernel } from "../backend/fused_kernels.ts";

/** Optimizer settings. */
export interface AdamWOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/** Reference defaults (betas 0.9/0.95, eps 1e-8, weight decay 4e-4). */
export const ADAMW_DEFAULTS: AdamWOptions = { betas: [0.9, 0.95], eps: 1e-8, weightDecay: 4e-4 };

/** Added to the global norm before dividing, so a zero gradient does not divide by zero. */
const CLIP_EPS = 1e-6;

/** Moment estimates of one parameter. */
interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/** AdamW state and update. */
export class AdamW {
  readonly options: AdamWOptions;
  /** Optimizer steps taken so far (bias correction uses it). */
  step = 0;
  #params: Map<string, tf.Variable>;
  #moments = new Map<string, Moments>();

  constructor(params: Map<string, tf.Variable>, options: AdamWOptions = ADAMW_DEFAULTS) {
    this.options = options;
    this.#params = params;
    for (const [name, p] of params) {
      // tidy disposes the zero tensors; each variable keeps its own reference to the data.
      const zeros = () => tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.#moments.set(name, { m: zeros(), v: zeros() });
    }
  }

  /** Apply one update with learning rate `lr` and gradients by parameter name. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const [beta1, beta2] = this.options.betas;
    const correction1 = 1 - Math.pow(beta1, this.step);
    const correction2 = 1 - Math.pow(beta2, this.step);
    const fused = hasKernel(FUSED.adamW);
    for (const [name, p] of this.#params) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for parameter '${name}'.`);
      const { m, v } = this.#moments.get(name)!;
      const decay = p.rank >= 2 ? this.options.weightDecay : 0;
      if (fused) {
        const attrs = { lr, beta1, beta2, eps: this.options.eps, decay, correction1, correction2 };
        const [newP, newM, newV] = tf.engine().runKernel(FUSED.adamW, { param: p, grad: g, m, v }, {
          ...attrs,
        }) as tf.Tensor[];
        p.assign(newP);
        m.assign(newM);
        v.assign(newV);
        tf.dispose([newP, newM, newV]);
        continue;
      }
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, correction2)), this.options.eps);
        const update = tf.add(tf.div(tf.div(m, correction1), denom), tf.mul(p, decay));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    }
  }

  /** Moments as named arrays (`m.<param>`, `v.<param>`) for checkpoints. */
  async exportState(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, { m, v }] of this.#moments) {
      out.set(`m.${name}`, (await m.data()) as Float32Array);
      out.set(`v.${name}`, (await v.data()) as Float32Array);
    }
    return out;
  }

  /** Restore moments written by `exportState` and the step count. */
  importState(state: Map<string, Float32Array>, step: number): void {
    for (const [name, { m, v }] of this.#moments) {
      const mv = state.get(`m.${name}`);
      const vv = state.get(`v.${name}`);
      if (!mv || !vv || mv.length !== m.size || vv.length !== v.size) {
        throw new Error(
          `Optimizer state for '${name}' is missing or has the wrong size; delete the resume folder and retrain.`,
        );
      }
      tf.tidy(() => {
        m.assign(tf.tensor(mv, m.shape));
        v.assign(tf.tensor(vv, v.shape));
      });
    }
    this.step = step;
  }

  dispose(): void {
    for (const { m, v } of this.#moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.#moments.clear();
  }
}

function globalNorm(grads: Map<string, tf.Tensor>): tf.Scalar {
  if (hasKernel(FUSED.sumSquares)) {
    const inputs = Object.fromEntries([...grads.values()].map((g, i) => [`g${i}`, g]));
    return tf.tidy(() => tf.sqrt(tf.engine().runKernel(FUSED.sumSquares, inputs) as tf.Tensor) as tf.Scalar);
  }
  return tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.mul(g, g))))) as tf.Scalar);
}

function scaleToNorm(grads: Map<string, tf.Tensor>, norm: number, maxNorm: number): void {
  if (maxNorm <= 0 || norm <= maxNorm) return;
  const scale = maxNorm / (norm + CLIP_EPS);
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, scale));
    g.dispose();
  }
}

/**
 * Scale gradients in place so their global L2 norm is at most `maxNorm` (0 disables clipping).
 * Returns the norm before clipping. Clipped tensors replace the map's entries; the old ones are
 * disposed. Reads the norm synchronously, which the webgpu backend does not support; use
 * `clipByGlobalNormAsync` there.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const norm = globalNorm(grads);
  const value = norm.dataSync()[0];
  norm.dispose();
  scaleToNorm(grads, value, maxNorm);
  return value;
}

/** `clipByGlobalNorm` reading the norm asynchronously (works on every backend). */
export async function clipByGlobalNormAsync(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<number> {
  const norm = globalNorm(grads);
  const value = (await norm.data())[0];
  norm.dispose();
  scaleToNorm(grads, value, maxNorm);
  return value;
}
