/**
 * Choosing and initialising the TF.js backend, with the project's kernel fixes:
 *
 * - wasm: a plain-TypeScript `UnsortedSegmentSum` (missing in tfjs-backend-wasm 4.22, needed by the
 *   embedding gradient), and a `BatchMatMul` that calls a CBLAS library through FFI when one loads,
 *   else the pure-wasm wrapper with explicit transposes.
 * - cpu: the same `UnsortedSegmentSum` (the stock one is very slow) and the CBLAS `BatchMatMul`.
 * - webgpu: `@tensorflow/tfjs-backend-webgpu` as shipped.
 * - tensorflow / tensorflow-gpu: `@tensorflow/tfjs-node(-gpu)`, imported only when requested.
 *
 * `auto` picks webgpu when a hardware adapter exists and wasm otherwise.
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendName, BlasSpec } from "../spec/types.ts";
import { type BlasLibrary, loadBlas } from "./blas.ts";
import { blasMatMulKernel, fastWasmMatMulKernel } from "./matmul.ts";
import { fusedKernels } from "./fused_kernels.ts";
import { rowGatherKernel } from "./gather.ts";
import { sharingIdentityKernels } from "./identity.ts";
import { leadingSumKernel } from "./reduce.ts";
import { segmentSumKernel } from "./segment_sum.ts";
import { tanhKernel } from "./tanh.ts";
import { targetLogSoftmaxKernels } from "./target_log_softmax.ts";

/** Result of `initBackend`: the backend in use and its versions. */
export interface BackendInfo {
  /** The backend in use (`auto` resolved). */
  name: Exclude<BackendName, "auto">;
  /** Versions recorded in manifests: deno, tfjs, the backend package and the BLAS library path. */
  versions: Record<string, string>;
  /** Path of the CBLAS library behind matrix products, or null when none is used. */
  blas: string | null;
  /** Lines for the run log (a BLAS fallback, an adapter choice); library code never prints them. */
  notes: string[];
}

/** Default BLAS settings: search the usual paths, two threads. */
export const DEFAULT_BLAS: BlasSpec = { library: "auto", threads: 2 };

/** Original kernels, saved before the first replacement so a later call can switch BLAS on or off. */
const originalKernels = new Map<string, tf.KernelFunc>();
let current: { key: string; info: BackendInfo } | null = null;

const NODE_PACKAGES: Record<"tensorflow" | "tensorflow-gpu", string> = {
  "tensorflow": "@tensorflow/tfjs-node",
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
};

/**
 * Initialise the named backend and register the project's kernels; calling it again with the same
 * arguments returns the same info without work. Must run before the first tensor is created.
 */
export async function initBackend(name: BackendName, blas: BlasSpec = DEFAULT_BLAS): Promise<BackendInfo> {
  const key = `${name}|${blas.library}|${blas.threads}`;
  if (current?.key === key && tf.getBackend() === current.info.name) return current.info;

  const notes: string[] = [];
  const resolved = name === "auto" ? await pickAutomatic(notes) : name;
  const versions: Record<string, string> = { deno: Deno.version.deno, tfjs: tf.version.tfjs };
  let blasPath: string | null = null;

  if (resolved === "tensorflow" || resolved === "tensorflow-gpu") {
    versions[NODE_PACKAGES[resolved]] = await loadNodeBackend(resolved);
  } else if (resolved === "webgpu") {
    await loadWebGpu();
    versions["tfjs-backend-webgpu"] = tf.version.tfjs;
  }

  // PROD mode silences TF.js console messages (the cpu backend's "install tfjs-node" banner);
  // library code reports through BackendInfo.notes instead.
  tf.env().set("PROD", true);
  if (!(await tf.setBackend(resolved))) {
    throw new Error(
      `TF.js backend '${resolved}' failed to initialise; choose another backend (wasm works on every CPU).`,
    );
  }
  await tf.ready();

  if (resolved === "wasm" || resolved === "cpu") {
    versions[`tfjs-backend-${resolved}`] = tf.version.tfjs;
    patchKernels(resolved);
    blasPath = patchMatMul(resolved, blas, notes);
    if (blasPath) versions.blas = blasPath;
  }

  const info: BackendInfo = { name: resolved, versions, blas: blasPath, notes };
  current = { key, info };
  return info;
}

/**
 * True when the machine may have a hardware GPU. On Linux a GPU exposes /dev/dri render nodes or
 * /dev/nvidia* devices; without them only a software adapter can exist, and probing it makes Deno
 * print XDG_RUNTIME_DIR errors, so `auto` skips the probe there.
 */
function mayHaveGpu(): boolean {
  if (Deno.build.os !== "linux") return true;
  for (const path of ["/dev/dri", "/dev/nvidiactl", "/dev/nvidia0"]) {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      // Not present: try the next one.
    }
  }
  return false;
}

async function pickAutomatic(notes: string[]): Promise<"wasm" | "webgpu"> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu || !mayHaveGpu()) return "wasm";
  try {
    const adapter = await gpu.requestAdapter() as {
      info?: { description?: string; device?: string };
      isFallbackAdapter?: boolean;
    } | null;
    const label = `${adapter?.info?.description ?? ""} ${adapter?.info?.device ?? ""}`.toLowerCase();
    // Software rasterisers (Mesa llvmpipe / lavapipe) train slower than wasm on the same CPU.
    if (adapter && !adapter.isFallbackAdapter && !/llvmpipe|lavapipe|swiftshader|software/.test(label)) {
      notes.push(`backend auto: using webgpu on adapter '${label.trim()}'`);
      return "webgpu";
    }
  } catch {
    // No usable adapter: wasm below.
  }
  return "wasm";
}

async function loadWebGpu(): Promise<void> {
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (error) {
    throw new Error(
      `Loading @tensorflow/tfjs-backend-webgpu failed: ${
        (error as Error).message
      }. Run 'deno install' in the project folder.`,
    );
  }
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) {
    throw new Error(
      "Backend 'webgpu' needs a WebGPU adapter, and none was found. Install Vulkan drivers " +
        "(for example 'apt-get install mesa-vulkan-drivers' for a software adapter) or choose backend 'wasm'.",
    );
  }
}

async function loadNodeBackend(name: "tensorflow" | "tensorflow-gpu"): Promise<string> {
  const pkg = NODE_PACKAGES[name];
  // A computed specifier keeps the optional package out of the static module graph.
  const specifier = `npm:${pkg}@${tf.version.tfjs}`;
  try {
    await import(specifier);
  } catch (error) {
    throw new Error(
      `Backend '${name}' needs ${pkg}@${tf.version.tfjs}, which failed to load: ${
        (error as Error).message.split("\n")[0]
      }. ` +
        `Install it with 'deno add npm:${pkg}@${tf.version.tfjs}' on a machine where its install step can download ` +
        `libtensorflow${
          name === "tensorflow-gpu" ? " (CUDA and cuDNN must be installed)" : ""
        }, or choose backend 'wasm'.`,
    );
  }
  return tf.version.tfjs;
}

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

function originalKernel(kernelName: string, backendName: string): tf.KernelFunc | null {
  const id = `${kernelName}/${backendName}`;
  if (!originalKernels.has(id)) {
    const kernel = tf.getKernel(kernelName, backendName);
    if (!kernel) return null;
    originalKernels.set(id, kernel.kernelFunc);
  }
  return originalKernels.get(id)!;
}

function patchKernels(backendName: "wasm" | "cpu"): void {
  replaceKernel(segmentSumKernel(backendName));
  const sum = originalKernel("Sum", backendName);
  if (sum) replaceKernel(leadingSumKernel(backendName, sum));
  for (const config of targetLogSoftmaxKernels(backendName)) replaceKernel(config);
  for (const config of fusedKernels(backendName)) replaceKernel(config);
  const tanh = originalKernel("Tanh", backendName);
  if (tanh) replaceKernel(tanhKernel(backendName, tanh));
  const gather = originalKernel("GatherV2", backendName);
  if (gather) replaceKernel(rowGatherKernel(backendName, gather));
  const cast = originalKernel("Cast", backendName);
  if (backendName === "wasm" && cast) {
    for (const config of sharingIdentityKernels(cast)) replaceKernel(config);
  }
}

/** Register the fastest available BatchMatMul; returns the BLAS path, or null with a note. */
function patchMatMul(backendName: "wasm" | "cpu", spec: BlasSpec, notes: string[]): string | null {
  const original = originalKernel("BatchMatMul", backendName);
  if (!original) {
    throw new Error(
      `TF.js has no BatchMatMul kernel for backend '${backendName}'; reinstall @tensorflow/tfjs.`,
    );
  }

  let lib: BlasLibrary | string = "BLAS disabled by blas.library: off";
  if (spec.library !== "off") lib = loadBlas(spec.library, spec.threads);
  if (typeof lib !== "string") {
    replaceKernel(blasMatMulKernel(backendName, lib, original));
    return lib.path;
  }

  if (backendName === "wasm") {
    const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc;
    replaceKernel(fastWasmMatMulKernel(original, transpose));
  } else {
    replaceKernel({ kernelName: "BatchMatMul", backendName, kernelFunc: original });
  }
  if (spec.library !== "off") {
    notes.push(
      `matrix products use the ${backendName} kernels because ${lib}; install OpenBLAS ('apt-get install libopenblas0-pthread') or set blas.library`,
    );
  }
  return null;
}
