import { describe, expect, it } from 'vitest';
import { optionFillSchema, optionMarginSchema } from '../../../src/config/strategyOptionsSchema.js';
import { PARTY, Ledger } from '../../../src/sim/ledger.js';
import { OptionAccount, type OptionTrade } from '../../../src/strategy/options/account.js';
import { DAY_MS, flatSurface, START_MS, YEAR_MS } from '../../dealer/helpers.js';

const PUT = -1;
const CALL = 1;
const SPOT = 30_000;
const STRIKE = 27_000;
const EXPIRY = START_MS + 7 * DAY_MS;
const MARGIN = optionMarginSchema.parse({});

function setup(capital: number, fillKind: 'mid' | 'spread' = 'mid'): { acct: OptionAccount; ledger: Ledger; log: OptionTrade[] } {
  const acct = new OptionAccount(8, optionFillSchema.parse({ kind: fillKind }), MARGIN, flatSurface(0.8));
  acct.market.spot = SPOT;
  acct.market.nowMs = START_MS;
  acct.market.yearMs = YEAR_MS;
  const ledger = new Ledger();
  ledger.endow(PARTY.strategy, capital, 0);
  ledger.endow(PARTY.optionCustomers, 1e9, 0);
  const log: OptionTrade[] = [];
  acct.onTrade = (t) => log.push({ ...t });
  acct.beginBar(ledger);
  return { acct, ledger, log };
}

describe('OptionAccount orders', () => {
  it('refuses a put sale its equity cannot margin and leaves the account untouched (IM ≈ 10% of spot + premium)', () => {
    // IM of one put 10% OTM = max(0.15·30000 − 3000, 0.1·30000) + mark = 3000 + mark; 2000 of capital cannot carry it.
    const { acct, ledger, log } = setup(2_000);
    const px = acct.orderOption(PUT, STRIKE, EXPIRY, -1, ledger);
    expect(px).toBeNaN();
    expect(log).toHaveLength(1);
    expect(log[0].reason).toBe('initial-margin');
    expect(ledger.cash[PARTY.strategy]).toBe(2_000);
    expect(acct.options.held(PUT, STRIKE, EXPIRY)).toBe(0);
    expect(acct.totals.rejected).toBe(1);
  });

  it('fills the same sale with enough capital: premium in cash, the short marked against equity, margin 3000 + mark', () => {
    const { acct, ledger, log } = setup(10_000);
    const px = acct.orderOption(PUT, STRIKE, EXPIRY, -1, ledger);
    expect(px).toBeGreaterThan(0);
    expect(log[0].reason).toBe('');
    expect(ledger.cash[PARTY.strategy]).toBeCloseTo(10_000 + px, 9);
    // At mid the sale leaves equity unchanged.
    expect(acct.equity(ledger)).toBeCloseTo(10_000, 6);
    expect(acct.options.margin.initial).toBeCloseTo(3_000 + px, 6);
    expect(acct.options.margin.maintenance).toBeCloseTo(2_250 + px, 6);
  });

  it('refuses a put purchase it cannot pay in cash, but not a buy-back of a short', () => {
    const { acct, ledger, log } = setup(50);
    expect(acct.orderOption(PUT, STRIKE, EXPIRY, 1, ledger)).toBeNaN();
    expect(log[0].reason).toBe('cash');
    // With cash for the margin, a short can be bought back even when the buy-back costs more than the cash held before the sale.
    const b = setup(4_000);
    const sold = b.acct.orderOption(PUT, STRIKE, EXPIRY, -1, b.ledger);
    expect(sold).toBeGreaterThan(0);
    expect(b.acct.orderOption(PUT, STRIKE, EXPIRY, 1, b.ledger)).toBeCloseTo(sold, 9);
    expect(b.acct.options.held(PUT, STRIKE, EXPIRY)).toBe(0);
  });

  it('a refused order leaves the position exactly as it was (−0.3 − 0.6 + 0.6 is not −0.3 in floating point)', () => {
    // 2000 of capital margins 0.3 puts (0.3 × (3000 + mark) ≈ 900 + premium) but not 0.9 (≈ 2700 + premium).
    const { acct, ledger, log } = setup(2_000);
    expect(acct.orderOption(PUT, STRIKE, EXPIRY, -0.3, ledger)).toBeGreaterThan(0);
    expect(acct.orderOption(PUT, STRIKE, EXPIRY, -0.6, ledger)).toBeNaN();
    expect(log[1].reason).toBe('initial-margin');
    expect(acct.options.held(PUT, STRIKE, EXPIRY)).toBe(-0.3);
  });

  it('refuses bad orders as invalid: expired, zero, non-finite, bad kind', () => {
    const { acct, ledger, log } = setup(1e6);
    acct.orderOption(PUT, STRIKE, START_MS, -1, ledger);
    acct.orderOption(PUT, STRIKE, EXPIRY, 0, ledger);
    acct.orderOption(PUT, Number.NaN, EXPIRY, 1, ledger);
    acct.orderOption(2, STRIKE, EXPIRY, 1, ledger);
    expect(log.map((t) => t.reason)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
  });
});

describe('OptionAccount maintenance and liquidation (story: a short put through a 25% fall)', () => {
  const CRASH = 22_500;
  it('is under maintenance after the fall and liquidation buys every option back at the fill price', () => {
    const { acct, ledger, log } = setup(4_000, 'spread');
    expect(acct.orderOption(PUT, STRIKE, EXPIRY, -1, ledger)).toBeGreaterThan(0);
    expect(acct.underMaintenance(ledger)).toBe(false);
    const total0 = ledger.totalCash();
    acct.market.spot = CRASH;
    acct.market.drawdown = 0.25;
    // The put is 4500 in the money: equity ≈ 4000 − 4500 − time value < 0 < maintenance.
    expect(acct.underMaintenance(ledger)).toBe(true);
    expect(acct.liquidate(ledger)).toBe(1);
    const buyBack = log[log.length - 1];
    expect(buyBack.liquidation).toBe(true);
    expect(buyBack.qty).toBe(1);
    expect(buyBack.price).toBeGreaterThan(buyBack.theo); // the spread is paid on the way out
    expect(acct.options.grossQty()).toBe(0);
    expect(acct.totals.liquidations).toBe(1);
    expect(ledger.cash[PARTY.strategy]).toBeLessThan(0); // the loss exceeds the capital: the account is in deficit
    expect(ledger.totalCash()).toBeCloseTo(total0, 6); // premiums move between parties, nothing is created
  });
});

describe('OptionAccount settlement and P&L by greek', () => {
  it('settles in cash at expiry against the closing mid (hand-computed) and conserves cash', () => {
    const { acct, ledger } = setup(10_000);
    const px = acct.orderOption(PUT, STRIKE, EXPIRY, -2, ledger);
    acct.orderOption(CALL, 33_000, EXPIRY, 1, ledger);
    const total0 = ledger.totalCash();
    acct.endBar(ledger, 0);
    const cashBefore = ledger.cash[PARTY.strategy];
    acct.market.nowMs = EXPIRY;
    acct.market.spot = 25_000;
    acct.beginBar(ledger);
    const settled = acct.endBar(ledger, 7 / 365.25);
    // Two puts 2000 in the money, the call worthless: −2 · 2000.
    expect(settled).toBe(-4_000);
    expect(ledger.cash[PARTY.strategy]).toBe(cashBefore - 4_000);
    expect(acct.options.book.length).toBe(0);
    expect(ledger.totalCash()).toBeCloseTo(total0, 6);
    expect(px).toBeGreaterThan(0);
  });

  it('the bar totals add up to the change in equity, and greeks explain a small move to second order', () => {
    const { acct, ledger } = setup(100_000);
    acct.orderOption(PUT, STRIKE, START_MS + 30 * DAY_MS, -3, ledger);
    acct.orderOption(CALL, 32_000, START_MS + 30 * DAY_MS, 1, ledger);
    const eq0 = acct.equity(ledger);
    acct.endBar(ledger, 0);
    // Next bar: one minute later, spot down 0.3%, vol up one point.
    const surface = acct.market.surface as ReturnType<typeof flatSurface>;
    acct.market.nowMs = START_MS + 60_000;
    acct.market.spot = SPOT * 0.997;
    surface.vol = 0.81;
    acct.beginBar(ledger);
    // A spot hedge bought at the mid.
    ledger.trade(PARTY.strategy, PARTY.counterparties, 0.5, acct.market.spot);
    acct.onSpotFill(0.5, acct.market.spot, acct.market.spot);
    acct.endBar(ledger, 60_000 / YEAR_MS);
    const eq1 = acct.equity(ledger);
    const p = acct.totals.pnl;
    expect(p.total).toBeCloseTo(eq1 - eq0, 6);
    const explained = p.delta + p.gamma + p.vega + p.vanna + p.volga + p.theta + p.execution + p.newPositions;
    expect(Math.abs(p.residual), JSON.stringify(p)).toBeLessThan(0.01 * Math.abs(p.total));
    expect(explained + p.residual).toBeCloseTo(p.total, 9);
    expect(p.vega).toBeLessThan(0); // short more vega than long: loses when vol rises
  });

  it('many spot fills in a bar: the execution line is exactly −Σ q (p − m) and the total the equity change', () => {
    const { acct, ledger } = setup(100_000);
    const eq0 = acct.equity(ledger);
    acct.endBar(ledger, 0);
    acct.market.nowMs = START_MS + 60_000;
    acct.beginBar(ledger);
    // Rows: [size, price, mid before]; buys above the mid and sells below it, as a book fills them.
    const fills: Array<[number, number, number]> = [[0.5, 30_010, 30_000], [1.2, 30_030, 30_015], [-0.7, 29_990, 30_020], [-0.3, 29_980, 29_995]];
    let execution = 0;
    for (const [q, p, m] of fills) {
      if (q > 0) ledger.trade(PARTY.strategy, PARTY.counterparties, q, p);
      else ledger.trade(PARTY.counterparties, PARTY.strategy, -q, p);
      acct.onSpotFill(q, p, m);
      execution -= q * (p - m);
    }
    acct.market.spot = 30_005;
    acct.endBar(ledger, 60_000 / YEAR_MS);
    const t = acct.totals.pnl;
    expect(t.execution).toBeCloseTo(execution, 9);
    expect(t.total).toBeCloseTo(acct.equity(ledger) - eq0, 9);
    expect(Math.abs(t.residual)).toBeLessThan(1e-9);
  });
});
