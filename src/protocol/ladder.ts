/**
 * The liquidation ladder (docs/model.md#accounts-and-the-ladder: accounts sorted by
 * liquidation price so each bar costs O(log n + liquidated), not O(n)).
 *
 * Over an AccountBook it keeps:
 * - the accounts by key, debt / (collateral · LT), in two tiers split at a
 *   key bucket (the hot floor): accounts in buckets at or above it sit in
 *   a 4-ary max-heap (core/indexedHeap.ts), the rest in one unordered list
 *   per key bucket. Liquidations take from the top, so the heap holds only
 *   the few accounts near it and stays in cache, where a heap of all n
 *   accounts would miss the cache at every level of every sift at a million
 *   accounts. When the heap empties, the next non-empty bucket below the
 *   floor moves into it and the floor drops to it; the floor never rises.
 *   Keys in a higher bucket are strictly larger, so the heap's top is the
 *   top of the whole ladder. In the heap, the key debt / (collateral · LT)
 *   (types.ts: the liquidation price is key / m for the protocol-wide
 *   multiplier m), held in an Int32Array of account indices with a parallel
 *   Float64Array of keys and a position array, so one account can be re-keyed
 *   or removed in O(log n). Equal keys are ordered by account index (lower first), so the
 *   order of liquidation is a function of the accounts alone, not of the
 *   heap's history: a bar that is rolled back and replayed pops the same
 *   accounts in the same order.
 * - bucketed sums over log(key): Σ collateral and Σ debt per bucket, in plain
 *   arrays and in Fenwick trees, so a window sum is O(log B);
 * - the same over log(strike), strike = debt / collateral (no LT): the
 *   accounts' bad-debt exposure Σ max(debt − collateral·P, 0) is a strip of
 *   puts, collateral_i puts struck at strike_i (docs/model.md#put-strip), and a metric can
 *   value it bucket by bucket.
 *
 * Buckets. The grid has B buckets of equal width in log price between
 * keyMin and keyMax, each spanning a factor 1 + bucketBps/10^4, plus an
 * underflow bucket (0, keyMin) and an overflow bucket [top edge, ∞).
 *
 * Resolution of window sums. Buckets lying wholly inside [lo, hi) count
 * exactly. The (at most two) buckets holding lo and hi count pro rata to the
 * share of their log-width inside the window, as if their accounts were
 * spread evenly in log key. So the error is at most the mass of those two
 * buckets, and the answer lies between the exact sums over
 * [lo·(1+w), hi/(1+w)) and [lo/(1+w), hi·(1+w)), w = bucketBps/10^4 (test:
 * ladder.test.ts). The under- and overflow buckets are counted whole or not
 * at all: whole when the window contains their lower edge (0 and the grid's
 * top edge), so choose a grid that covers the prices of interest
 * (ladderGridAround). Sums are kept incrementally in doubles, so they carry
 * rounding of order 1e-16 of the largest sums they have held; a bucket that
 * empties is reset to exactly zero, so windows away from the accounts read 0.
 *
 * Rollback. beginJournal() opens the book's journal and the ladder's own:
 * the first write to a bucket array slot or a Fenwick node records its old
 * value, and the first change to an account's cached ladder entry records
 * the old entry (an epoch stamp per slot and per account says whether this
 * journal has seen it). A crash bar re-files thousands of accounts through
 * the same few hundred buckets and the same upper Fenwick nodes, so the
 * journal and its rollback scale with the distinct slots touched, not with
 * the writes. rollback() undoes the book, restores the bucket arrays bit
 * for bit, and re-files only the touched accounts in the heap:
 * O(distinct touched · log n).
 */
import { IndexedHeap4 } from '../core/indexedHeap.js';
import { ConfigError, invariant } from '../core/errors.js';
import type { LadderView } from '../metrics/ladderView.js';
import type { AccountBook } from './accounts.js';

export interface LadderGrid {
  /** Lower edge of the first in-grid bucket, quote per base (> 0). */
  readonly keyMin: number;
  /** Keys at or above the grid's top edge (>= keyMax) fall in the overflow bucket. */
  readonly keyMax: number;
  /** Bucket width in basis points of price (1 = each bucket spans a factor 1.0001). */
  readonly bucketBps: number;
}

/** Largest number of buckets a grid may have (memory: 10 doubles per bucket). */
export const MAX_BUCKETS = 5_000_000;

/**
 * A grid for an asset trading near `price`: from price/below to price·above
 * (defaults 1000 and 100, i.e. a 99.9% fall to a 100x rise) in 1 bp buckets,
 * about 115,000 buckets, 9 MB.
 */
export function ladderGridAround(price: number, opts: { below?: number; above?: number; bucketBps?: number } = {}): LadderGrid {
  if (!(price > 0 && price < Infinity)) throw new ConfigError(`ladder grid: price must be finite and > 0, got ${price}`, { field: 'price' });
  const below = opts.below ?? 1000;
  const above = opts.above ?? 100;
  if (!(below > 1)) throw new ConfigError(`ladder grid: 'below' must be > 1, got ${below}`, { field: 'below' });
  if (!(above > 1)) throw new ConfigError(`ladder grid: 'above' must be > 1, got ${above}`, { field: 'above' });
  return { keyMin: price / below, keyMax: price * above, bucketBps: opts.bucketBps ?? 1 };
}

/** Which bucket family a query or update is about. */
const KEY = 0;
const STRIKE = 1;
/** Series in the store: (family, value) → index 0..3. */
const KC = 0; // collateral by key bucket
const KD = 1; // debt by key bucket
const SC = 2; // collateral by strike bucket
const SD = 3; // debt by strike bucket

const JOURNAL_START = 1024;
/** Doubles per account record (see Ladder.acct). */
const REC = 5;
/**
 * A price within 1e-9 of a bucket width below an edge counts as on the edge:
 * log() rounding would otherwise put an edge such as 101 (= 100 · 1.01) in
 * the bucket below it, and a window [100, 101) would miss whole buckets by
 * an ulp-sized share.
 */
const EDGE_SNAP = 1e-9;

export class Ladder implements LadderView {
  readonly book: AccountBook;
  readonly grid: LadderGrid;
  /** Buckets including under- and overflow. */
  readonly bucketCount: number;
  private readonly lnMin: number;
  private readonly invW: number;
  private readonly lnW: number;
  /** Keys at or above this are in the overflow bucket. */
  private readonly topEdge: number;

  /** Hot accounts (key bucket >= hotFloor) by key (core/indexedHeap.ts); its arrays are read here directly. */
  private readonly h: IndexedHeap4;
  private readonly heap: Int32Array;
  private readonly hk: Float64Array;
  private readonly pos: Int32Array;
  /** Key buckets at or above this are hot (in the heap); below, cold (in the bucket lists). */
  private hotFloor: number;
  /** Filed accounts, hot and cold. */
  private filed = 0;
  /** Per key bucket, the first cold account in its list (−1: none). */
  private readonly coldHead: Int32Array;
  /** Per account, its neighbours in its cold list (−1 at the ends). */
  private readonly coldNext: Int32Array;
  private readonly coldPrev: Int32Array;
  /** Per account, the key bucket whose cold list holds it (−1: not in a cold list). */
  private readonly coldIn: Int32Array;

  /**
   * Per account, the entry as filed (what was added to the buckets), so it
   * can be taken out again after the book has changed: [key, key bucket
   * (−1 when not in the ladder), strike bucket, collateral, debt], packed in
   * one record so a liquidation touches one cache line of it, not five.
   */
  private readonly acct: Float64Array;

  /**
   * One array for every bucket quantity so the journal can address any of
   * them by one integer: 2 families (key, strike) of paired Fenwick trees
   * (collateral and debt interleaved, 1-based, 2(M+1) each), 4 plain bucket
   * arrays (M each), 2 account counts per bucket (M each, exact integers).
   */
  private readonly store: Float64Array;
  private readonly plain0: number;
  private readonly count0: number;

  private jOn = false;
  /** Journal epoch: a slot or account whose stamp equals it has its old value recorded already. */
  private epoch = 0;
  private readonly storeStamp: Int32Array;
  private readonly acctStamp: Int32Array;
  private jsLen = 0;
  private jsAddr = new Int32Array(JOURNAL_START);
  private jsOld = new Float64Array(JOURNAL_START);
  private jaLen = 0;
  private jaIdx = new Int32Array(JOURNAL_START);
  private jaKey = new Float64Array(JOURNAL_START);
  private jaKb = new Int32Array(JOURNAL_START);
  private jaSb = new Int32Array(JOURNAL_START);
  private jaColl = new Float64Array(JOURNAL_START);
  private jaDebt = new Float64Array(JOURNAL_START);

  constructor(book: AccountBook, grid: LadderGrid) {
    const { keyMin, keyMax, bucketBps } = grid;
    if (!(keyMin > 0 && keyMin < Infinity)) throw new ConfigError(`ladder grid: keyMin must be finite and > 0, got ${keyMin}`, { field: 'keyMin' });
    if (!(keyMax > keyMin && keyMax < Infinity)) throw new ConfigError(`ladder grid: keyMax must be finite and > keyMin ${keyMin}, got ${keyMax}`, { field: 'keyMax' });
    if (!(bucketBps > 0 && bucketBps < Infinity)) throw new ConfigError(`ladder grid: bucketBps must be > 0, got ${bucketBps}`, { field: 'bucketBps' });
    const lnW = Math.log1p(bucketBps / 1e4);
    const b = Math.ceil(Math.log(keyMax / keyMin) / lnW);
    if (!(b + 2 <= MAX_BUCKETS)) {
      throw new ConfigError(`ladder grid: ${b} buckets from ${keyMin} to ${keyMax} at ${bucketBps} bp exceeds ${MAX_BUCKETS}; widen the buckets or narrow the range`, { field: 'bucketBps' });
    }
    this.book = book;
    this.grid = grid;
    this.lnW = lnW;
    this.invW = 1 / lnW;
    this.lnMin = Math.log(keyMin);
    this.topEdge = Math.exp(this.lnMin + b * lnW);
    const m = b + 2;
    this.bucketCount = m;
    const cap = book.capacity;
    this.heap = new Int32Array(cap);
    this.hk = new Float64Array(cap);
    this.pos = new Int32Array(cap).fill(-1);
    this.h = new IndexedHeap4(this.heap, this.hk, this.pos);
    this.hotFloor = m;
    this.coldHead = new Int32Array(m).fill(-1);
    this.coldNext = new Int32Array(cap).fill(-1);
    this.coldPrev = new Int32Array(cap).fill(-1);
    this.coldIn = new Int32Array(cap).fill(-1);
    this.acct = new Float64Array(cap * REC);
    for (let i = 0; i < cap; i++) {
      this.acct[REC * i + 1] = -1;
      this.acct[REC * i + 2] = -1;
    }
    this.plain0 = 4 * (m + 1);
    this.count0 = this.plain0 + 4 * m;
    this.store = new Float64Array(this.count0 + 2 * m);
    this.storeStamp = new Int32Array(this.store.length);
    this.acctStamp = new Int32Array(cap);
  }

  /**
   * A ladder holding every open account of `book`, built in O(n + B)
   * (bottom-up heapify and linear Fenwick construction) instead of n inserts.
   */
  static fromBook(book: AccountBook, grid: LadderGrid): Ladder {
    invariant(!book.journaling, 'Ladder.fromBook: the book has an open journal');
    const l = new Ladder(book, grid);
    l.bulkLoad();
    return l;
  }

  // ---- LadderView ------------------------------------------------------------

  /** Accounts in the ladder (open accounts not popped). */
  get openCount(): number {
    return this.filed;
  }

  topKey(): number {
    if (this.h.size === 0) this.warm();
    return this.h.size > 0 ? this.hk[0] : -Infinity;
  }

  collateralWithKeyIn(lo: number, hi: number): number {
    return this.rangeSum(KC, lo, hi);
  }

  debtWithKeyIn(lo: number, hi: number): number {
    return this.rangeSum(KD, lo, hi);
  }

  // ---- heap ----------------------------------------------------------------------

  /** Account with the largest key (lowest index among equals), −1 when empty. */
  top(): number {
    if (this.h.size === 0) this.warm();
    return this.h.size > 0 ? this.heap[0] : -1;
  }

  /** Removes and returns the top account (−1 when empty). */
  popTop(): number {
    if (this.h.size === 0) this.warm();
    if (this.h.size === 0) return -1;
    const i = this.heap[0];
    this.remove(i);
    return i;
  }

  has(i: number): boolean {
    return this.acct[REC * i + 1] >= 0;
  }

  /** The key the account is filed under (NaN when it is not in the ladder). */
  keyOf(i: number): number {
    return this.acct[REC * i + 1] >= 0 ? this.acct[REC * i] : NaN;
  }

  /** Files an open account of the book that is not in the ladder. */
  insert(i: number): void {
    const book = this.book;
    if (!(i >= 0 && i < book.length && book.open[i] === 1)) invariant(false, `Ladder.insert: account ${i} is not open in the book`);
    if (!(this.acct[REC * i + 1] < 0)) invariant(false, `Ladder.insert: account ${i} is already in the ladder`);
    const c = book.collateral[i];
    const d = book.debt[i];
    const strike = d / c;
    const key = strike / book.threshold[i];
    if (!(key === key)) invariant(false, `Ladder.insert: account ${i} has no key (collateral ${c}, debt ${d})`);
    if (this.jOn) this.recordAccount(i);
    const kb = this.bucketOf(key);
    const sb = this.bucketOf(strike);
    this.acct[REC * i] = key;
    this.acct[REC * i + 1] = kb;
    this.acct[REC * i + 2] = sb;
    this.acct[REC * i + 3] = c;
    this.acct[REC * i + 4] = d;
    this.bucketAdd(KEY, kb, c, d);
    this.bucketAdd(STRIKE, sb, c, d);
    this.filed++;
    if (kb >= this.hotFloor) this.h.push(i, key);
    else this.coldAdd(i, kb);
  }

  /**
   * Re-files account i after its collateral or debt changed in the book: it
   * moves in the heap and between buckets; it leaves the ladder if the book
   * closed it, and joins it if it is open but was not filed.
   */
  update(i: number): void {
    const book = this.book;
    const filed = this.acct[REC * i + 1] >= 0;
    if (book.open[i] === 0 || i >= book.length) {
      if (filed) this.remove(i);
      return;
    }
    if (!filed) {
      this.insert(i);
      return;
    }
    const c = book.collateral[i];
    const d = book.debt[i];
    const strike = d / c;
    const key = strike / book.threshold[i];
    if (!(key === key)) invariant(false, `Ladder.update: account ${i} has no key (collateral ${c}, debt ${d})`);
    if (this.jOn) this.recordAccount(i);
    const kb = this.bucketOf(key);
    const sb = this.bucketOf(strike);
    const oc = this.acct[REC * i + 3];
    const od = this.acct[REC * i + 4];
    const okb = this.acct[REC * i + 1];
    const osb = this.acct[REC * i + 2];
    if (kb === okb) this.bucketShift(KEY, kb, c - oc, d - od);
    else {
      this.bucketRemove(KEY, okb, oc, od);
      this.bucketAdd(KEY, kb, c, d);
    }
    if (sb === osb) this.bucketShift(STRIKE, sb, c - oc, d - od);
    else {
      this.bucketRemove(STRIKE, osb, oc, od);
      this.bucketAdd(STRIKE, sb, c, d);
    }
    this.acct[REC * i] = key;
    this.acct[REC * i + 1] = kb;
    this.acct[REC * i + 2] = sb;
    this.acct[REC * i + 3] = c;
    this.acct[REC * i + 4] = d;
    this.place(i, key, kb);
  }

  /** Takes account i out of the ladder (the book is not touched). */
  remove(i: number): void {
    if (!(this.acct[REC * i + 1] >= 0)) invariant(false, `Ladder.remove: account ${i} is not in the ladder`);
    if (this.jOn) this.recordAccount(i);
    this.bucketRemove(KEY, this.acct[REC * i + 1], this.acct[REC * i + 3], this.acct[REC * i + 4]);
    this.bucketRemove(STRIKE, this.acct[REC * i + 2], this.acct[REC * i + 3], this.acct[REC * i + 4]);
    this.acct[REC * i + 1] = -1;
    this.acct[REC * i + 2] = -1;
    this.filed--;
    if (this.pos[i] >= 0) this.h.removeAt(this.pos[i]);
    else this.coldRemove(i);
  }

  // ---- book and ladder together -------------------------------------------------

  /** book.add, then insert. */
  add(collateral: number, debt: number, threshold: number): number {
    const i = this.book.add(collateral, debt, threshold);
    this.insert(i);
    return i;
  }

  /** book.modify, then update: the account is in the ladder afterwards iff it is still open. */
  modify(i: number, newCollateral: number, newDebt: number): void {
    this.book.modify(i, newCollateral, newDebt);
    this.update(i);
  }

  /** book.close, and out of the ladder. */
  close(i: number): void {
    this.book.close(i);
    if (this.acct[REC * i + 1] >= 0) this.remove(i);
  }

  // ---- strikes: the implicit put strip ---------------------------------------------

  /** Σ collateral of filed accounts whose strike debt/collateral lies in [lo, hi) (same resolution as key windows). */
  collateralWithStrikeIn(lo: number, hi: number): number {
    return this.rangeSum(SC, lo, hi);
  }

  /** Σ debt of filed accounts whose strike lies in [lo, hi). */
  debtWithStrikeIn(lo: number, hi: number): number {
    return this.rangeSum(SD, lo, hi);
  }

  /**
   * Visits every non-empty strike bucket that meets [lo, hi), in increasing
   * strike: its edges, Σ collateral, Σ debt and account count. The bucket's
   * collateral-weighted mean strike is debt/collateral, so a metric can value
   * the put strip as Σ_b collateral_b · put(strike = debt_b/collateral_b)
   * in O(buckets).
   */
  forEachStrikeBucket(lo: number, hi: number, visit: (strikeLo: number, strikeHi: number, collateral: number, debt: number, count: number) => void): void {
    if (!(hi > lo)) return;
    const bl = this.bucketOf(lo);
    let bh = this.bucketOf(hi);
    if (bh > bl && hi <= this.bucketLo(bh)) bh--;
    const s = this.store;
    const pc = this.plain0 + SC * this.bucketCount;
    const pd = this.plain0 + SD * this.bucketCount;
    const cnt = this.count0 + this.bucketCount;
    for (let b = bl; b <= bh; b++) {
      const n = s[cnt + b];
      if (n > 0) visit(this.bucketLo(b), this.bucketHi(b), s[pc + b], s[pd + b], n);
    }
  }

  /**
   * Intrinsic value of the put strip at price P: Σ max(debt − collateral·P, 0)
   * over filed accounts, the quote the lenders would lose if every account
   * were closed at P with no penalty. Exact for strike buckets wholly above P;
   * the bucket holding P counts max(Σdebt − P·Σcollateral, 0), which is low by
   * at most P·(bucket width)·Σcollateral of that bucket (by at most P·Σcollateral
   * of the underflow bucket when P < keyMin).
   */
  badDebtExposure(price: number): number {
    const m = this.bucketCount;
    const bp = this.bucketOf(price);
    const dAbove = this.prefix(SD, m - 1) - this.prefix(SD, bp);
    const cAbove = this.prefix(SC, m - 1) - this.prefix(SC, bp);
    const s = this.store;
    const partial = Math.max(s[this.plain0 + SD * m + bp] - price * s[this.plain0 + SC * m + bp], 0);
    return Math.max(dAbove - price * cAbove, 0) + partial;
  }

  // ---- buckets ----------------------------------------------------------------------

  /** Bucket of a key or strike: 0 = underflow, bucketCount−1 = overflow. */
  bucketOf(x: number): number {
    if (!(x >= this.grid.keyMin)) return 0;
    if (x >= this.topEdge) return this.bucketCount - 1;
    const b = 1 + Math.floor((Math.log(x) - this.lnMin) * this.invW + EDGE_SNAP);
    // Rounding in log() can push a key just under the top edge one bucket too far.
    return b > this.bucketCount - 2 ? this.bucketCount - 2 : b;
  }

  /** Lower edge of bucket b (0 for the underflow bucket). */
  bucketLo(b: number): number {
    return b === 0 ? 0 : b === 1 ? this.grid.keyMin : b === this.bucketCount - 1 ? this.topEdge : Math.exp(this.lnMin + (b - 1) * this.lnW);
  }

  /** Upper edge of bucket b (Infinity for the overflow bucket). */
  bucketHi(b: number): number {
    return b === this.bucketCount - 1 ? Infinity : this.bucketLo(b + 1);
  }

  /** Σ collateral in key bucket b (for resolution checks and plots). */
  keyBucketCollateral(b: number): number {
    return this.store[this.plain0 + KC * this.bucketCount + b];
  }

  keyBucketDebt(b: number): number {
    return this.store[this.plain0 + KD * this.bucketCount + b];
  }

  keyBucketAccounts(b: number): number {
    return this.store[this.count0 + b];
  }

  strikeBucketCollateral(b: number): number {
    return this.store[this.plain0 + SC * this.bucketCount + b];
  }

  strikeBucketDebt(b: number): number {
    return this.store[this.plain0 + SD * this.bucketCount + b];
  }

  /** The raw bucket arrays (Fenwick trees, bucket sums, counts), for checks and bit-for-bit comparisons; read only. */
  get bucketStore(): Float64Array {
    return this.store;
  }

  // ---- journal ------------------------------------------------------------------------

  get journaling(): boolean {
    return this.jOn;
  }

  /** Opens the book's journal and the ladder's: use these, not the book's, while a ladder is over it. */
  beginJournal(): void {
    invariant(!this.jOn, 'Ladder.beginJournal: a journal is already open');
    this.book.beginJournal();
    this.jOn = true;
    // Stamps start at 0, so epochs start at 1; after 2^31 journals they wrap and every stamp is cleared.
    if (++this.epoch === 0x7fffffff) {
      this.storeStamp.fill(0);
      this.acctStamp.fill(0);
      this.epoch = 1;
    }
    this.jsLen = 0;
    this.jaLen = 0;
  }

  /** Entries in the open journal: distinct bucket slots and distinct accounts touched since beginJournal(). */
  get journalEntries(): number {
    return this.jsLen + this.jaLen;
  }

  commitJournal(): void {
    invariant(this.jOn, 'Ladder.commitJournal: no journal is open');
    this.book.commitJournal();
    this.jOn = false;
    this.jsLen = 0;
    this.jaLen = 0;
  }

  /** Undoes the book and the ladder to their state at beginJournal(); O(changes · log n). */
  rollback(): void {
    invariant(this.jOn, 'Ladder.rollback: no journal is open');
    this.book.rollback();
    const s = this.store;
    for (let k = this.jsLen - 1; k >= 0; k--) s[this.jsAddr[k]] = this.jsOld[k];
    for (let k = this.jaLen - 1; k >= 0; k--) {
      const i = this.jaIdx[k];
      this.acct[REC * i] = this.jaKey[k];
      this.acct[REC * i + 1] = this.jaKb[k];
      this.acct[REC * i + 2] = this.jaSb[k];
      this.acct[REC * i + 3] = this.jaColl[k];
      this.acct[REC * i + 4] = this.jaDebt[k];
    }
    // The entries now say what was filed; bring the tiers in line with them
    // (the hot floor stays where it is: it only ever drops, and an account
    // is hot or cold by its bucket against the floor, whatever the history).
    for (let k = 0; k < this.jaLen; k++) {
      const i = this.jaIdx[k];
      const kb = this.acct[REC * i + 1];
      const wasFiled = this.pos[i] >= 0 || this.coldIn[i] >= 0;
      if (kb >= 0) {
        if (!wasFiled) this.filed++;
        this.place(i, this.acct[REC * i], kb);
      } else if (wasFiled) {
        this.filed--;
        if (this.pos[i] >= 0) this.h.removeAt(this.pos[i]);
        else this.coldRemove(i);
      }
    }
    this.jOn = false;
    this.jsLen = 0;
    this.jaLen = 0;
  }

  // ---- checks --------------------------------------------------------------------------

  /**
   * Full consistency check, O(n + B), for tests: heap order and positions,
   * every filed entry equal to the book, per-bucket counts equal to the filed
   * accounts', per-bucket sums and Fenwick prefixes within
   * `relTol · Σ|series| + absTol` of the filed accounts' sums (they are
   * updated incrementally, so they carry rounding from past adds and removes).
   */
  validate(relTol = 1e-9, absTol = 1e-9): void {
    const book = this.book;
    const m = this.bucketCount;
    for (let p = 0; p < this.h.size; p++) {
      const i = this.heap[p];
      if (this.pos[i] !== p) throw new Error(`ladder: pos[${i}] = ${this.pos[i]}, heap slot ${p}`);
      if (p > 0 && this.h.better(p, (p - 1) >> 2)) throw new Error(`ladder: heap order broken at slot ${p} (account ${i}, key ${this.hk[p]})`);
      if (this.hk[p] !== this.acct[REC * i]) throw new Error(`ladder: heap key ${this.hk[p]} != filed key ${this.acct[REC * i]} for account ${i}`);
    }
    const sums = new Float64Array(6 * m);
    let filed = 0;
    let coldListed = 0;
    for (let b = 0; b < m; b++) {
      for (let i = this.coldHead[b], prev = -1; i >= 0; prev = i, i = this.coldNext[i]) {
        if (this.coldIn[i] !== b || this.coldPrev[i] !== prev) throw new Error(`ladder: cold list of bucket ${b} broken at account ${i}`);
        if (b >= this.hotFloor) throw new Error(`ladder: account ${i} is cold in bucket ${b}, at or above the hot floor ${this.hotFloor}`);
        coldListed++;
      }
    }
    let coldSeen = 0;
    for (let i = 0; i < book.capacity; i++) {
      const inHeap = this.pos[i] >= 0;
      const cold = this.coldIn[i] >= 0;
      if (inHeap && cold) throw new Error(`ladder: account ${i} is both hot and cold`);
      if ((this.acct[REC * i + 1] >= 0) !== (inHeap || cold)) throw new Error(`ladder: account ${i} filed=${this.acct[REC * i + 1] >= 0} but inHeap=${inHeap}, cold=${cold}`);
      if (!inHeap && !cold) continue;
      if (inHeap !== this.acct[REC * i + 1] >= this.hotFloor) throw new Error(`ladder: account ${i} in bucket ${this.acct[REC * i + 1]} is ${inHeap ? 'hot' : 'cold'} with the hot floor at ${this.hotFloor}`);
      if (cold) {
        coldSeen++;
        if (this.coldIn[i] !== this.acct[REC * i + 1]) throw new Error(`ladder: account ${i} is in the cold list of bucket ${this.coldIn[i]}, filed in ${this.acct[REC * i + 1]}`);
      }
      filed++;
      if (book.open[i] !== 1) throw new Error(`ladder: account ${i} is filed but closed in the book`);
      const c = book.collateral[i];
      const d = book.debt[i];
      if (this.acct[REC * i + 3] !== c || this.acct[REC * i + 4] !== d) throw new Error(`ladder: account ${i} filed (${this.acct[REC * i + 3]}, ${this.acct[REC * i + 4]}) but book has (${c}, ${d}): update() not called`);
      const key = d / c / book.threshold[i];
      if (this.acct[REC * i] !== key) throw new Error(`ladder: account ${i} filed key ${this.acct[REC * i]} != ${key}`);
      if (this.acct[REC * i + 1] !== this.bucketOf(key) || this.acct[REC * i + 2] !== this.bucketOf(d / c)) throw new Error(`ladder: account ${i} in the wrong bucket`);
      const kb = this.acct[REC * i + 1];
      const sb = this.acct[REC * i + 2];
      sums[KC * m + kb] += c;
      sums[KD * m + kb] += d;
      sums[SC * m + sb] += c;
      sums[SD * m + sb] += d;
      sums[4 * m + kb] += 1;
      sums[5 * m + sb] += 1;
    }
    if (coldSeen !== coldListed) throw new Error(`ladder: ${coldSeen} cold accounts but ${coldListed} in the lists`);
    if (filed !== this.filed) throw new Error(`ladder: ${filed} filed accounts but the count says ${this.filed}`);
    const s = this.store;
    for (let t = 0; t < 4; t++) {
      let total = 0;
      for (let b = 0; b < m; b++) total += Math.abs(sums[t * m + b]);
      const tol = relTol * total + absTol;
      let run = 0;
      for (let b = 0; b < m; b++) {
        const want = sums[t * m + b];
        const got = s[this.plain0 + t * m + b];
        if (!(Math.abs(got - want) <= tol)) throw new Error(`ladder: series ${t} bucket ${b}: stored ${got}, accounts sum to ${want}`);
        if (s[this.count0 + (t < 2 ? 0 : m) + b] === 0 && got !== 0) throw new Error(`ladder: series ${t} bucket ${b} is empty but holds ${got}`);
        run += want;
        const pre = this.prefix(t, b);
        if (!(Math.abs(pre - run) <= tol)) throw new Error(`ladder: series ${t} prefix to bucket ${b}: Fenwick ${pre}, accounts ${run}`);
      }
    }
    for (let b = 0; b < 2 * m; b++) {
      if (s[this.count0 + b] !== sums[4 * m + b]) throw new Error(`ladder: count in bucket slot ${b}: stored ${s[this.count0 + b]}, accounts ${sums[4 * m + b]}`);
    }
  }

  // ---- internals: sums ------------------------------------------------------------------

  private rangeSum(series: number, lo: number, hi: number): number {
    if (!(hi > lo)) return 0;
    const bl = this.bucketOf(lo);
    const bh = this.bucketOf(hi);
    const base = this.plain0 + series * this.bucketCount;
    const s = this.store;
    if (bl === bh) return s[base + bl] * (this.fractionBelow(hi, bh) - this.fractionBelow(lo, bl));
    let sum = s[base + bl] * (1 - this.fractionBelow(lo, bl)) + s[base + bh] * this.fractionBelow(hi, bh);
    if (bh - 1 > bl) sum += this.prefix(series, bh - 1) - this.prefix(series, bl);
    return sum;
  }

  /** Share of bucket b below x (x inside or at the edges of b). */
  private fractionBelow(x: number, b: number): number {
    if (b === 0) return x > 0 ? 1 : 0;
    if (b === this.bucketCount - 1) return x > this.topEdge ? 1 : 0;
    const f = (Math.log(x) - this.lnMin) * this.invW - (b - 1);
    return f <= 0 ? 0 : f >= 1 ? 1 : f;
  }

  /**
   * Σ of series over buckets 0..b. The Fenwick nodes of one family sit in
   * pairs (collateral, debt) so one walk updates both with one cache miss.
   */
  private prefix(series: number, b: number): number {
    const s = this.store;
    const off = (series >> 1) * 2 * (this.bucketCount + 1) + (series & 1);
    let sum = 0;
    for (let j = b + 1; j > 0; j -= j & -j) sum += s[off + 2 * j];
    return sum;
  }

  /** Adds (dc, dd) to bucket b of a family's paired Fenwick trees. */
  private fenwickAdd(family: number, b: number, dc: number, dd: number): void {
    const s = this.store;
    const m = this.bucketCount;
    const off = family * 2 * (m + 1);
    if (this.jOn) {
      for (let j = b + 1; j <= m; j += j & -j) {
        const a = off + 2 * j;
        this.put(a, s[a] + dc);
        this.put(a + 1, s[a + 1] + dd);
      }
    } else {
      for (let j = b + 1; j <= m; j += j & -j) {
        const a = off + 2 * j;
        s[a] += dc;
        s[a + 1] += dd;
      }
    }
  }

  private bucketAdd(family: number, b: number, c: number, d: number): void {
    const m = this.bucketCount;
    const sc = family === KEY ? KC : SC;
    const sd = sc + 1;
    const s = this.store;
    const cAddr = this.count0 + family * m + b;
    const pc = this.plain0 + sc * m + b;
    const pd = this.plain0 + sd * m + b;
    this.put(cAddr, s[cAddr] + 1);
    this.put(pc, s[pc] + c);
    this.put(pd, s[pd] + d);
    this.fenwickAdd(family, b, c, d);
  }

  private bucketRemove(family: number, b: number, c: number, d: number): void {
    const m = this.bucketCount;
    const sc = family === KEY ? KC : SC;
    const sd = sc + 1;
    const s = this.store;
    const cAddr = this.count0 + family * m + b;
    const pc = this.plain0 + sc * m + b;
    const pd = this.plain0 + sd * m + b;
    const n = s[cAddr] - 1;
    this.put(cAddr, n);
    // An emptied bucket is set to exactly zero, and the Fenwick tree loses
    // the same amount, so rounding residue never accumulates in a bucket
    // that has gone empty (window sums far from the accounts stay 0).
    const dc = n === 0 ? -s[pc] : -c;
    const dd = n === 0 ? -s[pd] : -d;
    this.put(pc, n === 0 ? 0 : s[pc] + dc);
    this.put(pd, n === 0 ? 0 : s[pd] + dd);
    this.fenwickAdd(family, b, dc, dd);
  }

  private bucketShift(family: number, b: number, dc: number, dd: number): void {
    const m = this.bucketCount;
    const sc = family === KEY ? KC : SC;
    const sd = sc + 1;
    const s = this.store;
    const pc = this.plain0 + sc * m + b;
    const pd = this.plain0 + sd * m + b;
    this.put(pc, s[pc] + dc);
    this.put(pd, s[pd] + dd);
    this.fenwickAdd(family, b, dc, dd);
  }

  private put(addr: number, v: number): void {
    if (this.jOn && this.storeStamp[addr] !== this.epoch) {
      this.storeStamp[addr] = this.epoch;
      if (this.jsLen === this.jsAddr.length) this.growStoreJournal();
      this.jsAddr[this.jsLen] = addr;
      this.jsOld[this.jsLen] = this.store[addr];
      this.jsLen++;
    }
    this.store[addr] = v;
  }

  private bulkLoad(): void {
    const book = this.book;
    const m = this.bucketCount;
    const s = this.store;
    let n = 0;
    for (let i = 0; i < book.length; i++) {
      if (book.open[i] !== 1) continue;
      const c = book.collateral[i];
      const d = book.debt[i];
      const strike = d / c;
      const key = strike / book.threshold[i];
      if (!(key === key)) invariant(false, `Ladder.fromBook: account ${i} has no key (collateral ${c}, debt ${d})`);
      const kb = this.bucketOf(key);
      const sb = this.bucketOf(strike);
      this.acct[REC * i] = key;
      this.acct[REC * i + 1] = kb;
      this.acct[REC * i + 2] = sb;
      this.acct[REC * i + 3] = c;
      this.acct[REC * i + 4] = d;
      this.coldAdd(i, kb);
      n++;
      s[this.plain0 + KC * m + kb] += c;
      s[this.plain0 + KD * m + kb] += d;
      s[this.plain0 + SC * m + sb] += c;
      s[this.plain0 + SD * m + sb] += d;
      s[this.count0 + kb] += 1;
      s[this.count0 + m + sb] += 1;
    }
    this.filed = n;
    for (let t = 0; t < 4; t++) {
      const off = (t >> 1) * 2 * (m + 1) + (t & 1);
      const pl = this.plain0 + t * m;
      for (let j = 1; j <= m; j++) s[off + 2 * j] = s[pl + j - 1];
      for (let j = 1; j <= m; j++) {
        const parent = j + (j & -j);
        if (parent <= m) s[off + 2 * parent] += s[off + 2 * j];
      }
    }
  }

  // ---- internals: tiers ----------------------------------------------------------------

  /** Files a filed account hot or cold by its bucket against the floor, moving it if it sits elsewhere. */
  private place(i: number, key: number, kb: number): void {
    if (kb >= this.hotFloor) {
      if (this.coldIn[i] >= 0) this.coldRemove(i);
      if (this.pos[i] >= 0) this.h.setKey(i, key);
      else this.h.push(i, key);
    } else {
      if (this.pos[i] >= 0) this.h.removeAt(this.pos[i]);
      if (this.coldIn[i] !== kb) {
        if (this.coldIn[i] >= 0) this.coldRemove(i);
        this.coldAdd(i, kb);
      }
    }
  }

  /** The heap is empty: the highest non-empty bucket below the floor becomes hot, the floor drops to it. */
  private warm(): void {
    const cnt = this.count0;
    const s = this.store;
    let b = this.hotFloor - 1;
    while (b >= 0 && s[cnt + b] === 0) b--;
    // Nothing cold is left: every bucket turns hot, so later accounts go straight to the heap and no later call scans again.
    this.hotFloor = b < 0 ? 0 : b;
    if (b < 0) return;
    for (let i = this.coldHead[b]; i >= 0; ) {
      const next = this.coldNext[i];
      this.coldNext[i] = -1;
      this.coldPrev[i] = -1;
      this.coldIn[i] = -1;
      this.h.push(i, this.acct[REC * i]);
      i = next;
    }
    this.coldHead[b] = -1;
  }

  private coldAdd(i: number, b: number): void {
    const head = this.coldHead[b];
    this.coldNext[i] = head;
    this.coldPrev[i] = -1;
    if (head >= 0) this.coldPrev[head] = i;
    this.coldHead[b] = i;
    this.coldIn[i] = b;
  }

  private coldRemove(i: number): void {
    const b = this.coldIn[i];
    const next = this.coldNext[i];
    const prev = this.coldPrev[i];
    if (prev >= 0) this.coldNext[prev] = next;
    else this.coldHead[b] = next;
    if (next >= 0) this.coldPrev[next] = prev;
    this.coldNext[i] = -1;
    this.coldPrev[i] = -1;
    this.coldIn[i] = -1;
  }

  // ---- internals: journal -------------------------------------------------------------

  private recordAccount(i: number): void {
    if (this.acctStamp[i] === this.epoch) return;
    this.acctStamp[i] = this.epoch;
    if (this.jaLen === this.jaIdx.length) this.growAccountJournal();
    const k = this.jaLen++;
    this.jaIdx[k] = i;
    this.jaKey[k] = this.acct[REC * i];
    this.jaKb[k] = this.acct[REC * i + 1];
    this.jaSb[k] = this.acct[REC * i + 2];
    this.jaColl[k] = this.acct[REC * i + 3];
    this.jaDebt[k] = this.acct[REC * i + 4];
  }

  private growStoreJournal(): void {
    const cap = this.jsAddr.length * 2;
    const a = new Int32Array(cap); a.set(this.jsAddr); this.jsAddr = a;
    const o = new Float64Array(cap); o.set(this.jsOld); this.jsOld = o;
  }

  private growAccountJournal(): void {
    const cap = this.jaIdx.length * 2;
    const idx = new Int32Array(cap); idx.set(this.jaIdx); this.jaIdx = idx;
    const key = new Float64Array(cap); key.set(this.jaKey); this.jaKey = key;
    const kb = new Int32Array(cap); kb.set(this.jaKb); this.jaKb = kb;
    const sb = new Int32Array(cap); sb.set(this.jaSb); this.jaSb = sb;
    const c = new Float64Array(cap); c.set(this.jaColl); this.jaColl = c;
    const d = new Float64Array(cap); d.set(this.jaDebt); this.jaDebt = d;
  }
}
