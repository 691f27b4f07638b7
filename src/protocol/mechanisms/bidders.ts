import type { BidderGroupSchemaConfig, DistributionConfig, MechanismSchemaConfig } from '../../config/protocolSchema.js';
import { drawParameter } from '../../core/distributions.js';
import { ConfigError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { PARTY, type Ledger } from '../../sim/ledger.js';
import type { OrderQueue } from '../../sim/orderQueue.js';
import { CAUSE_CODE } from '../../sim/tradeLog.js';
import type { OffBookFills } from '../lots.js';
import type { Saveable } from '../../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/** A per-bidder parameter drawn once, at construction, from the bidders' seeded stream; lognormal is exp(ln(median) + sigma · N(0,1)). */
export type Distribution = DistributionConfig;

/**
 * Bidders that share one set of distributions (e.g. professional keepers, or
 * the zero-bidders of 12 March 2020): the schema's bidder group
 * (config/protocolSchema.ts, where the defaults live). A bidder buys when the
 * auction price <= mid · (1 − requiredDiscountPct/100); 100 means it bids only
 * at a price of 0 (the zero bids of 12 March 2020, MakerDAO: 36% of auctions
 * won by zero bids when competition vanished); a negative value pays above
 * mid. Above `gasToleranceGwei` the bidder is absent for the bar (on 12 March
 * 2020 Ethereum gas spiked to about 200 gwei and most keepers' bots stalled).
 */
export type BidderGroupConfig = BidderGroupSchemaConfig;

/**
 * The dutch auction's bidder groups, and the fraction of each bidder's
 * unsold inventory market-sold per bar (party 'auctionBidders', cause 'resale').
 */
export type BiddersConfig = Extract<MechanismSchemaConfig, { kind: 'dutch' }>['bidders'];

export function checkBiddersConfig(cfg: BiddersConfig, path: string): void {
  if (cfg.groups.length === 0) throw new ConfigError('needs at least one bidder group', { field: `${path}.groups` });
  cfg.groups.forEach((g, i) => {
    const p = `${path}.groups.${i}`;
    if (!(Number.isInteger(g.count) && g.count >= 0)) throw new ConfigError(`must be an integer >= 0, got ${g.count}`, { field: `${p}.count` });
    if (!(g.capitalPerBidderQuote >= 0 && Number.isFinite(g.capitalPerBidderQuote))) {
      throw new ConfigError(`must be finite and >= 0, got ${g.capitalPerBidderQuote}`, { field: `${p}.capitalPerBidderQuote` });
    }
    checkDistribution(g.requiredDiscountPct, `${p}.requiredDiscountPct`, -Infinity, 100, false);
    checkDistribution(g.gasToleranceGwei, `${p}.gasToleranceGwei`, 0, Infinity, true);
  });
  const f = cfg.resaleFractionPerBar;
  if (!(f >= 0 && f <= 1)) throw new ConfigError(`must be in [0, 1], got ${f}`, { field: `${path}.resaleFractionPerBar` });
}

function checkDistribution(d: Distribution, field: string, lo: number, hi: number, infiniteOk: boolean): void {
  const ok = (v: number): boolean => v >= lo && v <= hi && (Number.isFinite(v) || (infiniteOk && v === Infinity));
  switch (d.kind) {
    case 'fixed':
      if (!ok(d.value)) throw new ConfigError(`must be in [${lo}, ${hi}], got ${d.value}`, { field: `${field}.value` });
      return;
    case 'uniform':
      if (!(Number.isFinite(d.min) && Number.isFinite(d.max) && lo <= d.min && d.min <= d.max && d.max <= hi)) {
        throw new ConfigError(`needs finite ${lo} <= min <= max <= ${hi}, got [${d.min}, ${d.max}]`, { field });
      }
      return;
    case 'lognormal':
      if (hi < Infinity) throw new ConfigError(`a lognormal draw is unbounded above; use fixed or uniform (max ${hi})`, { field: `${field}.kind` });
      if (!(d.median > 0 && Number.isFinite(d.median) && d.sigma >= 0 && Number.isFinite(d.sigma))) {
        throw new ConfigError(`needs finite median > 0 and sigma >= 0, got median ${d.median}, sigma ${d.sigma}`, { field });
      }
      return;
    default:
      throw new ConfigError(`unknown distribution '${String((d as { kind?: unknown }).kind)}' (expected fixed, uniform or lognormal)`, { field: `${field}.kind` });
  }
}

/**
 * The auction bidders, one ledger party ('auctionBidders') split into
 * individual bidders here. Each has free capital (quote), an inventory bought
 * in auctions and its cost, a required discount and a gas tolerance. Bidders
 * are kept sorted by required discount, lowest first: when a step's price
 * meets several reservations at once, the bidder willing to pay most takes
 * first, as the first transaction would in a real descending-price auction.
 *
 * Invariant: ledger cash of 'auctionBidders' = Σ free capital, and its asset
 * = Σ inventory (once endowed, and while nothing else trades for the party).
 */
export class BidderPool extends Stateful {
  readonly size: number;
  /** Required discount as a fraction (≤ 1), ascending. */
  readonly discount: Float64Array;
  readonly gasToleranceGwei: Float64Array;
  readonly freeQuote: Float64Array;
  readonly inventoryBase: Float64Array;
  readonly costQuote: Float64Array;
  readonly present: Uint8Array;
  readonly initialCapitalQuote: number;
  readonly resaleFractionPerBar: number;
  private readonly pendingSale: Float64Array;
  private pendingTotal = 0;
  presentCount = 0;

  constructor(cfg: BiddersConfig, rng: Rng) {
    super();
    const disc: number[] = [];
    const gas: number[] = [];
    const cap: number[] = [];
    for (const g of cfg.groups) {
      for (let k = 0; k < g.count; k++) {
        disc.push(drawParameter(g.requiredDiscountPct, rng) / 100);
        gas.push(drawParameter(g.gasToleranceGwei, rng));
        cap.push(g.capitalPerBidderQuote);
      }
    }
    const order = disc.map((_, i) => i).sort((a, b) => disc[a] - disc[b] || a - b);
    const n = order.length;
    this.size = n;
    this.discount = Float64Array.from(order, (i) => disc[i]);
    this.gasToleranceGwei = Float64Array.from(order, (i) => gas[i]);
    this.freeQuote = Float64Array.from(order, (i) => cap[i]);
    this.inventoryBase = new Float64Array(n);
    this.costQuote = new Float64Array(n);
    this.present = new Uint8Array(n);
    this.pendingSale = new Float64Array(n);
    this.initialCapitalQuote = cap.reduce((a, b) => a + b, 0);
    this.resaleFractionPerBar = cfg.resaleFractionPerBar;
  }

  /** Deposits the bidders' starting capital into their ledger party, from `from` (the rest of the market). */
  endow(ledger: Ledger, from: number = PARTY.counterparties): void {
    ledger.payCash(from, PARTY.auctionBidders, this.initialCapitalQuote);
  }

  /** A bidder is absent in a bar whose gas price exceeds its tolerance; without a gas series (NaN) everyone is present. */
  beginBar(gasGwei: number): void {
    let c = 0;
    for (let b = 0; b < this.size; b++) {
      const here = gasGwei > this.gasToleranceGwei[b] ? 0 : 1;
      this.present[b] = here;
      c += here;
    }
    this.presentCount = c;
  }

  /**
   * Bidders whose reservation mid · (1 − discount) is at or above `price`
   * buy, in order, as much as their free capital allows, up to `wantBase`.
   * Each purchase is an off-book ledger trade auctionBidders ← protocol, and a
   * row in `offBook` (cause 'auction'). Returns the base units bought.
   */
  buy(price: number, mid: number, wantBase: number, minBase: number, lot: number, ledger: Ledger, offBook: OffBookFills): number {
    let left = wantBase;
    for (let b = 0; b < this.size && left > minBase; b++) {
      // Sorted by discount, so reservations only fall from here on.
      if (price > mid * (1 - this.discount[b])) break;
      if (this.present[b] === 0) continue;
      const affordable = price > 0 ? this.freeQuote[b] / price : Infinity;
      const q = affordable >= left ? left : affordable;
      if (!(q > minBase)) continue;
      const value = q * price;
      ledger.trade(PARTY.auctionBidders, PARTY.protocol, q, price);
      offBook.push(lot, PARTY.auctionBidders, PARTY.protocol, CAUSE_CODE.auction, q, price);
      this.freeQuote[b] -= value;
      this.inventoryBase[b] += q;
      this.costQuote[b] += value;
      left -= q;
    }
    return wantBase - left;
  }

  /**
   * Plans the bar's resale from the inventory held at the bar start, so what
   * is resold does not depend on whether this bar's purchases come before or
   * after the first `act` of the bar.
   */
  planResale(): void {
    const f = this.resaleFractionPerBar;
    let total = 0;
    for (let b = 0; b < this.size; b++) {
      const s = this.inventoryBase[b] * f;
      this.pendingSale[b] = s;
      total += s;
    }
    this.pendingTotal = total;
  }

  /** Orders the planned resale: one market sell from 'auctionBidders' (cause 'resale', tag −1) for all bidders together. */
  pushResale(orders: OrderQueue): void {
    if (this.pendingTotal > 0) orders.push(PARTY.auctionBidders, CAUSE_CODE.resale, -this.pendingTotal, -1);
  }

  /** The resale's fill, shared by the bidders pro rata to what each put in; cost leaves in proportion to units sold. */
  onResaleFill(size: number, price: number): void {
    const sold = -size;
    const total = this.pendingTotal;
    if (!(total > 0)) return;
    for (let b = 0; b < this.size; b++) {
      const s = (sold * this.pendingSale[b]) / total;
      if (s === 0) continue;
      const inv = this.inventoryBase[b];
      this.costQuote[b] -= inv > 0 ? (this.costQuote[b] * s) / inv : 0;
      this.inventoryBase[b] = inv - s;
      this.freeQuote[b] += s * price;
      this.pendingSale[b] = 0;
    }
    this.pendingTotal = 0;
  }

  freeCapitalQuote(): number {
    let s = 0;
    for (let b = 0; b < this.size; b++) s += this.freeQuote[b];
    return s;
  }

  /** Capital tied up in unsold inventory, at cost. */
  capitalInUseQuote(): number {
    let s = 0;
    for (let b = 0; b < this.size; b++) s += this.costQuote[b];
    return s;
  }

  inventoryTotalBase(): number {
    let s = 0;
    for (let b = 0; b < this.size; b++) s += this.inventoryBase[b];
    return s;
  }

  protected describeState(): Saveable {
    return stateOf(arrays(this.freeQuote, this.inventoryBase, this.costQuote, this.pendingSale, this.present), ownScalars(this, ['pendingTotal', 'presentCount']));
  }
}
