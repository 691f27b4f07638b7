import { describe, expect, it } from 'vitest';
import { optionFillSchema, optionMarginSchema } from '../../../src/config/strategyOptionsSchema.js';
import { blackScholes } from '../../../src/pricing/blackScholes.js';
import { makeOptionMarket, makeOptionQuote, quoteOption } from '../../../src/strategy/options/fillModel.js';
import { shortInitialMargin } from '../../../src/strategy/options/margin.js';
import { StrategyOptions } from '../../../src/strategy/options/positions.js';
import { DAY_MS, flatSurface, skewedSurface, START_MS, YEAR_MS } from '../../dealer/helpers.js';

const CALL = 1;
const PUT = -1;
const EXP = START_MS + 7 * DAY_MS;

describe('StrategyOptions.apply and compact', () => {
  it('nets a buy-back against the short it closes; compact drops closed slots and keeps the order', () => {
    const o = new StrategyOptions(3);
    o.apply(PUT, 90, EXP, -5);
    o.apply(PUT, 90, EXP, 2);
    expect(o.held(PUT, 90, EXP)).toBe(-3);
    expect(o.book.length).toBe(1);
    o.apply(CALL, 110, EXP, 1);
    o.apply(PUT, 90, EXP, 3);
    expect(o.held(PUT, 90, EXP)).toBe(0);
    o.apply(PUT, 80, EXP, 2);
    expect(o.book.length).toBe(3);
    expect(() => o.apply(PUT, 70, EXP, 1)).toThrow(/capacity/);
    o.compact();
    expect(o.book.length).toBe(2);
    expect([o.book.strike[0], o.book.qty[0], o.book.strike[1], o.book.qty[1]]).toEqual([110, 1, 80, 2]);
    o.apply(PUT, 70, EXP, 1);
    expect(o.book.length).toBe(3);
  });
});

describe('StrategyOptions.settle: cash settlement at expiry against the simulated price', () => {
  // Rows: [settlement spot, cash] for short 2 puts K = 90 and long 1 call K = 110, by hand.
  const rows: Array<[number, number]> = [
    [80, -2 * 10], // put pays 10 each, call 0
    [100, 0], // both out of the money
    [120, 10], // call pays 10
    [90, 0], // exactly at the put strike
  ];
  for (const [spot, cash] of rows) {
    it(`at S = ${spot} the strategy receives ${cash}`, () => {
      const o = new StrategyOptions(4);
      o.apply(PUT, 90, EXP, -2);
      o.apply(CALL, 110, EXP, 1);
      o.apply(PUT, 70, EXP + DAY_MS, -1); // not yet expired: kept
      expect(o.settle(EXP - 1, spot)).toBe(0);
      expect(o.book.length).toBe(3);
      expect(o.settle(EXP, spot)).toBe(cash);
      expect(o.book.length).toBe(1);
      expect(o.held(PUT, 70, EXP + DAY_MS)).toBe(-1);
    });
  }
});

describe('StrategyOptions.value', () => {
  it('marks at the fill model\'s mid price, with greeks matching Black-Scholes and central differences', () => {
    const surface = flatSurface(0.8);
    const m = makeOptionMarket(surface);
    m.spot = 30_000;
    m.nowMs = START_MS;
    m.yearMs = YEAR_MS;
    const o = new StrategyOptions(4);
    o.apply(PUT, 25_000, START_MS + 30 * DAY_MS, -4);
    o.apply(CALL, 33_000, START_MS + 14 * DAY_MS, 1.5);
    const g = o.value(m);
    const mid = optionFillSchema.parse({ kind: 'mid' });
    const theoSum =
      -4 * quoteOption(PUT, 25_000, START_MS + 30 * DAY_MS, 1, m, mid, makeOptionQuote()).theo +
      1.5 * quoteOption(CALL, 33_000, START_MS + 14 * DAY_MS, 1, m, mid, makeOptionQuote()).theo;
    expect(Math.abs(g.value - theoSum)).toBeLessThan(1e-9 * Math.abs(theoSum));
    const at = (S: number, vol: number, t0: number): number =>
      -4 * blackScholes('put', S, 25_000, (START_MS + 30 * DAY_MS - t0) / YEAR_MS, vol).price +
      1.5 * blackScholes('call', S, 33_000, (START_MS + 14 * DAY_MS - t0) / YEAR_MS, vol).price;
    const h = 1;
    const fdDelta = (at(30_000 + h, 0.8, START_MS) - at(30_000 - h, 0.8, START_MS)) / (2 * h);
    const fdGamma = (at(30_000 + 10, 0.8, START_MS) - 2 * at(30_000, 0.8, START_MS) + at(30_000 - 10, 0.8, START_MS)) / 100;
    const fdVega = (at(30_000, 0.8 + 1e-4, START_MS) - at(30_000, 0.8 - 1e-4, START_MS)) / 2e-4;
    const dtMs = 60_000;
    const fdTheta = (at(30_000, 0.8, START_MS + dtMs) - at(30_000, 0.8, START_MS - dtMs)) / ((2 * dtMs) / YEAR_MS);
    expect(Math.abs(g.delta - fdDelta)).toBeLessThan(1e-6);
    expect(Math.abs(g.gamma - fdGamma) / Math.abs(fdGamma)).toBeLessThan(1e-5);
    expect(Math.abs(g.vega - fdVega) / Math.abs(fdVega)).toBeLessThan(1e-6);
    expect(Math.abs(g.theta - fdTheta) / Math.abs(fdTheta)).toBeLessThan(1e-5);
  });

  it('margin after valuation reads each short option\'s mark', () => {
    const m = makeOptionMarket(skewedSurface(0.9));
    m.spot = 30_000;
    m.nowMs = START_MS;
    m.yearMs = YEAR_MS;
    const o = new StrategyOptions(2);
    o.apply(PUT, 27_000, START_MS + 7 * DAY_MS, -2);
    o.value(m);
    const P = optionMarginSchema.parse({});
    const mark = o.book.price[0];
    expect(mark).toBeGreaterThan(0);
    const r = o.requirement(30_000, P);
    // 2 · (max(4500 − 3000, 3000) + mark)
    expect(r.initial).toBeCloseTo(2 * (3_000 + mark), 9);
    expect(r.initial).toBeCloseTo(2 * shortInitialMargin(PUT, 30_000, 27_000, mark, P), 9);
    expect(r.maintenance).toBeCloseTo(2 * (2_250 + mark), 9);
  });
});
