import type { OptionOrder, StrategyOrders } from './api.js';
import type { OrderKind, OrdersLog } from './ordersLog.js';
import type { RestingOrders } from './restingOrders.js';

/** What the desk needs from where it executes: the simulated venue (agent) or the historical closes (naive twin). */
export interface DeskHost {
  /** Current bar and cascade round (−1 outside the rounds). */
  readonly bar: number;
  readonly round: number;
  cash(): number;
  position(): number;
  mid(): number;
  /** Sends an accepted market order. */
  sendMarket(id: number, size: number): void;
  /** Holdings beyond cash and spot that count toward equity (options at their marks, a backstop stake), quote; 0 when absent. */
  otherEquity?(): number;
}

export interface DeskLimits {
  /** Largest gross position value over equity an order may leave, counting open limit orders as filled. */
  readonly maxLeverage: number;
}

/**
 * The orders a strategy may send, checked against its capital before they
 * go anywhere (docs/strategies.md#capital-and-margin). A request it cannot
 * fund is rejected and logged with the reason; the strategy is told by a
 * return value of −1. Shared by the simulated run and the naive twin, so
 * both check the same way.
 */
export class StrategyDesk implements StrategyOrders {
  private nextId = 0;
  /** Kind of each order by id (ids count from 0). */
  readonly kindById: OrderKind[] = [];
  private readonly host: DeskHost;
  private readonly resting: RestingOrders;
  readonly log: OrdersLog;
  private readonly limits: DeskLimits;
  /** Options, backstop deposits and withdrawals, when a host provides them (options layer). */
  extra: Partial<Pick<StrategyOrders, 'option' | 'depositBackstop' | 'withdrawBackstop'>> = {};

  constructor(host: DeskHost, resting: RestingOrders, log: OrdersLog, limits: DeskLimits) {
    this.host = host;
    this.resting = resting;
    this.log = log;
    this.limits = limits;
  }

  /** A fresh order id of `kind`. */
  newId(kind: OrderKind): number {
    const id = this.nextId++;
    this.kindById[id] = kind;
    return id;
  }

  market(sizeBase: number): number {
    const h = this.host;
    const id = this.newId('market');
    const why = this.refusal(sizeBase, h.mid());
    if (why !== null) {
      this.log.add(h.bar, h.round, id, 'market', sizeBase, Number.NaN, 'rejected', why);
      return -1;
    }
    this.log.add(h.bar, h.round, id, 'market', sizeBase, Number.NaN, 'accepted');
    h.sendMarket(id, sizeBase);
    return id;
  }

  limit(sizeBase: number, price: number): number {
    const h = this.host;
    const id = this.newId('limit');
    const why = !(price > 0) || !Number.isFinite(price) ? `limit price must be finite and > 0, got ${price}` : this.refusal(sizeBase, price);
    if (why !== null) {
      this.log.add(h.bar, h.round, id, 'limit', sizeBase, price, 'rejected', why);
      return -1;
    }
    this.log.add(h.bar, h.round, id, 'limit', sizeBase, price, 'accepted');
    this.resting.add(id, sizeBase, price);
    return id;
  }

  cancel(id: number): boolean {
    const k = this.resting.indexOf(id);
    if (k < 0) return false;
    const h = this.host;
    this.log.add(h.bar, h.round, id, 'limit', this.resting.size[k], this.resting.price[k], 'cancelled');
    this.resting.removeAt(k);
    return true;
  }

  cancelAll(): number {
    const n = this.resting.count;
    while (this.resting.count > 0) this.cancel(this.resting.id[0]);
    return n;
  }

  option(order: OptionOrder): number {
    return this.extra.option ? this.extra.option(order) : this.unavailable('option', order.qtyBase, 'option orders are not available in this build');
  }

  depositBackstop(quote: number): number {
    return this.extra.depositBackstop ? this.extra.depositBackstop(quote) : this.unavailable('depositBackstop', quote, 'backstop deposits are not available in this build');
  }

  withdrawBackstop(quote: number): number {
    return this.extra.withdrawBackstop ? this.extra.withdrawBackstop(quote) : this.unavailable('withdrawBackstop', quote, 'backstop withdrawals are not available in this build');
  }

  private unavailable(kind: OrderKind, size: number, why: string): number {
    const h = this.host;
    this.log.add(h.bar, h.round, this.newId(kind), kind, size, Number.NaN, 'rejected', why);
    return -1;
  }

  /**
   * Why an order of `size` valued at `price` cannot be funded, or null. The
   * gross position value after it, with every open limit order on the same
   * side counted as filled, may be at most maxLeverage × equity (valued at
   * the mid); at a leverage of 1 a buy also needs the cash for itself and
   * the open bids at their prices. Reducing the position is always allowed.
   */
  refusal(size: number, price: number): string | null {
    if (!Number.isFinite(size) || size === 0) return `size must be finite and non-zero, got ${size}`;
    const h = this.host;
    const mid = h.mid();
    const cash = h.cash();
    const pos = h.position();
    const equity = cash + pos * mid + (h.otherEquity ? h.otherEquity() : 0);
    const open = size > 0 ? this.resting.openBids() : this.resting.openAsks();
    // An order that only brings the position (with the open orders on its side) closer to flat is always allowed.
    if (Math.abs(pos + size + open) <= Math.abs(pos) && Math.sign(pos + size + open) !== -Math.sign(pos)) return null;
    if (!(equity > 0)) return `equity is ${fmt(equity)} quote`;
    const after = Math.abs(pos + size + open) * Math.max(mid, price);
    const allowed = this.limits.maxLeverage * equity;
    if (after > allowed * (1 + 1e-12)) {
      return `position value after it ${fmt(after)} quote exceeds ${this.limits.maxLeverage} x equity ${fmt(equity)} quote`;
    }
    if (size > 0 && this.limits.maxLeverage <= 1) {
      let reserved = 0;
      for (let k = 0; k < this.resting.count; k++) if (this.resting.size[k] > 0) reserved += this.resting.size[k] * this.resting.price[k];
      const need = size * price + reserved;
      if (need > cash * (1 + 1e-12)) return `needs ${fmt(need)} quote of cash (with open bids), has ${fmt(cash)}`;
    }
    return null;
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}
