/** Shared fixtures for the data tests: a small default-like data spec and a silent stage context. */

import type { CorpusSourceSpec, DataSpec } from "../../lib/spec/types.ts";
import type { StageContext } from "../../lib/runner/stage.ts";
import { silentEvents } from "../../lib/runner/events.ts";

/** Split seed used by the tests. */
export const TEST_SEED = 1004;

/** Build a corpus source with the schema defaults filled in. */
export function source(
  fields: Partial<CorpusSourceSpec> & Pick<CorpusSourceSpec, "name" | "dataset" | "label">,
): CorpusSourceSpec {
  return { group: 1, passage_chars: 0, max_rows: 0, ...fields };
}

/** Build a data spec with the default experiment's sources at a small token budget. */
export function smallDataSpec(maxTokens = 60_000): DataSpec {
  return {
    sources: [
      source({ name: "gutenberg", dataset: "gutenberg", label: "benign", passage_chars: 800 }),
      source({ name: "speeches", dataset: "us_speeches", label: "benign", passage_chars: 800 }),
      source({ name: "weblike", dataset: "nlp_corpus", label: "benign", group: 10 }),
      source({ name: "rtp-benign", dataset: "rtp", filter: "nontoxic", label: "benign" }),
      source({ name: "davidson-toxic", dataset: "davidson", filter: "toxic", label: "toxic", group: 6 }),
      source({ name: "rtp-toxic", dataset: "rtp", filter: "toxic", label: "toxic", group: 3 }),
    ],
    toxic_share: 0.1,
    max_tokens: maxTokens,
    block_size: 64,
    splits: { train: 0.8, validation: 0.1, test: 0.1 },
    roots: [],
  };
}

/** Create a stage context with a fresh output folder and no event output. */
export async function testContext(): Promise<StageContext> {
  return {
    events: silentEvents,
    signal: new AbortController().signal,
    seed: TEST_SEED,
    key: "test",
    outputDir: await Deno.makeTempDir({ prefix: "ifguide-data-out-" }),
    scratchDir: await Deno.makeTempDir({ prefix: "ifguide-data-scratch-" }),
    versions: {},
  };
}

/** Write `content` to a file called `name` in a new temporary folder and return its path. */
export async function writeTempFile(name: string, content: string | Uint8Array): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ifguide-user-" });
  const path = `${dir}/${name}`;
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
  return path;
}
