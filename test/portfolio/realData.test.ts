import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareMarginFile, comparisonRows, formatComparison } from '../../src/portfolio/compare.js';

const DATA = process.env.CASCADE_DATA_DIR;
const SCENARIO = resolve(__dirname, '../../data/scenarios/portfolio-2020-03-12.json');

describe.skipIf(!DATA)(`12 March 2020, BTC and ETH (Binance spot 1h): isolated vs portfolio margin${DATA ? '' : ' (skipped: CASCADE_DATA_DIR is unset)'}`, () => {
  it('prints the comparison table; portfolio margin liquidates fewer accounts, less volume and less bad debt, and moves the price less', () => {
    const c = compareMarginFile(SCENARIO);
    console.log(formatComparison(c));
    const [iso, port] = comparisonRows(c);
    expect(iso.rule).toBe('isolated');
    expect(port.rule).toBe('portfolio');
    // Sane relations: the hedged accounts (70% of the population) are what the portfolio rule spares.
    expect(port.accountsLiquidated).toBeLessThan(iso.accountsLiquidated);
    expect(port.liquidatedQuote).toBeLessThan(iso.liquidatedQuote);
    expect(port.badDebtQuote).toBeLessThanOrEqual(iso.badDebtQuote);
    for (const r of [iso, port]) {
      for (const n of c.assets) {
        // Forced selling only pushes prices down, and the low can only be deeper than history's.
        expect(r.endogenousMovePct[n]).toBeLessThanOrEqual(0);
        expect(r.lowVsHistoryPct[n]).toBeLessThanOrEqual(1e-9);
        expect(port.endogenousMovePct[n]).toBeGreaterThanOrEqual(iso.endogenousMovePct[n]);
      }
      expect(r.cappedBars).toBe(0);
    }
    // The run is deterministic (seeded population, no other randomness): figures as measured on the book whose mid
    // is the touches' midpoint (3,013 portfolio margin calls, 65,154 portfolio bad debt on the book before it).
    expect(iso.accountsLiquidated).toBe(2000);
    expect(port.accountsLiquidated).toBe(625);
    // Every basis and cross-hedged account survives the pooled rule; every outright long perp does not.
    expect(iso.accountsLiquidatedByKind).toEqual({ hand: 0, basis: 762, cross: 613, 'long-perp': 625 });
    expect(port.accountsLiquidatedByKind).toEqual({ hand: 0, basis: 0, cross: 0, 'long-perp': 625 });
    expect(iso.marginCalls).toBe(2561);
    expect(port.marginCalls).toBe(3023);
    expect(iso.liquidatedQuote).toBeCloseTo(70_994_022, -1);
    expect(port.liquidatedQuote).toBeCloseTo(14_961_270, -1);
    expect(iso.badDebtQuote).toBeCloseTo(862_614, -1);
    expect(port.badDebtQuote).toBeCloseTo(65_127, -1);
    expect(iso.endogenousMovePct.BTC).toBeCloseTo(-6.955, 2);
    expect(iso.endogenousMovePct.ETH).toBeCloseTo(-21.220, 2);
    expect(port.endogenousMovePct.BTC).toBeCloseTo(-1.430, 2);
    expect(port.endogenousMovePct.ETH).toBeCloseTo(-8.912, 2);
    // Under isolated margin a basis trade whose loan was sold is left naked short: on the
    // rebound those shorts are bought back into the thin ETH book (a squeeze the pooled rule avoids).
    expect(iso.endogenousRisePct.ETH).toBeCloseTo(11.200, 2);
    expect(port.endogenousRisePct.ETH).toBe(0);
  });
});
