/** What a row of strategy_orders.csv is about. */
export const ORDER_KINDS = ['market', 'limit', 'option', 'depositBackstop', 'withdrawBackstop', 'liquidation'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export const ORDER_STATUSES = ['accepted', 'rejected', 'filled', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Every request of the strategy and what became of it, one row per event
 * (accepted or rejected when asked, each fill, each cancel): written as
 * strategy_orders.csv. Orders are rare next to bars, so rows go to plain
 * arrays; nothing is written per bar.
 */
export class OrdersLog {
  readonly bar: number[] = [];
  readonly round: number[] = [];
  readonly id: number[] = [];
  readonly kind: OrderKind[] = [];
  /** Signed base units: asked for (accepted, rejected, cancelled: what was still open) or filled. */
  readonly size: number[] = [];
  /** Limit price, or fill price; NaN for a market order when asked. */
  readonly price: number[] = [];
  readonly status: OrderStatus[] = [];
  readonly reason: string[] = [];

  get length(): number {
    return this.bar.length;
  }

  add(bar: number, round: number, id: number, kind: OrderKind, size: number, price: number, status: OrderStatus, reason = ''): void {
    this.bar.push(bar);
    this.round.push(round);
    this.id.push(id);
    this.kind.push(kind);
    this.size.push(size);
    this.price.push(price);
    this.status.push(status);
    this.reason.push(reason);
  }

  count(status: OrderStatus): number {
    let n = 0;
    for (const s of this.status) if (s === status) n++;
    return n;
  }
}
