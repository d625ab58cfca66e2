/** Hashing helpers: canonical JSON and SHA-256 in hex, the basis of every cache key. */

/** Serialise a JSON-like value with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortKeys(item);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

/** SHA-256 of bytes or a string, as lowercase hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of the canonical JSON of a value. */
export function hashJson(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/** SHA-256 of a file's bytes, read in one go. */
export async function sha256File(path: string): Promise<string> {
  return sha256Hex(await Deno.readFile(path));
}

/**
 * Hash a string with FNV-1a (fast, 32-bit, not cryptographic), for seeded splits and feature hashing
 * where SHA-256 would be too slow per row.
 */
export function fnv1a32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
