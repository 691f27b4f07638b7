import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normCdf, normCdfComplement, normCdfWithExp, normInv, normPdf, SPLIT_SMALL, SPLIT_TAIL, INV_SQRT_2PI } from '../../src/pricing/normal.js';
import { bigNormCdf, bigNormPdf } from './bigNormal.js';

/** Smallest subnormal: the absolute resolution of doubles near Phi(-38). */
const DENORM_MIN = 4.9406564584124654e-324;

function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

describe('normCdf against an independent 90-digit BigInt reference (bigNormal.ts)', () => {
  // Dyadic inputs only (exact doubles): see bigNormal.ts. Tolerance 1e-14 relative,
  // plus 2 subnormal ulps where the result itself is subnormal (x = -38).
  const xs = [
    -38, -37.5, -35.75, -30.25, -25, -20.5, -15.125, -10, -8.5, -7.25, -6.125, -5.65625, -5.5, -5, -4.25, -3,
    -2.75, -2, -1.5, -1, -0.6875, -0.5, -0.25, -0.0078125, 0, 0.125, 0.5, 0.6875, 1, 1.5, 2, 3, 4.25, 5,
  ];
  for (const x of xs) {
    it(`Phi(${x})`, () => {
      const want = bigNormCdf(x);
      const got = normCdf(x);
      const tol = 1e-14 * want + 2 * DENORM_MIN;
      expect(Math.abs(got - want), `x=${x} got=${got} want=${want} rel=${relErr(got, want)}`).toBeLessThanOrEqual(tol);
    });
  }

  it('published values quoted in the issue (cross-checked by the BigInt reference above)', () => {
    // [x, value, source]; values agree with bigNormCdf to the digits shown.
    const rows: [number, number][] = [
      [-10, 7.619853024160527e-24], // issue text; R pnorm(-10)
      [-5, 2.866515718791939e-7], // issue text
      [1, 0.8413447460685429], // issue text; A&S table 26.1
      // The issue quotes Phi(-37.5) ~ 4.605353e-309; the reference gives 4.605353009581955e-308
      // (phi(37.5)/37.5 ~ 4.6e-308, a normal double), so the exponent is off by one.
      [-37.5, 4.605353009581955e-308],
    ];
    for (const [x, v] of rows) {
      expect(relErr(normCdf(x), v), `x=${x} got=${normCdf(x)} want=${v}`).toBeLessThanOrEqual(1e-14);
      expect(relErr(bigNormCdf(x), v), `reference x=${x}`).toBeLessThanOrEqual(1e-14);
    }
  });

  it('saturates cleanly: 0 below the subnormal range, 1 far right, NaN for NaN', () => {
    expect(normCdf(-39)).toBe(0);
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(9)).toBe(1);
    expect(normCdf(Infinity)).toBe(1);
    expect(Number.isNaN(normCdf(NaN))).toBe(true);
    expect(normCdfComplement(30.25)).toBe(normCdf(-30.25));
  });

  it('is monotone and satisfies Phi(x) + Phi(-x) = 1 within 2 ulp (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, d) => {
        const sum = normCdf(x) + normCdf(-x);
        return Math.abs(sum - 1) <= 4.5e-16 && normCdf(x + d) >= normCdf(x);
      }),
    );
  });
});

describe('normCdfWithExp (kernel helper) equals normCdf to 16 eps', () => {
  it('over the three Cody ranges', () => {
    for (let x = -9; x <= 9; x += 0.0371) {
      const e = Math.exp(-0.5 * x * x);
      const a = normCdfWithExp(x, e);
      const b = normCdf(x);
      expect(Math.abs(a - b), `x=${x}`).toBeLessThanOrEqual(16 * 2.2e-16 * b);
    }
    expect(SPLIT_SMALL).toBe(0.67448975);
    expect(SPLIT_TAIL).toBe(Math.sqrt(32));
  });
});

describe('normPdf against the BigInt reference', () => {
  it('relative 1e-14 including the far tail', () => {
    for (const x of [-37.5, -20.5, -8.5, -1, 0, 0.25, 3, 5.65625, 6.125, 30.25]) {
      const want = bigNormPdf(x);
      expect(relErr(normPdf(x), want), `x=${x} got=${normPdf(x)} want=${want}`).toBeLessThanOrEqual(1e-14);
    }
    expect(normPdf(0)).toBe(INV_SQRT_2PI);
  });
});

describe('normInv', () => {
  it('round-trips through normCdf to the conditioning of the problem', () => {
    // Relative error of Phi(normInv(p)) is bounded by the rounding of x
    // amplified by |x phi(x)/Phi(x)| ~ x^2: tolerance 4 eps * max(1, x^2).
    for (const p of [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97575, 0.999]) {
      const x = normInv(p);
      const tol = 4 * 2.2e-16 * Math.max(1, x * x);
      const back = p <= 0.5 ? normCdf(x) : 1 - normCdf(-x);
      expect(relErr(back, p), `p=${p} x=${x}`).toBeLessThanOrEqual(tol);
    }
  });

  it('matches textbook quantiles (A&S table 26.5) to 1e-15 absolute', () => {
    // Two-sided 95%, 99% and 97.5% quantiles, to 16 significant digits.
    expect(Math.abs(normInv(0.975) - 1.959963984540054)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(normInv(0.995) - 2.5758293035489004)).toBeLessThanOrEqual(1e-14);
    expect(Math.abs(normInv(0.841344746068543) - 1)).toBeLessThanOrEqual(1e-14);
  });

  it('edges: 0 and 1 give infinities, outside [0,1] throws', () => {
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(0.5)).toBe(0);
    expect(() => normInv(1.5)).toThrow(RangeError);
    expect(() => normInv(NaN)).toThrow(RangeError);
  });
});
