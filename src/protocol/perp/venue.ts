/**
 * The perpetual venue's own mechanics beside the liquidation ladder
 * (docs/model.md#perpetual-venue): mark and index, funding between the long
 * ladder and the short book, and auto-deleveraging of the short side when
 * the insurance fund cannot take a bankrupt long. The protocol agent calls
 * it at three points: the bar start (funding), the liquidation loop (ADL
 * instead of a lot) and the bar end (premium sample, columns).
 *
 * Index = the bar's historical close (what the venue's spot index would
 * have read without our impact), or a loaded index series (the venue's
 * published index); mark = the simulated mid, so with the default index the
 * premium is exactly the impact the simulated flow left on the price.
 *
 * Money: a long's debt and a short's margin are claims between the two
 * sides, held in the account books, not ledger cash (as a long's debt
 * already is). Funding changes them and nothing else. The shorts do not
 * hold exactly the longs' size once liquidated collateral has been sold to
 * the book's counterparties: those buyers are longs the ladder does not
 * hold, so their share of funding is counted apart
 * (`fundingFromOtherLongs`), and paid + from-others = received exactly. An
 * ADL close delivers the long's collateral to the short side (ledger asset
 * accounts → lenders: on a perp venue the lenders are the short side) and
 * extinguishes the long's debt at its bankruptcy price debt/collateral.
 */
import type { MarketView } from '../../sim/agent.js';
import { PARTY, type Ledger } from '../../sim/ledger.js';
import type { Columns, Recorder } from '../../sim/recorder.js';
import type { Saveable } from '../../sim/saveable.js';
import { ownScalars, scalars, stateOf, Stateful } from '../../sim/stateBlock.js';
import type { Ladder } from '../ladder.js';
import { AdlEvents, AdlQueue } from './adl.js';
import { FundingClock, type PremiumFundingTerms } from './funding.js';
import type { FundingSeries } from './fundingSeries.js';
import type { ShortBook } from './shorts.js';

const PERP_COLUMNS = [
  'mark_price', 'index_price', 'premium', 'funding_rate', 'funding_paid_by_longs_quote', 'funding_received_by_shorts_quote',
  'open_short_base', 'adl_events', 'adl_base', 'adl_volume_quote',
] as const;

export interface PerpVenueConfig {
  readonly shorts: ShortBook;
  readonly intervalMs: number;
  readonly premium: PremiumFundingTerms;
  /** A settled funding history; null forms the rate from the premium. */
  readonly series: FundingSeries | null;
  /** Funding off: mark, index and ADL only. */
  readonly fundingOn: boolean;
  readonly adlOn: boolean;
  /** A loaded index; null reads the replayed bar's own close. */
  readonly index?: IndexSeries | null;
  /** Bar length, ms: the premium is sampled at the bar's end. */
  readonly barMs: number;
}

/** Index price bars: start times (increasing), closes, and their spacing. */
export interface IndexSeries {
  readonly time: Float64Array;
  readonly close: Float64Array;
  /** Median spacing of the index bars, ms: a bar's close is known at its start + stepMs. */
  readonly stepMs: number;
}

/**
 * The index known at `time`: the close of the latest index bar that has
 * ended by then (start + step ≤ time); NaN before the first. A binary
 * search, so there is no cursor to roll back.
 */
export function indexAt(s: IndexSeries, time: number): number {
  return latestAtOrBefore(s, time - s.stepMs);
}

function latestAtOrBefore(s: IndexSeries, time: number): number {
  let lo = 0;
  let hi = s.time.length - 1;
  if (hi < 0 || s.time[0] > time) return Number.NaN;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.time[mid] <= time) lo = mid;
    else hi = mid - 1;
  }
  return s.close[lo];
}

export interface PerpTotals {
  fundingPayments: number;
  fundingPaidByLongs: number;
  fundingReceivedByShorts: number;
  fundingFromOtherLongs: number;
  adlEvents: number;
  adlAccountsClosed: number;
  adlBase: number;
  adlVolume: number;
}

export class PerpVenue extends Stateful {
  readonly shorts: ShortBook;
  readonly adlOn: boolean;
  readonly events = new AdlEvents();
  readonly totals: PerpTotals = {
    fundingPayments: 0, fundingPaidByLongs: 0, fundingReceivedByShorts: 0, fundingFromOtherLongs: 0,
    adlEvents: 0, adlAccountsClosed: 0, adlBase: 0, adlVolume: 0,
  };
  columns: Columns<(typeof PERP_COLUMNS)[number]> | null = null;
  private readonly clock: FundingClock;
  private readonly queue: AdlQueue;
  private readonly fundingOn: boolean;
  private readonly index: IndexSeries | null;
  private readonly barMs: number;
  private started = 0;
  private rankedBar = -1;
  private rankedRound = -1;
  private barRate = Number.NaN;
  private barPaid = 0;
  private barReceived = 0;
  private barAdlEvents = 0;
  private barAdlBase = 0;
  private barAdlQuote = 0;
  /** Σ short size, kept as ADL closes it (the shorts' sizes change nowhere else). */
  private openShortBase: number;

  constructor(cfg: PerpVenueConfig) {
    super();
    this.shorts = cfg.shorts;
    this.adlOn = cfg.adlOn;
    this.fundingOn = cfg.fundingOn;
    this.index = cfg.index ?? null;
    this.barMs = cfg.barMs;
    this.clock = new FundingClock(cfg.intervalMs, cfg.premium, cfg.series);
    this.queue = new AdlQueue(cfg.shorts);
    this.openShortBase = cfg.shorts.totalSize();
  }

  declareColumns(rec: Recorder): void {
    this.columns = rec.columns(PERP_COLUMNS);
  }

  /**
   * Pays the funding due at this bar's start at the mark (the mid as the
   * bar opens). Each long's debt moves by rate·mark·size, so its
   * liquidation price moves with it; `changed` tells the agent's other
   * readers of the ladder (pre-emptive deleveraging) about the account.
   */
  beginBar(m: MarketView, ladder: Ladder, changed: (account: number) => void): void {
    this.barRate = Number.NaN;
    this.barPaid = 0;
    this.barReceived = 0;
    this.barAdlEvents = 0;
    this.barAdlBase = 0;
    this.barAdlQuote = 0;
    const first = this.started === 0;
    this.started = 1;
    if (!this.fundingOn) return;
    const rate = this.clock.due(m.time, first);
    if (Number.isNaN(rate)) return;
    const mark = m.mid();
    this.barRate = rate;
    const book = ladder.book;
    let paid = 0;
    for (let i = 0; i < book.length; i++) {
      if (book.open[i] === 0) continue;
      const c = book.collateral[i];
      const d = book.debt[i];
      // A long's debt cannot reach zero from funding at any realistic rate;
      // the floor keeps a negative rate from closing an account by accident.
      let nd = d + rate * mark * c;
      if (nd < 0.5 * d) nd = 0.5 * d;
      paid += nd - d;
      ladder.modify(i, c, nd);
      changed(i);
    }
    const s = this.shorts;
    let received = 0;
    for (let j = 0; j < s.length; j++) {
      const x = rate * mark * s.size[j];
      s.margin[j] += x;
      received += x;
    }
    this.barPaid = paid;
    this.barReceived = received;
    const t = this.totals;
    t.fundingPayments++;
    t.fundingPaidByLongs += paid;
    t.fundingReceivedByShorts += received;
    t.fundingFromOtherLongs += received - paid;
  }

  /**
   * Closes up to `collateral` units of a bankrupt long `account` against the
   * short side at its bankruptcy price debt/collateral and settles it:
   * the long's collateral goes to the short side and its debt is
   * extinguished pro rata. Returns the units closed (0 when no short is
   * left, and the caller liquidates as usual).
   */
  deleverage(account: number, ladder: Ladder, ledger: Ledger, mark: number, time: number, bar: number, round: number): number {
    if (bar !== this.rankedBar || round !== this.rankedRound) {
      this.queue.rank(mark);
      this.rankedBar = bar;
      this.rankedRound = round;
    }
    const book = ladder.book;
    const c = book.collateral[account];
    const d = book.debt[account];
    const price = d / c;
    const before = this.events.length;
    const q = this.queue.deleverage(c, price, account, time, bar, this.events);
    if (q === 0) return 0;
    if (q >= c) ladder.close(account);
    else ladder.modify(account, c - q, d - q * price);
    ledger.moveAsset(PARTY.accounts, PARTY.lenders, q);
    const n = this.events.length - before;
    this.barAdlEvents += n;
    this.barAdlBase += q;
    this.openShortBase -= q;
    this.barAdlQuote += q * price;
    const t = this.totals;
    t.adlEvents += n;
    if (q >= c) t.adlAccountsClosed++;
    t.adlBase += q;
    t.adlVolume += q * price;
    return q;
  }

  endBar(m: MarketView): void {
    const mark = m.mid();
    // At the bar's end, as the mark: a loaded index bar counts once it has closed.
    const index = this.index ? indexAt(this.index, m.time + this.barMs) : m.refPrice;
    const premium = index > 0 && Number.isFinite(mark) ? (mark - index) / index : Number.NaN;
    this.clock.samplePremium(premium);
    const col = this.columns;
    if (col === null) return;
    const i = m.bar;
    col.mark_price[i] = mark;
    col.index_price[i] = index;
    col.premium[i] = premium;
    col.funding_rate[i] = this.barRate;
    col.funding_paid_by_longs_quote[i] = this.barPaid;
    col.funding_received_by_shorts_quote[i] = this.barReceived;
    col.open_short_base[i] = this.openShortBase;
    col.adl_events[i] = this.barAdlEvents;
    col.adl_base[i] = this.barAdlBase;
    col.adl_volume_quote[i] = this.barAdlQuote;
  }

  summaryFigures(): Record<string, number> {
    const t = this.totals;
    return {
      fundingPayments: t.fundingPayments,
      fundingPaidByLongs: t.fundingPaidByLongs,
      fundingReceivedByShorts: t.fundingReceivedByShorts,
      fundingFromOtherLongs: t.fundingFromOtherLongs,
      adlEvents: t.adlEvents,
      adlAccountsClosed: t.adlAccountsClosed,
      adlBase: t.adlBase,
      adlVolume: t.adlVolume,
    };
  }

  /** ADL events past the saved length belong to a tried bar: loading drops them. */
  protected describeState(): Saveable {
    const events = this.events;
    const eventLog: Saveable = {
      stateSize: 1,
      saveState: (buf, o) => {
        buf[o] = events.length;
      },
      loadState: (buf, o) => {
        events.length = buf[o];
      },
    };
    return stateOf(
      this.shorts,
      eventLog,
      scalars(this.totals, [
        'fundingPayments', 'fundingPaidByLongs', 'fundingReceivedByShorts', 'fundingFromOtherLongs', 'adlEvents', 'adlAccountsClosed', 'adlBase', 'adlVolume',
      ]),
      scalars(this.clock, ['next', 'cursor', 'premiumSum', 'premiumCount']),
      ownScalars(this, ['started', 'rankedBar', 'rankedRound', 'barRate', 'barPaid', 'barReceived', 'barAdlEvents', 'barAdlBase', 'barAdlQuote', 'openShortBase']),
    );
  }
}
