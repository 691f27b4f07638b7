/**
 * The options side of a strategy's account: option orders checked against
 * cash and margin before they fill, cash settlement at expiry, the
 * maintenance test and the forced buy-back, and the bar's P&L by greek.
 * The strategy agent owns one, updates {@link OptionAccount.market} from the
 * MarketView, and moves spot itself; this class moves only option cash.
 *
 * Order of a bar (the agent calls):
 *   beginBar → option orders and spot fills (orderOption / onSpotFill) →
 *   liquidation when under maintenance → endBar (valuation at the closing
 *   mid, expiries settled, attribution).
 *
 * Option premiums and settlements are paid to and from the ledger party of
 * the option customers: the market the surface price stands for, as for the
 * dealer's own options (dealer/dealerAgent.ts).
 *
 * Funding rule (docs/strategies.md#margin):
 * - the part of a buy that opens or adds to a long position is paid in cash,
 *   and cash may not go negative for it;
 * - after any order, equity (cash + spot at the mid + options at their marks
 *   + the caller's other holdings, e.g. a backstop stake) must cover the
 *   initial margin of the short options;
 * - an order that fails either is refused and leaves the account untouched.
 * Closing trades are checked the same way: an account that cannot pay to
 * buy back a short is liquidated by the maintenance test instead.
 */
import type { OptionFillConfig, OptionMarginConfig } from '../../config/strategyOptionsSchema.js';
import {
  addPnl, attributeBarPnl, makeHedgeFills, makePnlAttribution, makePnlStart, makePnlTotals, pushFill, snapshotPnlStart,
  type HedgeFills, type PnlAttribution, type PnlEnd, type PnlStart, type PnlTotals,
} from '../../dealer/pnlAttribution.js';
import { PARTY, type Ledger } from '../../sim/ledger.js';
import type { VolSurface } from '../../sim/volSurface.js';
import { makeOptionMarket, makeOptionQuote, quoteOption, type OptionMarket, type OptionQuote } from './fillModel.js';
import { accountEquity, fundingVerdict, underMaintenance, type FundingVerdict } from './margin.js';
import { StrategyOptions } from './positions.js';

/** Totals over the run, quote unless stated. */
export interface OptionTotals {
  /** Option orders filled / refused. */
  filled: number;
  rejected: number;
  /** Σ |qty| of option fills, base units. */
  volumeBase: number;
  /** Σ price · qty (premium paid > 0, received < 0). */
  premiumNet: number;
  /** Spread or impact paid over the surface price, ≥ 0. */
  executionCost: number;
  /** Cash received from expiries (negative when shorts finished in the money). */
  settlementCash: number;
  /** Forced buy-backs (bars in which the account was liquidated). */
  liquidations: number;
  /** P&L by greek summed over bars (dealer/pnlAttribution.ts lines). */
  pnl: PnlTotals;
}

/** One option trade as the account made it (reused: read it inside the callback). */
export interface OptionTrade {
  /** +1 call, −1 put. */
  kind: number;
  strike: number;
  expiryMs: number;
  /** Signed quantity, base units. */
  qty: number;
  /** Fill price per unit (NaN when refused), quote. */
  price: number;
  /** Surface price per unit, quote. */
  theo: number;
  /** '' when filled, else why refused: 'cash', 'initial-margin', 'capacity' or 'invalid'. */
  reason: FundingVerdict | 'capacity' | 'invalid';
  /** true for the forced buy-back. */
  liquidation: boolean;
}

export type OptionTradeListener = (t: Readonly<OptionTrade>) => void;

export class OptionAccount {
  readonly options: StrategyOptions;
  /** The market an order is quoted in: the agent writes it before each call. */
  readonly market: OptionMarket;
  readonly fill: OptionFillConfig;
  readonly marginParams: OptionMarginConfig;
  readonly party: number;
  readonly counterparty: number;
  readonly totals: OptionTotals = {
    filled: 0, rejected: 0, volumeBase: 0, premiumNet: 0, executionCost: 0, settlementCash: 0, liquidations: 0,
    pnl: makePnlTotals(),
  };
  /** Called for every option order, filled or refused (the agent writes the orders log). */
  onTrade: OptionTradeListener | null = null;
  /** Last bar's attribution. */
  readonly attribution: PnlAttribution = makePnlAttribution();

  private readonly quote: OptionQuote = makeOptionQuote();
  private readonly trade: OptionTrade = { kind: 0, strike: 0, expiryMs: 0, qty: 0, price: Number.NaN, theo: 0, reason: '', liquidation: false };
  private readonly start: PnlStart;
  private readonly end: PnlEnd;
  private readonly spotFills: HedgeFills;
  /** This bar's buys and sells: [Σq, Σq·p, Σq·m]. */
  private readonly buys = new Float64Array(3);
  private readonly sells = new Float64Array(3);
  /** Slot and quantity of each option trade this bar (for the value at bar end of what was traded). */
  private readonly barSlot: Int32Array;
  private readonly barQty: Float64Array;
  private barTrades = 0;
  private barPremium = 0;
  private started = false;

  constructor(capacity: number, fill: OptionFillConfig, margin: OptionMarginConfig, surface: VolSurface, party: number = PARTY.strategy, counterparty: number = PARTY.optionCustomers) {
    this.options = new StrategyOptions(capacity);
    this.market = makeOptionMarket(surface);
    this.fill = fill;
    this.marginParams = margin;
    this.party = party;
    this.counterparty = counterparty;
    this.start = makePnlStart(capacity);
    this.end = { spot: 0, vol: new Float64Array(capacity), bookValue: 0, newValue: 0, settlementCash: 0, premiumCash: 0, dtYears: 0 };
    this.spotFills = makeHedgeFills(2);
    this.barSlot = new Int32Array(1024);
    this.barQty = new Float64Array(1024);
  }

  /** Options marked at the market (last valuation), quote. */
  get optionsValue(): number {
    return this.options.greeks.value;
  }

  /** Equity at the market's spot with the options' last marks, quote; `other` adds holdings kept elsewhere (a backstop stake). */
  equity(ledger: Ledger, other = 0): number {
    return accountEquity(ledger.cash[this.party], ledger.asset[this.party], this.market.spot, this.options.greeks.value) + other;
  }

  /** Bar start: re-marks the options on the bar's surface; on the first bar, the P&L starts here. */
  beginBar(ledger: Ledger): void {
    this.options.value(this.market);
    this.buys.fill(0);
    this.sells.fill(0);
    this.barTrades = 0;
    this.barPremium = 0;
    if (!this.started) {
      snapshotPnlStart(this.options.book, this.options.greeks, this.market.spot, ledger.asset[this.party], this.start);
      this.started = true;
    }
  }

  /**
   * The agent reports each spot fill of the strategy (signed size, price,
   * mid before) for the delta and execution lines. The attribution reads
   * fills only through the sums Σq, Σq·p and Σq·m, so the bar's buys and
   * its sells are each kept as one fill of their summed size at their
   * size-weighted price and mid: exact, and bounded however many fills a
   * resting order takes in a liquidation wave.
   */
  onSpotFill(size: number, price: number, midBefore: number): void {
    const a = size > 0 ? this.buys : this.sells;
    a[0] += size;
    a[1] += size * price;
    a[2] += size * midBefore;
  }

  /**
   * Buys (+) or sells (−) `qty` units of the option at the fill model's
   * price if the account can fund it; returns the fill price, or NaN when
   * refused (the reason is in the trade passed to {@link onTrade}).
   */
  orderOption(kind: number, strike: number, expiryMs: number, qty: number, ledger: Ledger, other = 0): number {
    const t = this.trade;
    t.kind = kind;
    t.strike = strike;
    t.expiryMs = expiryMs;
    t.qty = qty;
    t.price = Number.NaN;
    t.theo = Number.NaN;
    t.liquidation = false;
    if ((kind !== 1 && kind !== -1) || !(strike > 0) || !Number.isFinite(strike) || !Number.isFinite(expiryMs) || !Number.isFinite(qty) || qty === 0 || expiryMs <= this.market.nowMs) {
      return this.refuse('invalid');
    }
    const opts = this.options;
    const before = opts.find(kind, strike, expiryMs);
    if (before < 0 && !this.hasRoom()) return this.refuse('capacity');
    const q = quoteOption(kind, strike, expiryMs, qty, this.market, this.fill, this.quote);
    t.theo = q.theo;
    const held = before < 0 ? 0 : opts.book.qty[before];
    const cash = ledger.cash[this.party];
    const cashAfter = cash - q.price * qty;
    // Only the part of a buy that opens a long is bound by cash; a buy-back of a short is a margin question.
    const opensLong = Math.max(0, held + qty) - Math.max(0, held);
    const cashBound = opensLong > 0 ? cash - q.price * opensLong : 0;
    const slot = opts.apply(kind, strike, expiryMs, qty);
    opts.value(this.market);
    const req = opts.requirement(this.market.spot, this.marginParams);
    const equityAfter = accountEquity(cashAfter, ledger.asset[this.party], this.market.spot, opts.greeks.value) + other;
    const verdict = fundingVerdict(cashBound, equityAfter, req.initial);
    if (verdict !== '') {
      // Restored exactly (held + qty − qty need not round back to held); a new contract's slot is left closed.
      opts.book.qty[slot] = held;
      opts.value(this.market);
      opts.requirement(this.market.spot, this.marginParams);
      return this.refuse(verdict);
    }
    this.book(kind, strike, expiryMs, qty, q, ledger);
    return q.price;
  }

  /**
   * Whether equity (with `other`) is below the maintenance margin of the
   * short options at the current market, re-marking the book first.
   */
  underMaintenance(ledger: Ledger, other = 0): boolean {
    this.options.value(this.market);
    const req = this.options.requirement(this.market.spot, this.marginParams);
    return underMaintenance(this.equity(ledger, other), req.maintenance);
  }

  /**
   * Forced close: every option position is bought back (shorts) or sold
   * (longs) at the fill model's price, unconditionally. Returns the number
   * of positions closed; the agent sells the spot into the book itself.
   */
  liquidate(ledger: Ledger): number {
    const b = this.options.book;
    let closed = 0;
    for (let i = 0; i < b.length; i++) {
      const held = b.qty[i];
      if (held === 0) continue;
      const kind = b.kind[i];
      const strike = b.strike[i];
      const expiryMs = b.expiryMs[i];
      const q = quoteOption(kind, strike, expiryMs, -held, this.market, this.fill, this.quote);
      const t = this.trade;
      t.kind = kind;
      t.strike = strike;
      t.expiryMs = expiryMs;
      t.qty = -held;
      t.theo = q.theo;
      t.liquidation = true;
      b.qty[i] = 0;
      this.book(kind, strike, expiryMs, -held, q, ledger);
      closed++;
    }
    if (closed > 0) {
      this.totals.liquidations++;
      this.options.value(this.market);
    }
    return closed;
  }

  /**
   * Bar end at the closing mid (the agent has set market.spot): options are
   * valued, those expired by now are settled in cash against that mid, and
   * the bar's P&L is attributed. Returns the settlement cash.
   */
  endBar(ledger: Ledger, dtYears: number): number {
    const opts = this.options;
    const g = opts.value(this.market);
    const b = opts.book;
    const end = this.end;
    // Slots are stable within a bar (no compaction, no expiry before here), so start option j is slot j.
    for (let j = 0; j < b.length; j++) end.vol[j] = b.vol[j];
    let newValue = 0;
    for (let k = 0; k < this.barTrades; k++) newValue += this.barQty[k] * b.price[this.barSlot[k]];
    const valueBefore = g.value;
    // Expired options are valued at their intrinsic above, which is exactly the cash they settle for.
    const settled = opts.settle(this.market.nowMs, this.market.spot);
    if (settled !== 0) ledger.payCash(this.counterparty, this.party, settled);
    this.totals.settlementCash += settled;
    end.spot = this.market.spot;
    end.bookValue = valueBefore - settled;
    end.newValue = newValue;
    end.settlementCash = settled;
    end.premiumCash = -this.barPremium;
    end.dtYears = dtYears;
    const f = this.spotFills;
    f.count = 0;
    const by = this.buys;
    const sl = this.sells;
    if (by[0] !== 0) pushFill(f, by[0], by[1] / by[0], by[2] / by[0]);
    if (sl[0] !== 0) pushFill(f, sl[0], sl[1] / sl[0], sl[2] / sl[0]);
    const a = attributeBarPnl(this.start, end, this.spotFills, this.attribution);
    addPnl(this.totals.pnl, a);
    opts.compact();
    opts.value(this.market);
    snapshotPnlStart(b, opts.greeks, this.market.spot, ledger.asset[this.party], this.start);
    return settled;
  }

  private hasRoom(): boolean {
    const b = this.options.book;
    return b.length < b.capacity;
  }

  private refuse(reason: OptionTrade['reason']): number {
    this.trade.reason = reason;
    this.trade.price = Number.NaN;
    this.totals.rejected++;
    if (this.onTrade !== null) this.onTrade(this.trade);
    return Number.NaN;
  }

  /** Moves the premium of a trade already applied to the book; records it for the orders log and the bar's attribution. */
  private book(kind: number, strike: number, expiryMs: number, qty: number, q: OptionQuote, ledger: Ledger): void {
    ledger.payCash(this.party, this.counterparty, q.price * qty);
    if (this.barTrades >= this.barSlot.length) throw new RangeError(`more than ${this.barSlot.length} option trades in one bar`);
    this.barSlot[this.barTrades] = this.options.find(kind, strike, expiryMs);
    this.barQty[this.barTrades] = qty;
    this.barTrades++;
    this.barPremium += q.price * qty;
    const tot = this.totals;
    tot.filled++;
    tot.volumeBase += Math.abs(qty);
    tot.premiumNet += q.price * qty;
    tot.executionCost += q.cost;
    const t = this.trade;
    t.price = q.price;
    t.reason = '';
    if (this.onTrade !== null) this.onTrade(t);
  }
}
