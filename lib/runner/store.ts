/**
 * Content-addressed artifact store. An artifact is a folder named by its key holding payload files
 * and `manifest.json`. Folders are built under `tmp/` and renamed into `artifacts/` only when complete,
 * so a crash leaves nothing that a later run would trust. A lock file per key keeps two runs from
 * writing the same artifact at once.
 *
 * Layout under the store root:
 *   artifacts/<key[0..2]>/<key>/   finished artifacts (manifest.json + payload files)
 *   tmp/<key>.<pid>.<n>/           artifacts being written
 *   scratch/<key>/                 resumable state of an unfinished stage (checkpoints)
 *   locks/<key>.lock               owner pid of a key being produced
 */

import { join, relative } from "node:path";
import { sha256Hex } from "../util/hash.ts";
import { exists, readJson, writeJsonAtomic } from "../util/atomic.ts";

/** One payload file recorded in a manifest. */
export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Record the store keeps beside every artifact's payload files. */
export interface Manifest {
  key: string;
  stage: string;
  version: string;
  node: string;
  config: unknown;
  inputs: Record<string, string>;
  fingerprints: Record<string, string>;
  seed: number;
  versions: Record<string, string>;
  started: string;
  finished: string;
  seconds: number;
  files: ManifestFile[];
}

/** Raised when a stored artifact does not match its manifest. */
export class ArtifactCorruptError extends Error {
  constructor(readonly key: string, readonly dir: string, detail: string) {
    super(
      `artifact ${key} in ${dir} is damaged: ${detail}. ` +
        `Delete that folder (or run with --force on its stage) to rebuild it.`,
    );
    this.name = "ArtifactCorruptError";
  }
}

/** Raised when another live process holds the lock of a key. */
export class ArtifactLockedError extends Error {
  constructor(readonly key: string, readonly pid: number, lockPath: string) {
    super(
      `artifact ${key} is being written by process ${pid} (lock ${lockPath}). ` +
        `Wait for that run to finish, or delete the lock file if that process is gone.`,
    );
    this.name = "ArtifactLockedError";
  }
}

let tempCounter = 0;

/** A handle to an artifact being produced: folders to write into, then `commit` or `abort`. */
export interface PendingArtifact {
  key: string;
  /** Folder receiving payload files; renamed into place by `commit`. */
  outputDir: string;
  /** Folder for resumable state; survives crashes, removed by `commit`. */
  scratchDir: string;
}

/** Milliseconds between checks of a lock held by another live process. */
const LOCK_POLL_MS = 200;

export class ArtifactStore {
  /**
   * @param root store folder
   * @param lockWaitMs how long to wait for a lock held by another live process before raising
   */
  constructor(readonly root: string, readonly lockWaitMs = 5000) {}

  /** Folder of a finished artifact. */
  artifactDir(key: string): string {
    return join(this.root, "artifacts", key.slice(0, 2), key);
  }

  scratchDir(key: string): string {
    return join(this.root, "scratch", key);
  }

  #lockPath(key: string): string {
    return join(this.root, "locks", `${key}.lock`);
  }

  /** True when a finished artifact with this key exists (its manifest is present). */
  has(key: string): Promise<boolean> {
    return exists(join(this.artifactDir(key), "manifest.json"));
  }

  /** Read the manifest of a finished artifact. */
  readManifest(key: string): Promise<Manifest> {
    return readJson<Manifest>(join(this.artifactDir(key), "manifest.json"));
  }

  /**
   * Check every payload file of an artifact against its manifest (size, and SHA-256 unless `quick`).
   * Throws ArtifactCorruptError naming the first mismatch.
   */
  async verify(key: string, quick = false): Promise<Manifest> {
    const dir = this.artifactDir(key);
    let manifest: Manifest;
    try {
      manifest = await this.readManifest(key);
    } catch (error) {
      throw new ArtifactCorruptError(key, dir, `manifest.json is unreadable (${(error as Error).message})`);
    }
    for (const file of manifest.files) {
      const path = join(dir, file.path);
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(path);
      } catch {
        throw new ArtifactCorruptError(key, dir, `file ${file.path} is missing`);
      }
      if (info.size !== file.bytes) {
        throw new ArtifactCorruptError(
          key,
          dir,
          `file ${file.path} has ${info.size} bytes, expected ${file.bytes}`,
        );
      }
      if (!quick) {
        const digest = await sha256Hex(await Deno.readFile(path));
        if (digest !== file.sha256) {
          throw new ArtifactCorruptError(
            key,
            dir,
            `file ${file.path} has SHA-256 ${digest}, expected ${file.sha256}`,
          );
        }
      }
    }
    return manifest;
  }

  /**
   * Take the lock of a key and create fresh folders to produce it. A lock left by a process that no
   * longer runs is taken over; a live one raises ArtifactLockedError.
   */
  async begin(key: string): Promise<PendingArtifact> {
    await Deno.mkdir(join(this.root, "locks"), { recursive: true });
    await this.#acquireLock(key);
    tempCounter += 1;
    const outputDir = join(this.root, "tmp", `${key}.${Deno.pid}.${tempCounter}`);
    await Deno.mkdir(outputDir, { recursive: true });
    const scratchDir = this.scratchDir(key);
    await Deno.mkdir(scratchDir, { recursive: true });
    return { key, outputDir, scratchDir };
  }

  async #acquireLock(key: string): Promise<void> {
    const path = this.#lockPath(key);
    const deadline = Date.now() + this.lockWaitMs;
    for (let attempt = 0;; attempt++) {
      try {
        const file = await Deno.open(path, { write: true, createNew: true });
        await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
        file.close();
        return;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        const owner = parseInt(await Deno.readTextFile(path).catch(() => ""), 10);
        if (Number.isFinite(owner) && owner !== Deno.pid && processAlive(owner)) {
          // A child process of a killed run exits within a second; wait a little before giving up.
          if (Date.now() >= deadline) throw new ArtifactLockedError(key, owner, path);
          await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
          continue;
        }
        if (attempt > 100) throw new Error(`could not take the lock ${path}; delete it and run again`);
        await Deno.remove(path).catch(() => {});
      }
    }
  }

  /**
   * Hash the payload files, write the manifest and move the folder into place. Removes the scratch
   * folder and the lock. Returns the manifest.
   */
  async commit(
    pending: PendingArtifact,
    fields: Omit<Manifest, "files" | "key">,
  ): Promise<Manifest> {
    const files: ManifestFile[] = [];
    for (const path of await listFiles(pending.outputDir)) {
      const bytes = await Deno.readFile(path);
      files.push({
        path: relative(pending.outputDir, path),
        bytes: bytes.length,
        sha256: await sha256Hex(bytes),
      });
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    const manifest: Manifest = { key: pending.key, ...fields, files };
    await writeJsonAtomic(join(pending.outputDir, "manifest.json"), manifest);

    const finalDir = this.artifactDir(pending.key);
    await Deno.mkdir(join(finalDir, ".."), { recursive: true });
    if (await exists(finalDir)) await Deno.remove(finalDir, { recursive: true });
    await Deno.rename(pending.outputDir, finalDir);
    await Deno.remove(pending.scratchDir, { recursive: true }).catch(() => {});
    await this.release(pending.key);
    return manifest;
  }

  /** Drop a pending artifact's output folder (the scratch folder stays for a later resume). */
  async abort(pending: PendingArtifact): Promise<void> {
    await Deno.remove(pending.outputDir, { recursive: true }).catch(() => {});
    await this.release(pending.key);
  }

  async release(key: string): Promise<void> {
    await Deno.remove(this.#lockPath(key)).catch(() => {});
  }

  /** Delete a finished artifact (used by --force before recomputing). */
  async remove(key: string): Promise<void> {
    await Deno.remove(this.artifactDir(key), { recursive: true }).catch(() => {});
  }

  /** Remove temporary folders left by processes that are gone. */
  async cleanStaleTemp(): Promise<number> {
    const tmp = join(this.root, "tmp");
    if (!(await exists(tmp))) return 0;
    let removed = 0;
    for await (const entry of Deno.readDir(tmp)) {
      const pid = parseInt(entry.name.split(".")[1] ?? "", 10);
      if (!Number.isFinite(pid) || (pid !== Deno.pid && !processAlive(pid))) {
        await Deno.remove(join(tmp, entry.name), { recursive: true }).catch(() => {});
        removed += 1;
      }
    }
    return removed;
  }
}

/** List the regular files below a folder, recursively, sorted by path. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await listFiles(path));
    else if (entry.isFile) out.push(path);
  }
  return out.sort();
}

/** True when a process with this id exists (Linux: /proc; elsewhere a signal-0 probe). */
export function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    if (Deno.build.os === "linux") return false;
  }
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}
