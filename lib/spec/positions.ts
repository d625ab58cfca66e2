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

/** One node of the position trie: the positions of the value at this path and of its children. */
interface TrieNode {
  entry?: NodePositions;
  children: Map<string, TrieNode>;
}

function copyNode(node: TrieNode): TrieNode {
  const children = new Map<string, TrieNode>();
  for (const [key, child] of node.children) children.set(key, copyNode(child));
  return { entry: node.entry, children };
}

/**
 * Positions of every node of a loaded document, stored as a trie over path segments so that replacing
 * a subtree (an `extends` merge, an override, a sweep value) costs the size of that subtree only.
 */
export class PositionMap {
  #root: TrieNode = { children: new Map() };

  /** Return the trie node at `path`, creating missing nodes when `create` is set. */
  #node(path: readonly Segment[], create: boolean): TrieNode | undefined {
    let node: TrieNode | undefined = this.#root;
    for (const segment of path) {
      const key = String(segment);
      let child: TrieNode | undefined = node.children.get(key);
      if (!child && create) {
        child = { children: new Map() };
        node.children.set(key, child);
      }
      if (!child) return undefined;
      node = child;
    }
    return node;
  }

  /** Record the positions of the node at `path`. */
  set(path: readonly Segment[], positions: NodePositions): void {
    this.#node(path, true)!.entry = positions;
  }

  /**
   * Find the position of the node at `path`, or of its nearest recorded ancestor. `key` prefers the
   * key position of the exact node, which is where an unknown-key error belongs.
   */
  locate(path: readonly Segment[], prefer: "key" | "value" = "value"): Position | undefined {
    let node: TrieNode | undefined = this.#root;
    let found = node.entry?.value;
    for (let i = 0; i < path.length && node; i++) {
      node = node.children.get(String(path[i]));
      if (!node?.entry) continue;
      const exact = i === path.length - 1;
      found = exact && prefer === "key" && node.entry.key ? node.entry.key : node.entry.value;
    }
    return found;
  }

  /** Replace every position at or below `path` by the positions `other` has at or below `path`. */
  adoptSubtree(other: PositionMap, path: readonly Segment[]): void {
    const source = other.#node(path, false);
    this.removeSubtree(path);
    if (!source) return;
    if (path.length === 0) {
      this.#root = copyNode(source);
      return;
    }
    const parent = this.#node(path.slice(0, -1), true)!;
    parent.children.set(String(path.at(-1)), copyNode(source));
  }

  /** Copy the positions `other` has for exactly `path`, keeping those below it. */
  adoptEntry(other: PositionMap, path: readonly Segment[]): void {
    const entry = other.#node(path, false)?.entry;
    if (entry) this.#node(path, true)!.entry = entry;
  }

  /** Point every node at or below `path` to one position (used for overrides and sweep values). */
  pinSubtree(path: readonly Segment[], position: Position, keyPosition: Position = position): void {
    const node = this.#node(path, true)!;
    node.children.clear();
    node.entry = { value: position, key: keyPosition };
  }

  /** Forget every position at or below `path`. */
  removeSubtree(path: readonly Segment[]): void {
    if (path.length === 0) {
      this.#root = { children: new Map() };
      return;
    }
    this.#node(path.slice(0, -1), false)?.children.delete(String(path.at(-1)));
  }

  /** Return an independent copy. */
  clone(): PositionMap {
    const copy = new PositionMap();
    copy.#root = copyNode(this.#root);
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
