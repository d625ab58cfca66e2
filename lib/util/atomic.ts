/**
 * Atomic file writes: content goes to a temporary file in the same folder and is renamed into place,
 * so a crash or Ctrl-C leaves either the old file or the new one, never half of one.
 */

import { dirname, join } from "node:path";

let counter = 0;

function tempName(path: string): string {
  counter += 1;
  return join(dirname(path), `.${Deno.pid}.${Date.now()}.${counter}.tmp`);
}

/** Write bytes to `path` atomically, creating parent folders. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  try {
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Write text to `path` atomically. */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text));
}

/** Write a value as pretty JSON to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeTextAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Read and parse a JSON file. */
export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

/** True when a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
