import type { MechanismSchemaConfig } from '../../config/protocolSchema.js';
import { invariant } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { PARTY } from '../../sim/ledger.js';
import type { OrderQueue } from '../../sim/orderQueue.js';
import type { Columns, Recorder } from '../../sim/recorder.js';
import { OffBookFills, type LotBook } from '../lots.js';
import type { LiquidationMechanism, MechanismHost } from '../types.js';
import { BidderPool } from './bidders.js';
import { DirectSeller, SOLD_TOLERANCE } from './direct.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/**
 * MakerDAO Liquidations 2.0 ("clip") style descending-price auction: the
 * schema's `protocol.liquidation.mechanism` of kind dutch
 * (config/protocolSchema.ts, where the defaults live; they are assumptions
 * unless a source is named: expose them and sweep them). The price starts
 * `startPremiumPct` above the oracle at open (Maker's `buf`) and falls every
 * `stepMs`, by `decay`: exponential, top · (1 − cutPctPerStep/100)^steps
 * (Maker's StairstepExponentialDecrease), or linear, top · (1 − steps ·
 * stepMs / timeToZeroMs) (Maker's LinearDecrease). `floorPctOfOracle`: floor
 * as percent of the oracle at open, below the start price (0 allows a clear at
 * 0); an auction that has sat at the floor for a whole bar ends, as does one
 * older than `maxDurationMs` (Maker's `tail`). `unsold`: 'sell-direct' — the
 * protocol market-sells what is left (cause 'liquidation') and the lot closes
 * when it is sold, so its proceeds still repay the lot's debt; 'hold' — the lot
 * closes at once and the collateral stays with the protocol party as
 * inventory, valued at zero in the settlement (its debt shortfall goes to the
 * fund and bad debt now). An auction counts as a zero-price clear when it sold
 * something at an average price at most `zeroPriceFractionOfOracle` of the
 * oracle at open (the 12 March 2020 zero bids were 0 DAI).
 */
export type DutchAuctionConfig = Extract<MechanismSchemaConfig, { kind: 'dutch' }>;

/** How the auction price falls with the number of whole steps since the lot opened. */
export type AuctionDecay = DutchAuctionConfig['decay'];

const NONE = 0;
const AUCTION = 1;
const ENDED = 2;
const DIRECT = 3;

/** Indices of the auction figures per bar (`bar`) and for the run (`total`). */
export const AUCTION_STAT = {
  started: 0,
  /** Auctions whose collateral was all taken by bidders. */
  finished: 1,
  /** Auctions that ended with collateral left (duration or floor). */
  expired: 2,
  zeroPriceClears: 3,
  soldBase: 4,
  proceedsQuote: 5,
  /** Collateral left when auctions ended. */
  unsoldBase: 6,
  resaleBase: 7,
  resaleQuote: 8,
} as const;
const STAT_COLUMNS = [
  'auction_started', 'auction_finished', 'auction_expired', 'auction_zero_price_clears', 'auction_sold_base', 'auction_proceeds_quote',
  'auction_unsold_base', 'bidder_resale_base', 'bidder_resale_quote',
] as const;
const NSTAT = STAT_COLUMNS.length;
const AUCTION_COLUMNS = [
  'auction_active', 'bidders_present', 'bidder_free_capital_quote', 'bidder_capital_in_use_quote', 'bidder_inventory_base',
  'liq_direct_sold_base', 'liq_direct_proceeds_quote',
] as const;

export class DutchAuctionMechanism extends Stateful implements LiquidationMechanism {
  readonly kind = 'dutch' as const;
  readonly parties: readonly number[] = [PARTY.auctionBidders];
  /** Auction takes of the current round (cause 'auction'); the protocol agent logs and clears them. */
  readonly offBook = new OffBookFills();
  readonly bidders: BidderPool;
  readonly seller: DirectSeller;
  readonly bar = new Float64Array(NSTAT);
  readonly total = new Float64Array(NSTAT);

  private readonly lots: LotBook;
  private readonly cfg: DutchAuctionConfig;
  private readonly cutFactor: number;
  private readonly phase: Uint8Array;
  private readonly top: Float64Array;
  private readonly floor: Float64Array;
  /** Bar in which the auction was first seen at its floor, −1 before. */
  private readonly floorSinceBar: Float64Array;
  private readonly auctionSold: Float64Array;
  private readonly auctionProceeds: Float64Array;
  private endowed = 0;
  private resaleDone = 0;
  private statCols: Float64Array[] = [];
  private cols: Columns<(typeof AUCTION_COLUMNS)[number]> | null = null;

  /** `cfg` must have passed checkMechanismConfig (factory.ts). */
  constructor(cfg: DutchAuctionConfig, lots: LotBook, rng: Rng) {
    super();
    this.cfg = cfg;
    this.lots = lots;
    this.cutFactor = cfg.decay.kind === 'exponential' ? 1 - cfg.decay.cutPctPerStep / 100 : Number.NaN;
    this.bidders = new BidderPool(cfg.bidders, rng);
    this.seller = new DirectSeller(lots);
    const c = lots.capacity;
    this.phase = new Uint8Array(c);
    this.top = new Float64Array(c);
    this.floor = new Float64Array(c);
    this.floorSinceBar = new Float64Array(c).fill(-1);
    this.auctionSold = new Float64Array(c);
    this.auctionProceeds = new Float64Array(c);
  }

  /** The auction price of `lot` at bar time `timeMs` (steps counted from the lot's opening bar). */
  priceAt(lot: number, timeMs: number): number {
    const steps = Math.floor((timeMs - this.lots.openedMs[lot]) / this.cfg.stepMs);
    const top = this.top[lot];
    const d = this.cfg.decay;
    const p = d.kind === 'exponential' ? top * Math.pow(this.cutFactor, steps) : top * (1 - (steps * this.cfg.stepMs) / d.timeToZeroMs);
    return p > this.floor[lot] ? p : this.floor[lot];
  }

  /** True while `lot` is in its auction phase (not yet ended or sold out). */
  inAuction(lot: number): boolean {
    return this.phase[lot] === AUCTION;
  }

  declareColumns(rec: Recorder): void {
    const stats = rec.columns(STAT_COLUMNS);
    this.statCols = STAT_COLUMNS.map((n) => stats[n]);
    this.cols = rec.columns(AUCTION_COLUMNS);
  }

  beginBar(host: MechanismHost): void {
    if (this.endowed === 0) {
      this.bidders.endow(host.ledger);
      this.endowed = 1;
    }
    this.bar.fill(0);
    this.seller.beginBar();
    this.resaleDone = 0;
    this.bidders.beginBar(host.gasGwei);
    this.bidders.planResale();
    const lots = this.lots;
    for (let l = lots.first(); l !== -1; l = lots.next(l)) {
      if (this.phase[l] !== AUCTION) continue;
      if (host.time - lots.openedMs[l] >= this.cfg.maxDurationMs) {
        this.endAuction(l);
        continue;
      }
      if (this.priceAt(l, host.time) <= this.floor[l]) {
        // Bidders get one whole bar at the floor before the auction gives up.
        if (this.floorSinceBar[l] >= 0 && this.floorSinceBar[l] < host.bar) this.endAuction(l);
        else if (this.floorSinceBar[l] < 0) this.floorSinceBar[l] = host.bar;
      }
    }
  }

  open(lot: number, host: MechanismHost, _orders: OrderQueue): void {
    invariant(host.lots === this.lots, 'the mechanism was built for another lot book');
    const oracle = this.lots.oracleAtOpen[lot];
    this.phase[lot] = AUCTION;
    this.top[lot] = oracle * (1 + this.cfg.startPremiumPct / 100);
    this.floor[lot] = (oracle * this.cfg.floorPctOfOracle) / 100;
    this.floorSinceBar[lot] = -1;
    this.auctionSold[lot] = 0;
    this.auctionProceeds[lot] = 0;
    this.count(AUCTION_STAT.started, 1);
    this.tryTakes(lot, host);
  }

  act(host: MechanismHost, orders: OrderQueue): void {
    if (this.resaleDone === 0) {
      this.bidders.pushResale(orders);
      this.resaleDone = 1;
    }
    this.seller.act(orders);
    const lots = this.lots;
    for (let l = lots.first(); l !== -1; ) {
      const nx = lots.next(l);
      if (this.phase[l] === ENDED) this.handleEnded(l, host, orders);
      else if (this.phase[l] === AUCTION) this.tryTakes(l, host);
      l = nx;
    }
  }

  onFill(host: MechanismHost, party: number, tag: number, size: number, price: number): void {
    if (party === PARTY.auctionBidders) {
      this.bidders.onResaleFill(size, price);
      this.count(AUCTION_STAT.resaleBase, -size);
      this.count(AUCTION_STAT.resaleQuote, -size * price);
      return;
    }
    invariant(party === PARTY.protocol, `Dutch auction told of a fill of party ${party}`);
    this.seller.onFill(host, tag, size, price);
    if (!this.seller.isActive(tag)) this.phase[tag] = NONE;
  }

  endBar(host: MechanismHost, _rec: Recorder): void {
    const i = host.bar;
    for (let k = 0; k < this.statCols.length; k++) this.statCols[k][i] = this.bar[k];
    const x = this.cols;
    if (x === null) return;
    let active = 0;
    for (let l = this.lots.first(); l !== -1; l = this.lots.next(l)) if (this.phase[l] === AUCTION) active++;
    const b = this.bidders;
    x.auction_active[i] = active;
    x.bidders_present[i] = b.presentCount;
    x.bidder_free_capital_quote[i] = b.freeCapitalQuote();
    x.bidder_capital_in_use_quote[i] = b.capitalInUseQuote();
    x.bidder_inventory_base[i] = b.inventoryTotalBase();
    x.liq_direct_sold_base[i] = this.seller.barSoldBase;
    x.liq_direct_proceeds_quote[i] = this.seller.barProceedsQuote;
  }

  private tryTakes(lot: number, host: MechanismHost): void {
    const lots = this.lots;
    const price = this.priceAt(lot, host.time);
    const rem = lots.remainingBase[lot];
    const tol = SOLD_TOLERANCE * lots.seizedBase[lot];
    const bought = this.bidders.buy(price, host.mid(), rem, tol, lot, host.ledger, this.offBook);
    if (bought > 0) {
      lots.remainingBase[lot] = rem - bought;
      lots.proceedsQuote[lot] += bought * price;
      this.auctionSold[lot] += bought;
      this.auctionProceeds[lot] += bought * price;
      this.count(AUCTION_STAT.soldBase, bought);
      this.count(AUCTION_STAT.proceedsQuote, bought * price);
    }
    if (lots.remainingBase[lot] <= tol) {
      this.count(AUCTION_STAT.finished, 1);
      this.countZeroClear(lot);
      this.phase[lot] = NONE;
      host.closeLot(lot);
    }
  }

  private endAuction(lot: number): void {
    this.phase[lot] = ENDED;
    this.count(AUCTION_STAT.expired, 1);
    this.count(AUCTION_STAT.unsoldBase, this.lots.remainingBase[lot]);
    this.countZeroClear(lot);
  }

  private handleEnded(lot: number, host: MechanismHost, orders: OrderQueue): void {
    if (this.cfg.unsold === 'sell-direct') {
      this.phase[lot] = DIRECT;
      this.seller.start(lot, orders);
    } else {
      this.phase[lot] = NONE;
      host.closeLot(lot);
    }
  }

  /** Zero bids: the auction sold collateral, all of it at (near) zero on average. */
  private countZeroClear(lot: number): void {
    const sold = this.auctionSold[lot];
    if (sold > 0 && this.auctionProceeds[lot] <= this.cfg.zeroPriceFractionOfOracle * this.lots.oracleAtOpen[lot] * sold) {
      this.count(AUCTION_STAT.zeroPriceClears, 1);
    }
  }

  private count(k: number, v: number): void {
    this.bar[k] += v;
    this.total[k] += v;
  }

  protected describeState(): Saveable {
    return stateOf(
      arrays(this.phase, this.top, this.floor, this.floorSinceBar, this.auctionSold, this.auctionProceeds, this.bar, this.total),
      ownScalars(this, ['endowed', 'resaleDone']),
      this.seller,
      this.bidders,
    );
  }
}
