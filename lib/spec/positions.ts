/** Source positions of spec values, keyed by dotted path, and dotted-path helpers. */

/** One step of a path: a mapping key or a list index. */
export type Segment = string | number;

/** A place in a source file (or in a `--set` override). */
export interface Position {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Text of the line, for the caret display. */
  source: string;
}

/** Where a mapping key and its value sit; list items and the root have no key position. */
export interface NodePositions {
  key?: Position;
  value: Position;
}

const SEPARATOR = "\u0001";

function keyOf(path: readonly Segment[]): string {
  return path.map(String).join(SEPARATOR);
}

/** Render a path in dotted form, e.g. `arms.1.dpo.beta`. */
export function dotted(path: readonly Segment[]): string {
  return path.map(String).join(".");
}

/**
 * Split a dotted path into segments; all-digit segments become list indices. Returns undefined for an
 * empty path or an empty segment.
 */
export function parseDotted(path: string): Segment[] | undefined {
  const parts = path.split(".");
  if (parts.some((part) => part.length === 0)) return undefined;
  return parts.map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Positions of every node of a loaded document, with lookup by nearest ancestor. */
export class PositionMap {
  #entries = new Map<string, NodePositions>();

  /** Record the positions of the node at `path`. */
  set(path: readonly Segment[], positions: NodePositions): void {
    this.#entries.set(keyOf(path), positions);
  }

  /**
   * Find the position of the node at `path`, or of its nearest recorded ancestor. `key` prefers the
   * key position of the exact node, which is where an unknown-key error belongs.
   */
  locate(path: readonly Segment[], prefer: "key" | "value" = "value"): Position | undefined {
    for (let length = path.length; length >= 0; length--) {
      const entry = this.#entries.get(keyOf(path.slice(0, length)));
      if (!entry) continue;
      if (prefer === "key" && length === path.length && entry.key) return entry.key;
      return entry.value;
    }
    return undefined;
  }

  /** Replace every position at or below `path` by the positions `other` has at or below `path`. */
  adoptSubtree(other: PositionMap, path: readonly Segment[]): void {
    this.removeSubtree(path);
    const prefix = keyOf(path);
    for (const [key, entry] of other.#entries) {
      if (prefix === "" || key === prefix || key.startsWith(prefix + SEPARATOR)) {
        this.#entries.set(key, entry);
      }
    }
  }

  /** Copy the positions `other` has for exactly `path`, keeping those below it. */
  adoptEntry(other: PositionMap, path: readonly Segment[]): void {
    const entry = other.#entries.get(keyOf(path));
    if (entry) this.#entries.set(keyOf(path), entry);
  }

  /** Point every node at or below `path` to one position (used for overrides and sweep values). */
  pinSubtree(path: readonly Segment[], position: Position, keyPosition: Position = position): void {
    this.removeSubtree(path);
    this.#entries.set(keyOf(path), { value: position, key: keyPosition });
  }

  /** Forget every position at or below `path`. */
  removeSubtree(path: readonly Segment[]): void {
    const prefix = keyOf(path);
    for (const key of [...this.#entries.keys()]) {
      if (prefix === "" || key === prefix || key.startsWith(prefix + SEPARATOR)) this.#entries.delete(key);
    }
  }

  /** Return an independent copy. */
  clone(): PositionMap {
    const copy = new PositionMap();
    for (const [key, entry] of this.#entries) copy.#entries.set(key, entry);
    return copy;
  }
}

/** True for a plain mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read the value at a dotted path; undefined when any step is missing. */
export function getPath(root: unknown, path: string | readonly Segment[]): unknown {
  const segments = typeof path === "string" ? parseDotted(path) : path;
  if (!segments) return undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isMapping(current) && Object.hasOwn(current, String(segment))) {
      current = current[String(segment)];
    } else return undefined;
  }
  return current;
}

/**
 * Write `value` at a dotted path in place, creating missing mappings on the way. Throws RangeError when
 * a step goes through a scalar or past the end of a list.
 */
export function setPath(
  root: Record<string, unknown>,
  path: string | readonly Segment[],
  value: unknown,
): void {
  const segments = typeof path === "string" ? parseDotted(path) : path;
  if (!segments || segments.length === 0) throw new RangeError(`invalid dotted path "${String(path)}"`);
  let current: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    const where = dotted(segments.slice(0, i));
    if (Array.isArray(current)) {
      if (typeof segment !== "number" || segment >= current.length) {
        throw new RangeError(`"${where}" is a list of ${current.length} items and has no item "${segment}"`);
      }
      if (last) current[segment] = value;
      else current = current[segment];
    } else if (isMapping(current)) {
      const key = String(segment);
      if (last) current[key] = value;
      else {
        if (current[key] === undefined || current[key] === null) current[key] = {};
        current = current[key];
      }
    } else {
      throw new RangeError(`"${where}" is a ${typeof current} value and has no key "${segment}"`);
    }
  }
}
