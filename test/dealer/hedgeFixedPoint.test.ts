import { describe, expect, it } from 'vitest';
import { hedgeFixedPoint } from '../../src/dealer/hedgePolicy.js';
import { Rng } from '../../src/core/rng.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import { bookConfig, bar, C0, MIN } from '../market/helpers.js';
import { makeFill } from '../../src/market/liquidity.js';

/** The rounds themselves: Q ← Q − F(Q) from 0 until the step is at most `quiet` (what the engine's round loop does). */
function plainRounds(netDelta: number, gamma: number, spot: number, midAfter: (q: number) => number, quiet = 1e-13): number {
  let q = 0;
  for (let n = 0; n < 100_000; n++) {
    const f = netDelta + q + gamma * (midAfter(q) - spot);
    if (Math.abs(f) <= quiet) return q;
    q -= f;
  }
  return Number.NaN;
}

describe('hedgeFixedPoint: the limit of a trade-to-zero dealer\'s rounds in one order', () => {
  it('a mid linear in the order (mid = S + kQ) has the closed form Q* = −Δ/(1 + Γk); agrees to 1e-13', () => {
    for (const [nd, g, k] of [[3, -0.5, 0.1], [-7, -2, 0.3], [2, 1.5, 0.4], [0.01, -0.1, 9]]) {
      const q = hedgeFixedPoint(nd, g, 100, (x) => 100 + k * x);
      const want = -nd / (1 + g * k);
      expect(Math.abs(q - want) / Math.abs(want), `${nd} ${g} ${k}`).toBeLessThan(1e-13);
    }
  });

  it('gives up (NaN) where the rounds do not converge: ratio −Γk ≥ 1', () => {
    expect(hedgeFixedPoint(3, -1, 100, (x) => 100 + 1.2 * x)).toBeNaN();
    expect(hedgeFixedPoint(3, -1, 100, (x) => 100 + 1 * x)).toBeNaN();
  });

  it('takes the first root, where the rounds stop, when depth thins out and F has three roots', () => {
    // Mid falls 0.1 per unit sold for 5 units, then 3 per unit (a thin patch), then 0.01: with Γ = −1
    // the rounds' ratio is 0.1, then 3, then 0.01, and selling x units leaves F = 2 − x + drop(x), zero
    // at x = 2/0.9, 6.25 and 11.5; the rounds stop at the first.
    const mid = (q: number): number => {
      const x = -q;
      const drop = x <= 5 ? 0.1 * x : x <= 8 ? 0.5 + 3 * (x - 5) : 9.5 + 0.01 * (x - 8);
      return 100 - Math.sign(x) * Math.abs(drop);
    };
    const nd = 2;
    const q = hedgeFixedPoint(nd, -1, 100, mid);
    const want = plainRounds(nd, -1, 100, mid);
    expect(Math.abs(want - -2 / 0.9)).toBeLessThan(1e-12);
    expect(Math.abs(q - want)).toBeLessThan(1e-12);
  });

  it('equals the rounds\' limit on the L2 book in random states to 1e-10 relative (or gives up, never another root)', () => {
    const model = createLiquidityModel(bookConfig({ profileExponent: 1 }));
    const rng = new Rng(5);
    const fill = makeFill();
    let solved = 0;
    let worst = 0;
    let c = C0;
    for (let i = 0; i < 400; i++) {
      c *= Math.exp(0.01 * (rng.uniform() - 0.5));
      model.startBar(bar(c, MIN, 0.3 + rng.uniform(), 0.8));
      model.execute((rng.uniform() - 0.6) * 300, fill);
      const spot = model.mid();
      // Γ from long to short gamma; the 1% depth is 200 base, so −Γ·S/D spans ratios from −0.5 to 0.9.
      const gamma = ((rng.uniform() * 1.4 - 0.9) * 200) / (spot * 100);
      const nd = (rng.uniform() - 0.5) * 400;
      const midAfter = (q: number): number => model.midAfter!(q);
      const q = hedgeFixedPoint(nd, gamma, spot, midAfter);
      const want = plainRounds(nd, gamma, spot, midAfter, 1e-9 * Math.abs(nd));
      if (Number.isNaN(q)) continue;
      solved++;
      expect(Number.isNaN(want), `bar ${i}: solved ${q} where the rounds do not converge`).toBe(false);
      worst = Math.max(worst, Math.abs(q - want) / Math.abs(want));
    }
    expect(solved).toBeGreaterThan(300);
    expect(worst).toBeLessThan(1e-8);
  });
});
