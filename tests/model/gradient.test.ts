/**
 * Analytic gradients and the forward loss of the tf model against a float64 plain-TS reference with
 * central finite differences, on two tiny configs that together cover learned and rotary positions,
 * sequential and parallel residuals, tied and untied unembeddings.
 */

import assert from "assert";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/init.ts";
import { createModel } from "../../lib/model/gpt.ts";
import { paramSpecs } from "../../lib/model/params.ts";
import { shiftTokens } from "../../lib/model/loss.ts";
import type { ModelConfig } from "../../lib/model/types.ts";
import { meanCrossEntropy } from "../../lib/train/objective.ts";
import { Rng } from "../../lib/util/rng.ts";
import { type Params64, referenceLoss } from "./reference.ts";

/** Central-difference step in float64. */
const FD_STEP = 1e-5;
/** |analytic - numeric| <= GRAD_ABS_TOLERANCE + GRAD_REL_TOLERANCE * |numeric| (float32 analytic gradients). */
const GRAD_ABS_TOLERANCE = 5e-5;
const GRAD_REL_TOLERANCE = 5e-3;
/** |tf loss - float64 loss| allowed. */
const LOSS_TOLERANCE = 2e-5;
/** Entries checked per parameter tensor. */
const ENTRIES_PER_PARAM = 3;
/** Standard deviation of the random parameters, large enough that every path has sizeable gradients. */
const PARAM_STD = 0.3;

const CONFIGS: Record<string, ModelConfig> = {
  "learned tied sequential": {
    d_model: 8,
    n_layers: 2,
    n_heads: 2,
    d_ff: 12,
    context: 8,
    positions: "learned",
    parallel_residual: false,
    tie_embeddings: true,
    vocab_size: 11,
  },
  "rotary untied parallel": {
    d_model: 8,
    n_layers: 2,
    n_heads: 2,
    d_ff: 12,
    context: 8,
    positions: "rotary",
    parallel_residual: true,
    tie_embeddings: false,
    vocab_size: 11,
  },
};

const ROWS = [[1, 5, 2, 9, 3, 3], [10, 0, 4, 4, 7, 6]];

for (const [label, config] of Object.entries(CONFIGS)) {
  Deno.test(`gradient check ${label}`, async () => {
    await initBackend("wasm", { library: "auto", threads: 2 });
    const rng = Rng.derive(11, label);
    const values64: Params64 = new Map();
    const values32 = new Map<string, Float32Array>();
    for (const spec of paramSpecs(config)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const v32 = Float32Array.from(
        { length: size },
        () => rng.normal() * PARAM_STD + (spec.init === "ones" ? 1 : 0),
      );
      values32.set(spec.name, v32);
      values64.set(spec.name, Float64Array.from(v32));
    }
    const model = createModel(config, 1);
    model.loadParams(values32);

    const tokens = tf.tensor2d(ROWS, [2, 6], "int32");
    const { inputs, targets } = shiftTokens(tokens);
    const variables = [...model.params.values()];
    const { value, grads } = tf.variableGrads(
      () => meanCrossEntropy(model.forward(inputs), targets),
      variables,
    );
    const loss32 = (await value.data())[0];
    const loss64 = referenceLoss(config, values64, ROWS);
    assert.ok(Math.abs(loss32 - loss64) < LOSS_TOLERANCE, `loss ${loss32} vs float64 reference ${loss64}`);

    for (const [name, variable] of model.params) {
      const analytic = await grads[variable.name].data();
      const base = values64.get(name)!;
      for (let n = 0; n < ENTRIES_PER_PARAM; n++) {
        const i = rng.int(base.length);
        const original = base[i];
        base[i] = original + FD_STEP;
        const plus = referenceLoss(config, values64, ROWS);
        base[i] = original - FD_STEP;
        const minus = referenceLoss(config, values64, ROWS);
        base[i] = original;
        const numeric = (plus - minus) / (2 * FD_STEP);
        const error = Math.abs(analytic[i] - numeric);
        assert.ok(
          error <= GRAD_ABS_TOLERANCE + GRAD_REL_TOLERANCE * Math.abs(numeric),
          `${name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`,
        );
      }
    }
    tf.dispose([tokens, inputs, targets, value, ...Object.values(grads)]);
    model.dispose();
  });
}
