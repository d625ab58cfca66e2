/**
 * Platt scaling: p = sigmoid(a z + b) fitted to (soft) targets by Newton's method on the log loss.
 * Float64 throughout because the Hessian sums run over tens of thousands of rows.
 */

import { sigmoid } from "./logistic.ts";

/** Slope and intercept of a Platt map. The identity map is {a: 1, b: 0}. */
export interface PlattMap {
  a: number;
  b: number;
}

const NEWTON_STEPS = 50;
// Stop when the Newton step moves both parameters less than this.
const NEWTON_TOLERANCE = 1e-10;
// Ridge added to the Hessian diagonal so a separable set cannot make it singular.
const HESSIAN_RIDGE = 1e-6;
// Step halvings tried before a Newton step is given up.
const MAX_HALVINGS = 40;

/**
 * Fit a Platt map to logits and targets in [0, 1]; throws a RangeError on mismatched lengths.
 * Hard 0/1 targets are smoothed as Platt proposed (1 -> (P+1)/(P+2), 0 -> 1/(N+2)) so a separable set
 * keeps a finite slope, and every Newton step is halved until the log loss does not increase.
 */
export function fitPlatt(logits: ArrayLike<number>, targets: ArrayLike<number>): PlattMap {
  if (logits.length !== targets.length) {
    throw new RangeError(
      `Platt fit needs equal lengths, got ${logits.length} logits and ${targets.length} targets`,
    );
  }
  if (logits.length === 0) return { a: 1, b: 0 };
  const y = smoothTargets(targets);
  let a = 1;
  let b = 0;
  let loss = logLoss(logits, y, a, b);
  for (let step = 0; step < NEWTON_STEPS; step++) {
    let ga = 0;
    let gb = 0;
    let haa = HESSIAN_RIDGE;
    let hab = 0;
    let hbb = HESSIAN_RIDGE;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i];
      const p = sigmoid(a * z + b);
      const r = p - y[i];
      const w = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    let halvings = 0;
    let next = logLoss(logits, y, a - da, b - db);
    while (!(next <= loss) && halvings < MAX_HALVINGS) {
      da /= 2;
      db /= 2;
      next = logLoss(logits, y, a - da, b - db);
      halvings++;
    }
    if (!(next <= loss)) break;
    a -= da;
    b -= db;
    loss = next;
    if (Math.abs(da) < NEWTON_TOLERANCE && Math.abs(db) < NEWTON_TOLERANCE) break;
  }
  return { a, b };
}

function smoothTargets(targets: ArrayLike<number>): Float64Array {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] === 1) positives++;
    else if (targets[i] === 0) negatives++;
  }
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  return Float64Array.from(targets, (t) => {
    if (t === 1) return high;
    if (t === 0) return low;
    return t;
  });
}

function logLoss(logits: ArrayLike<number>, y: Float64Array, a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = a * logits[i] + b;
    // log(1 + e^z) computed without overflow.
    const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    sum += softplus - y[i] * z;
  }
  return sum / logits.length;
}

/** Apply a Platt map to a logit. */
export function applyPlatt(map: PlattMap, logit: number): number {
  return sigmoid(map.a * logit + map.b);
}
