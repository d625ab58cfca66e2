/** Versions of the runtime recorded in every manifest. */

import denoConfig from "../../deno.json" with { type: "json" };

/** Deno, V8, TypeScript and ifguide versions. */
export function runtimeVersions(): Record<string, string> {
  return {
    ifguide: denoConfig.version,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
}
