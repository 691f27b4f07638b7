import { describe, expect, it } from 'vitest';
import { MS_PER_MINUTE } from '../../src/core/time.js';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { bondLevelTable, paradoxIndexOf } from '../../src/runner/bondTable.js';
import type { FairCoupon } from '../../src/runner/bondPricing.js';
import { testScenario } from '../engine/helpers.js';

/**
 * The level table (docs/model.md#what-a-unit-of-coupon-buys) on a gap of 30%
 * at bar 10 with an empty insurance fund: a drawdown level at or below 0.3
 * pays before the gap bar's liquidations and takes its notional off the bad
 * debt; a level the gap does not reach pays later or never, and avoids less.
 * The figures are checked against separate runs of the same scenario, not
 * against numbers written here.
 */
const BARS = 40;
function gapPath(): BarSeries {
  const close = Float64Array.from({ length: BARS }, (_, i) => (i >= 10 ? 70 : 100));
  const time = Float64Array.from({ length: BARS }, (_, i) => Date.UTC(2020, 2, 12) + i * MS_PER_MINUTE);
  return makeBarSeries(
    { symbol: 'GAP', source: 'test', synthetic: true, volumeUnit: 'base' },
    { time, open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(BARS).fill(5000) },
  );
}

const scenario = testScenario({
  market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
  behaviour: { liquidityProviders: { enabled: true } },
  protocol: {
    enabled: true,
    population: { kind: 'generated', count: 200, totalNotionalQuote: 200_000 },
    defences: { contagionBond: { trigger: { index: 'drawdown', level: 0.25 }, notionalQuote: 500, couponPerYear: 0.1 } },
  },
});

describe('bondLevelTable', () => {
  it('reports, per level, the bad debt avoided and the paradox index of separate runs with and without the bond', () => {
    const data = { bars: gapPath(), dataSha256: 'gap' };
    const levels = [0.25, 0.9];
    const fair: FairCoupon[] = levels.map((level) => ({
      level, paths: 2, triggerProbability: 0.5, triggerProbabilitySe: 0, expectedPayoutQuote: 250, expectedPayoutSeQuote: 0,
      expectedCouponYears: 1e-4, fairCouponPerYear: 2, fairCouponSe: 0, fairCouponCi95: [2, 2],
    }));
    const t = bondLevelTable(scenario, data, process.cwd(), levels, fair);
    const without = runBacktest({ ...scenario, protocol: { ...scenario.protocol, defences: { ...scenario.protocol.defences, contagionBond: undefined } } }, data, process.cwd());
    expect(t.badDebtWithout).toBe(without.figures.badDebt);
    expect(t.paradoxIndexWithout).toBe(paradoxIndexOf(without.recorder));
    // With a behaviour on, the run's own summary carries the paradox index: the table's reading agrees with it.
    expect(t.paradoxIndexWithout).toBe(without.figures.paradoxIndex);
    expect(t.badDebtWithout).toBeGreaterThan(0);
    levels.forEach((level, j) => {
      const bond = scenario.protocol.defences.contagionBond!;
      const r = runBacktest({ ...scenario, protocol: { ...scenario.protocol, defences: { ...scenario.protocol.defences, contagionBond: { ...bond, trigger: { ...bond.trigger, level } } } } }, data, process.cwd());
      const row = t.rows[j];
      expect(row.badDebt, `level ${level}`).toBe(r.figures.badDebt);
      expect(row.badDebtAvoided, `level ${level}`).toBe(t.badDebtWithout - (r.figures.badDebt as number));
      expect(row.paradoxIndex, `level ${level}`).toBe(r.figures.paradoxIndex);
      expect(row.triggerBar, `level ${level}`).toBe(r.figures.bondTriggerBar);
      expect(row.couponCostAtFairQuote, `level ${level}`).toBeCloseTo(2 * 500 * row.couponBearingYears, 12);
    });
    expect(t.rows[0].triggerBar).toBe(10);
    expect(t.rows[0].badDebtAvoided).toBeGreaterThan(0);
    expect(t.rows[1].triggerBar).toBe(-1);
    expect(t.rows[1].badDebtAvoided).toBe(0);
  });
});
