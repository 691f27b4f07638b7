/**
 * The perp venue inside a run (docs/model.md#perpetual-venue): a gap down
 * makes the most levered longs bankrupt. With no insurance fund the short
 * side takes them by auto-deleveraging, off the book; with a fund that can
 * pay every shortfall nobody is deleveraged. Funding is paid at the 08:00
 * mark the path crosses. Nothing is created or destroyed in the ledger.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { AccountBook } from '../../src/protocol/accounts.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { testScenario } from '../engine/helpers.js';

const T0 = Date.UTC(2025, 9, 10, 7, 0); // 07:00 UTC: the 08:00 funding falls inside the run
const MIN = 60_000;
const BARS = 120;
const START = 100;
/** Flat at 100, a one-bar gap to 70 at bar 30 (no price in between to liquidate at), flat after. */
function gapPath(): BarSeries {
  const close = Float64Array.from({ length: BARS }, (_, i) => (i < 30 ? START : 70));
  const time = Float64Array.from({ length: BARS }, (_, i) => T0 + i * MIN);
  return makeBarSeries(
    { symbol: 'GAP', source: 'test', synthetic: true, volumeUnit: 'base' },
    { time, open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(BARS).fill(5000) },
  );
}

/** 100 longs of 2 units, liquidation prices 95 down to 45, LT 0.99: those above ~70.7 are bankrupt after the gap. */
function longs(): AccountBook {
  const book = new AccountBook(100);
  for (let k = 0; k < 100; k++) book.add(2, (95 - k * 0.5) * 2 * 0.99, 0.99);
  return book;
}

function run(insuranceFundQuote: number, adl = true) {
  const scenario = testScenario({
    market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 20_000 } },
    protocol: {
      enabled: true,
      liquidation: { mechanism: { kind: 'direct' }, closeFactor: 1, penaltyPct: 0 },
      insuranceFundQuote,
      perp: { shorts: { count: 50 }, adl },
    },
  } as Partial<ScenarioInput>);
  // Imbalance relative to the largest balance seen (one rounding per transfer).
  let worst = 0;
  let gross = 1;
  const r = runBacktest(scenario, { bars: gapPath(), dataSha256: 'x' }, process.cwd(), {
    onBarEnd: (_b, ledger) => {
      for (let p = 0; p < ledger.cash.length; p++) gross = Math.max(gross, Math.abs(ledger.cash[p]), Math.abs(ledger.asset[p]));
      worst = Math.max(worst, Math.abs(ledger.cashImbalance()) / gross, Math.abs(ledger.assetImbalance()) / gross);
    },
  }, { accounts: longs() });
  return { r, worst, f: r.figures as unknown as Record<string, number> };
}

describe('a perp venue through a gap down', () => {
  it('with no fund, deleverages the short side for the bankrupt longs and keeps the ledger whole', () => {
    const { r, worst, f } = run(0);
    expect(worst).toBeLessThan(1e-12);
    // Longs with bankruptcy price d/c above 70: (95 − 0.5k)·0.99 > 70 ⇔ k < 48.6, so 49 accounts.
    expect(f.adlAccountsClosed).toBe(49);
    expect(f.adlBase).toBeCloseTo(98, 9);
    const ev = r.adlEvents!;
    expect(ev.length).toBe(f.adlEvents);
    // Every fill is at its long's bankruptcy price and closes short size.
    for (let k = 0; k < ev.length; k++) {
      const k0 = ev.bankrupt[k];
      expect(ev.price[k]).toBeCloseTo((95 - k0 * 0.5) * 0.99, 9);
      expect(ev.size[k]).toBeLessThan(0);
    }
    // The ADL'd longs never reach the book. What bad debt is left comes from
    // longs still solvent at the oracle whose sale slipped below their
    // bankruptcy price: the check is made when the keeper takes the account.
    const without = run(0, false).f;
    expect(without.adlEvents).toBe(0);
    expect(f.badDebt).toBeLessThan(0.01 * without.badDebt);
    expect(f.liquidationCount).toBe(without.liquidationCount - 49);
    expect(r.recorder.get('adl_events')[30]).toBe(f.adlEvents);
  });

  it('with a fund that covers every shortfall, deleverages nobody and the fund pays', () => {
    const { f, worst } = run(1e9);
    expect(worst).toBeLessThan(1e-12);
    expect(f.adlEvents).toBe(0);
    expect(f.insuranceFundUsed).toBeGreaterThan(0);
  });

  it('pays funding once, at 08:00, longs to shorts at the interest rate (mark = index before the gap)', () => {
    const { r, f } = run(0);
    const rate = r.recorder.get('funding_rate');
    const paidAt = [...rate.keys()].filter((i) => !Number.isNaN(rate[i]));
    expect(paidAt).toEqual([60]);
    // Premium 0 on every bar before → F = I = 0.01%; by 08:00 the ladder holds 51 longs of 2 units at mark 70.
    expect(rate[60]).toBeCloseTo(0.0001, 15);
    expect(f.fundingPayments).toBe(1);
    expect(f.fundingPaidByLongs + f.fundingFromOtherLongs).toBeCloseTo(f.fundingReceivedByShorts, 9);
  });
});
