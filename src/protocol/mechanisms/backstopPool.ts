import type { MechanismSchemaConfig } from '../../config/protocolSchema.js';
import { invariant } from '../../core/errors.js';
import { PARTY, type Ledger, type PartyName } from '../../sim/ledger.js';
import type { OrderQueue } from '../../sim/orderQueue.js';
import type { Columns, Recorder } from '../../sim/recorder.js';
import { CAUSE_CODE } from '../../sim/tradeLog.js';
import { OffBookFills, type LotBook } from '../lots.js';
import type { LiquidationMechanism, MechanismHost } from '../types.js';
import { DirectSeller, SOLD_TOLERANCE } from './direct.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/**
 * Internalized keeper / backstop pool (Liquity's stability pool, an insurance
 * vault): pre-committed capital buys seized collateral at a fixed discount to
 * the oracle until the capital runs out; the rest is sold directly. The
 * schema's mechanism of kind backstop (config/protocolSchema.ts, where the
 * defaults live): `discountPct` to the oracle at the lot's opening (Liquity v1
 * liquidates troves at a 110% collateral ratio, so its pool receives
 * collateral worth up to about 1.1 × the debt it absorbs);
 * `resaleFractionPerBar` of the pool's collateral market-sold per bar (party
 * 'backstopPool', cause 'resale'; 0 holds it, as Liquity's pool keeps the
 * collateral it gains), resale proceeds becoming available capital again.
 * The runner adds `withdrawToParty` when depositors can leave: withdrawn
 * capital then moves to that party through the ledger; absent, it stays in
 * the 'backstopPool' party's cash, marked withdrawn, and available capital
 * excludes it.
 */
export type BackstopPoolConfig = Extract<MechanismSchemaConfig, { kind: 'backstop' }> & { withdrawToParty?: PartyName };

/** Indices of the pool's figures per bar (`bar`) and for the run (`total`). */
export const POOL_STAT = {
  absorbedBase: 0,
  absorbedQuote: 1,
  /** Collateral the pool could not afford, handed to the direct sale. */
  fallbackBase: 2,
  resaleBase: 3,
  resaleQuote: 4,
  withdrawnQuote: 5,
} as const;
const STAT_COLUMNS = [
  'backstop_absorbed_base', 'backstop_absorbed_quote', 'backstop_fallback_base', 'backstop_resale_base', 'backstop_resale_quote', 'backstop_withdrawn_quote',
] as const;
const NSTAT = STAT_COLUMNS.length;
const POOL_COLUMNS = ['backstop_available_quote', 'backstop_committed_quote', 'backstop_collateral_base', 'liq_direct_sold_base', 'liq_direct_proceeds_quote'] as const;

export class BackstopPoolMechanism extends Stateful implements LiquidationMechanism {
  readonly kind = 'backstop' as const;
  readonly parties: readonly number[] = [PARTY.backstopPool];
  /** The pool's absorptions of the current round (cause 'liquidation', off the book); the protocol agent logs and clears them. */
  readonly offBook = new OffBookFills();
  readonly seller: DirectSeller;
  readonly bar = new Float64Array(NSTAT);
  readonly total = new Float64Array(NSTAT);
  readonly party = PARTY.backstopPool;

  private readonly lots: LotBook;
  private readonly cfg: BackstopPoolConfig;
  private readonly withdrawTo: number;
  /** Withdrawn capital still sitting in the pool party's cash (no destination party configured). */
  private heldWithdrawn = 0;
  private endowed = 0;
  private resaleDone = 0;
  private plannedResaleBase = 0;
  private statCols: Float64Array[] = [];
  private cols: Columns<(typeof POOL_COLUMNS)[number]> | null = null;

  /** `cfg` must have passed checkMechanismConfig (factory.ts). */
  constructor(cfg: BackstopPoolConfig, lots: LotBook) {
    super();
    this.cfg = cfg;
    this.lots = lots;
    this.seller = new DirectSeller(lots);
    this.withdrawTo = cfg.withdrawToParty === undefined ? -1 : PARTY[cfg.withdrawToParty];
  }

  /** Capital the pool can spend now, quote. */
  availableQuote(ledger: Ledger): number {
    return ledger.cash[this.party] - this.heldWithdrawn;
  }

  /** Depositors' stake at the mid: available capital plus collateral held. */
  committedQuote(ledger: Ledger, mid: number): number {
    return this.availableQuote(ledger) + ledger.asset[this.party] * mid;
  }

  /**
   * Depositors take out up to `quote` of available capital (the behaviour
   * issue's hook: backstop depositors who withdraw under stress). Returns what
   * was withdrawn; collateral held by the pool is not withdrawn.
   */
  withdraw(quote: number, ledger: Ledger): number {
    invariant(quote >= 0, `withdrawal must be >= 0, got ${quote}`);
    const amount = Math.min(quote, Math.max(0, this.availableQuote(ledger)));
    if (this.withdrawTo >= 0) ledger.payCash(this.party, this.withdrawTo, amount);
    else this.heldWithdrawn += amount;
    this.count(POOL_STAT.withdrawnQuote, amount);
    return amount;
  }

  declareColumns(rec: Recorder): void {
    const stats = rec.columns(STAT_COLUMNS);
    this.statCols = STAT_COLUMNS.map((n) => stats[n]);
    this.cols = rec.columns(POOL_COLUMNS);
  }

  beginBar(host: MechanismHost): void {
    if (this.endowed === 0) {
      // Deposits arrive from the rest of the market, so the ledger's sums stay put.
      host.ledger.payCash(PARTY.counterparties, this.party, this.cfg.initialCapitalQuote);
      this.endowed = 1;
    }
    this.bar.fill(0);
    this.seller.beginBar();
    this.resaleDone = 0;
    // Planned from the bar-start holdings, so the bar's absorptions are not resold in the same bar.
    this.plannedResaleBase = host.ledger.asset[this.party] * this.cfg.resaleFractionPerBar;
  }

  open(lot: number, host: MechanismHost, orders: OrderQueue): void {
    invariant(host.lots === this.lots, 'the mechanism was built for another lot book');
    const lots = this.lots;
    const ledger = host.ledger;
    const price = lots.oracleAtOpen[lot] * (1 - this.cfg.discountPct / 100);
    const rem = lots.remainingBase[lot];
    const tol = SOLD_TOLERANCE * lots.seizedBase[lot];
    const avail = this.availableQuote(ledger);
    const affordable = price > 0 ? avail / price : Infinity;
    const q = affordable >= rem ? rem : affordable;
    if (q > tol) {
      ledger.trade(this.party, PARTY.protocol, q, price);
      this.offBook.push(lot, this.party, PARTY.protocol, CAUSE_CODE.liquidation, q, price);
      lots.remainingBase[lot] = rem - q;
      lots.proceedsQuote[lot] += q * price;
      this.count(POOL_STAT.absorbedBase, q);
      this.count(POOL_STAT.absorbedQuote, q * price);
    }
    if (lots.remainingBase[lot] <= tol) {
      host.closeLot(lot);
      return;
    }
    this.count(POOL_STAT.fallbackBase, lots.remainingBase[lot]);
    this.seller.start(lot, orders);
  }

  act(_host: MechanismHost, orders: OrderQueue): void {
    if (this.resaleDone === 0) {
      if (this.plannedResaleBase > 0) orders.push(this.party, CAUSE_CODE.resale, -this.plannedResaleBase, -1);
      this.resaleDone = 1;
    }
    this.seller.act(orders);
  }

  onFill(host: MechanismHost, party: number, tag: number, size: number, price: number): void {
    if (party === this.party) {
      this.count(POOL_STAT.resaleBase, -size);
      this.count(POOL_STAT.resaleQuote, -size * price);
      return;
    }
    invariant(party === PARTY.protocol, `backstop pool told of a fill of party ${party}`);
    this.seller.onFill(host, tag, size, price);
  }

  endBar(host: MechanismHost, _rec: Recorder): void {
    const i = host.bar;
    for (let k = 0; k < this.statCols.length; k++) this.statCols[k][i] = this.bar[k];
    const x = this.cols;
    if (x === null) return;
    const ledger = host.ledger;
    x.backstop_available_quote[i] = this.availableQuote(ledger);
    x.backstop_committed_quote[i] = this.committedQuote(ledger, host.mid());
    x.backstop_collateral_base[i] = ledger.asset[this.party];
    x.liq_direct_sold_base[i] = this.seller.barSoldBase;
    x.liq_direct_proceeds_quote[i] = this.seller.barProceedsQuote;
  }

  private count(k: number, v: number): void {
    this.bar[k] += v;
    this.total[k] += v;
  }

  protected describeState(): Saveable {
    return stateOf(arrays(this.bar, this.total), ownScalars(this, ['heldWithdrawn', 'endowed', 'resaleDone', 'plannedResaleBase']), this.seller);
  }
}
