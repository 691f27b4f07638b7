import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { admitSsviParams, maxAdmissibleEta } from '../../src/surface/arbitrage.js';
import { SurfaceDynamics } from '../../src/surface/dynamics.js';
import { riskReversal25 } from '../../src/surface/skew.js';
import { DEFAULT_MAX_YEARS, DEFAULT_MIN_YEARS } from '../../src/surface/surface.js';

// A calm BTC-like smile: 60% ATM, ρ = −0.4, global admissibility (η(1+|ρ|) = 1.68 ≤ 2, γ = 1/2).
const BASE = { params: { rho: -0.4, eta: 1.2, gamma: 0.5 }, term: { kind: 'flat' } as const, atmVol: 0.6 };
const ENTRY_SPOT = 100;
const CRASH_SPOT = 85;
const T = 30 / 365;
const calm = (spot: number) => ({ spot, atmVol: 0.6, drawdown: 0, stress: 0 });
const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('surface dynamics on a spot move', () => {
  it('sticky-strike: the vol of a fixed strike does not move when spot falls 15%', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-strike', base: BASE });
    d.update(calm(ENTRY_SPOT));
    const before = [80, 90, 100, 110].map((K) => d.impliedVol(K, ENTRY_SPOT, T));
    d.update(calm(CRASH_SPOT));
    const after = [80, 90, 100, 110].map((K) => d.impliedVol(K, CRASH_SPOT, T));
    for (let i = 0; i < 4; i++) expect(relErr(after[i], before[i]), JSON.stringify({ i, before, after })).toBeLessThan(1e-14);
    // ...so the new ATM (K = 85) vol is the old 85-strike vol: higher, since ρ < 0.
    expect(d.impliedVol(CRASH_SPOT, CRASH_SPOT, T)).toBeGreaterThan(0.6);
    const out = new Float64Array(2);
    d.impliedVolBatch(Float64Array.from([80, 110]), CRASH_SPOT, Float64Array.from([T, T]), out);
    expect(out[0]).toBe(after[0]);
    expect(out[1]).toBe(after[3]);
  });

  it('sticky-moneyness: the vol at fixed K/F does not move, so ATM stays at the level', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE });
    d.update(calm(ENTRY_SPOT));
    const before = [0.8, 0.9, 1, 1.1].map((m) => d.impliedVol(m * ENTRY_SPOT, ENTRY_SPOT, T));
    d.update(calm(CRASH_SPOT));
    const after = [0.8, 0.9, 1, 1.1].map((m) => d.impliedVol(m * CRASH_SPOT, CRASH_SPOT, T));
    for (let i = 0; i < 4; i++) expect(relErr(after[i], before[i]), JSON.stringify({ i, before, after })).toBeLessThan(1e-14);
    expect(relErr(d.impliedVol(CRASH_SPOT, CRASH_SPOT, T), 0.6)).toBeLessThan(1e-15);
    // and a fixed strike's vol did move (the two rules really differ)
    expect(d.impliedVol(90, CRASH_SPOT, T)).not.toBeCloseTo(d.surface.impliedVol(90, ENTRY_SPOT, T), 6);
  });

  it('stress: 30% drawdown with stress 1 raises ATM and steepens the skew (RR more negative), staying admissible', () => {
    const stress = { atmPerDrawdown: 2, atmPerStress: 0.2, rhoPerDrawdown: 1, rhoPerStress: 0.1, rhoMin: -0.95 };
    const d = new SurfaceDynamics({ mode: 'stress', base: BASE, stress });
    d.update(calm(ENTRY_SPOT));
    const rrCalm = riskReversal25(d, ENTRY_SPOT, T).rr;
    const rep = d.update({ spot: CRASH_SPOT, atmVol: 0.6, drawdown: 0.3, stress: 1 });
    // σ' = 0.6 (1 + 2·0.3 + 0.2·1) = 1.08; ρ' = max(−0.95, −0.4 − 0.3 − 0.1) = −0.8
    expect(rep.atmVol).toBeCloseTo(1.08, 14);
    expect(rep.params.rho).toBeCloseTo(-0.8, 14);
    const rrStress = riskReversal25(d, CRASH_SPOT, T).rr;
    expect(rrStress, JSON.stringify({ rrCalm, rrStress })).toBeLessThan(rrCalm);
    expect(relErr(d.impliedVol(CRASH_SPOT, CRASH_SPOT, T), 1.08)).toBeLessThan(1e-14);
    const range = { thetaMin: 1.08 ** 2 * DEFAULT_MIN_YEARS, thetaMax: 1.08 ** 2 * DEFAULT_MAX_YEARS };
    expect(() => admitSsviParams(rep.params, range, { onArbitrage: 'refuse' })).not.toThrow();
    // ρ' floors at rhoMin
    expect(d.update({ spot: 50, atmVol: 0.6, drawdown: 0.5, stress: 5 }).params.rho).toBe(-0.95);
  });

  it('stress projects η back into the admissible region and reports it', () => {
    // γ = 0.7: B(θ) = θφ²(1+|ρ|) peaks at the shortest expiry, so steepening ρ breaks it.
    const atmVol = 0.6;
    const range = { thetaMin: atmVol ** 2 * DEFAULT_MIN_YEARS, thetaMax: atmVol ** 2 * DEFAULT_MAX_YEARS };
    const eta = 0.99 * maxAdmissibleEta(-0.2, 0.7, range);
    const d = new SurfaceDynamics({
      mode: 'stress',
      base: { params: { rho: -0.2, eta, gamma: 0.7 }, term: { kind: 'flat' }, atmVol },
      stress: { atmPerDrawdown: 0, atmPerStress: 0, rhoPerDrawdown: 2, rhoPerStress: 0, rhoMin: -0.9 },
    });
    expect(d.update(calm(ENTRY_SPOT)).projected).toBe(false);
    const rep = d.update({ spot: 80, atmVol, drawdown: 0.2, stress: 0 }); // ρ' = −0.6
    expect(rep.projected).toBe(true);
    expect(rep.clamps[0].field).toBe('eta');
    expect(rep.clamps[0].from).toBe(eta);
    expect(rep.params.eta).toBeLessThan(eta);
    expect(() => admitSsviParams(rep.params, range, { onArbitrage: 'refuse' })).not.toThrow();
  });

  it('refuses a bad market state naming the field', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE });
    try {
      d.update({ spot: 100, atmVol: 0.6, drawdown: 1.5, stress: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).location.field).toBe('marketState.drawdown');
    }
    expect(() => new SurfaceDynamics({ mode: 'stress', base: BASE })).toThrow(/stress coefficients/);
  });
});
