import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/runner/backtest.js';
import { PARTY_NAMES } from '../../src/sim/ledger.js';
import { gbmBars, testScenario, runData } from './helpers.js';

/**
 * docs/model.md#the-bar-loop, accounting: nothing is created or destroyed. Every fill moves
 * cash and asset between the dealer and the book's counterparties, and every
 * option settlement or sale moves cash between the dealer and its
 * customers, so the ledger's column sums stay at their start (zero). Fees
 * (spread and impact) are transfers too: the counterparties earn what the
 * dealer pays.
 */
describe('conservation', () => {
  for (const liquidity of [{ kind: 'linear' }, { kind: 'sqrt' }, { kind: 'book' }] as const) {
    it(`keeps total cash and total asset at zero every bar (${liquidity.kind}, short puts that expire and roll)`, () => {
      // 10 days of 5-minute bars: the 7-day puts expire, settle and roll inside the run.
      const bars = gbmBars({ bars: 2880, volPerYear: 1.2, seed: 21, barMinutes: 5 });
      const scenario = testScenario({
        market: { liquidity, depth: { source: 'fixed', depth1PctQuote: 3e6 } },
        dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 400, tenorsDays: [7, 30] } },
      });
      let worstCash = 0;
      let worstAsset = 0;
      let gross = 0;
      const r = runBacktest(scenario, runData(scenario, bars), process.cwd(), {
        onBarEnd: (_i, ledger) => {
          worstCash = Math.max(worstCash, Math.abs(ledger.cashImbalance()));
          worstAsset = Math.max(worstAsset, Math.abs(ledger.assetImbalance()));
          gross = Math.max(gross, ...Array.from(ledger.cash, Math.abs));
        },
      });
      const info = JSON.stringify({ worstCash, worstAsset, gross, fills: r.trades.length });
      expect(r.trades.length, info).toBeGreaterThan(100);
      // The 7-day puts expired and were re-sold: cash moved between dealer and customers.
      expect(r.ledger.cash[PARTY_NAMES.indexOf('optionCustomers')], info).not.toBe(0);
      // Rounding only: 1e-12 of the largest balance.
      expect(worstCash, info).toBeLessThanOrEqual(1e-12 * gross);
      expect(worstAsset, info).toBeLessThanOrEqual(1e-9);
    });
  }

  it('the dealer P&L per bar adds up to its change in wealth, and the residual is small', () => {
    const bars = gbmBars({ bars: 2880, volPerYear: 0.8, seed: 5, barMinutes: 1 });
    const scenario = testScenario({
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 5e6 } },
      surface: { dynamics: 'sticky-moneyness' },
      dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 300, tenorsDays: [14, 30] } },
    });
    const r = runBacktest(scenario, { bars, dataSha256: 'x' }, process.cwd());
    const rec = r.recorder;
    const sum = (name: string): number => rec.get(name).reduce((a, b) => a + b, 0);
    const absSum = (name: string): number => rec.get(name).reduce((a, b) => a + Math.abs(b), 0);
    const n = bars.length;
    const mid = rec.get('simulated_close')[n - 1];
    // Wealth = cash + hedge·mid + book value; bar 0's P&L starts from the first valuation.
    const dealer = r.figures as unknown as { dealerPnl: { total: number }; dealerStartWealth: number };
    const wealthEnd = r.ledger.cash[1] + r.ledger.asset[1] * mid + rec.get('dealer_book_value')[n - 1];
    const totalPnl = sum('pnl_total');
    const explained = ['pnl_delta', 'pnl_gamma', 'pnl_vega', 'pnl_vanna', 'pnl_volga', 'pnl_theta', 'pnl_execution', 'pnl_new_positions'].reduce((a, c) => a + absSum(c), 0);
    const info = JSON.stringify({ totalPnl, wealthEnd, start: dealer.dealerStartWealth, residual: absSum('pnl_residual'), explained, figures: dealer.dealerPnl });
    // Σ bar totals = wealth_end − wealth_start (to rounding: 1e-9 of the gross P&L).
    expect(Math.abs(totalPnl - (wealthEnd - dealer.dealerStartWealth)), info).toBeLessThan(1e-9 * explained);
    expect(Math.abs(dealer.dealerPnl.total - totalPnl), info).toBeLessThan(1e-9 * explained);
    // 1-minute bars, flat-ish market: third-order terms only; bound 1% of the explained gross.
    expect(absSum('pnl_residual'), info).toBeLessThan(0.01 * explained);
  });
});
