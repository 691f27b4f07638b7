import type { Agent, MarketView } from '../engine/agent.js';
import { PARTY, type Ledger } from '../engine/ledger.js';
import type { OrderQueue } from '../engine/orderQueue.js';
import type { Recorder } from '../engine/recorder.js';
import { CAUSE_CODE } from '../engine/tradeLog.js';
import { OptionBook } from './book.js';
import type { HedgePolicy } from './hedgePolicy.js';
import { makeRollFlows, settleAndRoll, type RollPolicy } from './inventory.js';
import {
  attributeBarPnl, makeHedgeFills, makePnlAttribution, makePnlStart, pushFill, snapshotPnlStart,
  type PnlEnd,
} from './pnlAttribution.js';
import { makeBookGreeks, revalueAtSpot, valueBook } from './valuation.js';

export interface DealerAgentConfig {
  readonly book: OptionBook;
  readonly policy: HedgePolicy;
  readonly roll: RollPolicy;
  /** Proportional cost the policy assumes (fraction of notional). */
  readonly costRate: number;
  /**
   * Inside a bar, the book delta at a new mid is Δ_s + Γ_s (S − S_s); once the
   * mid has moved more than this fraction from S_s the book is re-priced
   * exactly and the expansion re-based (bounds the Taylor error in crash bars).
   */
  readonly rebaseFraction: number;
}

/** Totals over the run, quote currency unless stated. */
export interface DealerTotals {
  pnl: { total: number; delta: number; gamma: number; vega: number; vanna: number; volga: number; theta: number; execution: number; newPositions: number; residual: number };
  /** Σ |hedge trade|, base units. */
  hedgeVolumeBase: number;
  /** Σ |hedge trade| × fill price, quote. */
  hedgeVolumeQuote: number;
  /** Spread + impact paid on hedges, quote (≥ 0). */
  executionCost: number;
}

/**
 * The options market maker: holds the book, re-prices it on the bar's
 * surface, hedges by its policy inside every cascade round, settles and
 * rolls expiries, and attributes its P&L bar by bar.
 *
 * Pricing clock: options are valued at bar-start time t_i. The surface is
 * set once per bar (the market-state step); within the bar options are
 * re-marked at the moving mid with the bar's vols (sticky strike inside the
 * bar), so vega P&L is the change of each option's vol from bar to bar.
 */
export class DealerAgent implements Agent {
  readonly party = PARTY.dealer;
  private readonly cfg: DealerAgentConfig;
  private readonly book: OptionBook;
  private readonly staging: OptionBook;
  private readonly greeks = makeBookGreeks();
  private readonly endGreeks = makeBookGreeks();
  private readonly flows = makeRollFlows();
  private readonly start;
  private readonly end: PnlEnd;
  private readonly fills = makeHedgeFills(4096);
  private readonly attr = makePnlAttribution();
  private readonly hedgeInput = { netDelta: 0, bookGamma: 0, spot: 0, bar: 0, round: 0, costRate: 0, volPerYear: 0 };
  /** Spot of the last exact valuation inside the bar (Taylor base). */
  private baseSpot = 0;
  private baseDelta = 0;
  private baseGamma = 0;
  private started = false;
  private barFlow = 0;
  private branching = 0;
  readonly totals: DealerTotals = {
    pnl: { total: 0, delta: 0, gamma: 0, vega: 0, vanna: 0, volga: 0, theta: 0, execution: 0, newPositions: 0, residual: 0 },
    hedgeVolumeBase: 0,
    hedgeVolumeQuote: 0,
    executionCost: 0,
  };
  private cols!: Record<string, Float64Array>;

  constructor(cfg: DealerAgentConfig) {
    this.cfg = cfg;
    this.book = cfg.book;
    // Rolls replace at most every option of the book at once.
    this.staging = new OptionBook(cfg.book.capacity);
    this.start = makePnlStart(cfg.book.capacity);
    this.end = {
      spot: 0, vol: new Float64Array(cfg.book.capacity), bookValue: 0, newValue: 0, settlementCash: 0, premiumCash: 0, dtYears: 0,
    };
  }

  declareColumns(rec: Recorder): void {
    const names = [
      'dealer_delta', 'dealer_gamma', 'dealer_vega', 'dealer_theta', 'dealer_vanna', 'dealer_book_value', 'dealer_options',
      'hedge_position', 'hedge_flow', 'gamma_branching_ratio',
      'pnl_total', 'pnl_delta', 'pnl_gamma', 'pnl_vega', 'pnl_vanna', 'pnl_volga', 'pnl_theta', 'pnl_execution', 'pnl_new_positions', 'pnl_residual',
    ];
    this.cols = {};
    for (const n of names) this.cols[n] = rec.column(n);
  }

  beginBar(m: MarketView, ledger: Ledger): void {
    const spot = m.mid();
    valueBook(this.book, spot, m.time, m.surface, m.rate, m.dividend, this.greeks);
    this.baseSpot = spot;
    this.baseDelta = this.greeks.delta;
    this.baseGamma = this.greeks.gamma;
    this.fills.count = 0;
    this.barFlow = 0;
    // Branching ratio of the hedge feedback: λ S (−Γ_book) with λ = 1/D.
    // Positive when the dealer is short gamma (its hedge amplifies moves),
    // negative when long (it damps them); MODEL.md "Criticality".
    this.branching = (-spot * this.greeks.gamma) / m.depthPerLogPrice();
    if (!this.started) {
      snapshotPnlStart(this.book, this.greeks, spot, ledger.asset[this.party], this.start);
      this.started = true;
    }
  }

  act(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void {
    const spot = m.mid();
    if (Math.abs(spot - this.baseSpot) > this.cfg.rebaseFraction * this.baseSpot) {
      revalueAtSpot(this.book, spot, m.rate, m.dividend, this.greeks);
      this.baseSpot = spot;
      this.baseDelta = this.greeks.delta;
      this.baseGamma = this.greeks.gamma;
    }
    const bookDelta = this.baseDelta + this.baseGamma * (spot - this.baseSpot);
    const x = this.hedgeInput;
    x.netDelta = bookDelta + ledger.asset[this.party];
    x.bookGamma = this.baseGamma;
    x.spot = spot;
    x.bar = m.bar;
    x.round = round;
    x.costRate = this.cfg.costRate;
    x.volPerYear = m.atmVol;
    const q = this.cfg.policy.trade(x);
    if (q !== 0 && Number.isFinite(q)) orders.push(this.party, CAUSE_CODE.hedge, q);
  }

  onFill(size: number, price: number, midBefore: number, cost: number): void {
    pushFill(this.fills, size, price, midBefore);
    this.barFlow += size;
    this.totals.hedgeVolumeBase += Math.abs(size);
    this.totals.hedgeVolumeQuote += Math.abs(size) * price;
    this.totals.executionCost += cost;
  }

  endBar(m: MarketView, ledger: Ledger, rec: Recorder): void {
    const i = m.bar;
    const s1 = m.mid();
    const book = this.book;
    const n0 = book.length;
    // Mark the bar's options at the end mid with the bar's vols.
    if (s1 !== this.baseSpot || this.greeks.count !== n0) revalueAtSpot(book, s1, m.rate, m.dividend, this.greeks);
    const end = this.end;
    for (let j = 0; j < n0; j++) end.vol[j] = book.vol[j];
    end.spot = s1;
    end.dtYears = m.dtYears;
    settleAndRoll(book, this.staging, m.time, s1, this.cfg.roll, m.surface, m.rate, m.dividend, this.flows);
    const g = this.flows.expired > 0 || this.flows.rolled > 0 ? valueBook(book, s1, m.time, m.surface, m.rate, m.dividend, this.endGreeks) : this.greeks;
    end.bookValue = g.value;
    end.newValue = this.flows.newValue;
    end.settlementCash = this.flows.settlementCash;
    end.premiumCash = this.flows.premiumCash;
    // Option cash flows are with the customers who hold the other side.
    ledger.payCash(PARTY.optionCustomers, this.party, this.flows.settlementCash + this.flows.premiumCash);

    const a = attributeBarPnl(this.start, end, this.fills, this.attr);
    const t = this.totals.pnl;
    t.total += a.total;
    t.delta += a.delta;
    t.gamma += a.gamma;
    t.vega += a.vega;
    t.vanna += a.vanna;
    t.volga += a.volga;
    t.theta += a.theta;
    t.execution += a.execution;
    t.newPositions += a.newPositions;
    t.residual += a.residual;

    const c = this.cols;
    c.dealer_delta[i] = g.delta;
    c.dealer_gamma[i] = g.gamma;
    c.dealer_vega[i] = g.vega;
    c.dealer_theta[i] = g.theta;
    c.dealer_vanna[i] = g.vanna;
    c.dealer_book_value[i] = g.value;
    c.dealer_options[i] = book.length;
    c.hedge_position[i] = ledger.asset[this.party];
    c.hedge_flow[i] = this.barFlow;
    c.gamma_branching_ratio[i] = this.branching;
    c.pnl_total[i] = a.total;
    c.pnl_delta[i] = a.delta;
    c.pnl_gamma[i] = a.gamma;
    c.pnl_vega[i] = a.vega;
    c.pnl_vanna[i] = a.vanna;
    c.pnl_volga[i] = a.volga;
    c.pnl_theta[i] = a.theta;
    c.pnl_execution[i] = a.execution;
    c.pnl_new_positions[i] = a.newPositions;
    c.pnl_residual[i] = a.residual;
    void rec;

    snapshotPnlStart(book, g, s1, ledger.asset[this.party], this.start);
  }

  /** Book value plus hedge at the mid plus cash: the dealer's wealth, quote. */
  wealth(ledger: Ledger, mid: number): number {
    return ledger.cash[this.party] + ledger.asset[this.party] * mid + this.greeks.value;
  }

  /** Room for a full book (its state size varies with its length) plus the run totals. */
  get stateSize(): number {
    return this.bookStateMax + 3;
  }

  private get bookStateMax(): number {
    return this.book.maxStateSize();
  }

  saveState(buf: Float64Array, offset: number): void {
    this.book.saveState(buf.subarray(offset, offset + this.bookStateMax));
    const o = offset + this.bookStateMax;
    buf[o] = this.totals.hedgeVolumeBase;
    buf[o + 1] = this.totals.hedgeVolumeQuote;
    buf[o + 2] = this.totals.executionCost;
  }

  loadState(buf: Float64Array, offset: number): void {
    this.book.loadState(buf.subarray(offset, offset + this.bookStateMax));
    const o = offset + this.bookStateMax;
    this.totals.hedgeVolumeBase = buf[o];
    this.totals.hedgeVolumeQuote = buf[o + 1];
    this.totals.executionCost = buf[o + 2];
  }
}
