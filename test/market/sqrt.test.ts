import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_YEAR } from '../../src/core/time.js';
import { makeFill } from '../../src/market/liquidity.js';
import type { SqrtImpactModel } from '../../src/market/sqrt.js';
import { C0, MIN, adaptiveSimpson, bar, sqrtConfig, started } from './helpers.js';

const V = 50_000; // sqrtConfig's dailyVolumeBase
const VOL = 0.8;
const SIGMA_DAY = VOL * Math.sqrt(MS_PER_DAY / MS_PER_YEAR);

function model(depthScale = 1) {
  return started(sqrtConfig(), bar(C0, 0, depthScale, VOL)) as SqrtImpactModel;
}

const PF = 2 / 3; // sqrtConfig's permanentFraction
const PHI = 0.01; // sqrtConfig's referenceMetaorderFractionOfDailyVolume

/** Reference potential F(Q) = sign(Q) Y σ_day sqrt(|Q| / V) (Tóth et al. 2011), Y = 1. */
const F = (x: number, scale = 1) => (Math.sign(x) * SIGMA_DAY * Math.sqrt(Math.abs(x) / V)) / scale;
/** Permanent log impact per base unit: the slope that gives the reference metaorder φV its square-root peak, F(φV) / (φV). */
const K = (scale = 1) => F(PHI * V, scale) / (PHI * V);
/** J change of an order q on a metaorder memory q0: transient square-root part plus linear permanent part. */
const dJ = (q0: number, q: number, scale = 1) => (1 - PF) * (F(q0 + q, scale) - F(q0, scale)) + PF * K(scale) * q;

describe('square-root impact', () => {
  it('one order from rest moves J by (1 − pf) Y σ_day sqrt(Q / V) + pf k Q (1e-12 relative)', () => {
    for (const q of [1, 250, -250, 5000, -40_000]) {
      const m = model();
      m.execute(q, makeFill());
      expect(Math.abs(m.logImpact() - dJ(0, q)), `q=${q}`).toBeLessThanOrEqual(1e-12 * Math.abs(dJ(0, q)));
      expect(Math.abs(m.transientLogImpact() - (1 - PF) * F(q)), `q=${q}`).toBeLessThanOrEqual(1e-12 * Math.abs(F(q)));
    }
  });

  it('the reference metaorder (1% of V) peaks at exactly the square-root law and leaves pf of it; the permanent part is linear', () => {
    const m = model();
    m.execute(PHI * V, makeFill());
    expect(Math.abs(m.logImpact() - F(PHI * V))).toBeLessThanOrEqual(1e-12 * F(PHI * V));
    expect(Math.abs(m.logImpact() - m.transientLogImpact() - PF * F(PHI * V))).toBeLessThanOrEqual(1e-12 * F(PHI * V));
    // Four times the volume leaves four times the permanent impact (the square-root part would give twice).
    const big = model();
    big.execute(4 * PHI * V, makeFill());
    const perm = big.logImpact() - big.transientLogImpact();
    expect(Math.abs(perm / (PF * F(PHI * V)) - 4)).toBeLessThanOrEqual(1e-12);
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

  it('a sign flip unwinds along the curve through F(0) = 0: J change = (1 − pf)(F(Q+q) − F(Q)) + pf k q', () => {
    const m = model();
    m.execute(400, makeFill());
    const j0 = m.logImpact();
    m.execute(-1000, makeFill());
    const expected = j0 + dJ(400, -1000);
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
      const path = (u: number) => fill.midBefore * Math.exp(dJ(q0, Math.sign(q) * u));
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

  it('D is the local slope 1/J\'(Q) (central finite difference, 1e-6) and floored at small Q', () => {
    const m = model();
    m.execute(2000, makeFill());
    const d = m.depthPerLogPrice();
    const h = 1e-3;
    const slope = (dJ(2000, h) - dJ(2000, -h)) / (2 * h);
    expect(Math.abs(d * slope - 1), `D=${d} slope=${slope}`).toBeLessThanOrEqual(1e-6);
    // At Q = 0 the slope is infinite; the floor uses |Q| = 1e-4 · V.
    const fresh = model();
    const floorQ = 1e-4 * V;
    const floorSlope = ((1 - PF) * SIGMA_DAY) / (2 * Math.sqrt(floorQ) * Math.sqrt(V)) + PF * K();
    expect(Math.abs(fresh.depthPerLogPrice() * floorSlope - 1)).toBeLessThanOrEqual(1e-12);
  });

  it('depthScale divides the impact; zero vol means no impact', () => {
    const thin = model(0.5);
    thin.execute(900, makeFill());
    expect(Math.abs(thin.logImpact() - dJ(0, 900, 0.5))).toBeLessThanOrEqual(1e-12 * dJ(0, 900, 0.5));
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
