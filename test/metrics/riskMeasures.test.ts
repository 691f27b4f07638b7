import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { normInv } from '../../src/pricing/normal.js';
import { esMarginComparison, expectedShortfall, historicalVar, historicalVarEs, horizonLosses } from '../../src/metrics/riskMeasures.js';

describe('historical VaR and ES on literal series (hand-computed)', () => {
  // Sorted: −1, 0, 1, 2, 3, 4, 5, 6, 7, 10 (N = 10).
  const losses = Float64Array.from([5, 1, 3, 2, 4, 10, 0, -1, 7, 6]);
  const cases = [
    // αN = 9 → k = 9: VaR = x(9) = 7, ES = mean of the top 1 = 10.
    { level: 0.9, var: 7, es: 10 },
    // αN = 8.5 → k = 9: VaR = 7, ES = (10 + 0.5·7) / 1.5 = 9.
    { level: 0.85, var: 7, es: 9 },
    // αN = 7.5 → k = 8: VaR = 6, ES = (7 + 10 + 0.5·6) / 2.5 = 8.
    { level: 0.75, var: 6, es: 8 },
    // αN = 5 → k = 5: VaR = 3, ES = mean(4, 5, 6, 7, 10) = 6.4.
    { level: 0.5, var: 3, es: 6.4 },
    // αN = 9.9 → k = 10: VaR = 10 = ES (less than one observation in the tail).
    { level: 0.99, var: 10, es: 10 },
  ];
  for (const c of cases) {
    it(`level ${c.level}`, () => {
      const r = historicalVarEs(losses, c.level);
      expect(r.valueAtRisk, JSON.stringify(c)).toBe(c.var);
      expect(r.expectedShortfall, JSON.stringify(c)).toBeCloseTo(c.es, 12);
      expect(r.count).toBe(10);
    });
  }

  it('skips NaN, leaves the input alone, and uses a scratch buffer when given', () => {
    const withNan = Float64Array.from([5, Number.NaN, 1, 3, 2, 4, 10, 0, -1, 7, 6, Number.NaN]);
    const copy = Float64Array.from(withNan);
    const scratch = new Float64Array(20);
    expect(historicalVar(withNan, 0.9, scratch)).toBe(7);
    expect(expectedShortfall(withNan, 0.85, scratch)).toBeCloseTo(9, 12);
    expect(Array.from(withNan)).toEqual(Array.from(copy));
    expect(historicalVarEs(new Float64Array(0), 0.99).valueAtRisk).toBeNaN();
    expect(() => historicalVar(losses, 1)).toThrow(/level/);
  });

  it('αN landing a few ulps above an integer still gives k = αN (0.975 · 200)', () => {
    const l = Float64Array.from({ length: 200 }, (_, i) => i + 1);
    // k = 195: VaR = 195, ES = mean(196..200) = 198.
    expect(historicalVar(l, 0.975)).toBe(195);
    expect(expectedShortfall(l, 0.975)).toBeCloseTo(198, 12);
  });
});

describe('normal samples: ES of N(0,1) at 97.5% = φ(z)/(1 − α) ≈ 2.3378028', () => {
  // Closed forms ES_α = φ(Φ⁻¹(α))/(1 − α) for N(0,1) (McNeil, Frey & Embrechts, Quantitative Risk Management); values from Python statistics.NormalDist:
  // z_0.975 = 1.959963984540054, ES_0.975 = 2.3378027922014173; z_0.99 = 2.3263478740408408, ES_0.99 = 2.665214220345808.
  it('stratified sample x_i = Φ⁻¹((i − ½)/N), N = 100 000: within 2e-3', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => normInv((i + 0.5) / n));
    const a = historicalVarEs(x, 0.975);
    expect(Math.abs(a.expectedShortfall - 2.3378027922014173)).toBeLessThan(2e-3);
    expect(Math.abs(a.valueAtRisk - 1.959963984540054)).toBeLessThan(1e-3);
    const b = historicalVarEs(x, 0.99);
    expect(Math.abs(b.expectedShortfall - 2.665214220345808)).toBeLessThan(3e-3);
    expect(Math.abs(b.valueAtRisk - 2.3263478740408408)).toBeLessThan(1e-3);
  });

  it('seeded random sample, N = 200 000: within 0.03 (about 4 standard errors)', () => {
    const rng = new Rng(20240805);
    const x = Float64Array.from({ length: 200_000 }, () => rng.normal());
    const es = expectedShortfall(x, 0.975);
    expect(Math.abs(es - 2.3378027922014173), `ES = ${es}`).toBeLessThan(0.03);
  });
});

describe('margin set by ES vs the static ratio 1/LT (literal path)', () => {
  const prices = Float64Array.from([100, 90, 99, 80, 100, 100]);
  it('one-bar horizon', () => {
    // Losses 1 − P_{t+1}/P_t: 0.1, −0.1, 1 − 80/99 = 0.191919…, −0.25, 0.
    const l = horizonLosses(prices, 1);
    expect(Array.from(l)).toEqual([1 - 90 / 100, 1 - 99 / 90, 1 - 80 / 99, 1 - 100 / 80, 0]);
    const r = esMarginComparison(prices, 1, 0.8, 0.85);
    expect(r.horizons).toBe(5);
    // αN = 4 → k = 4: VaR = 0.1, ES = the largest loss 1 − 80/99, so the ES ratio 1/(1 − ES) = 99/80.
    expect(r.varLoss).toBeCloseTo(0.1, 15);
    expect(r.esLoss).toBeCloseTo(1 - 80 / 99, 15);
    expect(r.esCollateralRatio).toBeCloseTo(99 / 80, 14);
    expect(r.staticCollateralRatio).toBeCloseTo(1 / 0.85, 15);
    // 1 − LT = 0.15: only the 99 → 80 fall breaches it.
    expect(r.staticBreaches).toBe(1);
    // LT = 0.95 (static ratio 1.0526): the falls of 10% and 19.2% both breach it.
    expect(esMarginComparison(prices, 1, 0.8, 0.95).staticBreaches).toBe(2);
  });

  it('two-bar horizon', () => {
    // Losses: 1 − 99/100 = 0.01, 1 − 80/90 = 0.1111…, 1 − 100/99, 1 − 100/80.
    const r = esMarginComparison(prices, 2, 0.75, 0.85);
    expect(r.horizons).toBe(4);
    // αN = 3 → k = 3: VaR = 0.01, ES = 1 − 80/90 → ratio 90/80.
    expect(r.varLoss).toBeCloseTo(0.01, 15);
    expect(r.esCollateralRatio).toBeCloseTo(90 / 80, 14);
    expect(r.staticBreaches).toBe(0);
  });

  it('a fall to zero needs an infinite ratio; a bad horizon is refused', () => {
    const r = esMarginComparison(Float64Array.from([100, 0]), 1, 0.5, 0.8);
    expect(r.esCollateralRatio).toBe(Infinity);
    expect(() => horizonLosses(prices, 0)).toThrow(/horizon/);
  });
});
