/** Why a fill happened; the code is what the hot path stores. */
export const TRADE_CAUSES = ['hedge', 'liquidation', 'strategy', 'auction', 'deleverage', 'herding', 'resale'] as const;
export type TradeCause = (typeof TRADE_CAUSES)[number];
export const CAUSE_CODE: Readonly<Record<TradeCause, number>> = Object.fromEntries(
  TRADE_CAUSES.map((c, i) => [c, i]),
) as Record<TradeCause, number>;

/**
 * Every fill of the run, columnar. Capacity doubles when full, so the
 * amortized cost per fill is constant and most bars allocate nothing.
 */
export class TradeLog {
  length = 0;
  time: Float64Array<ArrayBuffer> = new Float64Array(1024);
  bar = new Float64Array(1024);
  round = new Float64Array(1024);
  cause = new Uint8Array(1024);
  size = new Float64Array(1024);
  price = new Float64Array(1024);
  midBefore = new Float64Array(1024);
  midAfter = new Float64Array(1024);
  cost = new Float64Array(1024);
  /**
   * Ledger party that sent the order, −1 where the writer did not say (off-book
   * fills). Written to trades.csv only when a strategy ran, so a run without
   * one keeps its file byte for byte.
   */
  party = new Int8Array(1024).fill(-1);

  push(time: number, bar: number, round: number, cause: number, size: number, price: number, midBefore: number, midAfter: number, cost: number): void {
    if (this.length === this.time.length) this.grow(this.time.length * 2);
    const k = this.length++;
    this.time[k] = time;
    this.bar[k] = bar;
    this.round[k] = round;
    this.cause[k] = cause;
    this.size[k] = size;
    this.price[k] = price;
    this.midBefore[k] = midBefore;
    this.midAfter[k] = midAfter;
    this.cost[k] = cost;
    this.party[k] = -1;
  }

  /**
   * Makes room for `capacity` fills at once, so a run that knows roughly how
   * many it will log (the engine: about one per bar) copies nothing while it
   * runs. Never shrinks.
   */
  reserve(capacity: number): void {
    if (this.time.length < capacity) this.grow(capacity);
  }

  /** Drops fills after `length` (used when a tried bar is rolled back). */
  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }

  private grow(cap: number): void {
    const growF = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.time = growF(this.time);
    this.bar = growF(this.bar);
    this.round = growF(this.round);
    const c = new Uint8Array(cap);
    c.set(this.cause);
    this.cause = c;
    this.size = growF(this.size);
    this.price = growF(this.price);
    this.midBefore = growF(this.midBefore);
    this.midAfter = growF(this.midAfter);
    this.cost = growF(this.cost);
    const p = new Int8Array(cap).fill(-1);
    p.set(this.party);
    this.party = p;
  }
}
