import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildScanGrid, perpLegDue, portfolioRequirement, spotLegDue, worstGridLoss } from '../../src/portfolio/margin.js';

// Two assets at price 1, so deltas read as quote notionals. Ranges 15% and 20%.
const PRICE = [1, 1];
const RANGES = [15, 20];

describe('scan grid', () => {
  it('keeps exactly the joint moves within the divergence (counted by hand)', () => {
    // steps 2: u in {-1, -.5, 0, .5, 1}; |u_a - u_b| <= 0.5 keeps 5 + 4 + 4 = 13 of 25.
    expect(buildScanGrid(RANGES, 2, 0.5).points).toBe(13);
    expect(buildScanGrid(RANGES, 2, 2).points).toBe(25);
    expect(buildScanGrid(RANGES, 2, 0).points).toBe(5);
    expect(buildScanGrid([15], 3, 0).points).toBe(7);
  });

  // Each row: deltas (quote at price 1), divergence, the worst loss worked by hand.
  const cases: [string, number[], number, number][] = [
    ['long 100 of asset 0 loses its whole range', [100, 0], 0.5, 15],
    ['short 100 of asset 1 loses its whole range up', [0, -100], 0.5, 20],
    ['cross hedge, assets locked together: only the range gap', [100, -100], 0, 5],
    ['cross hedge, any joint move: both ranges', [100, -100], 2, 35],
    ['cross hedge, divergence 0.5: asset 1 +20% while asset 0 +7.5%', [100, -100], 0.5, 12.5],
    ['same-asset hedge nets to zero', [0, 0], 2, 0],
  ];
  for (const [name, delta, div, want] of cases) {
    it(name, () => {
      const g = buildScanGrid(RANGES, 2, div);
      expect(worstGridLoss(g, delta, PRICE), JSON.stringify({ delta, div })).toBeCloseTo(want, 10);
    });
  }

  it('the requirement is the floor when the scan loss is smaller, and homogeneous in the positions', () => {
    const g = buildScanGrid(RANGES, 2, 0.5);
    // Hedged in one asset: scan loss 0, floor 1% of gross 200.
    expect(portfolioRequirement(g, 1, [0, 0], 200, PRICE)).toBeCloseTo(2, 12);
    const r = portfolioRequirement(g, 1, [100, -60], 160, [2, 3]);
    expect(portfolioRequirement(g, 1, [25, -15], 40, [2, 3])).toBeCloseTo(r / 4, 10);
  });
});

describe('isolated legs', () => {
  it('a spot loan is due exactly below debt / (spot · LT)', () => {
    // 10 coins, debt 700, LT 0.825: liquidation price 84.8485
    expect(spotLegDue(10, 700, 84.85, 0.825)).toBe(false);
    expect(spotLegDue(10, 700, 84.84, 0.825)).toBe(true);
  });
  it('a long perp is due below E(1 − 1/L)/(1 − mm), the venues\' isolated formula', () => {
    // 1 coin at 100, 10x (margin 10), mm 1.25%: 90 / 0.9875 = 91.1392
    expect(perpLegDue(1, 100, 10, 91.14, 1.25)).toBe(false);
    expect(perpLegDue(1, 100, 10, 91.13, 1.25)).toBe(true);
    // A short of the same: due above E(1 + 1/L)/(1 + mm) = 110 / 1.0125 = 108.642
    expect(perpLegDue(-1, 100, 10, 108.64, 1.25)).toBe(false);
    expect(perpLegDue(-1, 100, 10, 108.65, 1.25)).toBe(true);
  });
});

describe('scan grid properties (fast-check)', () => {
  const deltas = fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }));
  const prices = fc.tuple(fc.double({ min: 1, max: 1e5, noNaN: true }), fc.double({ min: 1, max: 1e5, noNaN: true }));

  it('letting the assets diverge more never lowers the worst loss (the grid only grows)', () => {
    fc.assert(
      fc.property(deltas, prices, fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (d, p, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return worstGridLoss(buildScanGrid(RANGES, 3, hi), d, p) >= worstGridLoss(buildScanGrid(RANGES, 3, lo), d, p);
      }),
    );
  });

  it('a wider scan range never lowers the worst loss, and the loss is never negative', () => {
    fc.assert(
      fc.property(deltas, prices, fc.double({ min: 1, max: 50, noNaN: true }), fc.double({ min: 1, max: 2, noNaN: true }), (d, p, r, k) => {
        const narrow = worstGridLoss(buildScanGrid([r, r], 3, 0.5), d, p);
        const wide = worstGridLoss(buildScanGrid([r * k, r * k], 3, 0.5), d, p);
        return narrow >= 0 && wide >= narrow * (1 - 1e-12);
      }),
    );
  });
});
