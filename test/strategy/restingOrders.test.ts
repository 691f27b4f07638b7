import { describe, expect, it } from 'vitest';
import { Venue } from '../../src/engine/venue.js';
import type { OrderBookModel } from '../../src/market/book.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import { makeFill } from '../../src/market/liquidity.js';
import type { LiquidityConfig } from '../../src/market/config.js';
import type { OrderFill } from '../../src/sim/fill.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { OrderQueue } from '../../src/sim/orderQueue.js';
import { CAUSE_CODE, TradeLog } from '../../src/sim/tradeLog.js';
import { RestingOrders } from '../../src/strategy/restingOrders.js';

/**
 * Resting limit orders in the venue (docs/strategies.md#resting-orders),
 * pinned by hand on the linear model, whose path has a closed form: from a
 * mid M, q base units move ln(mid) by q/D, so the mid reaches a price p after
 * q = D·ln(p/M), and the average price of that piece is M·(e^x − 1)/x with
 * x = q/D.
 */
const MID = 100;
/** Depth D = 1000 base per unit log-price: depth1PctQuote = D · 0.01 · M. */
const D = 1000;
const BID = 99;
const BID_SIZE = 5;
const SELL = -20;

function linear(): LiquidityConfig {
  return { kind: 'linear', depth1PctQuote: D * 0.01 * MID, halfSpreadBps: 0, permanentFraction: 1, transientHalfLifeMs: 60_000 };
}

function setup(resting: RestingOrders | null, cfg: LiquidityConfig = linear()) {
  const liq = createLiquidityModel(cfg);
  liq.startBar({ refPrice: MID, dtMs: 0, depthScale: 1, volPerSqrtYear: 0.8 });
  const ledger = new Ledger();
  ledger.endow(PARTY.protocol, 0, 100);
  ledger.endow(PARTY.strategy, 1e6, 0);
  const trades = new TradeLog();
  const told: OrderFill[] = [];
  const strategyTold: OrderFill[] = [];
  const owners = [
    { party: PARTY.protocol, onFill: (f: OrderFill) => told.push({ ...f }) },
    { party: PARTY.strategy, onFill: (f: OrderFill) => strategyTold.push({ ...f }) },
  ];
  const venue = new Venue(liq, ledger, trades, owners, resting);
  venue.beginBar(3, Date.UTC(2020, 2, 12));
  return { liq, ledger, trades, venue, told, strategyTold };
}

describe('resting orders in the venue', () => {
  it('a forced seller walks the model down to the bid, trades with it at its price, then goes on against the model', () => {
    const resting = new RestingOrders(PARTY.strategy);
    resting.add(7, BID_SIZE, BID);
    const { liq, ledger, trades, venue, told, strategyTold } = setup(resting);
    const orders = new OrderQueue(2);
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, SELL, 11);
    venue.execute(orders, 0);

    // By hand: first piece to the bid, the bid, the rest from 99.
    const q1 = D * Math.log(BID / MID); // −10.0503...
    const p1 = MID * (Math.expm1(q1 / D) / (q1 / D));
    const q2 = SELL - q1 + BID_SIZE; // −4.9497...
    const p2 = BID * (Math.expm1(q2 / D) / (q2 / D));
    const sellerQuote = q1 * p1 - BID_SIZE * BID + q2 * p2;
    // The bid absorbed 5 of the 20: the mid ends where 15 units of model flow put it.
    expect(liq.mid()).toBeCloseTo(MID * Math.exp((SELL + BID_SIZE) / D), 10);
    expect(told).toHaveLength(1);
    expect(told[0].size).toBe(SELL);
    expect(told[0].price).toBeCloseTo(sellerQuote / SELL, 9);
    expect(told[0].midBefore).toBe(MID);
    expect(strategyTold.map((f) => [f.size, f.price, f.tag, f.cause, f.round])).toEqual([[BID_SIZE, BID, 7, CAUSE_CODE.strategy, 0]]);
    expect(resting.count).toBe(0);
    // Two rows: the strategy's fill at the bid, then the seller's whole order.
    expect(Array.from(trades.cause.subarray(0, 2))).toEqual([CAUSE_CODE.strategy, CAUSE_CODE.liquidation]);
    expect(Array.from(trades.party.subarray(0, 2))).toEqual([PARTY.strategy, PARTY.protocol]);
    expect(ledger.asset[PARTY.strategy]).toBe(BID_SIZE);
    expect(ledger.cash[PARTY.strategy]).toBeCloseTo(1e6 - BID_SIZE * BID, 9);
    expect(ledger.cash[PARTY.protocol]).toBeCloseTo(-sellerQuote, 8);
    expect(Math.abs(ledger.cashImbalance())).toBeLessThan(1e-8);
    expect(Math.abs(ledger.assetImbalance())).toBeLessThan(1e-12);
  });

  it('a seller that stops short of the bid never meets it, and the bid keeps resting', () => {
    const resting = new RestingOrders(PARTY.strategy);
    resting.add(1, BID_SIZE, 90);
    const { liq, venue, strategyTold } = setup(resting);
    const orders = new OrderQueue(2);
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, SELL, 0);
    venue.execute(orders, 0);
    expect(liq.mid()).toBeCloseTo(MID * Math.exp(SELL / D), 12);
    expect(strategyTold).toHaveLength(0);
    expect(resting.count).toBe(1);
  });

  it('a bid above the mid (the price gapped through it) buys up the model to its price, and the rest keeps resting', () => {
    const resting = new RestingOrders(PARTY.strategy);
    resting.add(2, 50, 101);
    // The bar start (setup calls beginBar) finds the bid above the mid and sweeps it.
    const s = setup(resting);
    const q = D * Math.log(101 / MID); // 9.9503...
    expect(s.liq.mid()).toBeCloseTo(101, 9);
    expect(s.strategyTold).toHaveLength(1);
    expect(s.strategyTold[0].size).toBeCloseTo(q, 9);
    expect(s.strategyTold[0].price).toBeCloseTo(MID * (Math.expm1(q / D) / (q / D)), 9);
    // Never above the limit.
    expect(s.strategyTold[0].price).toBeLessThanOrEqual(101);
    expect(resting.count).toBe(1);
    expect(resting.size[0]).toBeCloseTo(50 - q, 9);
    expect(s.trades.party[0]).toBe(PARTY.strategy);
  });

  it('book: a resting bid inside the spread is the best bid, and a seller meets it before any level of the book', () => {
    // The book's mid is the midpoint of its touches. After two sales a minute apart the bids are emptied below R
    // while the asks followed R: a bid between the best bid and the mid is the best bid. Met at the mid, it would
    // wait while sellers sold the book's levels under its price.
    const cfg = { kind: 'book', permanentFraction: 0.5, transientHalfLifeMs: 60_000, refillHalfLifeMs: 60_000, probeBps: 10, levels: { source: 'grid', depth1PctQuote: 100_000, levelsPerSide: 50, levelSpacingBps: 10, halfSpreadBps: 1, profileExponent: 0 } } as LiquidityConfig;
    const resting = new RestingOrders(PARTY.strategy);
    const { liq, trades, venue, strategyTold, told } = setup(resting, cfg);
    const book = liq as OrderBookModel;
    liq.execute(-500, makeFill());
    liq.startBar({ refPrice: MID, dtMs: 60_000, depthScale: 1, volPerSqrtYear: 0.8 });
    venue.beginBar(4, Date.UTC(2020, 2, 12, 0, 1));
    liq.execute(-500, makeFill());
    const bid = book.touch(-1);
    const mid = liq.mid();
    expect(Math.log(mid / bid)).toBeGreaterThan(0.001);
    const price = Math.sqrt(bid * mid);
    resting.add(1, 4, price);
    const orders = new OrderQueue(2);
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -3, 0);
    venue.execute(orders, 0);
    // The whole sale trades with the resting bid at its price; the book is not touched.
    expect(strategyTold.reduce((a, f) => a + f.size, 0)).toBeCloseTo(3, 12);
    expect(told[0].price).toBeCloseTo(price, 12);
    expect(trades.cause[trades.length - 2]).toBe(CAUSE_CODE.strategy);
    expect(book.touch(-1)).toBe(bid);
    expect(liq.mid()).toBe(mid);
  });

  for (const cfg of [
    linear(),
    { kind: 'sqrt', dailyVolumeBase: 20_000, impactPrefactor: 0.7, halfSpreadBps: 1, permanentFraction: 0.5, transientHalfLifeMs: 60_000, slopeFloorFractionOfDailyVolume: 1e-4, referenceMetaorderFractionOfDailyVolume: 0.01 } as LiquidityConfig,
    { kind: 'book', permanentFraction: 0.5, transientHalfLifeMs: 60_000, refillHalfLifeMs: 60_000, probeBps: 10, levels: { source: 'grid', depth1PctQuote: 100_000, levelsPerSide: 50, levelSpacingBps: 10, halfSpreadBps: 1, profileExponent: 0 } } as LiquidityConfig,
  ]) {
    it(`${cfg.kind}: with no open resting order every fill is bit for bit the plain venue's`, () => {
      const a = setup(null, cfg);
      const b = setup(new RestingOrders(PARTY.strategy), cfg);
      for (const s of [a, b]) {
        const orders = new OrderQueue(4);
        orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -7, 0);
        orders.push(PARTY.protocol, CAUSE_CODE.liquidation, 3, 0);
        s.venue.execute(orders, 0);
      }
      expect(Array.from(b.trades.price.subarray(0, 2))).toEqual(Array.from(a.trades.price.subarray(0, 2)));
      expect(b.liq.mid()).toBe(a.liq.mid());
    });

    it(`${cfg.kind}: a resting bid absorbs the flow it fills, so the seller moves the mid less`, () => {
      const plain = setup(null, cfg);
      const resting = new RestingOrders(PARTY.strategy);
      const withBid = setup(resting, cfg);
      const run = (s: typeof plain): void => {
        const orders = new OrderQueue(2);
        orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -30, 0);
        s.venue.execute(orders, 0);
      };
      const start = plain.liq.mid();
      run(plain);
      // Halfway down the plain seller's path: the seller must meet it.
      resting.add(1, 4, start - 0.5 * (start - plain.liq.mid()));
      run(withBid);
      expect(withBid.strategyTold.reduce((a, f) => a + f.size, 0)).toBeCloseTo(4, 9);
      expect(withBid.liq.mid()).toBeGreaterThan(plain.liq.mid());
      // The seller got a better average price.
      expect(withBid.told[0].price).toBeGreaterThan(plain.told[0].price);
      expect(Math.abs(withBid.ledger.cashImbalance())).toBeLessThan(1e-6);
    });
  }
});
