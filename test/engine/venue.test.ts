import { describe, expect, it } from 'vitest';
import { Venue } from '../../src/engine/venue.js';
import { createLiquidityModel } from '../../src/market/factory.js';
import type { OrderFill } from '../../src/sim/fill.js';
import { Ledger, PARTY } from '../../src/sim/ledger.js';
import { OrderQueue } from '../../src/sim/orderQueue.js';
import { CAUSE_CODE, TradeLog } from '../../src/sim/tradeLog.js';

const BAR = 7;
const TIME = Date.UTC(2020, 2, 12);
const MID = 100;

/** An owner that copies what it is told (the record is reused, so it must copy). */
function recordingOwner(party: number, extraParties: readonly number[] = []): { party: number; extraParties: readonly number[]; told: OrderFill[]; onFill(f: OrderFill): void } {
  const told: OrderFill[] = [];
  return { party, extraParties, told, onFill: (f) => told.push({ ...f }) };
}

function setup(): { venue: Venue; ledger: Ledger; trades: TradeLog; dealer: ReturnType<typeof recordingOwner>; protocol: ReturnType<typeof recordingOwner> } {
  const liq = createLiquidityModel({ kind: 'linear', depth1PctQuote: 50_000, halfSpreadBps: 2, permanentFraction: 2 / 3, transientHalfLifeMs: 300_000 });
  liq.startBar({ refPrice: MID, dtMs: 0, depthScale: 1, volPerSqrtYear: 0.8 });
  const ledger = new Ledger();
  const trades = new TradeLog();
  const dealer = recordingOwner(PARTY.dealer);
  const protocol = recordingOwner(PARTY.protocol, [PARTY.auctionBidders]);
  const venue = new Venue(liq, ledger, trades, [dealer, protocol]);
  venue.beginBar(BAR, TIME);
  return { venue, ledger, trades, dealer, protocol };
}

describe('Venue: one cascade round against the market', () => {
  it('executes in submission order, moves the ledger against the counterparties, logs every fill and tells each owner once', () => {
    const { venue, ledger, trades, dealer, protocol } = setup();
    const orders = new OrderQueue(4);
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -30, 5);
    orders.push(PARTY.dealer, CAUSE_CODE.hedge, 12);
    orders.push(PARTY.auctionBidders, CAUSE_CODE.resale, -4, 9);
    // Nobody owns the strategy party here: its order executes, untold.
    orders.push(PARTY.strategy, CAUSE_CODE.strategy, 2);
    venue.execute(orders, 3);
    const info = JSON.stringify({ dealer: dealer.told, protocol: protocol.told });

    expect(trades.length, info).toBe(4);
    expect(Array.from(trades.size.subarray(0, 4)), info).toEqual([-30, 12, -4, 2]);
    // Each order starts at the mid the previous one left.
    for (let k = 1; k < 4; k++) expect(trades.midBefore[k], info).toBe(trades.midAfter[k - 1]);
    expect(protocol.told.map((f) => [f.party, f.cause, f.tag, f.size, f.bar, f.round]), info).toEqual([
      [PARTY.protocol, CAUSE_CODE.liquidation, 5, -30, BAR, 3],
      [PARTY.auctionBidders, CAUSE_CODE.resale, 9, -4, BAR, 3],
    ]);
    expect(dealer.told.map((f) => [f.party, f.cause, f.size, f.price, f.midBefore, f.midAfter, f.cost]), info).toEqual([
      [PARTY.dealer, CAUSE_CODE.hedge, 12, trades.price[1], trades.midBefore[1], trades.midAfter[1], trades.cost[1]],
    ]);
    expect(trades.time[0]).toBe(TIME);
    expect(trades.bar[3]).toBe(BAR);
    expect(trades.round[3]).toBe(3);
    // The counterparties took the other side of every fill: the ledger is conserved.
    expect(Math.abs(ledger.cashImbalance()), info).toBeLessThanOrEqual(1e-9);
    expect(ledger.assetImbalance(), info).toBe(0);
    expect(ledger.asset[PARTY.dealer]).toBe(12);
    expect(ledger.cash[PARTY.dealer]).toBe(-12 * trades.price[1]);
    expect(ledger.asset[PARTY.strategy]).toBe(2);
  });

  it("sums the bar's signed flow over its rounds and restarts it at the next bar", () => {
    const { venue, trades } = setup();
    const orders = new OrderQueue(4);
    orders.push(PARTY.dealer, CAUSE_CODE.hedge, 5);
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -8);
    venue.execute(orders, 0);
    orders.clear();
    orders.push(PARTY.dealer, CAUSE_CODE.hedge, 1.5);
    venue.execute(orders, 1);
    expect(venue.flowBase).toBe(trades.size[0] + trades.size[1] + trades.size[2]);
    venue.beginBar(BAR + 1, TIME + 60_000);
    expect(venue.flowBase).toBe(0);
  });
});
