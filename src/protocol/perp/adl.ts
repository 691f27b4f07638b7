/**
 * Auto-deleveraging (docs/model.md#auto-deleveraging): when the insurance
 * fund cannot take a bankrupt long's loss, the long is closed against the
 * short side at its bankruptcy price, off the book, shorts taken in queue
 * order. The queue ranks each short by profit ratio × effective leverage
 * (the Binance and Hyperliquid ADL ordering):
 *
 *   uPnL  = size · (entry − mark)          equity = margin + uPnL
 *   ratio = uPnL / margin                  lev    = size · mark / equity
 *   score = ratio · lev  if uPnL > 0,  ratio / lev  otherwise
 *
 * so the most profitable, most levered shorts go first and losing ones last
 * (a short with equity ≤ 0 scores −∞). Equal scores go by account index, so
 * a replayed bar deleverages in the same order. The queue is ranked once per
 * cascade round, at that round's mark: venues refresh their queue
 * periodically, not after every fill.
 */
import type { ShortBook } from './shorts.js';

export function adlScore(size: number, entry: number, margin: number, mark: number): number {
  const pnl = size * (entry - mark);
  const equity = margin + pnl;
  if (!(equity > 0)) return -Infinity;
  const ratio = pnl / margin;
  const lev = (size * mark) / equity;
  return pnl > 0 ? ratio * lev : ratio / lev;
}

/** ADL fills, appended as they happen (struct of arrays; truncated on rollback). */
export class AdlEvents {
  length = 0;
  time: Float64Array<ArrayBuffer> = new Float64Array(64);
  bar: Float64Array<ArrayBuffer> = new Float64Array(64);
  /** Short account deleveraged. */
  account: Float64Array<ArrayBuffer> = new Float64Array(64);
  /** Long account whose bankruptcy was closed. */
  bankrupt: Float64Array<ArrayBuffer> = new Float64Array(64);
  /** Signed size closed on the deleveraged account: negative for a short. */
  size: Float64Array<ArrayBuffer> = new Float64Array(64);
  price: Float64Array<ArrayBuffer> = new Float64Array(64);
  /** 1-based place in the round's queue. */
  rank: Float64Array<ArrayBuffer> = new Float64Array(64);
  score: Float64Array<ArrayBuffer> = new Float64Array(64);

  push(time: number, bar: number, account: number, bankrupt: number, size: number, price: number, rank: number, score: number): void {
    if (this.length === this.time.length) this.grow();
    const k = this.length++;
    this.time[k] = time;
    this.bar[k] = bar;
    this.account[k] = account;
    this.bankrupt[k] = bankrupt;
    this.size[k] = size;
    this.price[k] = price;
    this.rank[k] = rank;
    this.score[k] = score;
  }

  private grow(): void {
    const g = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.time = g(this.time); this.bar = g(this.bar); this.account = g(this.account); this.bankrupt = g(this.bankrupt);
    this.size = g(this.size); this.price = g(this.price); this.rank = g(this.rank); this.score = g(this.score);
  }
}

export class AdlQueue {
  private readonly order: Int32Array;
  private readonly scores: Float64Array;
  private count = 0;
  private cursor = 0;

  constructor(private readonly shorts: ShortBook) {
    this.order = new Int32Array(shorts.capacity);
    this.scores = new Float64Array(shorts.capacity);
  }

  /** Ranks every short with size > 0 at `mark`. */
  rank(mark: number): void {
    const s = this.shorts;
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      if (!(s.size[i] > 0)) continue;
      this.scores[i] = adlScore(s.size[i], s.entry[i], s.margin[i], mark);
      this.order[n++] = i;
    }
    const scores = this.scores;
    this.order.subarray(0, n).sort((a, b) => (scores[b] > scores[a] ? 1 : scores[b] < scores[a] ? -1 : a - b));
    this.count = n;
    this.cursor = 0;
  }

  /** The ranked order (first `length` entries), for tests and the report. */
  ranked(): Int32Array {
    return this.order.subarray(0, this.count);
  }

  /**
   * Closes up to `qty` base units of short against a bankrupt long at
   * `price`, shorts in queue order; each short books size·(entry − price)
   * into its margin. Returns the units closed (less than `qty` when the
   * short side runs out).
   */
  deleverage(qty: number, price: number, bankrupt: number, time: number, bar: number, events: AdlEvents): number {
    const s = this.shorts;
    let left = qty;
    while (left > 0 && this.cursor < this.count) {
      const j = this.order[this.cursor];
      const avail = s.size[j];
      if (!(avail > 0)) {
        this.cursor++;
        continue;
      }
      const q = avail <= left ? avail : left;
      s.size[j] = avail - q;
      s.margin[j] += q * (s.entry[j] - price);
      events.push(time, bar, j, bankrupt, -q, price, this.cursor + 1, this.scores[j]);
      left -= q;
      if (s.size[j] === 0) this.cursor++;
    }
    return qty - left;
  }
}
