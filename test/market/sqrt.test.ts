import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_YEAR } from '../../src/core/time.js';
import { makeFill } from '../../src/market/liquidity.js';
import { sqrtPathH } from '../../src/market/sqrt.js';
import type { SqrtImpactModel } from '../../src/market/sqrt.js';
import { C0, MIN, adaptiveSimpson, bar, sqrtConfig, started } from './helpers.js';

const V = 50_000; // sqrtConfig's dailyVolumeBase
const VOL = 0.8;
const SIGMA_DAY = VOL * Math.sqrt(MS_PER_DAY / MS_PER_YEAR);

function model(depthScale = 1) {
  return started(sqrtConfig(), bar(C0, 0, depthScale, VOL)) as SqrtImpactModel;
}

/** Reference potential F(Q) = sign(Q) Y σ_day sqrt(|Q| / V) (Tóth et al. 2011), Y = 1. */
const F = (x: number, scale = 1) => (Math.sign(x) * SIGMA_DAY * Math.sqrt(Math.abs(x) / V)) / scale;

describe('square-root impact', () => {
  it('one order from rest moves J by Y σ_day sqrt(Q / V) (1e-12 relative)', () => {
    for (const q of [1, 250, -250, 5000, -40_000]) {
      const m = model();
      m.execute(q, makeFill());
      expect(Math.abs(m.logImpact() - F(q)), `q=${q}`).toBeLessThanOrEqual(1e-12 * Math.abs(F(q)));
    }
  });

  it('ten pieces sent at once end at the same J as one order (1e-12 relative)', () => {
    for (const q of [300, -300, 7777]) {
      const whole = model();
      whole.execute(q, makeFill());
      const split = model();
      for (let i = 0; i < 10; i++) split.execute(q / 10, makeFill());
      const ctx = `q=${q} whole=${whole.logImpact()} split=${split.logImpact()}`;
      expect(Math.abs(split.logImpact() - whole.logImpact()), ctx).toBeLessThanOrEqual(1e-12 * Math.abs(whole.logImpact()));
    }
  });

  it('a sign flip unwinds along the curve through F(0) = 0: J change = F(Q+q) − F(Q)', () => {
    const m = model();
    m.execute(400, makeFill());
    const j0 = m.logImpact();
    m.execute(-1000, makeFill());
    const expected = j0 + F(-600) - F(400);
    expect(Math.abs(m.logImpact() - expected), `J=${m.logImpact()} expected=${expected}`).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
    expect(m.metaorderVolume()).toBe(-600);
  });

  it('fill price is the mean mid along the path, vs adaptive Simpson, including a sign flip', () => {
    // Rows: [prior order, order]; the last two cross Q = 0.
    const cases: Array<[number, number]> = [[0, 800], [0, -800], [500, 300], [500, -200], [500, -1300], [-200, 5000]];
    for (const [prior, q] of cases) {
      const m = model();
      m.execute(prior, makeFill());
      const fill = makeFill();
      m.execute(q, fill);
      const q0 = prior;
      const path = (u: number) => fill.midBefore * Math.exp(F(q0 + Math.sign(q) * u) - F(q0));
      // Split at the zero crossing so each piece is smooth except at an endpoint.
      const cross = q0 * (q0 + q) < 0 ? Math.abs(q0) : 0;
      const integral = cross > 0
        ? adaptiveSimpson(path, 0, cross, 1e-9) + adaptiveSimpson(path, cross, Math.abs(q), 1e-9)
        : adaptiveSimpson(path, 0, Math.abs(q), 1e-9);
      const ref = (integral / Math.abs(q)) * (1 + Math.sign(q) * 1e-4);
      // Tolerance 1e-10 relative: adaptive Simpson at 1e-9 absolute over |q| <= 5000 units of a ~1e5 price.
      expect(Math.abs(fill.price - ref) / ref, `prior=${prior} q=${q} price=${fill.price} ref=${ref}`).toBeLessThanOrEqual(1e-10);
    }
  });

  it('sqrtPathH matches its closed form away from 0 and its series near 0', () => {
    for (const z of [-3, -0.3, -0.25, 0.25, 0.7, 2]) {
      expect(sqrtPathH(z)).toBeCloseTo((z * Math.exp(z) - Math.expm1(z)) / (z * z), 14);
    }
    // Series Σ (n−1) z^{n−2}/n!: 1/2 + z/3 + z²/8 + z³/30 + z⁴/144 + ...; at 1e-3 the next term is 1e-18.
    const z = 1e-3;
    const ref = 0.5 + z / 3 + (z * z) / 8 + (z ** 3) / 30 + (z ** 4) / 144;
    expect(Math.abs(sqrtPathH(z) - ref), `H=${sqrtPathH(z)} ref=${ref}`).toBeLessThanOrEqual(2.3e-16); // 2 ulp at 0.5
    expect(sqrtPathH(0)).toBe(0.5);
    // Just inside the series branch it must agree with the closed form (which loses ~1 digit there): 1e-14.
    for (const zs of [0.2499, -0.2499]) {
      const closed = (zs * Math.exp(zs) - Math.expm1(zs)) / (zs * zs);
      expect(Math.abs(sqrtPathH(zs) - closed), `z=${zs}`).toBeLessThan(1e-14);
    }
  });

  it('D is the local slope 1/F\'(Q) (central finite difference, 1e-6) and floored at small Q', () => {
    const m = model();
    m.execute(2000, makeFill());
    const d = m.depthPerLogPrice();
    const h = 1e-3;
    const slope = (F(2000 + h) - F(2000 - h)) / (2 * h);
    expect(Math.abs(d * slope - 1), `D=${d} slope=${slope}`).toBeLessThanOrEqual(1e-6);
    // At Q = 0 the slope is infinite; the floor uses |Q| = 1e-4 · V.
    const fresh = model();
    const floorQ = 1e-4 * V;
    expect(fresh.depthPerLogPrice()).toBeCloseTo((2 * Math.sqrt(floorQ) * Math.sqrt(V)) / SIGMA_DAY, 6);
  });

  it('depthScale divides the impact; zero vol means no impact', () => {
    const thin = model(0.5);
    thin.execute(900, makeFill());
    expect(Math.abs(thin.logImpact() - F(900, 0.5))).toBeLessThanOrEqual(1e-12 * F(900, 0.5));
    const calm = started(sqrtConfig(), bar(C0, 0, 1, 0));
    calm.execute(900, makeFill());
    expect(calm.logImpact()).toBe(0);
    expect(calm.depthPerLogPrice()).toBe(Infinity);
  });

  it('the metaorder volume Q decays with the transient half-life', () => {
    const m = model();
    m.execute(640, makeFill());
    m.startBar(bar(C0, 15 * MIN, 1, VOL));
    expect(m.metaorderVolume()).toBe(320);
  });
});
