/**
 * Loading the project's committed WebAssembly modules (the valuation
 * kernel, the L2 book's level loops): each compiled once per process, one
 * instance per caller, its memory sized once at instantiation (a later grow
 * would detach the typed-array views the caller keeps into it).
 */
import { readFileSync } from 'node:fs';

// The compiler's lib (ES2023, no DOM) declares no WebAssembly global: the few members used here, typed locally.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What every module here exports besides its functions: its memory, and the first byte after its static data. */
export interface WasmBase {
  readonly memory: WasmMemory;
  heapBase(): number;
}

/** Compiled modules (or the reason one does not compile), by URL. */
const compiled = new Map<string, object | Error>();

function compile(url: URL): object {
  let m = compiled.get(url.href);
  if (m === undefined) {
    try {
      m = new WA.Module(readFileSync(url));
    } catch (e) {
      m = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(url.href, m);
  }
  if (m instanceof Error) throw m;
  return m;
}

/** True when this runtime compiles the module at `url` (these modules need WebAssembly with SIMD). */
export function wasmCompiles(url: URL): boolean {
  try {
    compile(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * A new instance of the module at `url` with room for `bytes` past its
 * static data, starting at `base` (16-byte aligned, for f64x2 loads);
 * `bytes` may be asked of the instance (room the module itself sizes).
 */
export function instantiateWasm<E extends WasmBase>(url: URL, bytes: number | ((exports: E) => number)): { readonly exports: E; readonly base: number; readonly buffer: ArrayBuffer } {
  const exports = new WA.Instance(compile(url), {}).exports as E;
  const base = (exports.heapBase() + 15) & ~15;
  const room = typeof bytes === 'number' ? bytes : bytes(exports);
  const missing = base + room - exports.memory.buffer.byteLength;
  if (missing > 0) exports.memory.grow(Math.ceil(missing / 65536));
  return { exports, base, buffer: exports.memory.buffer };
}
