/**
 * The book's level loops in WebAssembly (asm/bookLevels.ts) against the
 * JavaScript reference (src/market/bookLevels.ts): the same depths, bar-start
 * depths and probes bit for bit (Object.is), on random books with depleted,
 * full and over-target levels, odd and even level counts, with and without
 * a refill, and probe windows before, across and past the levels. Whole
 * runs are held to the same bits by the golden cards' output hashes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsLevels, makeLevels, probeLevels, refillLevels } from '../../src/market/bookLevels.js';
import { WasmLevels, wasmLevelsAvailable } from '../../src/market/wasm/levelsKernel.js';

const have = wasmLevelsAvailable();

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A side: increasing offsets from random gaps, targets, and depths that may be empty, partial, full or above target. */
const sideArb = fc.integer({ min: 1, max: 41 }).chain((n) =>
  fc.record({
    gaps: fc.array(fc.double({ min: 1e-5, max: 5e-3, noNaN: true }), { minLength: n, maxLength: n }),
    targets: fc.array(fc.double({ min: 1e-3, max: 50, noNaN: true }), { minLength: n, maxLength: n }),
    fill: fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1.5, noNaN: true })), { minLength: n, maxLength: n }),
  }),
);

describe('book levels: WebAssembly against the JavaScript reference', () => {
  it.skipIf(!have)('refill and probe agree bit for bit', () => {
    fc.assert(
      fc.property(
        sideArb,
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.oneof(fc.constant(1), fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 1e-4, max: 0.05, noNaN: true }),
        (book, scale, remain, lo, width) => {
          const n = book.gaps.length;
          const w = new WasmLevels(n);
          const side = w.side(n);
          const { off, prev, target, depth, start } = side;
          let x = 0;
          for (let k = 0; k < n; k++) {
            prev[k] = x;
            x += book.gaps[k];
            off[k] = x;
            target[k] = book.targets[k];
            depth[k] = book.targets[k] * book.fill[k];
          }
          const jDepth = depth.slice();
          const jStart = new Float64Array(n);
          w.refill(side, scale, remain);
          refillLevels(target, jDepth, jStart, scale, remain);
          expect(sameBits(depth, jDepth)).toBe(true);
          expect(sameBits(start, jStart)).toBe(true);
          const hi = lo + width;
          expect(Object.is(w.probe(side, lo, hi), probeLevels(off, prev, jDepth, lo, hi))).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20261203 },
    );
  });

  it.skipIf(!have)('a NaN depth stays NaN through a refill and is kept by a cap, in both', () => {
    const w = new WasmLevels(3);
    const side = w.side(3);
    side.target.set([1, 2, 3]);
    for (const remain of [0.5, 1]) {
      side.depth.set([Number.NaN, 5, 0.5]);
      const j = side.depth.slice();
      w.refill(side, 1, remain);
      refillLevels(side.target, j, new Float64Array(3), 1, remain);
      expect(sameBits(side.depth, j)).toBe(true);
    }
  });

  it.skipIf(!have)("refuses sides made by other storage, and a side that does not fit", () => {
    const w = new WasmLevels(4);
    const other = new WasmLevels(4).side(2);
    expect(() => w.refill(other, 1, 0.5)).toThrow(/other level storage/);
    expect(() => w.probe(jsLevels.side(2), 0, 1)).toThrow(/other level storage/);
    w.side(2);
    w.side(2);
    expect(() => w.side(40)).toThrow(/full/);
  });

  it('makeLevels gives the WebAssembly levels where they compile, else the reference', () => {
    const l = makeLevels(10);
    if (have) expect(l).toBeInstanceOf(WasmLevels);
    else expect(l).toBe(jsLevels);
  });
});
