import { invariant } from '../../core/errors.js';
import { PARTY } from '../../sim/ledger.js';
import type { OrderQueue } from '../../sim/orderQueue.js';
import type { Columns, Recorder } from '../../sim/recorder.js';
import { CAUSE_CODE } from '../../sim/tradeLog.js';
import { OffBookFills, type LotBook } from '../lots.js';
import type { LiquidationMechanism, MechanismHost } from '../types.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/** A lot whose unsold collateral is at most this fraction of what was seized counts as sold (float dust). */
export const SOLD_TOLERANCE = 1e-12;

export interface DirectMechanismConfig {
  /** Seized collateral is market-sold at once from party 'protocol' (cause 'liquidation', tag = lot). No parameters. */
  kind: 'direct';
}

/**
 * Market-sells lots' collateral from party 'protocol' and closes each lot
 * when it is sold. Shared by every mechanism: it is the direct sale itself,
 * the Dutch auction's sale of unsold collateral, and the backstop pool's
 * fallback. At most one order per lot is in flight; a partial fill (a book
 * that ran out of levels) is re-ordered in the next round.
 */
export class DirectSeller extends Stateful {
  private readonly lots: LotBook;
  private readonly active: Uint8Array;
  private readonly pending: Uint8Array;
  /** Base sold and quote raised this bar, and over the run. */
  barSoldBase = 0;
  barProceedsQuote = 0;
  totalSoldBase = 0;
  totalProceedsQuote = 0;

  constructor(lots: LotBook) {
    super();
    this.lots = lots;
    this.active = new Uint8Array(lots.capacity);
    this.pending = new Uint8Array(lots.capacity);
  }

  isActive(lot: number): boolean {
    return this.active[lot] === 1;
  }

  /** Takes charge of `lot` and orders the sale of all its remaining collateral. */
  start(lot: number, orders: OrderQueue): void {
    this.active[lot] = 1;
    this.pending[lot] = 0;
    this.order(lot, orders);
  }

  /** Re-orders what earlier rounds left unsold. */
  act(orders: OrderQueue): void {
    const lots = this.lots;
    for (let l = lots.first(); l !== -1; l = lots.next(l)) {
      if (this.active[l] === 1 && this.pending[l] === 0) this.order(l, orders);
    }
  }

  private order(lot: number, orders: OrderQueue): void {
    const rem = this.lots.remainingBase[lot];
    if (rem <= 0) return;
    orders.push(PARTY.protocol, CAUSE_CODE.liquidation, -rem, lot);
    this.pending[lot] = 1;
  }

  /** A fill of the sell order of `lot`: adds the proceeds, closes the lot when it is sold. */
  onFill(host: MechanismHost, lot: number, size: number, price: number): void {
    invariant(this.active[lot] === 1, `direct-sale fill for lot ${lot}, which is not being sold`);
    const lots = this.lots;
    const sold = -size;
    lots.remainingBase[lot] -= sold;
    lots.proceedsQuote[lot] += sold * price;
    this.pending[lot] = 0;
    this.barSoldBase += sold;
    this.barProceedsQuote += sold * price;
    this.totalSoldBase += sold;
    this.totalProceedsQuote += sold * price;
    const seized = lots.seizedBase[lot];
    invariant(lots.remainingBase[lot] >= -SOLD_TOLERANCE * seized, `lot ${lot} oversold: remaining ${lots.remainingBase[lot]} of ${seized}`);
    if (lots.remainingBase[lot] <= SOLD_TOLERANCE * seized) {
      this.active[lot] = 0;
      host.closeLot(lot);
    }
  }

  beginBar(): void {
    this.barSoldBase = 0;
    this.barProceedsQuote = 0;
  }

  protected describeState(): Saveable {
    return stateOf(arrays(this.active, this.pending), ownScalars(this, ['barSoldBase', 'barProceedsQuote', 'totalSoldBase', 'totalProceedsQuote']));
  }
}

const DIRECT_COLUMNS = ['liq_direct_sold_base', 'liq_direct_proceeds_quote'] as const;

/** docs/model.md#mechanisms, direct sale: seized collateral is market-sold at once. */
export class DirectMechanism extends Stateful implements LiquidationMechanism {
  readonly kind = 'direct' as const;
  readonly parties: readonly number[] = [];
  /** Always empty: a direct sale trades only on the book. Present so every mechanism has one. */
  readonly offBook = new OffBookFills();
  readonly seller: DirectSeller;
  private readonly lots: LotBook;
  private cols: Columns<(typeof DIRECT_COLUMNS)[number]> | null = null;

  constructor(lots: LotBook) {
    super();
    this.lots = lots;
    this.seller = new DirectSeller(lots);
  }

  declareColumns(rec: Recorder): void {
    this.cols = rec.columns(DIRECT_COLUMNS);
  }

  beginBar(_host: MechanismHost): void {
    this.seller.beginBar();
  }

  open(lot: number, host: MechanismHost, orders: OrderQueue): void {
    invariant(host.lots === this.lots, 'the mechanism was built for another lot book');
    this.seller.start(lot, orders);
  }

  act(_host: MechanismHost, orders: OrderQueue): void {
    this.seller.act(orders);
  }

  onFill(host: MechanismHost, party: number, tag: number, size: number, price: number): void {
    invariant(party === PARTY.protocol, `direct mechanism told of a fill of party ${party}`);
    this.seller.onFill(host, tag, size, price);
  }

  endBar(host: MechanismHost, _rec: Recorder): void {
    const c = this.cols;
    if (c === null) return;
    c.liq_direct_sold_base[host.bar] = this.seller.barSoldBase;
    c.liq_direct_proceeds_quote[host.bar] = this.seller.barProceedsQuote;
  }

  protected describeState(): Saveable {
    return this.seller;
  }
}
