/**
 * Packing of named float arrays into one little-endian binary file with a JSON index of offsets,
 * the payload format of factor and query-gradient artifacts.
 */

import { writeFileAtomic } from "../util/atomic.ts";

/** Location of one named array in a packed file. */
export interface PackedEntry {
  name: string;
  dtype: "float32" | "float64";
  /** Byte offset in the file, a multiple of 8. */
  offset: number;
  length: number;
}

/** Write named arrays into `path` and return the index to keep in a manifest. */
export async function writePacked(
  path: string,
  arrays: Array<{ name: string; values: Float32Array | Float64Array }>,
): Promise<PackedEntry[]> {
  const entries: PackedEntry[] = [];
  let bytes = 0;
  for (const { name, values } of arrays) {
    const dtype = values instanceof Float64Array ? "float64" : "float32";
    entries.push({ name, dtype, offset: bytes, length: values.length });
    bytes += Math.ceil(values.byteLength / 8) * 8;
  }
  const buffer = new Uint8Array(bytes);
  arrays.forEach(({ values }, i) => {
    buffer.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), entries[i].offset);
  });
  await writeFileAtomic(path, buffer);
  return entries;
}

/** Read every array of a packed file by name. Throws when the file is shorter than its index records. */
export async function readPacked(
  path: string,
  entries: PackedEntry[],
): Promise<Map<string, Float32Array | Float64Array>> {
  const bytes = await Deno.readFile(path);
  const out = new Map<string, Float32Array | Float64Array>();
  for (const entry of entries) {
    const width = entry.dtype === "float64" ? 8 : 4;
    if (entry.offset + entry.length * width > bytes.byteLength) {
      throw new RangeError(
        `${path} is ${bytes.byteLength} bytes but its index places '${entry.name}' up to byte ` +
          `${entry.offset + entry.length * width}; the artifact is truncated, so delete it and rebuild it`,
      );
    }
    // Offsets are multiples of 8 and the read buffer starts aligned, so views need no copy.
    out.set(
      entry.name,
      entry.dtype === "float64"
        ? new Float64Array(bytes.buffer, bytes.byteOffset + entry.offset, entry.length)
        : new Float32Array(bytes.buffer, bytes.byteOffset + entry.offset, entry.length),
    );
  }
  return out;
}
