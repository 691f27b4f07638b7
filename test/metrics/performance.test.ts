import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { MS_PER_DAY, MS_PER_YEAR } from '../../src/core/time.js';
import { performanceStats, type PerformanceInput } from '../../src/metrics/performance.js';

/**
 * A bar interval of a ten-thousandth of a year (3 155 760 ms, year = 365.25 days)
 * makes B = 10 000 bars per year and √B = 100, so every annualised figure
 * below is a round multiple of a per-bar one.
 */
const BAR_MS = MS_PER_YEAR / 10_000;
const times = (n: number, step = BAR_MS): Float64Array => Float64Array.from({ length: n }, (_, i) => i * step);

/**
 * The story: equity 100 → 110 → 88 → 88 → 132 → 118.8, so the bar returns are
 * r = [+0.1, −0.2, 0, +0.5, −0.1] (n = 5).
 */
const EQUITY = [100, 110, 88, 88, 132, 118.8];
const STORY: PerformanceInput = {
  time: times(6),
  equity: Float64Array.from(EQUITY),
  exposure: Float64Array.from([0, 0.5, 1, Number.NaN, 2, 1.5]),
  tradedQuote: 318.4,
  executionCostQuote: 3.184,
  impactPaidQuote: 1.5,
  trades: Float64Array.from([5, -2, 0, Number.NaN, 3]),
  greekPnl: { delta: 1, gamma: -2, vega: 3, theta: -4, other: 0.5 },
};

describe('performanceStats on the literal story (each figure hand-computed)', () => {
  const s = performanceStats(STORY);
  const info = JSON.stringify({ STORY, s });

  it('clock: Δ = 3 155 760 ms, B = 10 000', () => {
    expect(s.bars).toBe(6);
    expect(s.returnCount).toBe(5);
    expect(s.barIntervalMs, info).toBeCloseTo(3_155_760, 6);
    expect(s.barsPerYear, info).toBeCloseTo(10_000, 9);
  });

  it('total return 118.8/100 − 1 = 0.188, P&L 18.8 quote', () => {
    expect(s.totalReturn, info).toBeCloseTo(0.188, 14);
    expect(s.pnlQuote, info).toBeCloseTo(18.8, 12);
  });

  it('annualised return: mean 0.3/5 = 0.06 per bar × 10 000 = 600', () => {
    expect(s.annualisedReturn, info).toBeCloseTo(600, 9);
  });

  it('volatility: deviations from 0.06 are 0.04, −0.26, −0.06, 0.44, −0.16; Σd² = 0.292; s² = 0.292/4 = 0.073; s·100 = 27.018512…', () => {
    expect(s.annualisedVolatility, info).toBeCloseTo(Math.sqrt(0.073) * 100, 9);
    expect(s.annualisedVolatility, info).toBeCloseTo(27.01851217, 7);
  });

  it('Sharpe = 0.06 / √0.073 × 100 = 22.20699…', () => {
    expect(s.sharpe, info).toBeCloseTo((0.06 / Math.sqrt(0.073)) * 100, 9);
    expect(s.sharpe, info).toBeCloseTo(22.20699, 4);
  });

  it('Sortino: losing bars −0.2 and −0.1; d = √((0.04 + 0.01)/5) = 0.1; 0.06/0.1 × 100 = 60', () => {
    expect(s.sortino, info).toBeCloseTo(60, 9);
  });

  it('max drawdown: peak 110 (bar 1) to 88 is 22/110 = 0.2, back above 110 at bar 4: 3 bars, 3Δ ms; the later 132 → 118.8 is only 0.1', () => {
    expect(s.maxDrawdown, info).toBeCloseTo(0.2, 14);
    expect(s.maxDrawdownBars, info).toBe(3);
    expect(s.maxDrawdownMs, info).toBeCloseTo(3 * 3_155_760, 5);
    expect(s.maxDrawdownRecovered, info).toBe(true);
  });

  it('Calmar = 600 / 0.2 = 3000', () => {
    expect(s.calmar, info).toBeCloseTo(3000, 8);
  });

  it('hit rate: trades 5, −2, 0, NaN, 3 → 2 winners of 4 counted (0 is not a win, NaN skipped) = 0.5', () => {
    expect(s.tradeCount).toBe(4);
    expect(s.hitRate, info).toBe(0.5);
  });

  it('turnover: mean equity 636.8/6 = 106.1333…; 318.4 / 106.1333… = 3', () => {
    expect(s.turnover, info).toBeCloseTo(3, 12);
  });

  it('execution cost 3.184 of 318.4 traded = 100 bps; impact passed through', () => {
    expect(s.executionCostQuote).toBe(3.184);
    expect(s.impactPaidQuote).toBe(1.5);
    expect(s.tradedQuote).toBe(318.4);
    expect(s.executionCostBps, info).toBeCloseTo(100, 10);
  });

  it('exposure 0, 0.5, 1, NaN, 2, 1.5: mean of the 5 defined = 5/5 = 1, max 2', () => {
    expect(s.averageExposure, info).toBeCloseTo(1, 14);
    expect(s.maxExposure).toBe(2);
  });

  it('greek P&L passed through', () => {
    expect(s.greekPnl).toEqual(STORY.greekPnl);
  });

  it('VaR/ES of the five losses −r = −0.1, 0.2, 0, −0.5, 0.1: αN = 4.75 and 4.95 → k = 5, both 0.2', () => {
    // ES_0.95 = (0 + (5 − 4.75)·0.2) / (5·0.05) = 0.2; ES_0.99 = (0.05·0.2)/(0.05) = 0.2.
    for (const v of [s.barVar95, s.barEs95, s.barVar99, s.barEs99]) expect(v, info).toBeCloseTo(0.2, 12);
  });
});

describe('VaR and ES of bar returns on 40 returns (loss positive)', () => {
  // 37 bars of +1 % and losses of 3 %, 5 %, 8 %: sorted losses are −0.01 (×37), 0.03, 0.05, 0.08.
  // 95 %: αN = 38 → VaR = x(38) = 0.03, ES = (0.05 + 0.08)/(40·0.05) = 0.065.
  // 99 %: αN = 39.6 → k = 40, VaR = 0.08, ES = (0.4·0.08)/(40·0.01) = 0.08.
  const returns = [...Array.from({ length: 20 }, () => 0.01), -0.05, ...Array.from({ length: 10 }, () => 0.01), -0.08, -0.03, ...Array.from({ length: 7 }, () => 0.01)];
  const equity = [1000];
  for (const r of returns) equity.push(equity[equity.length - 1] * (1 + r));
  const s = performanceStats({ time: times(41), equity, tradedQuote: 0, executionCostQuote: 0, impactPaidQuote: 0 });
  it('95 % and 99 %', () => {
    const info = JSON.stringify(s);
    expect(s.returnCount).toBe(40);
    expect(s.barVar95, info).toBeCloseTo(0.03, 12);
    expect(s.barEs95, info).toBeCloseTo(0.065, 12);
    expect(s.barVar99, info).toBeCloseTo(0.08, 12);
    expect(s.barEs99, info).toBeCloseTo(0.08, 12);
  });
});

describe('edge cases', () => {
  const base = { tradedQuote: 0, executionCostQuote: 0, impactPaidQuote: 0 };

  it('constant equity: volatility 0, Sharpe, Sortino and Calmar null (not NaN or Infinity), no drawdown', () => {
    const s = performanceStats({ ...base, time: times(5), equity: [100, 100, 100, 100, 100] });
    expect(s.annualisedVolatility).toBe(0);
    expect(s.annualisedReturn).toBe(0);
    expect(s.sharpe).toBeNull();
    expect(s.sortino).toBeNull();
    expect(s.calmar).toBeNull();
    expect(s.maxDrawdown).toBe(0);
    expect(s.maxDrawdownBars).toBe(0);
    expect(s.maxDrawdownMs).toBe(0);
    expect(s.maxDrawdownRecovered).toBe(true);
    expect(s.hitRate).toBeNull();
    expect(s.executionCostBps).toBeNull();
    expect(s.averageExposure).toBeNull();
    expect(s.greekPnl).toBeNull();
    expect(s.turnover).toBe(0);
    expect(JSON.stringify(s)).not.toMatch(/NaN|Infinity/);
  });

  it('steady 1 % growth: returns equal up to rounding, so the spread is below the noise floor and Sharpe is null, not ~1e15', () => {
    const equity = Array.from({ length: 50 }, (_, i) => 100 * 1.01 ** i);
    const s = performanceStats({ ...base, time: times(50), equity });
    expect(s.sharpe).toBeNull();
    expect(s.sortino).toBeNull(); // no losing bar
    expect(s.calmar).toBeNull(); // no drawdown
    expect(s.annualisedReturn!).toBeCloseTo(0.01 * 10_000, 8);
  });

  it('one bar: no return, no clock; every ratio null and no VaR', () => {
    const s = performanceStats({ ...base, time: [0], equity: [100] });
    expect(s.returnCount).toBe(0);
    expect(s.barIntervalMs).toBeNull();
    expect(s.barsPerYear).toBeNull();
    expect(s.totalReturn).toBe(0);
    expect(s.annualisedReturn).toBeNull();
    expect(s.annualisedVolatility).toBeNull();
    expect(s.sharpe).toBeNull();
    expect([s.barVar95, s.barEs95, s.barVar99, s.barEs99]).toEqual([null, null, null, null]);
  });

  it('two bars: one return gives a return and VaR but no volatility or Sharpe (a spread needs two)', () => {
    // r = 90/100 − 1 = −0.1 over one day: B = 365.25, annualised return −36.525.
    const s = performanceStats({ ...base, time: [0, MS_PER_DAY], equity: [100, 90] });
    expect(s.barsPerYear).toBeCloseTo(365.25, 12);
    expect(s.annualisedReturn).toBeCloseTo(-36.525, 10);
    expect(s.annualisedVolatility).toBeNull();
    expect(s.sharpe).toBeNull();
    expect(s.sortino).toBeNull();
    expect(s.barVar95).toBeCloseTo(0.1, 14);
    expect(s.maxDrawdown).toBeCloseTo(0.1, 14);
    expect(s.maxDrawdownRecovered).toBe(false);
    // Calmar = −36.525 / 0.1.
    expect(s.calmar).toBeCloseTo(-365.25, 9);
  });

  it('wiped out: returns after equity 0 are skipped; drawdown 1, never recovered, lasting to the last bar', () => {
    // Returns −0.5 and −1; the bars after 0 have no return.
    const s = performanceStats({ ...base, time: times(5), equity: [100, 50, 0, 0, 10] });
    expect(s.returnCount).toBe(2);
    expect(s.maxDrawdown).toBe(1);
    expect(s.maxDrawdownBars).toBe(4);
    expect(s.maxDrawdownMs).toBeCloseTo(4 * BAR_MS, 6);
    expect(s.maxDrawdownRecovered).toBe(false);
    expect(s.totalReturn).toBeCloseTo(-0.9, 14);
    expect(s.annualisedReturn).toBeCloseTo(-0.75 * 10_000, 8);
  });

  it('the mean interval spans gaps: bars at 0, 1 and 3 days give Δ = 1.5 days', () => {
    const s = performanceStats({ ...base, time: [0, MS_PER_DAY, 3 * MS_PER_DAY], equity: [100, 101, 100] });
    expect(s.barIntervalMs).toBe(1.5 * MS_PER_DAY);
    expect(s.barsPerYear).toBeCloseTo(365.25 / 1.5, 12);
  });

  it('a drawdown equal to its peak exactly ends the episode (back at the peak counts as recovered)', () => {
    // 100 → 80 → 100 → 90: max drawdown 0.2 from bar 0, recovered at bar 2 (2 bars); the later 0.1 is smaller.
    const s = performanceStats({ ...base, time: times(4), equity: [100, 80, 100, 90] });
    expect(s.maxDrawdown).toBeCloseTo(0.2, 14);
    expect(s.maxDrawdownBars).toBe(2);
    expect(s.maxDrawdownRecovered).toBe(true);
  });

  it('bad input is a DataError naming the field', () => {
    const ok = { ...base, time: [0, 1], equity: [100, 101] };
    expect(() => performanceStats({ ...ok, equity: [] , time: [] })).toThrow(DataError);
    expect(() => performanceStats({ ...ok, time: [0] })).toThrow(/field 'time'.*1 entries/);
    expect(() => performanceStats({ ...ok, time: [1, 1] })).toThrow(/field 'time'.*increase/);
    expect(() => performanceStats({ ...ok, equity: [0, 1] })).toThrow(/field 'equity'.*> 0/);
    expect(() => performanceStats({ ...ok, equity: [100, Number.NaN] })).toThrow(/field 'equity'/);
    expect(() => performanceStats({ ...ok, exposure: [1] })).toThrow(/field 'exposure'/);
    expect(() => performanceStats({ ...ok, tradedQuote: Number.NaN })).toThrow(/field 'tradedQuote'/);
  });
});

describe('properties', () => {
  // Returns in whole basis points: a move of 1e-13 would be as much rounding as move, and no statistic of it is stable under scaling.
  const curve = fc
    .array(fc.integer({ min: -3000, max: 3000 }), { minLength: 3, maxLength: 60 })
    .map((bps) => {
      const rs = bps.map((b) => b / 1e4);
      const e = [1000];
      for (const r of rs) e.push(e[e.length - 1] * (1 + r));
      return e;
    });

  it('Sharpe, Sortino, Calmar, returns, drawdown and VaR do not change when equity is scaled by k > 0', () => {
    fc.assert(
      fc.property(curve, fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (equity, k) => {
        const input = { time: times(equity.length), equity, tradedQuote: 10, executionCostQuote: 0, impactPaidQuote: 0 };
        const a = performanceStats(input);
        const b = performanceStats({ ...input, equity: equity.map((e) => e * k), tradedQuote: 10 * k });
        const info = JSON.stringify({ equity, k, a, b });
        const same = (x: number | null, y: number | null): void => {
          if (x === null) expect(y, info).toBeNull();
          else expect(Math.abs(x - y!), info).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x)));
        };
        same(a.sharpe, b.sharpe);
        same(a.sortino, b.sortino);
        same(a.calmar, b.calmar);
        same(a.totalReturn, b.totalReturn);
        same(a.maxDrawdown, b.maxDrawdown);
        same(a.turnover, b.turnover);
        same(a.barEs95, b.barEs95);
      }),
    );
  });

  it('Sharpe = annualised return / volatility, and a bar twice as long divides volatility by √2 and leaves the return per bar', () => {
    fc.assert(
      fc.property(curve, (equity) => {
        const input = { time: times(equity.length), equity, tradedQuote: 0, executionCostQuote: 0, impactPaidQuote: 0 };
        const a = performanceStats(input);
        const b = performanceStats({ ...input, time: times(equity.length, 2 * BAR_MS) });
        const info = JSON.stringify({ equity, a, b });
        if (a.sharpe !== null) expect(a.sharpe, info).toBeCloseTo(a.annualisedReturn! / a.annualisedVolatility!, 9);
        expect(b.annualisedVolatility! * Math.SQRT2, info).toBeCloseTo(a.annualisedVolatility!, 9);
        expect(b.annualisedReturn! * 2, info).toBeCloseTo(a.annualisedReturn!, 6);
        expect(a.maxDrawdown, info).toBeGreaterThanOrEqual(0);
        expect(a.maxDrawdown, info).toBeLessThan(1);
      }),
    );
  });
});
