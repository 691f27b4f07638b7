import { describe, expect, it } from 'vitest';
import { CAUSE_CODE, TradeLog, type TradeCause } from '../../src/sim/tradeLog.js';
import {
  attributeImpact,
  CAUSE_COUNT,
  liquidationRoundSplit,
  logImpactByCause,
  perBarImpactByCause,
  ROUND_SPLIT,
} from '../../src/metrics/impactAttribution.js';

/** A literal story: each fill starts at the mid the previous one left. */
const FILLS: Array<{ bar: number; round: number; cause: TradeCause; size: number; before: number; after: number }> = [
  { bar: 0, round: 0, cause: 'hedge', size: -1, before: 100, after: 99 },
  { bar: 0, round: 0, cause: 'liquidation', size: -2, before: 99, after: 97 },
  { bar: 0, round: 1, cause: 'liquidation', size: -1, before: 97, after: 96 },
  { bar: 1, round: 0, cause: 'auction', size: 0.5, before: 96, after: 96.5 },
  { bar: 1, round: 2, cause: 'liquidation', size: -1.5, before: 96.5, after: 95 },
  { bar: 1, round: 0, cause: 'hedge', size: -1, before: 95, after: 94 },
];

function log(): TradeLog {
  const t = new TradeLog();
  for (const f of FILLS) t.push(f.bar * 60_000, f.bar, f.round, CAUSE_CODE[f.cause], f.size, f.after, f.before, f.after, 0);
  return t;
}

describe('impact attribution on a literal trade log', () => {
  it('sums log impact per cause; the causes add up to the whole move ln(94/100)', () => {
    const a = attributeImpact(log(), Math.log(94 / 100) + 0.01);
    expect(a.byCause.hedge).toBeCloseTo(Math.log(99 / 100) + Math.log(94 / 95), 15);
    expect(a.byCause.liquidation).toBeCloseTo(Math.log(97 / 99) + Math.log(96 / 97) + Math.log(95 / 96.5), 15);
    expect(a.byCause.auction).toBeCloseTo(Math.log(96.5 / 96), 15);
    expect(a.byCause.strategy).toBe(0);
    // Telescoping: every fill starts where the last ended.
    expect(a.total).toBeCloseTo(Math.log(0.94), 14);
    let shareSum = 0;
    for (const v of Object.values(a.shares)) shareSum += v;
    expect(shareSum).toBeCloseTo(1, 14);
    expect(a.shares.auction).toBeLessThan(0); // the bidders' buy pushed against the fall
    expect(a.shares.liquidation).toBeCloseTo((Math.log(96 / 99) + Math.log(95 / 96.5)) / Math.log(0.94), 14);
    // The endogenous move passed in exceeds the fills' sum by 0.01: the decay left unexplained.
    expect(a.residual).toBeCloseTo(0.01, 14);
    expect(attributeImpact(log()).residual).toBeNaN();
  });

  it('splits liquidations into round 0 and rounds ≥ 1', () => {
    const a = attributeImpact(log());
    expect(a.liquidationRounds.firstImpact).toBeCloseTo(Math.log(97 / 99), 15);
    expect(a.liquidationRounds.laterImpact).toBeCloseTo(Math.log(96 / 97) + Math.log(95 / 96.5), 15);
    expect(a.liquidationRounds.firstVolume).toBe(2);
    expect(a.liquidationRounds.laterVolume).toBe(2.5);
    const out = liquidationRoundSplit(log(), 3, 6, new Float64Array(4)); // bar 1 only
    expect(out[ROUND_SPLIT.firstImpact]).toBe(0);
    expect(out[ROUND_SPLIT.laterVolume]).toBe(1.5);
  });

  it('per-bar forms: a fill range and whole-run columns', () => {
    const bar1 = logImpactByCause(log(), 3, 6, new Float64Array(CAUSE_COUNT).fill(7));
    expect(bar1[CAUSE_CODE.hedge]).toBeCloseTo(Math.log(94 / 95), 15);
    expect(bar1[CAUSE_CODE.auction]).toBeCloseTo(Math.log(96.5 / 96), 15);
    expect(bar1[CAUSE_CODE.strategy]).toBe(0); // zeroed, not accumulated
    const cols = Array.from({ length: CAUSE_COUNT }, () => new Float64Array(2));
    perBarImpactByCause(log(), cols);
    expect(cols[CAUSE_CODE.hedge][0]).toBeCloseTo(Math.log(0.99), 15);
    expect(cols[CAUSE_CODE.hedge][1]).toBeCloseTo(Math.log(94 / 95), 15);
    expect(cols[CAUSE_CODE.liquidation][0]).toBeCloseTo(Math.log(96 / 99), 15);
    expect(cols[CAUSE_CODE.liquidation][1]).toBeCloseTo(Math.log(95 / 96.5), 15);
  });

  it('an empty log attributes nothing', () => {
    const a = attributeImpact(new TradeLog(), 0);
    expect(a.total).toBe(0);
    expect(a.shares.hedge).toBe(0);
    expect(a.residual).toBe(0);
  });
});
