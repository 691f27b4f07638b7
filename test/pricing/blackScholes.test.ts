import { describe, expect, it } from 'vitest';
import { black76, blackScholes } from '../../src/pricing/blackScholes.js';
import type { Greeks, OptionType } from '../../src/pricing/blackScholes.js';
import { npmBs, npmGreeks, quadraturePrice } from './refs.js';

type Row = [type: OptionType, strike: number, spot: number, q: number, r: number, t: number, v: number, value: number, tol: number];

/*
 * Haug, "The Complete Guide to Option Pricing Formulas" (values as used in
 * QuantLib test-suite/europeanoption.cpp, testValues()); column order as
 * there: type, strike, spot, q, r, t, vol, value, tolerance. QuantLib turns t
 * into whole Act/360 days; every t below is a whole number of days, so the
 * times are identical. Rows with q = r are Haug's Black-76 examples (spot is
 * the forward); the 1.60/1.56 row is Garman-Kohlhagen (q = foreign rate).
 */
const HAUG_VALUES: Row[] = [
  // pag 2-8
  ['call', 65.0, 60.0, 0.0, 0.08, 0.25, 0.3, 2.1334, 1.0e-4],
  ['put', 95.0, 100.0, 0.05, 0.1, 0.5, 0.2, 2.4648, 1.0e-4],
  ['put', 19.0, 19.0, 0.1, 0.1, 0.75, 0.28, 1.7011, 1.0e-4],
  ['call', 19.0, 19.0, 0.1, 0.1, 0.75, 0.28, 1.7011, 1.0e-4],
  ['call', 1.6, 1.56, 0.08, 0.06, 0.5, 0.12, 0.0291, 1.0e-4],
  ['put', 70.0, 75.0, 0.05, 0.1, 0.5, 0.35, 4.087, 1.0e-4],
  // pag 24
  ['call', 100.0, 90.0, 0.1, 0.1, 0.1, 0.15, 0.0205, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.1, 0.15, 1.8734, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.1, 0.15, 9.9413, 1.0e-4],
  ['call', 100.0, 90.0, 0.1, 0.1, 0.1, 0.25, 0.315, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.1, 0.25, 3.1217, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.1, 0.25, 10.3556, 1.0e-4],
  ['call', 100.0, 90.0, 0.1, 0.1, 0.1, 0.35, 0.9474, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.1, 0.35, 4.3693, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.1, 0.35, 11.1381, 1.0e-4],
  ['call', 100.0, 90.0, 0.1, 0.1, 0.5, 0.15, 0.8069, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.5, 0.15, 4.0232, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.5, 0.15, 10.5769, 1.0e-4],
  ['call', 100.0, 90.0, 0.1, 0.1, 0.5, 0.25, 2.7026, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.5, 0.25, 6.6997, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.5, 0.25, 12.7857, 1.0e-4],
  ['call', 100.0, 90.0, 0.1, 0.1, 0.5, 0.35, 4.9329, 1.0e-4],
  ['call', 100.0, 100.0, 0.1, 0.1, 0.5, 0.35, 9.3679, 1.0e-4],
  ['call', 100.0, 110.0, 0.1, 0.1, 0.5, 0.35, 15.3086, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.1, 0.15, 9.921, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.1, 0.15, 1.8734, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.1, 0.15, 0.0408, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.1, 0.25, 10.2155, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.1, 0.25, 3.1217, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.1, 0.25, 0.4551, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.1, 0.35, 10.8479, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.1, 0.35, 4.3693, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.1, 0.35, 1.2376, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.5, 0.15, 10.3192, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.5, 0.15, 4.0232, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.5, 0.15, 1.0646, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.5, 0.25, 12.2149, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.5, 0.25, 6.6997, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.5, 0.25, 3.2734, 1.0e-4],
  ['put', 100.0, 90.0, 0.1, 0.1, 0.5, 0.35, 14.4452, 1.0e-4],
  ['put', 100.0, 100.0, 0.1, 0.1, 0.5, 0.35, 9.3679, 1.0e-4],
  ['put', 100.0, 110.0, 0.1, 0.1, 0.5, 0.35, 5.7963, 1.0e-4],
  // pag 27
  ['call', 40.0, 42.0, 0.08, 0.04, 0.75, 0.35, 5.0975, 1.0e-4],
];

describe('Black-Scholes prices: Haug reference table (QuantLib europeanoption.cpp testValues)', () => {
  for (const [type, strike, spot, q, r, t, v, value, tol] of HAUG_VALUES) {
    const label = `${type} K=${strike} S=${spot} q=${q} r=${r} t=${t} v=${v}`;
    it(`${label} -> ${value}`, () => {
      const got = blackScholes(type, spot, strike, t, v, r, q).price;
      expect(Math.abs(got - value), `${label}: got ${got}, want ${value} +- ${tol}`).toBeLessThanOrEqual(tol);
      if (q === r) {
        // Haug's Black-76 rows: the forward is the quoted "spot".
        const b = black76(type, spot, strike, t, v, r).price;
        expect(Math.abs(b - value), `black76 ${label}: got ${b}`).toBeLessThanOrEqual(tol);
      }
    });
  }
});

describe('Greeks: Haug reference values (QuantLib europeanoption.cpp testGreekValues, tolerance 1e-4)', () => {
  // Columns: type, strike, spot, q, r, t, vol, value (Haug 1998 pag 11-16).
  const cases: { greek: string; row: Row; pick: (g: Greeks, row: Row) => number }[] = [
    { greek: 'delta', row: ['call', 100, 105, 0.1, 0.1, 0.5, 0.36, 0.5946, 1e-4], pick: (g) => g.delta },
    { greek: 'delta', row: ['put', 100, 105, 0.1, 0.1, 0.5, 0.36, -0.3566, 1e-4], pick: (g) => g.delta },
    // elasticity = delta * S / V
    { greek: 'elasticity', row: ['put', 100, 105, 0.1, 0.1, 0.5, 0.36, -4.8775, 1e-4], pick: (g, r) => (g.delta * r[2]) / g.price },
    { greek: 'gamma', row: ['call', 60, 55, 0.0, 0.1, 0.75, 0.3, 0.0278, 1e-4], pick: (g) => g.gamma },
    { greek: 'gamma', row: ['put', 60, 55, 0.0, 0.1, 0.75, 0.3, 0.0278, 1e-4], pick: (g) => g.gamma },
    { greek: 'vega', row: ['call', 60, 55, 0.0, 0.1, 0.75, 0.3, 18.9358, 1e-4], pick: (g) => g.vega },
    { greek: 'vega', row: ['put', 60, 55, 0.0, 0.1, 0.75, 0.3, 18.9358, 1e-4], pick: (g) => g.vega },
    { greek: 'theta (per year)', row: ['put', 405, 430, 0.05, 0.07, 1 / 12, 0.2, -31.1924, 1e-4], pick: (g) => g.theta },
    { greek: 'theta per day (/365)', row: ['put', 405, 430, 0.05, 0.07, 1 / 12, 0.2, -0.0855, 1e-4], pick: (g) => g.theta / 365 },
    { greek: 'rho', row: ['call', 75, 72, 0.0, 0.09, 1, 0.19, 38.7325, 1e-4], pick: (g) => g.rho },
  ];
  for (const { greek, row, pick } of cases) {
    const [type, strike, spot, q, r, t, v, value, tol] = row;
    it(`${greek} ${type} K=${strike} S=${spot} -> ${value}`, () => {
      const got = pick(blackScholes(type, spot, strike, t, v, r, q), row);
      expect(Math.abs(got - value), `${greek} ${row.join(',')}: got ${got}`).toBeLessThanOrEqual(tol);
    });
  }

  it('dividend rho (put K=490 S=500 q=0.05 r=0.08 t=0.25 v=0.15 -> 42.2254, Haug) by central difference in q', () => {
    // Not an output of ours; checks the q dependence of the price. h = 1e-6, FD error ~1e-8.
    const h = 1e-6;
    const up = blackScholes('put', 500, 490, 0.25, 0.15, 0.08, 0.05 + h).price;
    const dn = blackScholes('put', 500, 490, 0.25, 0.15, 0.08, 0.05 - h).price;
    const got = (up - dn) / (2 * h);
    expect(Math.abs(got - 42.2254), `got ${got}`).toBeLessThanOrEqual(1e-4);
  });
});

// A grid used by the parity, quadrature and finite-difference checks.
const SPOT = 100;
const GRID: { K: number; T: number; v: number; r: number; q: number }[] = [];
for (const K of [40, 70, 90, 100, 110, 140, 250]) {
  for (const T of [1 / 365, 0.05, 0.5, 2, 10]) {
    for (const v of [0.05, 0.3, 1.2]) {
      GRID.push({ K, T, v, r: 0.03, q: 0.01 });
    }
  }
}

describe('put-call parity C - P = S e^{-qT} - K e^{-rT} (docs/model.md#pricing: 1e-10 relative)', () => {
  it('on the grid, relative to max(C, P, |S e^{-qT} - K e^{-rT}|)', () => {
    for (const { K, T, v, r, q } of [...GRID, { K: 100, T: 1, v: 0.2, r: -0.01, q: 0.04 }]) {
      const c = blackScholes('call', SPOT, K, T, v, r, q).price;
      const p = blackScholes('put', SPOT, K, T, v, r, q).price;
      const fwd = SPOT * Math.exp(-q * T) - K * Math.exp(-r * T);
      const scale = Math.max(c, p, Math.abs(fwd));
      expect(Math.abs(c - p - fwd) / scale, `K=${K} T=${T} v=${v} r=${r} q=${q} c=${c} p=${p}`).toBeLessThanOrEqual(1e-10);
    }
  });
});

describe('prices against direct quadrature of the payoff (independent of the closed form)', () => {
  it('within 1e-9 relative where the price is above 1e-8 of spot (docs/model.md#pricing accuracy target)', () => {
    let checked = 0;
    for (const { K, T, v, r, q } of GRID) {
      for (const w of [1, -1] as const) {
        const got = blackScholes(w > 0 ? 'call' : 'put', SPOT, K, T, v, r, q).price;
        if (got < 1e-8 * SPOT) continue;
        const ref = quadraturePrice(w, SPOT, K, T, v, r, q);
        checked++;
        expect(Math.abs(got - ref) / ref, `w=${w} K=${K} T=${T} v=${v}: got ${got} quadrature ${ref}`).toBeLessThanOrEqual(1e-9);
      }
    }
    expect(checked).toBeGreaterThan(150);
  });
});

describe('greeks against central finite differences', () => {
  // Steps: 1e-5 S in spot/forward, 1e-4 v in vol, 1e-5 T in time, 1e-5 in rate; truncation ~h^2 * third derivative, rounding
  // ~eps * V / h: tolerance 1e-5 relative to the greek plus an absolute floor
  // of 1e-7 * (price scale / x scale) for greeks that pass through zero.
  const TOL_REL = 1e-5;
  function close(name: string, analytic: number, fd: number, floor: number, ctx: string): void {
    expect(Math.abs(analytic - fd), `${name} ${ctx}: analytic ${analytic} fd ${fd}`).toBeLessThanOrEqual(
      TOL_REL * Math.abs(analytic) + floor,
    );
  }
  it('delta, gamma, vega, theta, rho, vanna, volga (Black-Scholes with dividend)', () => {
    for (const { K, T, v, r, q } of GRID) {
      if (T < 0.01) continue; // one-day options: FD in T would cross expiry curvature; covered by the FD in S/vol below
      for (const type of ['call', 'put'] as const) {
        const g = blackScholes(type, SPOT, K, T, v, r, q);
        const ctx = `${type} K=${K} T=${T} v=${v}`;
        const f = (S: number, TT: number, vv: number, rr: number) => blackScholes(type, S, K, TT, vv, rr, q);
        const hS = 1e-5 * SPOT;
        const hv = 1e-4 * v;
        const hT = 1e-5 * T;
        const hr = 1e-5;
        close('delta', g.delta, (f(SPOT + hS, T, v, r).price - f(SPOT - hS, T, v, r).price) / (2 * hS), 1e-8, ctx);
        close('gamma', g.gamma, (f(SPOT + hS, T, v, r).delta - f(SPOT - hS, T, v, r).delta) / (2 * hS), 1e-9, ctx);
        close('vega', g.vega, (f(SPOT, T, v + hv, r).price - f(SPOT, T, v - hv, r).price) / (2 * hv), 1e-6, ctx);
        close('theta', g.theta, -(f(SPOT, T + hT, v, r).price - f(SPOT, T - hT, v, r).price) / (2 * hT), 1e-5, ctx);
        close('rho', g.rho, (f(SPOT, T, v, r + hr).price - f(SPOT, T, v, r - hr).price) / (2 * hr), 1e-5, ctx);
        close('vanna', g.vanna, (f(SPOT, T, v + hv, r).delta - f(SPOT, T, v - hv, r).delta) / (2 * hv), 1e-8, ctx);
        close('volga', g.volga, (f(SPOT, T, v + hv, r).vega - f(SPOT, T, v - hv, r).vega) / (2 * hv), 1e-5, ctx);
      }
    }
  });

  it('Black-76: delta and gamma in the forward, rho with the forward fixed (= -T V)', () => {
    for (const { K, T, v, r } of GRID) {
      if (T < 0.01) continue;
      for (const type of ['call', 'put'] as const) {
        const F = 100;
        const g = black76(type, F, K, T, v, r);
        const ctx = `black76 ${type} K=${K} T=${T} v=${v}`;
        const hF = 1e-5 * F;
        const hr = 1e-5;
        close('delta', g.delta, (black76(type, F + hF, K, T, v, r).price - black76(type, F - hF, K, T, v, r).price) / (2 * hF), 1e-8, ctx);
        close('gamma', g.gamma, (black76(type, F + hF, K, T, v, r).delta - black76(type, F - hF, K, T, v, r).delta) / (2 * hF), 1e-9, ctx);
        close('rho', g.rho, (black76(type, F, K, T, v, r + hr).price - black76(type, F, K, T, v, r - hr).price) / (2 * hr), 1e-6, ctx);
        const hT = 1e-5 * T;
        close('theta', g.theta, -(black76(type, F, K, T + hT, v, r).price - black76(type, F, K, T - hT, v, r).price) / (2 * hT), 1e-5, ctx);
      }
    }
  });
});

describe('edge cases are defined (never NaN)', () => {
  const keys = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;
  function finite(g: Greeks, ctx: string): void {
    for (const k of keys) expect(Number.isFinite(g[k]), `${ctx}: ${k}=${g[k]}`).toBe(true);
  }

  it('expired (years <= 0): intrinsic, step delta with 0.5 at the money, other greeks 0', () => {
    const rows: [OptionType, number, number, number, number][] = [
      // type, S, K, price, delta
      ['call', 110, 100, 10, 1],
      ['call', 90, 100, 0, 0],
      ['call', 100, 100, 0, 0.5],
      ['put', 90, 100, 10, -1],
      ['put', 110, 100, 0, 0],
      ['put', 100, 100, 0, -0.5],
    ];
    for (const T of [0, -0.5]) {
      for (const [type, S, K, price, delta] of rows) {
        const g = blackScholes(type, S, K, T, 0.3, 0.05, 0.02);
        const ctx = `${type} S=${S} K=${K} T=${T}`;
        expect(g.price, ctx).toBe(price);
        expect(g.delta, ctx).toBe(delta);
        for (const k of ['gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) expect(g[k], `${ctx} ${k}`).toBe(0);
      }
    }
  });

  it('vol = 0: discounted intrinsic of the forward, its derivatives, 0.5 convention at the forward', () => {
    const r = 0.05;
    const q = 0.01;
    const T = 2;
    const call = blackScholes('call', 100, 90, T, 0, r, q);
    expect(call.price).toBeCloseTo(100 * Math.exp(-q * T) - 90 * Math.exp(-r * T), 12);
    expect(call.delta).toBeCloseTo(Math.exp(-q * T), 15);
    expect(call.rho).toBeCloseTo(90 * T * Math.exp(-r * T), 12);
    expect(call.gamma).toBe(0);
    expect(call.vega).toBe(0);
    const otmPut = blackScholes('put', 100, 90, T, 0, r, q);
    expect(otmPut.price).toBe(0);
    expect(otmPut.delta).toBe(-0);
    // Exactly at the forward (r = q and K = S, so ln(F/K) is exactly 0).
    const atf = blackScholes('call', 100, 100, T, 0, 0.03, 0.03);
    expect(atf.delta).toBe(0.5 * Math.exp(-0.03 * T));
    expect(atf.price).toBe(0);
    finite(atf, 'at the forward');
  });

  it('extreme inputs give finite, non-negative prices and bounded deltas', () => {
    for (const K of [1e-8, 1e-3, 1, 50, 100, 200, 1e4, 1e10]) {
      for (const T of [1e-12, 1e-6, 1 / 365, 1, 50]) {
        for (const v of [1e-12, 1e-4, 0.2, 3, 20]) {
          for (const type of ['call', 'put'] as const) {
            const g = blackScholes(type, 100, K, T, v, 0.05, 0.02);
            const ctx = `${type} K=${K} T=${T} v=${v}`;
            finite(g, ctx);
            expect(g.price, ctx).toBeGreaterThanOrEqual(0);
            expect(Math.abs(g.delta), ctx).toBeLessThanOrEqual(1);
            expect(g.gamma, ctx).toBeGreaterThanOrEqual(0);
            expect(g.vega, ctx).toBeGreaterThanOrEqual(0);
          }
        }
      }
    }
  });

  it('far-OTM prices of 1e-300 scale stay positive and decrease monotonically with strike', () => {
    // Call with ln(F/K) = -3.5 and s = 0.1: d1 ~ -35, price ~ 1e-270.. down to subnormal.
    let prev = Infinity;
    let sawTiny = false;
    for (let K = 3000; K <= 4000; K += 25) {
      const p = blackScholes('call', 100, K, 0.25, 0.2, 0, 0).price;
      expect(p, `K=${K}`).toBeGreaterThanOrEqual(0);
      expect(p, `K=${K} prev=${prev}`).toBeLessThanOrEqual(prev);
      if (p > 0 && p < 1e-290) sawTiny = true;
      prev = p;
    }
    expect(sawTiny).toBe(true);
  });

  it('deep in the money: price = intrinsic + OTM value of the other side (parity, no cancellation)', () => {
    // ln(F/K) = -ln 6, s = 0.141: d1 ~ -12.6, so the call is ~1e-36 and the
    // put's time value is below its ulp: the put must equal 500 + call exactly.
    const put = blackScholes('put', 100, 600, 0.5, 0.2, 0, 0);
    const call = blackScholes('call', 100, 600, 0.5, 0.2, 0, 0);
    expect(put.price).toBe(500 + call.price);
    expect(call.price).toBeGreaterThan(0);
    expect(call.price).toBeLessThan(1e-20);
  });

  it('rejects bad inputs with RangeError', () => {
    expect(() => blackScholes('call', 0, 100, 1, 0.2)).toThrow(/spot must be a positive/);
    expect(() => blackScholes('call', 100, -1, 1, 0.2)).toThrow(/strike must be a positive/);
    expect(() => blackScholes('call', 100, 100, NaN, 0.2)).toThrow(RangeError);
    expect(() => blackScholes('call', 100, 100, 1, -0.2)).toThrow(/vol must be/);
    expect(() => blackScholes('straddle' as OptionType, 100, 100, 1, 0.2)).toThrow(/option type/);
    expect(() => black76('put', -5, 100, 1, 0.2)).toThrow(/forward must be a positive/);
  });
});

describe('against the black-scholes / greeks npm packages where they are valid', () => {
  // The package's CDF is a 100-term series clamped at |x| >= 8, so compare
  // only where |d1|, |d2| < 6 and T > 0; no dividend in its model. Its
  // series CDF has absolute (not relative) error ~1e-16, so its small OTM
  // prices lose relative accuracy (e.g. put K=40 T=0.5 v=0.3: 1.7e-9 off the
  // quadrature value, ours 6e-11): price tolerance 1e-10 * max(price, 1).
  it('price, delta, gamma, vega (per 1% there, x100) to 1e-10', () => {
    let n = 0;
    for (const { K, T, v } of GRID) {
      const r = 0.03;
      const s = v * Math.sqrt(T);
      const d1 = (Math.log(SPOT / K) + (r + 0.5 * v * v) * T) / s;
      if (Math.abs(d1) > 6 || Math.abs(d1 - s) > 6) continue;
      for (const type of ['call', 'put'] as const) {
        const g = blackScholes(type, SPOT, K, T, v, r, 0);
        const ctx = `${type} K=${K} T=${T} v=${v}`;
        const p = npmBs.blackScholes(SPOT, K, T, v, r, type);
        expect(Math.abs(g.price - p), `${ctx} price ${g.price} npm ${p}`).toBeLessThanOrEqual(1e-10 * Math.max(g.price, 1));
        const d = npmGreeks.getDelta(SPOT, K, T, v, r, type);
        expect(Math.abs(g.delta - d), `${ctx} delta ${g.delta} npm ${d}`).toBeLessThanOrEqual(1e-10);
        const gm = npmGreeks.getGamma(SPOT, K, T, v, r);
        expect(Math.abs(g.gamma - gm), `${ctx} gamma`).toBeLessThanOrEqual(1e-10 * Math.max(g.gamma, 1e-6));
        const vg = 100 * npmGreeks.getVega(SPOT, K, T, v, r);
        expect(Math.abs(g.vega - vg), `${ctx} vega`).toBeLessThanOrEqual(1e-10 * Math.max(g.vega, 1e-6));
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });
});
