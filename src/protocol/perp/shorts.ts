/**
 * The short side of a perp venue (docs/model.md#perpetual-venue): isolated
 * shorts as a struct of arrays, so the venue has an opposite side that is
 * paid funding and can be auto-deleveraged.
 *
 * A short of `size` base units opened at `entry` with `margin` quote posted
 * has, at mark M, unrealised P&L size·(entry − M) and equity
 * margin + size·(entry − M). Funding and auto-deleveraging change `margin`
 * (realised P&L is booked into it) and `size`; `entry` never changes.
 * Slots are never reused, as in the long side's account book.
 *
 * Shorts are not liquidated on a rally: the model studies crashes, where
 * the short side gains. A short whose equity goes below zero is still
 * counted (and ranked last by the ADL queue); docs/model.md says so.
 */
import { invariant } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

export class ShortBook extends Stateful {
  readonly capacity: number;
  /** Base units short per account (0 once closed). */
  readonly size: Float64Array;
  /** Entry price, quote per base. */
  readonly entry: Float64Array;
  /** Posted margin plus realised P&L and funding, quote. */
  readonly margin: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    super();
    if (!(Number.isInteger(capacity) && capacity > 0)) invariant(false, `ShortBook capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.size = new Float64Array(capacity);
    this.entry = new Float64Array(capacity);
    this.margin = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  add(size: number, entry: number, margin: number): number {
    if (!(this.n < this.capacity)) invariant(false, `ShortBook is full (capacity ${this.capacity})`);
    if (!(size > 0 && size < Infinity)) invariant(false, `short size must be finite and > 0, got ${size}`);
    if (!(entry > 0 && entry < Infinity)) invariant(false, `short entry price must be finite and > 0, got ${entry}`);
    if (!(margin > 0 && margin < Infinity)) invariant(false, `short margin must be finite and > 0, got ${margin}`);
    const i = this.n++;
    this.size[i] = size;
    this.entry[i] = entry;
    this.margin[i] = margin;
    return i;
  }

  /** Σ size of open shorts, base units (O(n): called per funding interval and in tests). */
  totalSize(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.size[i];
    return s;
  }

  /** Σ margin, quote. */
  totalMargin(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.margin[i];
    return s;
  }

  equity(i: number, mark: number): number {
    return this.margin[i] + this.size[i] * (this.entry[i] - mark);
  }

  /** Sizes and margins change within a bar; entries are fixed after the build. */
  protected describeState(): Saveable {
    return stateOf(arrays(this.size, this.margin), ownScalars(this, ['n']));
  }
}

export interface ShortPopulation {
  /** Accounts. */
  readonly count: number;
  /** Σ size, base units: the long side's open interest, so funding balances. */
  readonly totalSize: number;
  readonly startPrice: number;
  /** Leverage drawn uniform in [leverageMin, leverageMax]. */
  readonly leverageMin: number;
  readonly leverageMax: number;
  /** Entry / start price is log-normal with this log-sd (positions opened at other prices). */
  readonly entryLogSd: number;
  /** Sizes log-normal with this log-sd before scaling to totalSize. */
  readonly sizeLogSd: number;
}

/**
 * A seeded short side: sizes log-normal then scaled so Σ size equals the
 * longs' open interest (every perp long has a short on the other side),
 * margin = size·entry/leverage.
 */
export function generateShorts(p: ShortPopulation, rng: Rng): ShortBook {
  if (!(Number.isInteger(p.count) && p.count > 0)) invariant(false, `short count must be a positive integer, got ${p.count}`);
  if (!(p.leverageMin >= 1 && p.leverageMax >= p.leverageMin)) invariant(false, `short leverage range [${p.leverageMin}, ${p.leverageMax}] must satisfy 1 <= min <= max`);
  const raw = new Float64Array(p.count);
  const entry = new Float64Array(p.count);
  const lev = new Float64Array(p.count);
  let sum = 0;
  for (let i = 0; i < p.count; i++) {
    raw[i] = Math.exp(p.sizeLogSd * rng.normal());
    sum += raw[i];
    entry[i] = p.startPrice * Math.exp(p.entryLogSd * rng.normal());
    lev[i] = p.leverageMin + (p.leverageMax - p.leverageMin) * rng.uniform();
  }
  const book = new ShortBook(p.count);
  const f = p.totalSize / sum;
  for (let i = 0; i < p.count; i++) {
    const size = raw[i] * f;
    book.add(size, entry[i], (size * entry[i]) / lev[i]);
  }
  return book;
}
