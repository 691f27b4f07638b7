/**
 * The leveraged accounts of one protocol
 * (docs/model.md#accounts-and-the-ladder), as a struct of arrays with a fixed capacity so a million
 * accounts cost four typed arrays and no objects.
 *
 * An account holds `collateral` (base units) against `debt` (quote) with its
 * own liquidation threshold LT in (0, 1]. It is open while both are > 0
 * (the LadderView definition in types.ts). Slots are never reused: an index
 * is an account's identity for the whole run, so a closed account keeps its
 * slot with zero collateral and debt.
 *
 * Rollback (docs/model.md#reading-history: a bar is tried, then kept or undone):
 * between beginJournal() and commitJournal() every change records the
 * account's previous (collateral, debt, open) in typed arrays, and rollback()
 * replays them in reverse. Cost is O(changes in the bar), never O(n), and the
 * arrays, totals and counters come back bit for bit.
 */
import { invariant } from '../core/errors.js';

/** One account's numbers for a leveraged perp long modelled as a margin account. */
export interface AccountTerms {
  /** Base units held. */
  readonly collateral: number;
  /** Quote owed. */
  readonly debt: number;
  /** Liquidation threshold LT in (0, 1]. */
  readonly threshold: number;
}

/**
 * A perp long of `size` units opened at `entry` with leverage L and maintenance
 * margin mm, seen as a margin account: it holds the units as collateral and
 * owes what the margin did not pay, size·entry·(1 − 1/L); its LT is 1 − mm.
 * Its liquidation price is then entry·(1 − 1/L)/(1 − mm) (the isolated-margin
 * long formula, e.g. Hyperliquid and Binance docs, with the entry fee ignored).
 */
export function perpAccount(size: number, entry: number, leverage: number, maintenanceMargin: number): AccountTerms {
  return { collateral: size, debt: size * entry * (1 - 1 / leverage), threshold: 1 - maintenanceMargin };
}

/** Liquidation price of a perp long: entry·(1 − 1/L)/(1 − mm). */
export function perpLiquidationPrice(entry: number, leverage: number, maintenanceMargin: number): number {
  return (entry * (1 - 1 / leverage)) / (1 - maintenanceMargin);
}

const JOURNAL_START = 1024;

export class AccountBook {
  readonly capacity: number;
  /** Base units per account. */
  readonly collateral: Float64Array;
  /** Quote owed per account. */
  readonly debt: Float64Array;
  /** Liquidation threshold per account, fixed when the account is added. */
  readonly threshold: Float64Array;
  /** 1 while collateral > 0 and debt > 0. */
  readonly open: Uint8Array;

  private n = 0;
  private nOpen = 0;
  // Neumaier running sums: a million adds and subtracts of mixed sizes would
  // otherwise drift by many ulps of the total.
  private sumC = 0;
  private compC = 0;
  private sumD = 0;
  private compD = 0;

  private journalOn = false;
  private jLen = 0;
  private jIndex = new Int32Array(JOURNAL_START);
  private jColl = new Float64Array(JOURNAL_START);
  private jDebt = new Float64Array(JOURNAL_START);
  private jOpen = new Uint8Array(JOURNAL_START);
  // State at beginJournal() that is not per account.
  private jN = 0;
  private jNOpen = 0;
  private jSums = new Float64Array(4);

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) invariant(false, `AccountBook capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.collateral = new Float64Array(capacity);
    this.debt = new Float64Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.open = new Uint8Array(capacity);
  }

  /**
   * A book equal to this one in every account and total, bit for bit, that
   * shares no memory with it: a run changes its own copy. Not while a bar is
   * being journalled (the copy would hold a tried bar's changes).
   */
  copy(): AccountBook {
    if (this.journalOn) invariant(false, 'AccountBook.copy inside a journalled bar');
    const c = new AccountBook(this.capacity);
    c.collateral.set(this.collateral);
    c.debt.set(this.debt);
    c.threshold.set(this.threshold);
    c.open.set(this.open);
    c.n = this.n;
    c.nOpen = this.nOpen;
    c.sumC = this.sumC;
    c.compC = this.compC;
    c.sumD = this.sumD;
    c.compD = this.compD;
    return c;
  }

  /** Slots used (open and closed accounts). */
  get length(): number {
    return this.n;
  }

  get openCount(): number {
    return this.nOpen;
  }

  /** Σ collateral of open accounts, base units (compensated). */
  totalCollateral(): number {
    return this.sumC + this.compC;
  }

  /** Σ debt of open accounts, quote (compensated). */
  totalDebt(): number {
    return this.sumD + this.compD;
  }

  /** The totals summed afresh over every open account, O(n): a check on the running sums. */
  recomputeTotals(): { collateral: number; debt: number } {
    let sc = 0, cc = 0, sd = 0, cd = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.open[i] === 0) continue;
      const x = this.collateral[i];
      let t = sc + x;
      cc += Math.abs(sc) >= Math.abs(x) ? sc - t + x : x - t + sc;
      sc = t;
      const y = this.debt[i];
      t = sd + y;
      cd += Math.abs(sd) >= Math.abs(y) ? sd - t + y : y - t + sd;
      sd = t;
    }
    return { collateral: sc + cc, debt: sd + cd };
  }

  /**
   * A new open account; returns its index. Collateral and debt must be > 0,
   * threshold in (0, 1]. (Checks here and in modify build their message only
   * on failure: these run on every liquidation.)
   */
  add(collateral: number, debt: number, threshold: number): number {
    if (!(this.n < this.capacity)) invariant(false, `AccountBook is full (capacity ${this.capacity})`);
    if (!(collateral > 0 && collateral < Infinity)) invariant(false, `account collateral must be finite and > 0, got ${collateral}`);
    if (!(debt > 0 && debt < Infinity)) invariant(false, `account debt must be finite and > 0, got ${debt}`);
    if (!(threshold > 0 && threshold <= 1)) invariant(false, `account threshold must be in (0, 1], got ${threshold}`);
    const i = this.n++;
    this.collateral[i] = collateral;
    this.debt[i] = debt;
    this.threshold[i] = threshold;
    this.open[i] = 1;
    this.nOpen++;
    this.addSums(collateral, debt);
    return i;
  }

  /**
   * Liquidation key debt / (collateral · LT): the liquidation price at
   * threshold multiplier 1 (types.ts). Meaningful for open accounts only.
   */
  key(i: number): number {
    return this.debt[i] / (this.collateral[i] * this.threshold[i]);
  }

  /**
   * New collateral and debt for an open account. Zero debt, or zero of both,
   * closes it (repaid, or fully liquidated). Collateral 0 with debt left is
   * refused: a liquidation moves the unpaid debt into its lot first, so an
   * account never holds debt against nothing.
   */
  modify(i: number, newCollateral: number, newDebt: number): void {
    if (!(i >= 0 && i < this.n && this.open[i] === 1)) invariant(false, `modify: account ${i} is not open`);
    if (!(newCollateral >= 0 && newCollateral < Infinity)) invariant(false, `modify: account ${i} collateral must be finite and >= 0, got ${newCollateral}`);
    if (!(newDebt >= 0 && newDebt < Infinity)) invariant(false, `modify: account ${i} debt must be finite and >= 0, got ${newDebt}`);
    if (!(newCollateral > 0 || newDebt === 0)) invariant(false, `modify: account ${i} would owe ${newDebt} with no collateral; move the debt to a lot first`);
    if (this.journalOn) this.record(i);
    const oc = this.collateral[i];
    const od = this.debt[i];
    this.collateral[i] = newCollateral;
    this.debt[i] = newDebt;
    if (newDebt === 0) {
      this.open[i] = 0;
      this.nOpen--;
      this.addSums(-oc, -od);
    } else {
      this.addSums(newCollateral - oc, newDebt - od);
    }
  }

  /** Closes an open account, zeroing its collateral and debt (the caller has settled them). */
  close(i: number): void {
    this.modify(i, 0, 0);
  }

  // ---- journal -------------------------------------------------------------

  get journaling(): boolean {
    return this.journalOn;
  }

  /** Start recording changes so they can be undone. */
  beginJournal(): void {
    invariant(!this.journalOn, 'AccountBook.beginJournal: a journal is already open');
    this.journalOn = true;
    this.jLen = 0;
    this.jN = this.n;
    this.jNOpen = this.nOpen;
    this.jSums[0] = this.sumC;
    this.jSums[1] = this.compC;
    this.jSums[2] = this.sumD;
    this.jSums[3] = this.compD;
  }

  /** Keep every change since beginJournal(). */
  commitJournal(): void {
    invariant(this.journalOn, 'AccountBook.commitJournal: no journal is open');
    this.journalOn = false;
    this.jLen = 0;
  }

  /** Undo every change since beginJournal(), bit for bit, and close the journal. */
  rollback(): void {
    invariant(this.journalOn, 'AccountBook.rollback: no journal is open');
    for (let k = this.jLen - 1; k >= 0; k--) {
      const i = this.jIndex[k];
      this.collateral[i] = this.jColl[k];
      this.debt[i] = this.jDebt[k];
      this.open[i] = this.jOpen[k];
    }
    // Accounts added inside the journal: their slots were all zero before.
    for (let i = this.jN; i < this.n; i++) {
      this.collateral[i] = 0;
      this.debt[i] = 0;
      this.threshold[i] = 0;
      this.open[i] = 0;
    }
    this.n = this.jN;
    this.nOpen = this.jNOpen;
    this.sumC = this.jSums[0];
    this.compC = this.jSums[1];
    this.sumD = this.jSums[2];
    this.compD = this.jSums[3];
    this.journalOn = false;
    this.jLen = 0;
  }

  /** Changes recorded so far in the open journal (one per modify/close). */
  get journalLength(): number {
    return this.jLen;
  }

  private record(i: number): void {
    if (this.jLen === this.jIndex.length) this.growJournal();
    const k = this.jLen++;
    this.jIndex[k] = i;
    this.jColl[k] = this.collateral[i];
    this.jDebt[k] = this.debt[i];
    this.jOpen[k] = this.open[i];
  }

  private growJournal(): void {
    const cap = this.jIndex.length * 2;
    const idx = new Int32Array(cap); idx.set(this.jIndex); this.jIndex = idx;
    const c = new Float64Array(cap); c.set(this.jColl); this.jColl = c;
    const d = new Float64Array(cap); d.set(this.jDebt); this.jDebt = d;
    const o = new Uint8Array(cap); o.set(this.jOpen); this.jOpen = o;
  }

  private addSums(dc: number, dd: number): void {
    let t = this.sumC + dc;
    this.compC += Math.abs(this.sumC) >= Math.abs(dc) ? this.sumC - t + dc : dc - t + this.sumC;
    this.sumC = t;
    t = this.sumD + dd;
    this.compD += Math.abs(this.sumD) >= Math.abs(dd) ? this.sumD - t + dd : dd - t + this.sumD;
    this.sumD = t;
  }
}
