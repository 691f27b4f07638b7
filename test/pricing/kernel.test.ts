import { describe, expect, it } from 'vitest';
import { bsBatchBook, bsBatchFlat } from '../../src/pricing/batch.js';
import { bsEval, OUT_DELTA, OUT_PRICE, OUT_SIZE } from '../../src/pricing/kernel.js';
import { normCdf, SPLIT_SMALL, SPLIT_TAIL } from '../../src/pricing/normal.js';

/**
 * The kernel computes exp(-d2^2/2) as exp(-d1^2/2) * F/K (the identity
 * phi(d2) = phi(d1) F/K, F = S e^{(r-q)T}; Hull, "Options, Futures and Other
 * Derivatives", ch. 15 appendix) when |d1| <= sqrt(32), and directly
 * otherwise. Reference: the closed form evaluated term by term with
 * fdlibm's Math.exp / Math.log (independent of exp.ts / log.ts) and normCdf
 * (itself checked against the BigInt reference in normal.test.ts).
 */
function closedFormTerms(w: 1 | -1, S: number, K: number, T: number, v: number, r: number, q: number) {
  const sd = v * Math.sqrt(T);
  const x = Math.log(S / K) + (r - q) * T;
  const d1 = x / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const t1 = S * Math.exp(-q * T) * normCdf(w * d1);
  const t2 = K * Math.exp(-r * T) * normCdf(w * d2);
  return { d1, d2, t1, t2, price: w * (t1 - t2) };
}

describe('phi(d2) = phi(d1) F/K shortcut, in the wings and past its range', () => {
  it('out-of-the-money prices match the term-by-term closed form to 1e-13 of the terms (and 1e-11 relative)', () => {
    const o = new Float64Array(OUT_SIZE);
    let shortcut = 0;
    let direct = 0;
    const S = 100;
    for (const T of [1 / 365, 0.02, 0.25, 1, 4, 25]) {
      for (const v of [0.05, 0.2, 0.8, 2.5]) {
        for (let m = -4; m <= 4; m += 0.0625) {
          for (const [r, q] of [[0.03, 0.01], [-0.01, 0.04]] as const) {
            const K = S * Math.exp(m);
            // The out-of-the-money side w.r.t. the forward (the side computed directly).
            const x = Math.log(S / K) + (r - q) * T;
            const w: 1 | -1 = x < 0 ? 1 : -1;
            const ref = closedFormTerms(w, S, K, T, v, r, q);
            const a1 = Math.abs(ref.d1);
            const a2 = Math.abs(ref.d2);
            if (a2 <= SPLIT_SMALL || a2 > SPLIT_TAIL) continue; // the shortcut only serves Cody's middle range of d2
            if (a1 <= SPLIT_TAIL) shortcut++;
            else direct++;
            bsEval(w, S, K, T, v, r, q, o);
            const got = o[OUT_PRICE];
            const scale = Math.abs(ref.t1) + Math.abs(ref.t2);
            const info = `w=${w} K=${K} T=${T} v=${v} r=${r} q=${q} d1=${ref.d1} d2=${ref.d2}: got ${got} ref ${ref.price}`;
            expect(Math.abs(got - ref.price), info).toBeLessThanOrEqual(1e-13 * scale + 1e-11 * ref.price);
            expect(Number.isFinite(o[OUT_DELTA]), info).toBe(true);
          }
        }
      }
    }
    // The grid must exercise both branches, including deep wings (|d1| near sqrt(32)).
    expect(shortcut).toBeGreaterThan(500);
    expect(direct).toBeGreaterThan(10);
  });
});

describe('batch kernels on the dealer-shaped book: bit-identical to the scalar kernel', () => {
  it('random strikes 50-150%, 1d-2y, vol 10-100%, every output incl. the ones bsBatchBook skips', () => {
    const n = 4000;
    const type = new Int8Array(n);
    const spot = new Float64Array(n).fill(100);
    const strike = new Float64Array(n);
    const years = new Float64Array(n);
    const vol = new Float64Array(n);
    let s = 12345;
    const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      type[i] = u() < 0.5 ? 1 : -1;
      strike[i] = 50 + 100 * u();
      years[i] = i < n / 2 ? 1 / 365 + 2 * u() : (1 + Math.floor((12 * i) / n)) / 6; // second half: grouped expiries
      vol[i] = 0.1 + 0.9 * u();
    }
    const mk = () => ({
      price: new Float64Array(n), delta: new Float64Array(n), gamma: new Float64Array(n), vega: new Float64Array(n),
      theta: new Float64Array(n), rho: new Float64Array(n), vanna: new Float64Array(n), volga: new Float64Array(n),
    });
    const flat = mk();
    const book = mk();
    const input = { type, spot, strike, years, vol };
    bsBatchFlat(input, 0.03, 0.01, flat);
    bsBatchBook(input, 0.03, 0.01, { price: book.price, delta: book.delta, gamma: book.gamma, vega: book.vega, theta: book.theta, vanna: book.vanna });
    const o = new Float64Array(OUT_SIZE);
    const keys = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;
    const mismatches: string[] = [];
    for (let i = 0; i < n; i++) {
      bsEval(type[i], spot[i], strike[i], years[i], vol[i], 0.03, 0.01, o);
      keys.forEach((k, slot) => {
        const info = `${k} i=${i} type=${type[i]} K=${strike[i]} T=${years[i]} v=${vol[i]}: scalar ${o[slot]}`;
        if (!Object.is(flat[k][i], o[slot])) mismatches.push(`flat ${info} batch ${flat[k][i]}`);
        // bsBatchBook is not asked for rho and volga, so it must leave them untouched (0).
        const wantBook = k === 'rho' || k === 'volga' ? 0 : o[slot];
        if (!Object.is(book[k][i], wantBook)) mismatches.push(`book ${info} batch ${book[k][i]}`);
      });
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
