import { describe, expect, it } from 'vitest';
import { SurfaceDynamics } from '../../src/surface/dynamics.js';
import { skewMeasures, SkewTracker } from '../../src/surface/skew.js';
import { SsviSurface } from '../../src/surface/surface.js';
import { Rng } from '../../src/core/rng.js';

const T = 30 / 365;
const BASE = { params: { rho: -0.4, eta: 1.2, gamma: 0.5 }, term: { kind: 'flat' } as const, atmVol: 0.6 };

describe('SkewTracker: Newton from the previous root against the bisection', () => {
  it('matches skewMeasures (bisection to 1e-14) to 1e-12 over a stressed random walk, and bisects only once', () => {
    const stress = { atmPerDrawdown: 2, atmPerStress: 0.2, rhoPerDrawdown: 1, rhoPerStress: 0.1, rhoMin: -0.95 };
    const d = new SurfaceDynamics({ mode: 'sticky-strike', base: BASE, stress });
    const t = new SkewTracker();
    const rng = new Rng(3);
    const a = { rr25: 0, putWingSlope: 0 };
    const b = { rr25: 0, putWingSlope: 0 };
    let spot = 100;
    let peak = 100;
    let worst = 0;
    let worstWing = 0;
    for (let i = 0; i < 2000; i++) {
      spot *= Math.exp(0.01 * rng.normal() - 0.0005);
      peak = Math.max(peak, spot);
      const dd = (peak - spot) / peak;
      d.update({ spot, atmVol: 0.6 + 0.4 * dd, drawdown: dd, stress: Math.min(1, 3 * dd) });
      t.measure(d, T, { dividendYield: 0.01 }, a);
      skewMeasures(d, T, { dividendYield: 0.01 }, b);
      worst = Math.max(worst, Math.abs(a.rr25 - b.rr25) / Math.abs(b.rr25));
      worstWing = Math.max(worstWing, Math.abs(a.putWingSlope - b.putWingSlope) / Math.abs(b.putWingSlope));
    }
    expect(worst).toBeLessThan(1e-12);
    // The wing slope is the closed form here and a central difference (step 1e-5) in skewMeasures,
    // which is good to its truncation and rounding, ~1e-10 relative: they agree to that, not to 1e-12.
    expect(worstWing).toBeLessThan(1e-9);
    // Two roots per bar: the first bar bisects, every later one converges by Newton.
    expect(t.bisections).toBe(2);
    expect(t.newtonSteps / 2 / 1999).toBeLessThan(5);
  });

  it('its wing slope is dσ/dk at the 25Δ put: a five-point finite difference of σ(k) (h = 1e-3, error ~1e-12) agrees to 1e-9', () => {
    const s = new SsviSurface({ params: { rho: -0.6, eta: 1.5, gamma: 0.5 }, term: { kind: 'flat' }, atmVol: 0.9 });
    const t = new SkewTracker();
    const out = { rr25: 0, putWingSlope: 0 };
    t.measure(s, T, {}, out); // first bar: bisection
    t.measure(s, T, {}, out); // the same smile again: Newton from the root must stay on it
    const sigma = (k: number): number => Math.sqrt(s.totalVariance(k, T) / T);
    const h = 1e-3;
    const k = t.kp;
    const fd = (sigma(k - 2 * h) - 8 * sigma(k - h) + 8 * sigma(k + h) - sigma(k + 2 * h)) / (12 * h);
    expect(Math.abs(out.putWingSlope - fd) / Math.abs(fd)).toBeLessThan(1e-9);
    expect(t.bisections).toBe(2);
  });

  it('falls back to the bisection on a surface without a closed-form slope', () => {
    const s = new SsviSurface({ params: { rho: -0.3, eta: 1, gamma: 0.5 }, term: { kind: 'flat' }, atmVol: 0.6 });
    const plain = { impliedVol: s.impliedVol.bind(s), impliedVolBatch: s.impliedVolBatch.bind(s), totalVariance: s.totalVariance.bind(s) };
    const t = new SkewTracker();
    const out = { rr25: 0, putWingSlope: 0 };
    for (let i = 0; i < 3; i++) t.measure(plain, T, {}, out);
    expect(t.bisections).toBe(6);
    const want = skewMeasures(s, T, {}, { rr25: 0, putWingSlope: 0 });
    expect(out.rr25).toBe(want.rr25);
    expect(out.putWingSlope).toBe(want.putWingSlope);
  });
});
