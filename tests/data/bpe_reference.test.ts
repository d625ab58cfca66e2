import assert from "assert";
import { countPieces, trainBpe } from "../../lib/data/tokenizer/bpe_train.ts";
import { loadNlpCorpus } from "../../lib/data/mod.ts";

/** Reference trainer: recount every pair from scratch before each merge. */
function naiveTrain(counts: Map<string, number>, merges: number): Array<[number, number]> {
  const encoder = new TextEncoder();
  const words = [...counts.keys()].map((piece) => ({
    symbols: Array.from(encoder.encode(piece)),
    weight: counts.get(piece)!,
  }));
  const out: Array<[number, number]> = [];
  for (let m = 0; m < merges; m++) {
    const pairs = new Map<string, number>();
    for (const word of words) {
      for (let i = 0; i + 1 < word.symbols.length; i++) {
        const key = `${word.symbols[i]},${word.symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + word.weight);
      }
    }
    let best: [number, number] | undefined;
    let bestCount = 1;
    for (const [key, count] of pairs) {
      const [a, b] = key.split(",").map(Number);
      if (
        count > bestCount || (count === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))
      ) {
        if (count >= 2) {
          best = [a, b];
          bestCount = count;
        }
      }
    }
    if (!best) break;
    out.push(best);
    const id = 256 + m;
    for (const word of words) {
      const merged: number[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === best[0] && word.symbols[i + 1] === best[1]) {
          merged.push(id);
          i++;
        } else merged.push(word.symbols[i]);
      }
      word.symbols = merged;
    }
  }
  return out;
}

Deno.test("trainBpe matches naive reference", async () => {
  const texts = (await loadNlpCorpus()).slice(0, 300).map((row) => row.text);
  const counts = countPieces(texts);
  const merges = 150;
  assert.deepEqual(trainBpe(counts, { merges }), naiveTrain(counts, merges));
});

Deno.test("trainBpe repeated symbols", () => {
  // Overlapping pairs ("aaaa") are where incremental pair counts usually go wrong.
  const counts = new Map([["aaaa", 5], ["aaa", 3], [" aa", 2], ["abab", 4]]);
  assert.deepEqual(trainBpe(counts, { merges: 6 }), naiveTrain(counts, 6));
});
