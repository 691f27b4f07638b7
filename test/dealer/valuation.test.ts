import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { CALL, OptionBook, PUT } from '../../src/dealer/book.js';
import { bookDeltaAt, bookDeltaTaylor, makeBookGreeks, revalueAtSpot, setValuationKernel, valueBook } from '../../src/dealer/valuation.js';
import type { BookGreeks } from '../../src/dealer/valuation.js';
import { blackScholes } from '../../src/pricing/blackScholes.js';
import { DAY_MS, flatSurface, skewedSurface, START_MS, YEAR_MS } from './helpers.js';

const require = createRequire(import.meta.url);

// These tests pin the JavaScript reference kernel bit for bit (the WASM
// kernel is held to it in wasmValuation.test.ts), whatever CASCADE_KERNEL says.
beforeAll(() => setValuationKernel('js'));
// Independent references (test-only packages): Matt Loppatto's black-scholes and greeks, r only (q = 0).
const bsRef = require('black-scholes') as { blackScholes(s: number, k: number, t: number, v: number, r: number, cp: 'call' | 'put'): number };
const greeksRef = require('greeks') as {
  getDelta(s: number, k: number, t: number, v: number, r: number, cp: 'call' | 'put'): number;
  getGamma(s: number, k: number, t: number, v: number, r: number): number;
  getVega(s: number, k: number, t: number, v: number, r: number): number;
};

const NOW = START_MS;

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** A crash-put-like book: seeded random strikes 0.6–1.1 × spot, 2–90 days, mostly short puts, a few calls. */
function randomBook(rng: Rng, n: number, spot: number): OptionBook {
  const b = new OptionBook(n);
  for (let i = 0; i < n; i++) {
    const kind = rng.uniform() < 0.8 ? PUT : CALL;
    const qty = (rng.uniform() < 0.85 ? -1 : 1) * (1 + 20 * rng.uniform());
    b.add(spot * (0.6 + 0.5 * rng.uniform()), NOW + (2 + 88 * rng.uniform()) * DAY_MS, kind, qty);
  }
  return b;
}

describe('valueBook', () => {
  it('a one-option book equals the scalar pricing function and an independent reference', () => {
    // Rows: [kind, spot, strike, days, vol, rate, dividend]
    const cases: Array<[1 | -1, number, number, number, number, number, number]> = [
      [PUT, 30000, 24000, 30, 0.8, 0.0, 0.0],
      [PUT, 30000, 29000, 7, 1.2, 0.03, 0.0],
      [CALL, 30000, 33000, 60, 0.6, 0.05, 0.0],
      [CALL, 100, 100, 365.25, 0.2, 0.05, 0.02],
    ];
    for (const [kind, S, K, days, vol, r, q] of cases) {
      const b = new OptionBook(1);
      b.add(K, NOW + days * DAY_MS, kind, 1);
      const g = valueBook(b, S, NOW, flatSurface(vol), r, q, makeBookGreeks());
      const T = (days * DAY_MS) / YEAR_MS;
      const ref = blackScholes(kind === CALL ? 'call' : 'put', S, K, T, vol, r, q);
      const label = JSON.stringify({ kind, S, K, days, vol, r, q });
      // Same kernel underneath: identical up to the one multiply by qty = 1 (tolerance 0).
      expect(g.value, label).toBe(ref.price);
      expect(g.delta, label).toBe(ref.delta);
      expect(g.gamma, label).toBe(ref.gamma);
      expect(g.vega, label).toBe(ref.vega);
      expect(g.theta, label).toBe(ref.theta);
      expect(g.vanna, label).toBe(ref.vanna);
      expect(g.volga, label).toBe(ref.volga);
      expect(b.years[0], label).toBeCloseTo(T, 15);
      if (q === 0) {
        const cp = kind === CALL ? 'call' : 'put';
        // black-scholes/greeks packages: series CDF, agree to ~1e-9 relative on these moderate cases.
        expect(relErr(g.value, bsRef.blackScholes(S, K, T, vol, r, cp)), label).toBeLessThan(1e-9);
        expect(relErr(g.delta, greeksRef.getDelta(S, K, T, vol, r, cp)), label).toBeLessThan(1e-9);
        expect(relErr(g.gamma, greeksRef.getGamma(S, K, T, vol, r)), label).toBeLessThan(1e-9);
        // greeks.getVega is per vol point (÷100).
        expect(relErr(g.vega, 100 * greeksRef.getVega(S, K, T, vol, r)), label).toBeLessThan(1e-9);
      }
    }
  });

  it('aggregates are the qty-weighted sums of per-option values at the surface vol of each forward', () => {
    const S = 30000, r = 0.02, q = 0.01;
    const surface = skewedSurface(0.8);
    const b = randomBook(new Rng(7), 40, S);
    const g = valueBook(b, S, NOW, surface, r, q, makeBookGreeks());
    const sum = { value: 0, delta: 0, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0 };
    for (let i = 0; i < b.length; i++) {
      const T = (b.expiryMs[i] - NOW) / YEAR_MS;
      const vol = surface.impliedVol(b.strike[i], S * Math.exp((r - q) * T), T);
      expect(b.vol[i]).toBe(vol);
      const o = blackScholes(b.kind[i] === CALL ? 'call' : 'put', S, b.strike[i], T, vol, r, q);
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += b.qty[i] * o[k === 'value' ? 'price' : k];
    }
    expect(g.count).toBe(40);
    // Same terms summed in the same order; 1e-12 relative allows for a different summation order only.
    for (const k of Object.keys(sum) as Array<keyof typeof sum>) {
      expect(relErr(g[k], sum[k]), `${k}: book ${g[k]} vs sum ${sum[k]}`).toBeLessThan(1e-12);
    }
  });

  it('call and put at the same strike/expiry with opposite qty: Δc − Δp = e^{−qT} (put-call parity)', () => {
    const surface = skewedSurface(0.9);
    // Rows: [spot, strike, days, r, q]
    const cases: Array<[number, number, number, number, number]> = [
      [30000, 24000, 30, 0.0, 0.0],
      [30000, 36000, 7, 0.05, 0.02],
      [100, 100, 365.25, 0.03, 0.08],
    ];
    for (const [S, K, days, r, q] of cases) {
      const b = new OptionBook(2);
      b.add(K, NOW + days * DAY_MS, CALL, 1);
      b.add(K, NOW + days * DAY_MS, PUT, -1);
      const g = valueBook(b, S, NOW, surface, r, q, makeBookGreeks());
      const T = (days * DAY_MS) / YEAR_MS;
      const label = JSON.stringify({ S, K, days, r, q });
      // Parity: C − P = S e^{−qT} − K e^{−rT} for any vol, so Δ = e^{−qT}, Γ = vega = 0. Tolerance 1e-12 (docs/model.md#pricing asks 1e-10).
      expect(Math.abs(g.delta - Math.exp(-q * T)), label).toBeLessThan(1e-12);
      expect(Math.abs(g.value - (S * Math.exp(-q * T) - K * Math.exp(-r * T))) / S, label).toBeLessThan(1e-12);
      expect(Math.abs(g.gamma) * S, label).toBeLessThan(1e-12);
    }
  });

  it('book greeks match central finite differences of valueBook (flat surface)', () => {
    const S = 30000, r = 0.01, q = 0;
    const vol = 0.8;
    const surface = flatSurface(vol);
    const b = randomBook(new Rng(11), 25, S);
    const g = valueBook(b, S, NOW, surface, r, q, makeBookGreeks());
    const tmp = makeBookGreeks();
    const V = (s: number, t = NOW): number => valueBook(b, s, t, surface, r, q, tmp).value;
    // Spot step h = 2e-4 S: truncation ~ Γ''h²/12 ≈ (h / Sσ√T)² / 12 ≈ 1e-6 relative for the 2-day options (Sσ√T ≈ 1800),
    // rounding ~ 1e-16 |V| / h² ≈ 1e-9 relative; both below the 1e-5 tolerance.
    const h = 2e-4 * S;
    const fdDelta = (V(S + h) - V(S - h)) / (2 * h);
    const fdGamma = (V(S + h) - 2 * V(S) + V(S - h)) / (h * h);
    expect(relErr(g.delta, fdDelta), `delta ${g.delta} fd ${fdDelta}`).toBeLessThan(1e-5);
    expect(relErr(g.gamma, fdGamma), `gamma ${g.gamma} fd ${fdGamma}`).toBeLessThan(1e-5);
    // Vol step 1e-4 (absolute): vega and volga.
    const dv = 1e-4;
    const Vv = (v: number): number => { surface.vol = v; const x = V(S); surface.vol = vol; return x; };
    const fdVega = (Vv(vol + dv) - Vv(vol - dv)) / (2 * dv);
    const fdVolga = (Vv(vol + dv) - 2 * Vv(vol) + Vv(vol - dv)) / (dv * dv);
    expect(relErr(g.vega, fdVega), `vega ${g.vega} fd ${fdVega}`).toBeLessThan(1e-6);
    expect(relErr(g.volga, fdVolga), `volga ${g.volga} fd ${fdVolga}`).toBeLessThan(1e-4);
    // Time step one minute either side: theta = dV/dt per year.
    const dt = 60_000;
    const fdTheta = ((V(S, NOW + dt) - V(S, NOW - dt)) / (2 * dt)) * YEAR_MS;
    expect(relErr(g.theta, fdTheta), `theta ${g.theta} fd ${fdTheta}`).toBeLessThan(1e-5);
    // Vanna = d delta / d vol.
    const Dv = (v: number): number => { surface.vol = v; const x = valueBook(b, S, NOW, surface, r, q, tmp).delta; surface.vol = vol; return x; };
    const fdVanna = (Dv(vol + dv) - Dv(vol - dv)) / (2 * dv);
    expect(relErr(g.vanna, fdVanna), `vanna ${g.vanna} fd ${fdVanna}`).toBeLessThan(1e-6);
  });

  it('with a skewed surface, gamma is the sticky-strike derivative: FD of revalueAtSpot delta', () => {
    const S = 30000;
    const b = randomBook(new Rng(5), 25, S);
    const g = { ...valueBook(b, S, NOW, skewedSurface(), 0, 0, makeBookGreeks()) };
    const tmp = makeBookGreeks();
    const h = 1e-3 * S;
    const fdGamma = (revalueAtSpot(b, S + h, 0, 0, tmp).delta - revalueAtSpot(b, S - h, 0, 0, tmp).delta) / (2 * h);
    expect(relErr(g.gamma, fdGamma), `gamma ${g.gamma} fd ${fdGamma}`).toBeLessThan(1e-5);
  });

  it('an option still held past expiry is worth its intrinsic', () => {
    const b = new OptionBook(2);
    b.add(25000, NOW - DAY_MS, PUT, -2);
    b.add(35000, NOW, CALL, 1);
    const g = valueBook(b, 24000, NOW, skewedSurface(), 0.05, 0, makeBookGreeks());
    expect(g.value).toBe(-2 * 1000);
    expect(g.gamma).toBe(0);
  });

  it('rejects a non-positive spot', () => {
    const b = new OptionBook(1);
    expect(() => valueBook(b, 0, NOW, flatSurface(0.5), 0, 0, makeBookGreeks())).toThrow(/spot/);
  });
});

describe('bookDeltaAt and the Taylor form', () => {
  const S = 30000;
  const r = 0.01, q = 0;

  it('bookDeltaAt equals a full re-valuation (sticky vols, and with the surface)', () => {
    const surface = skewedSurface();
    const b = randomBook(new Rng(3), 30, S);
    valueBook(b, S, NOW, surface, r, q, makeBookGreeks());
    const S1 = S * 0.97;
    const sticky = bookDeltaAt(b, S1, NOW, r, q);
    const withSurface = bookDeltaAt(b, S1, NOW, r, q, surface);
    // bookDeltaAt must not touch the book's columns: the vols are still those at S.
    const tmp = makeBookGreeks();
    expect(relErr(sticky, revalueAtSpot(b, S1, r, q, tmp).delta)).toBeLessThan(1e-13);
    expect(relErr(withSurface, valueBook(b, S1, NOW, surface, r, q, tmp).delta)).toBeLessThan(1e-13);
    expect(sticky).not.toBe(withSurface); // the skew moves vols as spot moves
  });

  it('Taylor delta error is second order in the move and small for cascade-round moves', () => {
    const b = randomBook(new Rng(9), 30, S);
    const g: BookGreeks = { ...valueBook(b, S, NOW, flatSurface(0.8), r, q, makeBookGreeks()) };
    const moves = [0.02, 0.01, 0.005, 0.0025];
    const errs = moves.map((m) => {
      const S1 = S * (1 - m);
      return Math.abs(bookDeltaTaylor(g, S, S1) - bookDeltaAt(b, S1, NOW, r, q));
    });
    // Error ≈ ½ Σqty·speed·dS²: halving the move divides it by ~4 (exponent 2 ± 0.15; the third-order term is what's left).
    for (let i = 1; i < moves.length; i++) {
      const p = Math.log(errs[i - 1] / errs[i]) / Math.log(2);
      expect(Math.abs(p - 2), `moves ${moves[i - 1]}→${moves[i]} errors ${errs[i - 1]}→${errs[i]}`).toBeLessThan(0.15);
    }
    // Leading term from a finite-difference speed: err(1%) within 5% of ½ speed dS².
    const h = 1e-3 * S;
    const tmp = makeBookGreeks();
    const speed = (revalueAtSpot(b, S + h, r, q, tmp).gamma - revalueAtSpot(b, S - h, r, q, tmp).gamma) / (2 * h);
    const dS = 0.01 * S;
    expect(relErr(errs[1], 0.5 * Math.abs(speed) * dS * dS)).toBeLessThan(0.05);
    // For this book a 0.25% move (a large cascade round) leaves < 0.5% of |Γ dS| as Taylor error.
    expect(errs[3] / Math.abs(g.gamma * 0.0025 * S)).toBeLessThan(0.005);
  });
});
