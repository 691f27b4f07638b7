/**
 * The L2 book's loops over its levels (src/market/book.ts): the refill at
 * every bar start and the depth probe. Two implementations with one
 * contract: the JavaScript reference here, and a WebAssembly SIMD module
 * (asm/bookLevels.ts, loaded by src/market/wasm/levelsKernel.ts) that
 * repeats its operations in the same order, so the two give the same depths
 * and probes bit for bit (test/market/bookLevelsWasm.test.ts). The book
 * takes the module where this runtime compiles it, and the reference
 * otherwise; the choice changes no result.
 */
import { wasmLevelsAvailable, WasmLevels } from './wasm/levelsKernel.js';

/**
 * One side's level arrays, made by a Levels (its storage): offsets, span
 * starts, targets, depth and bar-start depth, `n` each. `ptr` holds their
 * byte offsets in WebAssembly storage (unused by the reference), taken once
 * here because reading a view's offset costs more than the loops it feeds.
 */
export interface LevelSide {
  readonly n: number;
  readonly off: Float64Array;
  readonly prev: Float64Array;
  readonly target: Float64Array;
  readonly depth: Float64Array;
  readonly start: Float64Array;
  /** Byte offsets of off, prev, target, depth, start in the storage's memory. */
  readonly ptr: { readonly off: number; readonly prev: number; readonly target: number; readonly depth: number; readonly start: number };
  /** The Levels that made it (the only one whose loops may read it). */
  readonly owner: Levels;
}

/** Where a book keeps its level arrays, and the loops over them. */
export interface Levels {
  /** Zeroed arrays for one side of `n` levels. */
  side(n: number): LevelSide;
  /** refillLevels over a side of this storage. */
  refill(s: LevelSide, scale: number, remain: number): void;
  /** probeLevels over a side of this storage. */
  probe(s: LevelSide, lo: number, hi: number): number;
}

/**
 * Each level: cap at its target target·scale; with remain ≠ 1 a level below
 * it gets back 1 − remain of its gap; record the bar-start depth in `start`.
 */
export function refillLevels(target: Float64Array, depth: Float64Array, start: Float64Array, scale: number, remain: number): void {
  const n = target.length;
  if (remain !== 1) {
    // Written without a branch on the level's state (depleted levels sit among full ones: the branch mispredicts).
    for (let k = 0; k < n; k++) {
      const t = target[k] * scale;
      const gap = t - depth[k];
      const d = gap > 0 ? t - gap * remain : t;
      depth[k] = d;
      start[k] = d;
    }
  } else {
    for (let k = 0; k < n; k++) {
      const t = target[k] * scale;
      const d = depth[k] > t ? t : depth[k];
      depth[k] = d;
      start[k] = d;
    }
  }
}

/**
 * Resting depth between log distances lo and hi from a side's anchor, each
 * level's depth spread evenly over its span (prev[k], off[k]]. Starts at
 * the first level that ends beyond lo (binary search: after a sweep lo lies
 * past many levels).
 */
export function probeLevels(off: Float64Array, prev: Float64Array, depth: Float64Array, lo: number, hi: number): number {
  const n = off.length;
  let k0 = 0;
  let k1 = n;
  while (k0 < k1) {
    const m = (k0 + k1) >>> 1;
    if (off[m] <= lo) k0 = m + 1;
    else k1 = m;
  }
  let sum = 0;
  for (let k = k0; k < n; k++) {
    const a = prev[k];
    const b = off[k];
    if (a >= hi) break;
    if (b <= lo) continue;
    const from = a > lo ? a : lo;
    const to = b < hi ? b : hi;
    sum += (depth[k] * (to - from)) / (b - a);
  }
  return sum;
}

/** The reference: plain arrays and the loops above. */
export const jsLevels: Levels = {
  side(n: number): LevelSide {
    const z = (): Float64Array => new Float64Array(n);
    return { n, off: z(), prev: z(), target: z(), depth: z(), start: z(), ptr: { off: 0, prev: 0, target: 0, depth: 0, start: 0 }, owner: jsLevels };
  },
  refill(s: LevelSide, scale: number, remain: number): void {
    refillLevels(s.target, s.depth, s.start, scale, remain);
  },
  probe(s: LevelSide, lo: number, hi: number): number {
    return probeLevels(s.off, s.prev, s.depth, lo, hi);
  },
};

/** Levels for a book with `levels` levels over all its sides: WebAssembly where it compiles, else the reference. */
export function makeLevels(levels: number): Levels {
  return wasmLevelsAvailable() ? new WasmLevels(levels) : jsLevels;
}
