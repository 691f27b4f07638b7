import type { Agent, MarketView } from '../sim/agent.js';
import type { OrderFill } from '../sim/fill.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, scalars, stateOf, Stateful } from '../sim/stateBlock.js';
import { CAUSE_CODE } from '../sim/tradeLog.js';
import { OptionBook } from './book.js';
import { hedgeFixedPoint, type HedgePolicy } from './hedgePolicy.js';
import { makeRollFlows, settleAndRoll, type RollPolicy } from './inventory.js';
import {
  addPnl, attributeBarPnl, makeHedgeFills, makePnlAttribution, makePnlStart, makePnlTotals, makeVolChangeSums, pushFill,
  type PnlEnd, type PnlTotals,
} from './pnlAttribution.js';
import { makeBookGreeks, pnlStartStorage, revalueAtSpot, snapshotPnlStartOf, valueBook, volChangeSumsOf } from './valuation.js';

export interface DealerAgentConfig {
  readonly book: OptionBook;
  readonly policy: HedgePolicy;
  readonly roll: RollPolicy;
  /** The year times to expiry and theta are counted in, ms (dealer.tenorDayCount; default 365.25 days). */
  readonly yearMs: number;
  /** Proportional cost the policy assumes (fraction of notional). */
  readonly costRate: number;
  /**
   * Inside a bar, the book delta at a new mid is Δ_s + Γ_s (S − S_s); once the
   * mid has moved more than this fraction from S_s the book is re-priced
   * exactly and the expansion re-based (bounds the Taylor error in crash bars).
   */
  readonly rebaseFraction: number;
  /** Start the run already hedged per the policy, at the first mid, with no impact (default true in the schema). */
  readonly startHedged: boolean;
  /**
   * 'every-bar': the book is re-valued exactly (surface vols, all greeks) at
   * every bar start. 'when-moved': only when spot, the ATM vol or the
   * drawdown moved past the thresholds below since the last exact valuation,
   * an option expired, or `maxStaleMs` passed; in between the aggregates are
   * carried by their Taylor expansion in spot, a parallel vol shift and time
   * (Δ, Γ, vega, vanna, volga, Θ), and each option's vol moves with the ATM
   * shift. The approximation error lands in the P&L residual.
   */
  readonly revaluation: 'every-bar' | 'when-moved';
  readonly maxAtmVolMove: number;
  readonly maxDrawdownMove: number;
  readonly maxStaleMs: number;
}

/** Totals over the run, quote currency unless stated. */
export interface DealerTotals {
  pnl: PnlTotals;
  /** Σ |hedge trade|, base units. */
  hedgeVolumeBase: number;
  /** Σ |hedge trade| × fill price, quote. */
  hedgeVolumeQuote: number;
  /** Spread + impact paid on hedges, quote (≥ 0). */
  executionCost: number;
  /** Wealth (book value; no cash or hedge yet) at the first valuation, quote: where the P&L starts. */
  startWealth: number;
}

const DEALER_COLUMNS = [
  'dealer_delta', 'dealer_gamma', 'dealer_vega', 'dealer_theta', 'dealer_vanna', 'dealer_book_value', 'dealer_options',
  'hedge_position', 'hedge_flow', 'gamma_branching_ratio',
  'pnl_total', 'pnl_delta', 'pnl_gamma', 'pnl_vega', 'pnl_vanna', 'pnl_volga', 'pnl_theta', 'pnl_execution', 'pnl_new_positions', 'pnl_residual',
] as const;
export type DealerColumn = (typeof DEALER_COLUMNS)[number];

/** The dealer's figures in summary.json, in this order. */
export type DealerFigures = {
  /** Largest gamma branching ratio of the run (0 if never positive). */
  peakGammaBranchingRatio: number;
  dealerPnl: DealerTotals['pnl'];
  hedgeVolume: number;
  hedgeVolumeQuote: number;
  executionCost: number;
  dealerStartWealth: number;
};

/** A run without a dealer reports the dealer's figures as zeros (`cascade compare` reads them from every run). */
export function noDealerFigures(): DealerFigures {
  return {
    peakGammaBranchingRatio: 0,
    dealerPnl: { total: 0, delta: 0, gamma: 0, vega: 0, vanna: 0, volga: 0, theta: 0, execution: 0, newPositions: 0, residual: 0 },
    hedgeVolume: 0,
    hedgeVolumeQuote: 0,
    executionCost: 0,
    dealerStartWealth: 0,
  };
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
export class DealerAgent extends Stateful implements Agent {
  readonly party = PARTY.dealer;
  private readonly cfg: DealerAgentConfig;
  private readonly book: OptionBook;
  private readonly staging: OptionBook;
  private readonly greeks = makeBookGreeks();
  private readonly flows = makeRollFlows();
  private readonly start;
  private readonly end: PnlEnd;
  /** End vols of a bar with expiries (copied before the book is compacted); other bars read the book's column. */
  private readonly endVolCopy: Float64Array;
  private readonly fills = makeHedgeFills(4096);
  private readonly attr = makePnlAttribution();
  private readonly volSums = makeVolChangeSums();
  private readonly hedgeInput = { netDelta: 0, bookGamma: 0, spot: 0, bar: 0, round: 0, costRate: 0, volPerYear: 0 };
  /** Spot of the last exact valuation inside the bar (Taylor base). */
  private baseSpot = 0;
  private baseDelta = 0;
  private baseGamma = 0;
  private started = false;
  /** Per-option greeks were recomputed this bar (exact valuation or rebase). */
  private columnsChanged = true;
  /** Per-option vols moved this bar (lazy parallel shift). */
  private volsChanged = true;
  private exactSpot = 0;
  private exactAtm = 0;
  private exactDrawdown = 0;
  private exactTime = 0;
  private lastAtm = 0;
  private lastTime = 0;
  /** Exact valuations at bar starts (all of them with revaluation 'every-bar'). */
  exactValuations = 0;
  private nextExpiryMs: number;
  private barFlow = 0;
  private branching = 0;
  readonly totals: DealerTotals = {
    pnl: makePnlTotals(),
    hedgeVolumeBase: 0,
    hedgeVolumeQuote: 0,
    executionCost: 0,
    startWealth: 0,
  };
  /** The dealer's recorded columns (set by `declareColumns`). */
  columns!: Columns<DealerColumn>;

  constructor(cfg: DealerAgentConfig) {
    super();
    this.cfg = cfg;
    this.book = cfg.book;
    // Rolls replace at most every option of the book at once.
    this.staging = new OptionBook(cfg.book.capacity);
    // With the WASM kernel the start columns and the end-vol copy live in the book's kernel memory, where the
    // attribution's vol-change sums then run (bit for bit the JavaScript loop's).
    const storage = pnlStartStorage(cfg.book);
    this.start = makePnlStart(cfg.book.capacity, storage);
    this.nextExpiryMs = minExpiry(cfg.book);
    this.endVolCopy = storage ? storage.endVol : new Float64Array(cfg.book.capacity);
    this.end = {
      spot: 0, vol: this.endVolCopy, bookValue: 0, newValue: 0, settlementCash: 0, premiumCash: 0, dtYears: 0,
    };
  }

  declareColumns(rec: Recorder): void {
    this.columns = rec.columns(DEALER_COLUMNS);
  }

  /** The live book, read-only by convention: the run report copies it at chosen bars (runner/stressProfiles.ts). */
  get optionBook(): OptionBook {
    return this.book;
  }

  summaryFigures(): DealerFigures {
    const g = this.columns.gamma_branching_ratio;
    let peakGamma = 0;
    for (let i = 0; i < g.length; i++) if (g[i] > peakGamma) peakGamma = g[i];
    const t = this.totals;
    return {
      peakGammaBranchingRatio: peakGamma,
      dealerPnl: { ...t.pnl },
      hedgeVolume: t.hedgeVolumeBase,
      hedgeVolumeQuote: t.hedgeVolumeQuote,
      executionCost: t.executionCost,
      dealerStartWealth: t.startWealth,
    };
  }

  beginBar(m: MarketView, ledger: Ledger): void {
    const spot = m.mid();
    const c = this.cfg;
    const g = this.greeks;
    const lazy =
      c.revaluation === 'when-moved' &&
      this.started &&
      this.nextExpiryMs > m.time &&
      Math.abs(spot - this.exactSpot) <= c.rebaseFraction * this.exactSpot &&
      Math.abs(m.atmVol - this.exactAtm) <= c.maxAtmVolMove &&
      Math.abs(m.drawdown - this.exactDrawdown) <= c.maxDrawdownMove &&
      m.time - this.exactTime < c.maxStaleMs;
    if (lazy) {
      const dS = spot - this.baseSpot;
      const dv = m.atmVol - this.lastAtm;
      const dt = (m.time - this.lastTime) / this.cfg.yearMs;
      g.value += g.delta * dS + 0.5 * g.gamma * dS * dS + g.vega * dv + g.vanna * dS * dv + 0.5 * g.volga * dv * dv + g.theta * dt;
      g.delta += g.gamma * dS + g.vanna * dv;
      if (dv !== 0) {
        const vol = this.book.vol;
        for (let j = 0; j < this.book.length; j++) vol[j] += dv;
        this.volsChanged = true;
      }
    } else {
      valueBook(this.book, spot, m.time, m.surface, m.rate, m.dividend, g, this.cfg.yearMs);
      this.exactSpot = spot;
      this.exactAtm = m.atmVol;
      this.exactDrawdown = m.drawdown;
      this.exactTime = m.time;
      this.exactValuations++;
      this.columnsChanged = true;
    }
    this.lastAtm = m.atmVol;
    this.lastTime = m.time;
    this.baseSpot = spot;
    this.baseDelta = g.delta;
    this.baseGamma = g.gamma;
    this.fills.count = 0;
    this.barFlow = 0;
    // Branching ratio of the hedge feedback: λ S (−Γ_book) with λ = 1/D.
    // Positive when the dealer is short gamma (its hedge amplifies moves),
    // negative when long (it damps them); docs/model.md#branching-ratios-and-criticality.
    this.branching = (-spot * this.greeks.gamma) / m.depthPerLogPrice();
    if (!this.started) {
      // The book was sold before the run, and a dealer hedges as it sells: it
      // starts with the hedge its policy wants at the first mid, bought from
      // (or sold to) the counterparties at that mid with no impact. Without
      // this the whole initial hedge would hit the book in bar 0, a shock
      // that belongs to no crash.
      if (this.cfg.startHedged) {
        const x = this.hedgeInput;
        x.netDelta = g.delta + ledger.asset[this.party];
        x.bookGamma = g.gamma;
        x.spot = spot;
        x.bar = m.bar;
        x.round = 0;
        x.costRate = this.cfg.costRate;
        x.volPerYear = m.atmVol;
        const q = this.cfg.policy.trade(x);
        if (q > 0) ledger.trade(this.party, PARTY.counterparties, q, spot);
        else if (q < 0) ledger.trade(PARTY.counterparties, this.party, -q, spot);
      }
      snapshotPnlStartOf(this.book, this.greeks, spot, ledger.asset[this.party], this.start);
      this.totals.startWealth = this.greeks.value + ledger.cash[this.party] + ledger.asset[this.party] * spot;
      this.started = true;
    }
  }

  act(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void {
    const spot = m.mid();
    if (Math.abs(spot - this.baseSpot) > this.cfg.rebaseFraction * this.baseSpot) {
      revalueAtSpot(this.book, spot, m.rate, m.dividend, this.greeks);
      this.columnsChanged = true;
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

  /**
   * Alone in the run, a dealer that trades to zero sends its rounds' limit
   * as one order (hedgeFixedPoint) instead of a geometric series of ever
   * smaller ones. Only where no round of the series would re-value the book
   * exactly: the mids it would pass lie between the spot, the mid after
   * the plain order and the mid after the fixed point, so all three must be
   * within rebaseFraction of the last exact valuation; else the plain order.
   */
  actAlone(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger, midAfter: (signedSize: number) => number): void {
    const k = orders.length;
    this.act(m, round, orders, ledger);
    if (orders.length === k || !this.cfg.policy.toZero) return;
    const x = this.hedgeInput;
    const lim = this.cfg.rebaseFraction * this.baseSpot;
    // The plain order's own mid is checked first: when it already leaves the window the solve is not needed.
    if (Math.abs(midAfter(orders.size[k]) - this.baseSpot) > lim) return;
    const q = hedgeFixedPoint(x.netDelta, this.baseGamma, x.spot, midAfter);
    if (!(q === q)) return;
    if (Math.abs(midAfter(q) - this.baseSpot) > lim) return;
    orders.size[k] = q;
  }

  onFill(fill: OrderFill): void {
    const size = fill.size;
    pushFill(this.fills, size, fill.price, fill.midBefore);
    this.barFlow += size;
    this.totals.hedgeVolumeBase += Math.abs(size);
    this.totals.hedgeVolumeQuote += Math.abs(size) * fill.price;
    this.totals.executionCost += fill.cost;
  }

  endBar(m: MarketView, ledger: Ledger, rec: Recorder): void {
    const i = m.bar;
    const s1 = m.mid();
    const book = this.book;
    const n0 = book.length;
    // Mark the book at the end mid with the bar's vols. Inside the bar the
    // mid has moved less than rebaseFraction from the last exact valuation,
    // so the second-order expansion is exact to speed·dS³/6 (a few 1e-9 of
    // the book for a 0.25% move); bars with expiries are re-valued exactly.
    const end = this.end;
    // The end vols are the book's vols as they stand (nothing in a bar moves
    // them after beginBar), read in place; only a bar whose expiries are
    // about to compact the book copies them first.
    if (this.nextExpiryMs <= m.time) {
      this.endVolCopy.set(book.vol.subarray(0, n0));
      end.vol = this.endVolCopy;
    } else {
      end.vol = book.vol;
    }
    end.spot = s1;
    end.dtYears = m.dtYears;
    let g = this.greeks;
    if (this.nextExpiryMs <= m.time) {
      settleAndRoll(book, this.staging, m.time, s1, this.cfg.roll, m.surface, m.rate, m.dividend, this.flows, this.cfg.yearMs);
      g = valueBook(book, s1, m.time, m.surface, m.rate, m.dividend, this.greeks, this.cfg.yearMs);
      this.nextExpiryMs = minExpiry(book);
      this.baseSpot = s1;
      this.baseDelta = g.delta;
      this.baseGamma = g.gamma;
      this.exactSpot = s1;
      this.exactTime = m.time;
    } else {
      const dS = s1 - this.baseSpot;
      g.value += this.baseDelta * dS + 0.5 * this.baseGamma * dS * dS;
      g.delta = this.baseDelta + this.baseGamma * dS;
      this.baseSpot = s1;
      this.baseDelta = g.delta;
      const f = this.flows;
      f.settlementCash = 0;
      f.premiumCash = 0;
      f.newValue = 0;
      f.expired = 0;
      f.rolled = 0;
    }
    end.bookValue = g.value;
    end.newValue = this.flows.newValue;
    end.settlementCash = this.flows.settlementCash;
    end.premiumCash = this.flows.premiumCash;
    // Option cash flows are with the customers who hold the other side.
    ledger.payCash(PARTY.optionCustomers, this.party, this.flows.settlementCash + this.flows.premiumCash);

    const a = attributeBarPnl(this.start, end, this.fills, this.attr, volChangeSumsOf(book, this.start, end.vol, this.volSums));
    addPnl(this.totals.pnl, a);

    const c = this.columns;
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

    if (this.columnsChanged || this.flows.expired > 0 || this.flows.rolled > 0) {
      snapshotPnlStartOf(book, g, s1, ledger.asset[this.party], this.start);
    } else {
      const st = this.start;
      st.spot = s1;
      st.bookDelta = g.delta;
      st.bookGamma = g.gamma;
      st.bookTheta = g.theta;
      st.bookValue = g.value;
      st.hedge = ledger.asset[this.party];
      if (this.volsChanged) st.vol.set(book.vol.subarray(0, book.length));
    }
    this.columnsChanged = false;
    this.volsChanged = false;
  }

  /** Book value plus hedge at the mid plus cash: the dealer's wealth, quote. */
  wealth(ledger: Ledger, mid: number): number {
    return ledger.cash[this.party] + ledger.asset[this.party] * mid + this.greeks.value;
  }

  /** The book's region of the last buffer saved to or loaded from: a view built once per (buffer, offset), so save and load allocate nothing in steady use. */
  private stateView: Float64Array | null = null;
  private stateViewOf: Float64Array | null = null;
  private stateViewAt = -1;

  private bookRegion(buf: Float64Array, offset: number): Float64Array {
    if (this.stateViewOf !== buf || this.stateViewAt !== offset || this.stateView === null) {
      this.stateView = buf.subarray(offset, offset + this.book.maxStateSize());
      this.stateViewOf = buf;
      this.stateViewAt = offset;
    }
    return this.stateView;
  }

  /**
   * Everything a bar changes, taken between bars (after endBar, before the
   * next beginBar): room for a full book (its saved size varies with its
   * length), the scalars that carry from bar to bar, and the per-option P&L
   * start columns at the book's capacity. Not saved, because each bar
   * rewrites them before reading: the hedge fills (reset in beginBar), the
   * roll flows, the staging book, the hedge input, the attribution scratch
   * and `end` (its vols are the book's column, or a copy taken in the bar
   * when expiries compact the book). A state loads into an agent built
   * from the same config (same book capacity and policy).
   */
  protected describeState(): Saveable {
    const book: Saveable = {
      stateSize: this.book.maxStateSize(),
      saveState: (buf, o) => {
        this.book.saveState(this.bookRegion(buf, o));
      },
      loadState: (buf, o) => {
        this.book.loadState(this.bookRegion(buf, o));
      },
    };
    const st = this.start;
    const cap = this.book.capacity;
    const cols = [st.qty, st.vega, st.vol, st.vanna, st.volga];
    // Only the first start.count entries are ever read (attribution loops over them).
    const options: Saveable = {
      stateSize: cols.length * cap,
      saveState: (buf, o) => {
        const n = st.count;
        for (let c = 0; c < cols.length; c++, o += cap) for (let j = 0; j < n; j++) buf[o + j] = cols[c][j];
      },
      loadState: (buf, o) => {
        const n = st.count;
        if (!(Number.isInteger(n) && n >= 0 && n <= cap)) {
          throw new RangeError(`dealer state holds ${n} start options; this book's capacity is ${cap}`);
        }
        for (let c = 0; c < cols.length; c++, o += cap) for (let j = 0; j < n; j++) cols[c][j] = buf[o + j];
      },
    };
    return stateOf(
      book,
      scalars(this.greeks, ['value', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga', 'count']),
      ownScalars(this, [
        'baseSpot', 'baseDelta', 'baseGamma', 'started', 'columnsChanged', 'volsChanged', 'exactSpot', 'exactAtm', 'exactDrawdown', 'exactTime',
        'lastAtm', 'lastTime', 'exactValuations', 'nextExpiryMs', 'barFlow', 'branching',
      ]),
      // After the start's count, which the option columns read.
      scalars(st, ['spot', 'bookDelta', 'bookGamma', 'bookTheta', 'bookValue', 'hedge', 'count']),
      scalars(this.totals.pnl, ['total', 'delta', 'gamma', 'vega', 'vanna', 'volga', 'theta', 'execution', 'newPositions', 'residual']),
      scalars(this.totals, ['hedgeVolumeBase', 'hedgeVolumeQuote', 'executionCost', 'startWealth']),
      options,
    );
  }
}

function minExpiry(book: OptionBook): number {
  let m = Infinity;
  for (let j = 0; j < book.length; j++) if (book.expiryMs[j] < m) m = book.expiryMs[j];
  return m;
}
