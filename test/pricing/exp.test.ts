import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expFast } from '../../src/pricing/exp.js';
import { bigExp } from './bigNormal.js';

/** Error of got against the exactly rounded want, in units of want's last place. */
function ulps(got: number, want: number): number {
  const ulp = Math.abs(want) * 2 ** -52;
  return Math.abs(got - want) / ulp;
}

/** Deterministic dyadic points (exact doubles, as bigNormal.ts requires): m / 2^bits in [lo, hi]. */
function dyadicGrid(lo: number, hi: number, count: number, bits: number): number[] {
  const xs: number[] = [];
  const scale = 2 ** bits;
  for (let i = 0; i < count; i++) {
    // A low-discrepancy walk (golden ratio) so the table indices are all hit.
    const u = (i * 0.6180339887498949) % 1;
    xs.push(Math.round((lo + (hi - lo) * u) * scale) / scale);
  }
  return xs;
}

describe('expFast against a 90-digit BigInt reference (bigNormal.ts bigExp)', () => {
  // Tolerance 1 ulp (of the rounded reference; measured max 0.55 ulp with
  // mpmath at 120 bits over 1e5 points). Math.exp (fdlibm) is itself < 1 ulp.
  it('on [-40, 1], the kernels range (discount factors, exp(-d^2/2) for |d| <= sqrt(32))', () => {
    for (const x of dyadicGrid(-40, 1, 600, 40)) {
      const want = bigExp(x);
      const got = expFast(x);
      expect(ulps(got, want), `x=${x} got=${got} want=${want}`).toBeLessThanOrEqual(1);
    }
  });
  it('on the whole table range [-707, 707] and near 0', () => {
    const xs = [...dyadicGrid(-707, 707, 120, 20), ...dyadicGrid(-1e-3, 1e-3, 60, 50), 2 ** -40, -(2 ** -40)];
    for (const x of xs) {
      const want = bigExp(x);
      const got = expFast(x);
      expect(ulps(got, want), `x=${x} got=${got} want=${want}`).toBeLessThanOrEqual(1);
    }
  });
  it('defers to Math.exp outside |x| < 708 and for non-finite x (overflow, subnormal, 0, NaN)', () => {
    for (const x of [-708, -720, -745.5, -800, 708, 709.7, 710, Infinity, -Infinity, Number.NaN]) {
      expect(Object.is(expFast(x), Math.exp(x)), `x=${x}`).toBe(true);
    }
    expect(expFast(0)).toBe(1);
    expect(expFast(-0)).toBe(1);
  });
  it('agrees with Math.exp to 1 ulp on arbitrary doubles (property; both are < 1 ulp from exact)', () => {
    fc.assert(
      fc.property(fc.double({ min: -707, max: 707, noNaN: true }), (x) => {
        const a = expFast(x);
        const b = Math.exp(x);
        expect(Math.abs(a - b), `x=${x} expFast=${a} Math.exp=${b}`).toBeLessThanOrEqual(2 ** -52 * b);
      }),
      { seed: 20240805, numRuns: 20000 },
    );
  });
});
