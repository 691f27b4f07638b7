import { invariant } from '../core/errors.js';
import type { LotView } from './types.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * Liquidations in progress, as a struct of arrays with reused slots. The
 * capacity is fixed at construction so the state has a fixed size and a bar
 * can be snapshotted and rolled back (docs/model.md#reading-history); a full book
 * is an error naming the capacity rather than a silent reallocation.
 *
 * Open lots form a doubly linked list in opening order, so mechanisms visit
 * them oldest first (a stable order that does not depend on which slot a lot
 * happened to reuse) and open/free are O(1) without allocation:
 *
 *   for (let l = lots.first(); l !== -1; ) { const nx = lots.next(l); ...; l = nx; }
 *
 * Read `next` before anything that may free `l` (e.g. `host.closeLot(l)`).
 */
export class LotBook extends Stateful implements LotView {
  readonly capacity: number;
  readonly account: Float64Array;
  readonly seizedBase: Float64Array;
  readonly remainingBase: Float64Array;
  readonly debtQuote: Float64Array;
  readonly proceedsQuote: Float64Array;
  readonly oracleAtOpen: Float64Array;
  readonly openedMs: Float64Array;

  private readonly prevLot: Int32Array;
  private readonly nextLot: Int32Array;
  private readonly isOpenFlag: Uint8Array;
  /** Stack of free slots; popped from the top, so the lowest slots are used first on a fresh book. */
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private head = -1;
  private tail = -1;
  private openCount = 0;

  constructor(capacity = 4096) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`lot book capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.account = new Float64Array(capacity);
    this.seizedBase = new Float64Array(capacity);
    this.remainingBase = new Float64Array(capacity);
    this.debtQuote = new Float64Array(capacity);
    this.proceedsQuote = new Float64Array(capacity);
    this.oracleAtOpen = new Float64Array(capacity);
    this.openedMs = new Float64Array(capacity);
    this.prevLot = new Int32Array(capacity).fill(-1);
    this.nextLot = new Int32Array(capacity).fill(-1);
    this.isOpenFlag = new Uint8Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    for (let k = 0; k < capacity; k++) this.freeSlots[k] = capacity - 1 - k;
    this.freeTop = capacity;
  }

  /** Number of open lots. */
  get count(): number {
    return this.openCount;
  }

  /**
   * Opens a lot for `seizedBase` units of collateral taken from `account`,
   * which must repay `debtQuote`. Returns the lot id (a slot index).
   */
  open(account: number, seizedBase: number, debtQuote: number, oracle: number, timeMs: number): number {
    invariant(seizedBase > 0 && Number.isFinite(seizedBase), `lot seizedBase must be finite and > 0, got ${seizedBase} (account ${account})`);
    invariant(debtQuote >= 0 && Number.isFinite(debtQuote), `lot debtQuote must be finite and >= 0, got ${debtQuote} (account ${account})`);
    invariant(oracle > 0 && Number.isFinite(oracle), `lot oracle must be finite and > 0, got ${oracle} (account ${account})`);
    if (this.freeTop === 0) {
      throw new Error(`lot book full: ${this.capacity} liquidations in progress; raise the lot capacity`);
    }
    const lot = this.freeSlots[--this.freeTop];
    this.account[lot] = account;
    this.seizedBase[lot] = seizedBase;
    this.remainingBase[lot] = seizedBase;
    this.debtQuote[lot] = debtQuote;
    this.proceedsQuote[lot] = 0;
    this.oracleAtOpen[lot] = oracle;
    this.openedMs[lot] = timeMs;
    this.isOpenFlag[lot] = 1;
    this.prevLot[lot] = this.tail;
    this.nextLot[lot] = -1;
    if (this.tail === -1) this.head = lot;
    else this.nextLot[this.tail] = lot;
    this.tail = lot;
    this.openCount++;
    return lot;
  }

  /** Releases a closed lot's slot for reuse. */
  free(lot: number): void {
    invariant(this.isOpen(lot), `free of lot ${lot}, which is not open`);
    const p = this.prevLot[lot];
    const n = this.nextLot[lot];
    if (p === -1) this.head = n;
    else this.nextLot[p] = n;
    if (n === -1) this.tail = p;
    else this.prevLot[n] = p;
    this.prevLot[lot] = -1;
    this.nextLot[lot] = -1;
    this.isOpenFlag[lot] = 0;
    this.freeSlots[this.freeTop++] = lot;
    this.openCount--;
  }

  isOpen(lot: number): boolean {
    return lot >= 0 && lot < this.capacity && this.isOpenFlag[lot] === 1;
  }

  /** Oldest open lot, or −1. */
  first(): number {
    return this.head;
  }

  /** The open lot opened after `lot`, or −1. */
  next(lot: number): number {
    return this.nextLot[lot];
  }

  /** Everything a liquidation changes: the 7 lot columns, the links, the flags, the free stack and its counters. */
  protected describeState(): Saveable {
    return stateOf(
      arrays(
        this.account, this.seizedBase, this.remainingBase, this.debtQuote, this.proceedsQuote, this.oracleAtOpen, this.openedMs,
        this.prevLot, this.nextLot, this.isOpenFlag, this.freeSlots,
      ),
      ownScalars(this, ['freeTop', 'head', 'tail', 'openCount']),
    );
  }
}

/**
 * Trades a mechanism makes off the book (an auction take, a backstop pool
 * absorbing a lot). The ledger has already moved cash and asset; these rows
 * exist so the protocol agent can write them into the trade log (cause
 * 'auction' or 'liquidation', no price impact) and then `clear()` the list.
 * Transient, not part of any saved state: the agent drains it every round.
 * Capacity doubles when full, so most rounds allocate nothing.
 */
export class OffBookFills {
  length = 0;
  lot: Float64Array = new Float64Array(64);
  buyer: Int32Array = new Int32Array(64);
  seller: Int32Array = new Int32Array(64);
  cause: Uint8Array = new Uint8Array(64);
  /** Base units bought by `buyer` (> 0). */
  size: Float64Array = new Float64Array(64);
  /** Quote per base paid. */
  price: Float64Array = new Float64Array(64);

  push(lot: number, buyer: number, seller: number, cause: number, size: number, price: number): void {
    if (this.length === this.size.length) this.grow();
    const k = this.length++;
    this.lot[k] = lot;
    this.buyer[k] = buyer;
    this.seller[k] = seller;
    this.cause[k] = cause;
    this.size[k] = size;
    this.price[k] = price;
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const cap = this.size.length * 2;
    const f = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const c = new Uint8Array(cap);
    c.set(this.cause);
    this.lot = f(this.lot);
    this.buyer = i32(this.buyer);
    this.seller = i32(this.seller);
    this.cause = c;
    this.size = f(this.size);
    this.price = f(this.price);
  }
}
