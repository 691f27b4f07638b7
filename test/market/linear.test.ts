import { describe, expect, it } from 'vitest';
import { makeFill } from '../../src/market/liquidity.js';
import { C0, DEPTH_1PCT_QUOTE, MIN, bar, linearConfig, simpson, started } from './helpers.js';

describe('linear (Kyle / Obizhaeva–Wang) impact', () => {
  it('J after one order from rest is exactly q / D, D = depth1PctQuote / (0.01 · C0) · depthScale', () => {
    // Rows: [order size q (base), depthScale].
    const cases: Array<[number, number]> = [[1, 1], [-37.5, 1], [200, 0.3], [-1e-6, 0.05], [5000, 1.2]];
    for (const [q, scale] of cases) {
      const model = started(linearConfig(), bar(C0, 0, scale));
      const d = (DEPTH_1PCT_QUOTE / (0.01 * C0)) * scale;
      model.execute(q, makeFill());
      expect(model.logImpact(), `q=${q} scale=${scale}`).toBe(q / d);
      expect(model.depthPerLogPrice()).toBe(d);
    }
  });

  it('depth is fixed in base units at the first bar; later prices do not change D', () => {
    const model = started(linearConfig(), bar(C0, 0));
    model.startBar(bar(C0 / 2, MIN));
    expect(model.depthPerLogPrice()).toBe(DEPTH_1PCT_QUOTE / (0.01 * C0));
  });

  it('the permanent part stays after the transient part has decayed (1e-12 relative)', () => {
    const model = started(linearConfig({ permanentFraction: 0.6 }));
    model.execute(-150, makeFill());
    const j0 = model.logImpact();
    for (let i = 0; i < 100; i++) model.startBar(bar(C0, 15 * MIN));
    // 100 half-lives leave 2^-100 of the transient part: below double precision.
    expect(Math.abs(model.logImpact() - 0.6 * j0), `J0=${j0}`).toBeLessThanOrEqual(1e-12 * Math.abs(j0));
  });

  it('with permanentFraction 1 nothing decays; with 0 everything does', () => {
    const perm = started(linearConfig({ permanentFraction: 1 }));
    perm.execute(80, makeFill());
    const jp = perm.logImpact();
    perm.startBar(bar(C0, 1e9));
    expect(perm.logImpact()).toBe(jp);
    const trans = started(linearConfig({ permanentFraction: 0 }));
    trans.execute(80, makeFill());
    trans.startBar(bar(C0, 15 * MIN * 2000));
    expect(trans.logImpact()).toBe(0);
  });

  it('fill price equals midBefore · (e^ΔJ − 1)/ΔJ · (1 ± h), checked against Simpson integration of the mid along the order', () => {
    const h = 2e-4;
    for (const q of [0.5, 40, -40, 1500, -1500]) {
      const model = started(linearConfig({ halfSpreadBps: 2 }));
      model.execute(25, makeFill()); // start away from rest
      const fill = makeFill();
      model.execute(q, fill);
      const d = DEPTH_1PCT_QUOTE / (0.01 * C0);
      // Marginal unit u trades at midBefore · exp(u / D); average over |q| units.
      const integral = simpson((u) => fill.midBefore * Math.exp((Math.sign(q) * u) / d), 0, Math.abs(q), 2000);
      const ref = (integral / Math.abs(q)) * (1 + Math.sign(q) * h);
      // Simpson with 2000 panels on an exponential: error ~1e-14 relative; tolerance 1e-11.
      expect(Math.abs(fill.price - ref) / ref, `q=${q} price=${fill.price} ref=${ref}`).toBeLessThanOrEqual(1e-11);
      expect(fill.midAfter).toBeCloseTo(fill.midBefore * Math.exp(q / d), 6);
      // Impact cost excludes the half-spread: cost − impactCost = h · meanMid · |q|.
      const meanMid = fill.price / (1 + Math.sign(q) * h);
      expect(Math.abs(fill.cost - fill.impactCost - h * meanMid * Math.abs(q))).toBeLessThanOrEqual(1e-9 * fill.cost);
    }
  });

  it('selling depth1PctQuote worth at the mid moves ln(mid) by −1% exactly (the calibration convention)', () => {
    const model = started(linearConfig());
    model.execute(-DEPTH_1PCT_QUOTE / C0, makeFill());
    expect(model.logImpact()).toBeCloseTo(-0.01, 15);
  });
});
