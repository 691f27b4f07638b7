import { describe, expect, it } from 'vitest';
import { blackScholes } from '../../src/pricing/blackScholes.js';
import { phiPowerLaw, ssviSlope, ssviTotalVariance } from '../../src/surface/ssvi.js';
import { logMoneynessForDelta, putWingSlope, riskReversal25 } from '../../src/surface/skew.js';
import { SsviSurface } from '../../src/surface/surface.js';

const surf = (rho: number, eta: number, atmVol = 0.6) =>
  new SsviSurface({ params: { rho, eta, gamma: 0.5 }, term: { kind: 'flat' }, atmVol });
const T = 30 / 365;

describe('25-delta risk reversal', () => {
  it('is 0 on a flat surface (ρ = 0, η = 1e-10): |RR| < 1e-9', () => {
    const rr = riskReversal25(surf(0, 1e-10), 100, T);
    expect(Math.abs(rr.rr), JSON.stringify(rr)).toBeLessThan(1e-9);
    expect(rr.putStrike).toBeLessThan(100);
    expect(rr.callStrike).toBeGreaterThan(100);
  });

  it('is negative with ρ < 0 and more negative as ρ falls', () => {
    const a = riskReversal25(surf(-0.3, 1), 100, T).rr;
    const b = riskReversal25(surf(-0.7, 1), 100, T).rr;
    expect(a, `ρ=-0.3: ${a}`).toBeLessThan(0);
    expect(b, `ρ=-0.7: ${b} vs ${a}`).toBeLessThan(a);
  });

  it('solves strikes whose Black-Scholes spot delta (src/pricing, independent) is ±0.25 to 1e-10', () => {
    // r = 3%, q = 1%: F = S e^{(r−q)T}; spot delta carries the e^{−qT} factor.
    const S = 100;
    const r = 0.03;
    const q = 0.01;
    const years = 0.5;
    const F = S * Math.exp((r - q) * years);
    const s = surf(-0.5, 1.2);
    const rr = riskReversal25(s, F, years, { dividendYield: q });
    const dc = blackScholes('call', S, rr.callStrike, years, s.impliedVol(rr.callStrike, F, years), r, q).delta;
    const dp = blackScholes('put', S, rr.putStrike, years, s.impliedVol(rr.putStrike, F, years), r, q).delta;
    const info = JSON.stringify({ rr, dc, dp });
    expect(Math.abs(dc - 0.25), info).toBeLessThan(1e-10);
    expect(Math.abs(dp + 0.25), info).toBeLessThan(1e-10);
    expect(rr.callVol).toBe(s.impliedVol(rr.callStrike, F, years));
  });

  it('at years ≤ 0 the surface is flat at the short-end level: RR = 0, strikes = F', () => {
    const rr = riskReversal25(surf(-0.5, 1), 100, 0);
    expect(rr).toEqual({ rr: 0, callVol: 0.6, putVol: 0.6, callStrike: 100, putStrike: 100 });
  });

  it('refuses a delta outside (0, e^{−qT})', () => {
    expect(() => logMoneynessForDelta(surf(-0.5, 1), T, 1)).toThrow(/delta/);
  });
});

describe('put-wing slope', () => {
  it('equals the analytic dσ/dk = w′/(2 sqrt(wT)) at the 25Δ put (1e-8 relative) and is negative for ρ < 0', () => {
    const s = surf(-0.5, 1.2);
    const k = logMoneynessForDelta(s, T, -0.25);
    const theta = 0.36 * T;
    const phi = phiPowerLaw(theta, 1.2, 0.5);
    const w = ssviTotalVariance(k, theta, phi, -0.5);
    const expected = ssviSlope(k, theta, phi, -0.5) / (2 * Math.sqrt(w * T));
    const got = putWingSlope(s, 100, T);
    expect(Math.abs(got - expected) / Math.abs(expected), JSON.stringify({ k, got, expected })).toBeLessThan(1e-8);
    expect(got).toBeLessThan(0);
  });
});
