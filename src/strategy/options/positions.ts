/**
 * A strategy's option positions: the dealer's struct-of-arrays book
 * (dealer/book.ts) with one slot per contract (kind, strike, expiry), so a
 * buy-back nets against the short it closes instead of adding a second
 * line. Valued with the dealer's valuation (dealer/valuation.ts: surface
 * vol per option, Black-Scholes batch kernel, quantity-weighted greeks) and
 * settled in cash at expiry against the simulated price, as the dealer's
 * book is. Nothing here moves cash: callers apply the returned flows to the
 * ledger.
 */
import { OptionBook } from '../../dealer/book.js';
import { makeBookGreeks, valueBook, type BookGreeks } from '../../dealer/valuation.js';
import type { OptionMarginConfig } from '../../config/strategyOptionsSchema.js';
import { bookMargin, makeMarginRequirement, type MarginRequirement } from './margin.js';
import type { OptionMarket } from './fillModel.js';

export class StrategyOptions {
  readonly book: OptionBook;
  /** Greeks and value of the last {@link value} call, quote and base units (dealer/valuation.ts units). */
  readonly greeks: BookGreeks = makeBookGreeks();
  readonly margin: MarginRequirement = makeMarginRequirement();

  private readonly staging: OptionBook;

  constructor(capacity: number) {
    this.book = new OptionBook(capacity);
    this.staging = new OptionBook(capacity);
  }

  /** Slot of the contract, or −1. */
  find(kind: number, strike: number, expiryMs: number): number {
    const b = this.book;
    for (let i = 0; i < b.length; i++) {
      if (b.kind[i] === kind && b.strike[i] === strike && b.expiryMs[i] === expiryMs) return i;
    }
    return -1;
  }

  /** Signed quantity held of the contract, base units (0 when none). */
  held(kind: number, strike: number, expiryMs: number): number {
    const i = this.find(kind, strike, expiryMs);
    return i < 0 ? 0 : this.book.qty[i];
  }

  /**
   * Adds `qty` (+ bought, − sold) to the contract's slot, appending a slot
   * for a new contract. A closed slot (quantity 0) stays until
   * {@link compact}, so slot indices are stable within a bar.
   * @throws RangeError when a new contract does not fit in the capacity
   */
  apply(kind: number, strike: number, expiryMs: number, qty: number): number {
    const i = this.find(kind, strike, expiryMs);
    if (i >= 0) {
      this.book.qty[i] += qty;
      return i;
    }
    return this.book.add(strike, expiryMs, kind, qty);
  }

  /**
   * Drops closed slots (quantity 0), keeping the order of the others, so a
   * strategy that trades in and out keeps a small book. Output columns are
   * zeroed: value the book again before reading them. No allocation.
   */
  compact(): void {
    const b = this.book;
    let closed = false;
    for (let i = 0; i < b.length; i++) if (b.qty[i] === 0) closed = true;
    if (!closed) return;
    const s = this.staging;
    s.clear();
    for (let i = 0; i < b.length; i++) if (b.qty[i] !== 0) s.add(b.strike[i], b.expiryMs[i], b.kind[i], b.qty[i]);
    b.clear();
    b.addAll(s);
  }

  /**
   * Settles every option expired at `nowMs` against `spot` and drops it;
   * returns the cash the strategy receives, Σ qty · payoff (negative when
   * its short options finish in the money).
   */
  settle(nowMs: number, spot: number): number {
    return this.book.removeExpired(nowMs, spot);
  }

  /** Marks every option at the market's spot and surface; greeks and value into {@link greeks}. */
  value(m: OptionMarket): BookGreeks {
    return valueBook(this.book, m.spot, m.nowMs, m.surface, m.rate, m.dividend, this.greeks, m.yearMs);
  }

  /** Margin of the short options at `spot` with the marks of the last {@link value}, into {@link margin}. */
  requirement(spot: number, p: OptionMarginConfig): MarginRequirement {
    return bookMargin(this.book, spot, p, this.margin);
  }

  /** Σ |qty| over slots, base units: 0 when the strategy holds no options. */
  grossQty(): number {
    let s = 0;
    for (let i = 0; i < this.book.length; i++) s += Math.abs(this.book.qty[i]);
    return s;
  }
}
