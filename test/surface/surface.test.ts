import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, NumericalError } from '../../src/core/errors.js';
import { black76 } from '../../src/pricing/blackScholes.js';
import { admitSsviParams, maxAdmissibleEta } from '../../src/surface/arbitrage.js';
import { durrlemanG } from '../../src/surface/ssvi.js';
import { DEFAULT_MAX_YEARS, DEFAULT_MIN_YEARS, SsviSurface } from '../../src/surface/surface.js';
import { AtmTermStructure, atmVolFrom } from '../../src/surface/termStructure.js';
import type { TermShape } from '../../src/surface/termStructure.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('ATM term structure', () => {
  it('flat: θ_T = σ²T and σ_atm(T) = σ at every T (1e-15 relative)', () => {
    const t = new AtmTermStructure({ kind: 'flat' }, 0.8);
    for (const T of [1e-6, 0.01, 0.25, 3]) expect(relErr(Math.sqrt(t.theta(T) / T), 0.8)).toBeLessThan(1e-15);
    expect(t.theta(0)).toBe(0);
    expect(t.theta(-1)).toBe(0);
  });

  it('meanReverting: hits the ATM level at refYears and is non-decreasing (κ = 6, 30-day ref)', () => {
    const shape: TermShape = { kind: 'meanReverting', refYears: 30 / 365, longRunVol: 0.55, kappa: 6 };
    // A crash level (BTC 1m ATM 184% on 2020-03-16, docs/calibration.md#implied-volatility) inverts the structure.
    const t = new AtmTermStructure(shape, 1.84);
    expect(relErr(Math.sqrt(t.theta(30 / 365) / (30 / 365)), 1.84)).toBeLessThan(1e-13);
    expect(Math.sqrt(t.shortEndVariance())).toBeGreaterThan(1.84);
    expect(Math.sqrt(t.theta(2) / 2)).toBeLessThan(1.84);
    let prev = 0;
    for (let i = 1; i <= 2000; i++) {
      const th = t.theta(i / 200);
      expect(th, `T = ${i / 200}`).toBeGreaterThanOrEqual(prev);
      prev = th;
    }
    // Closed form at T = 1: θ = v∞ + (v0 − v∞)(1 − e^{−6})/6.
    const v0 = t.shortEndVariance();
    expect(relErr(t.theta(1), 0.3025 + ((v0 - 0.3025) * (1 - Math.exp(-6))) / 6)).toBeLessThan(1e-14);
  });

  it('meanReverting floors v0 at 0 (and says so) when the level is too low for the long-run vol', () => {
    const t = new AtmTermStructure({ kind: 'meanReverting', refYears: 1, longRunVol: 1, kappa: 10 }, 0.2);
    expect(t.floored).toBe(true);
    expect(t.shortEndVariance()).toBe(0);
    t.setAtmVol(0.98); // v0 = 1 + (0.9604 − 1)/((1 − e^{−10})/10) ≈ 0.604 > 0
    expect(t.floored).toBe(false);
  });

  it('table: linear in T through the points, scaled by the ATM level at refYears', () => {
    const t = new AtmTermStructure({ kind: 'table', refYears: 0.5, years: [0.25, 0.5, 1], thetas: [0.02, 0.05, 0.08] }, Math.sqrt(0.1));
    expect(t.theta(0.5)).toBeCloseTo(0.05, 15);
    expect(t.theta(0.75)).toBeCloseTo(0.065, 15);
    expect(t.theta(0.125)).toBeCloseTo(0.01, 15);
    expect(t.theta(2)).toBeCloseTo(0.14, 14); // last segment's slope 0.06/y
    t.setAtmVol(Math.sqrt(0.2)); // doubles variance at refYears
    expect(t.theta(0.25)).toBeCloseTo(0.04, 15);
  });

  it('table refuses calendar arbitrage (θ decreasing) naming the entry', () => {
    expect(() => new AtmTermStructure({ kind: 'table', refYears: 0.5, years: [0.25, 0.5], thetas: [0.05, 0.04] }, 0.3)).toThrow(ConfigError);
    try {
      new AtmTermStructure({ kind: 'table', refYears: 0.5, years: [0.25, 0.5], thetas: [0.05, 0.04] }, 0.3);
    } catch (e) {
      expect((e as ConfigError).location.field).toBe('termStructure.thetas[1]');
    }
  });

  it.each([
    [{ ivIndexPoints: 65.7, realisedVol: 0.3, premium: 1.1 }, 0.657], // VIX 2024-08-05 close (docs/calibration.md#implied-volatility)
    [{ ivIndexPoints: Number.NaN, realisedVol: 0.5, premium: 1.2 }, 0.6], // index gap: fall back
    [{ realisedVol: 0.5, premium: 1.2 }, 0.6],
  ])('atmVolFrom(%o) = %f', (input, expected) => {
    expect(atmVolFrom(input)).toBeCloseTo(expected, 15);
  });

  it('atmVolFrom refuses a bad premium or realised vol with the field name', () => {
    expect(() => atmVolFrom({ realisedVol: 0.5, premium: 0 })).toThrow(/premium/);
    expect(() => atmVolFrom({ realisedVol: Number.NaN, premium: 1 })).toThrow(/realisedVol/);
  });
});

describe('SsviSurface', () => {
  const base = { params: { rho: -0.4, eta: 1, gamma: 0.45 }, term: { kind: 'flat' } as const, atmVol: 0.6 };

  it('ATM vol equals the term structure level (1e-15) and years ≤ 0 gives the short-end limit', () => {
    const s = new SsviSurface(base);
    expect(relErr(s.impliedVol(100, 100, 0.3), 0.6)).toBeLessThan(1e-15);
    expect(s.impliedVol(80, 100, 0)).toBe(0.6);
    expect(s.impliedVol(120, 100, -1)).toBe(0.6);
    expect(s.totalVariance(0.2, 0)).toBe(0);
    const mr = new SsviSurface({ ...base, term: { kind: 'meanReverting', refYears: 30 / 365, longRunVol: 0.5, kappa: 4 } });
    expect(mr.impliedVol(80, 100, 0)).toBe(Math.sqrt(mr.term.shortEndVariance()));
    expect(Number.isFinite(mr.impliedVol(80, 100, 0))).toBe(true);
  });

  it('downside skew: with ρ < 0 the 90 strike has more vol than the 110 strike', () => {
    const s = new SsviSurface(base);
    expect(s.impliedVol(90, 100, 0.25)).toBeGreaterThan(s.impliedVol(110, 100, 0.25));
  });

  it('batch equals the scalar path exactly, with array and scalar forwards', () => {
    const s = new SsviSurface(base);
    const strikes = Float64Array.from([50, 80, 100, 120, 300, 99]);
    const fwd = Float64Array.from([100, 100, 101, 99, 100, 100]);
    const years = Float64Array.from([0.01, 0.5, 1, 2, 0.1, 0]);
    const out = new Float64Array(6);
    s.impliedVolBatch(strikes, fwd, years, out);
    for (let i = 0; i < 6; i++) expect(out[i]).toBe(s.impliedVol(strikes[i], fwd[i], years[i]));
    s.impliedVolBatch(strikes, 100, years, out);
    for (let i = 0; i < 6; i++) expect(out[i]).toBe(s.impliedVol(strikes[i], 100, years[i]));
    expect(() => s.impliedVolBatch(strikes, fwd, years.subarray(1), out)).toThrow(NumericalError);
  });

  it('re-levelling the term structure directly is seen by the next query (θ/φ memo keyed on the term version)', () => {
    const s = new SsviSurface(base);
    expect(relErr(s.impliedVol(100, 100, 0.25), 0.6)).toBeLessThan(1e-15);
    s.term.setAtmVol(0.9);
    expect(relErr(s.impliedVol(100, 100, 0.25), 0.9)).toBeLessThan(1e-15);
  });

  it('refuses bad strikes with a NumericalError instead of NaN', () => {
    const s = new SsviSurface(base);
    expect(() => s.impliedVol(0, 100, 1)).toThrow(NumericalError);
    expect(() => s.impliedVol(100, Number.NaN, 1)).toThrow(NumericalError);
  });

  it('refuse mode leaves the surface unchanged; clamp mode reports what moved', () => {
    const s = new SsviSurface({ ...base, params: { rho: -0.4, eta: 1.4, gamma: 0.45 } }); // η(1+|ρ|) = 1.96: global
    expect(s.lastAdmission.condition).toBe('global');
    const before = s.impliedVol(80, 100, 0.5);
    expect(() => s.update({ rho: -0.4, eta: 40, gamma: 0.45 }, 0.9, 'refuse')).toThrow(ConfigError);
    expect(s.impliedVol(80, 100, 0.5)).toBe(before);
    expect(s.term.atmVol).toBe(0.6);
    const adm = s.update({ rho: -0.4, eta: 40, gamma: 0.45 }, 0.9, 'clamp');
    expect(adm.clamps.map((c) => c.field)).toEqual(['eta']);
    expect(adm.clamps[0].from).toBe(40);
    expect(adm.clamps[0].to).toBeLessThan(40);
  });
});

// Static-arbitrage properties of any admissible surface (G&J 2014 Theorems 4.1, 4.2; Durrleman's
// condition, G&J Lemma 2.2). Exactly what is checked, with F = 1, undiscounted Black-76 calls:
//  1. on a uniform strike grid, C(K) is non-increasing: C(K_{i+1}) ≤ C(K_i) + 1e-12;
//  2. and convex: C(K_{i−1}) − 2C(K_i) + C(K_{i+1}) ≥ −1e-12 (1e-12 of the forward);
//  3. Durrleman g(k) ≥ −1e-9 on k ∈ [−4, 4] at θ_T with the φ the surface uses at that θ;
//  4. calendar: at the same k = ln(K/F), w(k, T2) ≥ w(k, T1)(1 − 1e-14) for T2 > T1, and the
//     normalized call price C(k, T2)/F ≥ C(k, T1)/F − 1e-13.
// Expiries are drawn across and beyond [minYears, maxYears] so the frozen-φ ends are covered.
describe('admissible surfaces are free of static arbitrage (fast-check, seed 20260326)', () => {
  const shapeArb = fc.oneof(
    fc.constant<TermShape>({ kind: 'flat' }),
    fc.record({
      kind: fc.constant('meanReverting' as const),
      refYears: fc.double({ min: 1 / 365, max: 1, noNaN: true }),
      longRunVol: fc.double({ min: 0.15, max: 1.5, noNaN: true }),
      kappa: fc.double({ min: 0, max: 10, noNaN: true }),
    }),
  );
  const caseArb = fc.record({
    rho: fc.double({ min: -0.95, max: 0.95, noNaN: true }),
    gamma: fc.double({ min: 0.05, max: 1, noNaN: true }),
    etaFrac: fc.double({ min: 0.01, max: 1, noNaN: true }),
    atmVol: fc.double({ min: 0.1, max: 2, noNaN: true }),
    shape: shapeArb,
    logT1: fc.double({ min: Math.log(1e-6), max: Math.log(10), noNaN: true }),
    stretch: fc.double({ min: 1e-3, max: 3, noNaN: true }),
  });

  type Case = typeof caseArb extends fc.Arbitrary<infer U> ? U : never;
  const build = (c: Case) => {
    const term = new AtmTermStructure(c.shape, c.atmVol);
    const range = { thetaMin: term.theta(DEFAULT_MIN_YEARS), thetaMax: term.theta(DEFAULT_MAX_YEARS) };
    const eta = maxAdmissibleEta(c.rho, c.gamma, range) * c.etaFrac;
    return new SsviSurface({ params: { rho: c.rho, eta, gamma: c.gamma }, term: c.shape, atmVol: c.atmVol });
  };

  it('the Durrleman check has teeth: an inadmissible smile (B = 14.3 > 4) has g < 0 and is refused', () => {
    // θ = 0.01, γ = 1/2, η = 3, ρ = −0.6: B = θφ²(1+|ρ|) = 9·1.6/1.01 = 14.26 (G&J Thm 4.2 fails).
    const theta = 0.01;
    const phi = 3 / Math.sqrt(theta * (1 + theta));
    let minG = Infinity;
    for (let i = 0; i <= 400; i++) minG = Math.min(minG, durrlemanG(-4 + (8 * i) / 400, theta, phi, -0.6));
    expect(minG).toBeLessThan(-0.01);
    expect(() => admitSsviParams({ rho: -0.6, eta: 3, gamma: 0.5 }, { thetaMin: theta, thetaMax: 1 }, { onArbitrage: 'refuse' })).toThrow(ConfigError);
  });

  it('call prices are non-increasing and convex in strike', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = build(c);
        const T = Math.exp(c.logT1);
        const sd = Math.sqrt(s.thetaAt(T));
        if (!(sd > 0)) return; // floored term structure with no variance at this T: nothing to price
        const span = Math.min(4 * sd, 3);
        const kLo = Math.exp(-span);
        const kHi = Math.exp(span);
        const n = 401;
        const prices = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const K = kLo + ((kHi - kLo) * i) / (n - 1);
          prices[i] = black76('call', 1, K, T, s.impliedVol(K, 1, T)).price;
        }
        for (let i = 1; i < n; i++) {
          if (!(prices[i] <= prices[i - 1] + 1e-12)) throw new Error(`not non-increasing at i=${i}: ${JSON.stringify({ c, T, p0: prices[i - 1], p1: prices[i] })}`);
          if (i < n - 1) {
            const d2 = prices[i - 1] - 2 * prices[i] + prices[i + 1];
            if (!(d2 >= -1e-12)) throw new Error(`not convex at i=${i}: ${JSON.stringify({ c, T, d2 })}`);
          }
        }
      }),
      { seed: 20260326, numRuns: 150 },
    );
  });

  it('Durrleman g(k) ≥ 0 on a k-grid', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = build(c);
        const theta = s.thetaAt(Math.exp(c.logT1));
        if (!(theta > 0)) return;
        const phi = s.effectivePhi(theta);
        for (let i = 0; i <= 400; i++) {
          const k = -4 + (8 * i) / 400;
          const g = durrlemanG(k, theta, phi, s.params.rho);
          if (!(g >= -1e-9)) throw new Error(`g = ${g} < 0: ${JSON.stringify({ c, k, theta, phi, params: s.params })}`);
        }
      }),
      { seed: 20260326, numRuns: 300 },
    );
  });

  it('calendar: total variance and normalized call price do not fall with T at fixed k', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = build(c);
        const T1 = Math.exp(c.logT1);
        const T2 = T1 * (1 + c.stretch);
        for (let i = 0; i <= 80; i++) {
          const k = -3 + (6 * i) / 80;
          const w1 = s.totalVariance(k, T1);
          const w2 = s.totalVariance(k, T2);
          if (!(w2 >= w1 * (1 - 1e-14))) throw new Error(`w fell: ${JSON.stringify({ c, k, T1, T2, w1, w2 })}`);
          if (!(w1 > 0)) continue;
          const K = Math.exp(k);
          const c1 = black76('call', 1, K, T1, Math.sqrt(w1 / T1)).price;
          const c2 = black76('call', 1, K, T2, Math.sqrt(w2 / T2)).price;
          if (!(c2 >= c1 - 1e-13)) throw new Error(`call fell: ${JSON.stringify({ c, k, T1, T2, c1, c2 })}`);
        }
      }),
      { seed: 20260326, numRuns: 300 },
    );
  });
});
