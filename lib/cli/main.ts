/**
 * The `ifguide` command line. Each command lives in its own module and is loaded on demand, so
 * `validate` starts without loading TensorFlow.js.
 *
 *   deno task run SPEC [--dry-run] [--only STAGE] [--force STAGE] [--set path=value ...]
 *   deno task validate SPEC...
 *   deno task report RUN_DIR
 *   deno task inspect RUN_DIR --chunk N
 *   deno task bench [--only NAME]
 *   deno task schema [OUT]
 */

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: "compile a spec into a plan and run it (cached, resumable)",
    load: async () => (await import("./run.ts")).runCommand,
  },
  validate: {
    summary: "check specs and report every error with file, line and column",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  report: {
    summary: "rebuild a run's report from cached artifacts without recomputing",
    load: async () => (await import("./report.ts")).reportCommand,
  },
  inspect: {
    summary: "show a training chunk with its selected tokens highlighted",
    load: async () => (await import("./inspect.ts")).inspectCommand,
  },
  bench: {
    summary: "measure training, generation, tokenizer, influence and RAD throughput",
    load: async () => (await import("./bench.ts")).benchCommand,
  },
  schema: {
    summary: "write the JSON Schema of specs (for editor autocompletion)",
    load: async () => (await import("./schema.ts")).schemaCommand,
  },
};

function usage(): string {
  const lines = ["usage: ifguide COMMAND [options]   (each command takes --help)", "", "commands:"];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  return lines.join("\n");
}

/** Dispatch to a command and return its exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return await (await command.load())(rest);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
