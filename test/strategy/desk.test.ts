import { describe, expect, it } from 'vitest';
import { StrategyDesk, type DeskHost } from '../../src/strategy/desk.js';
import { OrdersLog } from '../../src/strategy/ordersLog.js';
import { RestingOrders } from '../../src/strategy/restingOrders.js';

/** A host at a fixed mid with a given book; market orders are only recorded. */
function desk(cash: number, pos: number, maxLeverage: number, mid = 100) {
  const sent: Array<[number, number]> = [];
  const host: DeskHost = { bar: 3, round: 1, cash: () => cash, position: () => pos, mid: () => mid, sendMarket: (id, size) => sent.push([id, size]) };
  const resting = new RestingOrders(0);
  const log = new OrdersLog();
  return { d: new StrategyDesk(host, resting, log, { maxLeverage }), sent, resting, log };
}

describe('the order desk: capital and leverage checks, by hand', () => {
  it('cash only (leverage 1): 10,000 quote buys 100 units at 100 and not 101; open bids count against the cash', () => {
    const { d, sent, log } = desk(10_000, 0, 1);
    expect(d.market(101)).toBe(-1);
    expect(d.market(100)).toBe(1);
    expect(sent).toEqual([[1, 100]]);
    const { d: d2, log: log2 } = desk(10_000, 0, 1);
    // A bid of 60 at 95 reserves 5,700; a market buy of 50 (5,000 at the mid) no longer fits.
    expect(d2.limit(60, 95)).toBe(0);
    expect(d2.market(50)).toBe(-1);
    expect(log2.status).toEqual(['accepted', 'rejected']);
    expect(log2.reason[1]).toMatch(/exceeds 1 x equity|needs 10700.00 quote of cash/);
    expect(log.status).toEqual(['rejected', 'accepted']);
  });

  it('leverage 3: equity 10,000 (cash 5,000 + 50 units at 100) may hold 300 units, and sell down to −300', () => {
    const { d } = desk(5_000, 50, 3);
    expect(d.market(250)).toBeGreaterThanOrEqual(0);
    expect(d.market(251)).toBe(-1);
    expect(d.market(-350)).toBeGreaterThanOrEqual(0);
    expect(d.market(-351)).toBe(-1);
  });

  it('reducing the position is allowed even with no equity left; growing it is not', () => {
    const { d, log } = desk(-6_000, 50, 5, 100); // equity −1,000
    expect(d.market(-20)).toBeGreaterThanOrEqual(0);
    expect(d.market(1)).toBe(-1);
    expect(d.market(-60)).toBe(-1); // would flip to a short
    expect(log.reason[1]).toBe('equity is -1000.00 quote');
  });

  it('invalid sizes and prices are rejected with the reason; cancel logs what was open', () => {
    const { d, log, resting } = desk(1e6, 0, 1);
    expect(d.market(Number.NaN)).toBe(-1);
    expect(d.limit(1, 0)).toBe(-1);
    const id = d.limit(2, 90);
    expect(resting.count).toBe(1);
    expect(d.cancel(id)).toBe(true);
    expect(d.cancel(id)).toBe(false);
    expect(d.option({ kind: 'put', strike: 80, expiryMs: 0, qtyBase: 1 })).toBe(-1);
    expect(log.status).toEqual(['rejected', 'rejected', 'accepted', 'cancelled', 'rejected']);
    expect(log.reason[4]).toBe('option orders are not available in this build');
    expect(log.bar.every((b) => b === 3) && log.round.every((r) => r === 1)).toBe(true);
  });
});
