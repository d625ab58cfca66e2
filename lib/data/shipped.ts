/**
 * Access to the datasets shipped in `data/`: the data root, SHA-256 verification against
 * `data/CHECKSUMS.json` on first load, and gzip decompression.
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import { sha256Hex } from "../util/hash.ts";

const DEFAULT_ROOT = fromFileUrl(new URL("../../data", import.meta.url));
const CHECKSUM_FILE = "CHECKSUMS.json";

let root = DEFAULT_ROOT;
let checksums: Promise<Record<string, string>> | undefined;
const verified = new Map<string, Promise<Uint8Array>>();

/** Raised when a shipped file is missing, damaged or not listed in the checksum manifest. */
export class ShippedDataError extends Error {
  override name = "ShippedDataError";
}

/** Folder that contains the shipped datasets (`data/` of the project unless changed). */
export function dataRoot(): string {
  return root;
}

/**
 * Point loaders at another copy of the shipped datasets (tests, relocated installs) and forget every
 * verified file. Passing nothing restores the project's `data/` folder.
 */
export function setDataRoot(path: string = DEFAULT_ROOT): void {
  root = path;
  checksums = undefined;
  verified.clear();
}

async function loadChecksums(): Promise<Record<string, string>> {
  const path = `${root}/${CHECKSUM_FILE}`;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Record<string, string>;
  } catch (error) {
    throw new ShippedDataError(
      `cannot read the checksum manifest ${path}: ${(error as Error).message}. ` +
        `Restore it with 'git checkout -- data/${CHECKSUM_FILE}'.`,
    );
  }
}

/** Decompress gzip bytes with the web-standard `DecompressionStream`. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Read a shipped file (path relative to the data root), verify its SHA-256 once per process, and
 * return the decompressed bytes when the name ends in `.gz`.
 */
export function readShipped(relativePath: string): Promise<Uint8Array> {
  let pending = verified.get(relativePath);
  if (!pending) {
    pending = readAndVerify(relativePath);
    verified.set(relativePath, pending);
    pending.catch(() => verified.delete(relativePath));
  }
  return pending;
}

async function readAndVerify(relativePath: string): Promise<Uint8Array> {
  checksums ??= loadChecksums();
  const manifest = await checksums.catch((error) => {
    checksums = undefined;
    throw error;
  });
  const expected = manifest[relativePath];
  const path = `${root}/${relativePath}`;
  const restore = `Restore it with 'git checkout -- data/${relativePath}' from a clean checkout of ifguide.`;
  if (!expected) {
    throw new ShippedDataError(`shipped file ${path} is not listed in ${root}/${CHECKSUM_FILE}. ${restore}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new ShippedDataError(`cannot read shipped file ${path}: ${(error as Error).message}. ${restore}`);
  }
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new ShippedDataError(
      `shipped file ${path} is damaged: SHA-256 ${actual}, expected ${expected}. ${restore}`,
    );
  }
  return relativePath.endsWith(".gz") ? await gunzip(bytes) : bytes;
}

/** Read a shipped file as UTF-8 text (a leading byte-order mark is removed). */
export async function readShippedText(relativePath: string): Promise<string> {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(await readShipped(relativePath));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Read a shipped JSONL file into parsed objects, one per non-empty line. */
export async function readShippedJsonl<T>(relativePath: string): Promise<T[]> {
  const text = await readShippedText(relativePath);
  const rows: T[] = [];
  let line = 0;
  for (const raw of text.split("\n")) {
    line += 1;
    if (raw.trim() === "") continue;
    try {
      rows.push(JSON.parse(raw) as T);
    } catch (error) {
      throw new ShippedDataError(
        `invalid JSON in shipped file ${root}/${relativePath} at line ${line}: ${(error as Error).message}`,
      );
    }
  }
  return rows;
}

/** Verify every file of the checksum manifest; returns the relative paths checked. */
export async function verifyShippedData(): Promise<string[]> {
  checksums ??= loadChecksums();
  const paths = Object.keys(await checksums).sort();
  for (const path of paths) await readShipped(path);
  return paths;
}
