/**
 * The L2 book's level loops compiled to WebAssembly (source:
 * asm/bookLevels.ts, built into bookLevels.wasm next to this file). One
 * instance per book: its arrays are views into that instance's memory,
 * which is sized once at construction and never grows (a grow would detach
 * the views).
 */
import { instantiateWasm, wasmCompiles, type WasmBase } from '../../core/wasm.js';
import type { LevelSide, Levels } from '../bookLevels.js';

interface Exports extends WasmBase {
  refill(target: number, depth: number, start: number, n: number, scale: number, remain: number): void;
  probe(off: number, prev: number, depth: number, n: number, lo: number, hi: number): number;
}

const MODULE_URL = new URL('./bookLevels.wasm', import.meta.url);

/** True when this runtime compiles the module (WebAssembly with SIMD). */
export function wasmLevelsAvailable(): boolean {
  return wasmCompiles(MODULE_URL);
}

/** Level arrays in one instance's memory, and the loops over them (bookLevels.ts' Levels). */
export class WasmLevels implements Levels {
  private readonly exports: Exports;
  private readonly buffer: ArrayBuffer;
  private next: number;
  private readonly end: number;

  /** Room for sides with `levels` levels in all (five arrays a level, each array padded to an even count for aligned f64x2 access). */
  constructor(levels: number) {
    if (!Number.isInteger(levels) || levels < 0) throw new RangeError(`level storage must be an integer >= 0, got ${levels}`);
    // Room for one pad double per array of up to four sides.
    const bytes = 8 * (5 * levels + 20);
    const inst = instantiateWasm<Exports>(MODULE_URL, bytes);
    this.exports = inst.exports;
    this.next = inst.base;
    this.end = inst.base + bytes;
    this.buffer = inst.buffer;
  }

  side(n: number): LevelSide {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`a side needs an integer number of levels >= 0, got ${n}`);
    const bytes = 8 * (n + (n & 1));
    if (this.next + 5 * bytes > this.end) throw new RangeError(`level storage is full: a side of ${n} levels does not fit`);
    const at = (): number => {
      const p = this.next;
      this.next += bytes;
      return p;
    };
    const ptr = { off: at(), prev: at(), target: at(), depth: at(), start: at() };
    const view = (p: number): Float64Array => new Float64Array(this.buffer, p, n);
    return { n, off: view(ptr.off), prev: view(ptr.prev), target: view(ptr.target), depth: view(ptr.depth), start: view(ptr.start), ptr, owner: this };
  }

  refill(s: LevelSide, scale: number, remain: number): void {
    if (s.owner !== this) throw new RangeError('refill: the side was made by other level storage');
    const p = s.ptr;
    this.exports.refill(p.target, p.depth, p.start, s.n, scale, remain);
  }

  probe(s: LevelSide, lo: number, hi: number): number {
    if (s.owner !== this) throw new RangeError('probe: the side was made by other level storage');
    const p = s.ptr;
    return this.exports.probe(p.off, p.prev, p.depth, s.n, lo, hi);
  }
}
