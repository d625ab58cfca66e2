/** Seeded sampling helpers shared by the prompt, query, classifier and DPO builders. */

import { Rng } from "../util/rng.ts";

/** Copy `items`, shuffle the copy with a generator derived from the seed and labels, and keep the first `limit` items (`Infinity` keeps all). */
export function seededSample<T>(items: readonly T[], limit: number, seed: number, ...labels: string[]): T[] {
  const copy = Rng.derive(seed, ...labels).shuffle(items.slice());
  return Number.isFinite(limit) ? copy.slice(0, Math.max(0, limit)) : copy;
}
