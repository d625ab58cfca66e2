/** Plain-text summary of corpus statistics for terminals and reports. */

import type { CorpusStats } from "./corpus.ts";

/** Format corpus statistics as aligned lines: totals, toxic share and a per-source table. */
export function formatCorpusStats(stats: CorpusStats): string {
  const percent = (value: number) => `${(100 * value).toFixed(2)}%`;
  const lines = [
    `documents ${stats.documents.toLocaleString("en-US")}, tokens ${stats.tokens.toLocaleString("en-US")} ` +
    `in ${stats.chunks.toLocaleString("en-US")} chunks of ${stats.block_size}`,
    `toxic share ${percent(stats.toxic_share)} of tokens (requested ${
      percent(stats.requested.toxic_share)
    }), ` +
    `${stats.toxic_documents.toLocaleString("en-US")} toxic documents`,
    `chunks per split: train ${stats.chunks_per_split.train}, validation ${stats.chunks_per_split.validation}, ` +
    `test ${stats.chunks_per_split.test}`,
  ];
  const names = Object.keys(stats.sources).sort();
  const width = Math.max(6, ...names.map((name) => name.length));
  lines.push(`${"source".padEnd(width)}  label   documents     tokens   share`);
  for (const name of names) {
    const source = stats.sources[name];
    lines.push(
      `${name.padEnd(width)}  ${(source.toxic ? "toxic" : "benign").padEnd(6)}  ${
        String(source.documents).padStart(9)
      }  ` +
        `${String(source.tokens).padStart(9)}  ${
          percent(stats.tokens > 0 ? source.tokens / stats.tokens : 0).padStart(6)
        }`,
    );
  }
  return lines.join("\n");
}
