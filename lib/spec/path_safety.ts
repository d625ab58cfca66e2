/**
 * Containment of file paths named in a spec. A path may point inside the project root, or inside a
 * directory the spec declares in `data.roots`. A `..` step or an absolute path that leaves both is
 * rejected.
 * NOTE: the check is lexical, so a symbolic link inside the project that points elsewhere passes.
 */

import { isAbsolute, relative, resolve } from "node:path";

/** Return whether `target` is `base` or lies below it (both absolute and normalised). */
export function isInside(base: string, target: string): boolean {
  const rel = relative(base, target);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Resolve `path` against `from` and return why it escapes, or undefined when it stays inside the
 * project root or one of `roots` (themselves resolved against the project root).
 */
export function escapeReason(
  path: string,
  from: string,
  projectRoot: string,
  roots: readonly string[] = [],
): string | undefined {
  const target = resolve(from, path);
  if (isInside(projectRoot, target)) return undefined;
  if (roots.some((root) => isInside(resolve(projectRoot, root), target))) return undefined;
  const how = isAbsolute(path) ? "absolute path" : "path";
  return `${how} "${path}" resolves to ${target}, outside the project root ${projectRoot}`;
}
