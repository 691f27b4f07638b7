import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { optionFillSchema, type OptionFillConfig } from '../../../src/config/strategyOptionsSchema.js';
import { makeFill } from '../../../src/market/liquidity.js';
import { LinearImpactModel } from '../../../src/market/linear.js';
import { makeOptionMarket, makeOptionQuote, quoteOption, spreadHalfVol, type OptionMarket } from '../../../src/strategy/options/fillModel.js';
import { DAY_MS, flatSurface, skewedSurface, START_MS, YEAR_MS } from '../../dealer/helpers.js';

const require = createRequire(import.meta.url);
// Independent references (test-only packages, r only, q = 0).
const bsRef = require('black-scholes') as { blackScholes(s: number, k: number, t: number, v: number, r: number, cp: 'call' | 'put'): number };
const greeksRef = require('greeks') as {
  getDelta(s: number, k: number, t: number, v: number, r: number, cp: 'call' | 'put'): number;
  getVega(s: number, k: number, t: number, v: number, r: number): number;
};

const CALL = 1;
const PUT = -1;
const MID = optionFillSchema.parse({ kind: 'mid' });
const SPREAD = optionFillSchema.parse({ kind: 'spread' }) as Extract<OptionFillConfig, { kind: 'spread' }>;
const IMPACT = optionFillSchema.parse({ kind: 'impact' });

function market(over: Partial<OptionMarket> = {}): OptionMarket {
  const m = makeOptionMarket(flatSurface(0.8));
  m.spot = 30_000;
  m.nowMs = START_MS;
  m.yearMs = YEAR_MS;
  return Object.assign(m, over);
}

describe('quoteOption at mid', () => {
  it('fills at the Black-Scholes price of the surface vol (independent reference, 1e-9 relative)', () => {
    // Rows: [kind, strike, days, vol, rate]
    const rows: Array<[number, number, number, number, number]> = [
      [PUT, 24_000, 30, 0.8, 0],
      [PUT, 30_000, 7, 1.2, 0.03],
      [CALL, 36_000, 60, 0.6, 0.01],
      [CALL, 27_000, 14, 0.9, 0],
    ];
    for (const [kind, K, days, vol, r] of rows) {
      const m = market({ surface: flatSurface(vol), rate: r });
      const q = quoteOption(kind, K, START_MS + days * DAY_MS, 3, m, MID, makeOptionQuote());
      const ref = bsRef.blackScholes(m.spot, K, (days * DAY_MS) / YEAR_MS, vol, r, kind === CALL ? 'call' : 'put');
      expect(Math.abs(q.price - ref) / ref, JSON.stringify({ kind, K, days, vol, r, got: q.price, ref })).toBeLessThan(1e-9);
      expect(q.cost).toBe(0);
    }
  });

  it('put-call parity holds for fills at mid on a skewed surface (1e-10 of spot)', () => {
    const surface = skewedSurface(0.9);
    for (const [K, days, r, qd] of [
      [18_000, 7, 0, 0],
      [27_000, 30, 0.04, 0.01],
      [30_000, 90, 0.02, 0],
      [40_000, 3, 0, 0.02],
    ] as const) {
      const m = market({ surface, rate: r, dividend: qd });
      const exp = START_MS + days * DAY_MS;
      const c = quoteOption(CALL, K, exp, 1, m, MID, makeOptionQuote()).price;
      const p = quoteOption(PUT, K, exp, -1, m, MID, makeOptionQuote()).price;
      const T = (days * DAY_MS) / YEAR_MS;
      const parity = m.spot * Math.exp(-qd * T) - K * Math.exp(-r * T);
      expect(Math.abs(c - p - parity) / m.spot, JSON.stringify({ K, days, r, qd, c, p })).toBeLessThan(1e-10);
    }
  });

  it('an expired option is quoted at its intrinsic value', () => {
    const m = market({ spot: 25_000 });
    expect(quoteOption(PUT, 28_000, START_MS, 1, m, MID, makeOptionQuote()).price).toBe(3_000);
    expect(quoteOption(CALL, 28_000, START_MS - DAY_MS, 1, m, MID, makeOptionQuote()).price).toBe(0);
  });
});

describe('quoteOption with the spread model', () => {
  it('half-spread in vol points: hand-computed 0.01 · 2 · (1 + 5 · 0.1) = 0.03 of vol, times the reference vega', () => {
    expect(spreadHalfVol(SPREAD, 2, 0.1)).toBeCloseTo(0.03, 15);
    const m = market({ volRatio: 2, drawdown: 0.1 });
    const K = 27_000;
    const T = (30 * DAY_MS) / YEAR_MS;
    const vegaRef = greeksRef.getVega(m.spot, K, T, 0.8, 0) * 100; // the package gives vega per vol point
    const buy = quoteOption(PUT, K, START_MS + 30 * DAY_MS, 2, m, SPREAD, makeOptionQuote());
    const sell = quoteOption(PUT, K, START_MS + 30 * DAY_MS, -2, m, SPREAD, makeOptionQuote());
    expect(Math.abs(buy.price - buy.theo - 0.03 * vegaRef) / (0.03 * vegaRef)).toBeLessThan(1e-9);
    expect(Math.abs(sell.theo - sell.price - 0.03 * vegaRef) / (0.03 * vegaRef)).toBeLessThan(1e-9);
    // Cost of the whole order: |qty| · half-spread, positive both ways.
    expect(buy.cost).toBeCloseTo(2 * 0.03 * buy.vega, 6);
    expect(sell.cost).toBeCloseTo(2 * 0.03 * sell.vega, 6);
  });

  it('the spread widens with vol and with drawdown, and never narrows below calm', () => {
    const K = 27_000;
    const exp = START_MS + 14 * DAY_MS;
    const width = (volRatio: number, drawdown: number): number => {
      const m = market({ volRatio, drawdown });
      return quoteOption(PUT, K, exp, 1, m, SPREAD, makeOptionQuote()).price - quoteOption(PUT, K, exp, -1, m, SPREAD, makeOptionQuote()).price;
    };
    const ratios = [0.5, 1, 1.5, 2, 4, 8];
    const byVol = ratios.map((r) => width(r, 0));
    expect(byVol[0]).toBe(byVol[1]);
    for (let i = 2; i < ratios.length; i++) expect(byVol[i], `vol ratio ${ratios[i]}: ${byVol}`).toBeGreaterThan(byVol[i - 1]);
    const dds = [0, 0.05, 0.1, 0.3];
    const byDd = dds.map((d) => width(2, d));
    for (let i = 1; i < dds.length; i++) expect(byDd[i], `drawdown ${dds[i]}: ${byDd}`).toBeGreaterThan(byDd[i - 1]);
  });

  it('the widening stops at the cap: 0.01 · 20 · (1 + 5 · 0.5) = 0.7 of vol is capped at 0.05', () => {
    expect(spreadHalfVol(SPREAD, 20, 0.5)).toBe(0.05);
    expect(spreadHalfVol(SPREAD, 4, 0)).toBeCloseTo(0.04, 15);
    const K = 27_000;
    const exp = START_MS + 14 * DAY_MS;
    const m = market({ volRatio: 20, drawdown: 0.5 });
    const q = quoteOption(PUT, K, exp, 1, m, SPREAD, makeOptionQuote());
    expect(Math.abs(q.halfSpread - 0.05 * q.vega) / (0.05 * q.vega)).toBeLessThan(1e-12);
  });

  it('an option with almost no vega pays the tick floor, and a sell never fills below 0', () => {
    const m = market();
    // 1-day put 50% out of the money: theo and vega are ~0.
    const buy = quoteOption(PUT, 15_000, START_MS + DAY_MS, 1, m, SPREAD, makeOptionQuote());
    expect(buy.halfSpread).toBe(0.00025 * 30_000);
    const sell = quoteOption(PUT, 15_000, START_MS + DAY_MS, -1, m, SPREAD, makeOptionQuote());
    expect(sell.price).toBe(0);
    expect(sell.cost).toBeGreaterThanOrEqual(0);
    expect(sell.cost).toBeLessThan(1e-6);
  });
});

describe('quoteOption with the impact model', () => {
  it('charges S·Δ²·|q|/(2D), the linear-impact cost of the delta hedge, as a linear book measures it (to the curvature term x/3 + O(x²))', () => {
    const D = 2_000; // base units per unit log-price
    const m = market({ depthPerLogPrice: D });
    const K = 30_000;
    const qty = -40;
    const exp = START_MS + 30 * DAY_MS;
    const q = quoteOption(PUT, K, exp, qty, m, IMPACT, makeOptionQuote());
    const delta = greeksRef.getDelta(m.spot, K, (30 * DAY_MS) / YEAR_MS, 0.8, 0, 'put');
    const hand = (m.spot * delta * delta * Math.abs(qty)) / (2 * D);
    expect(Math.abs(q.halfSpread - hand) / hand).toBeLessThan(1e-9);
    // Independent: execute the hedge Δ·q in a linear book of the same depth with no spread.
    const book = new LinearImpactModel({ depth1PctQuote: D * 0.01 * m.spot, halfSpreadBps: 0, permanentFraction: 1, transientHalfLifeMs: 60_000 });
    book.startBar({ refPrice: m.spot, dtMs: 0, depthScale: 1, volPerSqrtYear: 0.8 });
    const fill = makeFill();
    // The counterparty buys the 40 puts (delta < 0 each) and hedges by buying |Δ q| units of spot.
    const hedge = delta * qty;
    book.execute(hedge, fill);
    const perUnit = fill.cost / Math.abs(qty);
    const x = Math.abs(hedge) / D;
    expect(Math.abs(q.halfSpread - perUnit) / perUnit, JSON.stringify({ got: q.halfSpread, book: perUnit, x })).toBeLessThan((x / 3) * (1 + x));
  });

  it('grows with order size and with thinner depth', () => {
    const exp = START_MS + 30 * DAY_MS;
    const h = (qty: number, D: number): number => quoteOption(PUT, 30_000, exp, qty, market({ depthPerLogPrice: D }), IMPACT, makeOptionQuote()).halfSpread;
    expect(h(20, 1_000)).toBeGreaterThan(h(10, 1_000));
    expect(h(10, 500)).toBeGreaterThan(h(10, 1_000));
    expect(h(10, 500)).toBeCloseTo(2 * h(10, 1_000), 9);
  });
});

describe('option fill schema', () => {
  it('rejects unknown keys and negative parameters', () => {
    expect(() => optionFillSchema.parse({ kind: 'spread', halfSpreadVol: -0.01 })).toThrow();
    expect(() => optionFillSchema.parse({ kind: 'mid', typo: 1 })).toThrow();
    expect(() => optionFillSchema.parse({ kind: 'bogus' })).toThrow();
  });
});
