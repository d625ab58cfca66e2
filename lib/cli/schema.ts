/** `ifguide schema [OUT]`: write the JSON Schema of specs for editor autocompletion. */

import { parseArgs } from "node:util";
import { writeTextAtomic } from "../util/atomic.ts";
import { JSON_SCHEMA_PATH, specJsonSchemaText } from "../spec/json_schema.ts";
import type { CommandOutput } from "./validate.ts";

const HELP = `usage: deno task schema [options] [OUT]

Write the JSON Schema (draft 2020-12) of experiment specs, generated from the
same definitions the validator uses. Point your editor's YAML support at it, e.g.
with a first line \`# yaml-language-server: $schema=../${JSON_SCHEMA_PATH}\`.

arguments:
  OUT            output file (default: ${JSON_SCHEMA_PATH})

options:
  --check        write nothing; exit 1 when OUT differs from the generated schema
  -h, --help     show this help`;

/** Run the schema command and return its exit code (0 written or up to date, 1 stale, 2 usage). */
export async function schemaCommand(args: string[], output: CommandOutput = console): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    output.error(`schema: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    output.log(HELP);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    output.error(`schema: expected at most one output path, got ${parsed.positionals.length}\n\n${HELP}`);
    return 2;
  }

  const path = parsed.positionals[0] ?? JSON_SCHEMA_PATH;
  const text = specJsonSchemaText();
  if (parsed.values.check) {
    let current = "";
    try {
      current = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (current === text) {
      output.log(`up to date: ${path}`);
      return 0;
    }
    output.error(
      `stale: ${path} differs from the schema definitions; run \`deno task schema\` to rewrite it`,
    );
    return 1;
  }
  await writeTextAtomic(path, text);
  output.log(`wrote ${path}`);
  return 0;
}
