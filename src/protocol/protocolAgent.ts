import { MINUTES_PER_YEAR } from '../core/time.js';
import type { Agent, MarketView } from '../sim/agent.js';
import type { OrderFill } from '../sim/fill.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import { liquidationBranchingRatio } from '../metrics/branching.js';
import { marginToLiquidityRatio, type RollingQuoteVolume } from '../metrics/mlr.js';
import { makePutStripValue, PutStripValuer } from '../metrics/putStrip.js';
import type { CircuitBreaker } from './defences/circuitBreaker.js';
import type { ContagionBond } from './defences/contagionBond.js';
import type { DynamicThreshold } from './defences/dynamicThreshold.js';
import type { MarginFloor } from './defences/marginFloor.js';
import type { SolvencyTest } from './defences/solvencyTest.js';
import type { Keepers } from './keepers.js';
import type { Ladder } from './ladder.js';
import type { LotBook } from './lots.js';
import type { Mechanism } from './mechanisms/factory.js';
import type { Oracle } from './oracle.js';
import { makeSettlementResult, settleLot, SETTLE, type InsuranceFund, type SettlementConfig } from './settlement.js';
import { historicalVarEs } from '../metrics/riskMeasures.js';
import type { MechanismHost } from './types.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, scalars, stateOf, Stateful } from '../sim/stateBlock.js';
import { makeDeleverageRound, makeDeleverageSettlement, type BackstopCapitalFlight, type PreemptiveDeleveraging } from './behaviourHooks.js';
import type { BackstopPoolMechanism } from './mechanisms/backstopPool.js';
import { CAUSE_CODE } from '../sim/tradeLog.js';
import { invariant } from '../core/errors.js';
import type { PerpVenue } from './perp/venue.js';

/** Tag of deleveraging orders (lots use their ids, ≥ 0). */
const DELEVERAGE_TAG = -2;

const PROTOCOL_COLUMNS = [
  'oracle_price', 'threshold_multiplier', 'keeper_delay_ms', 'liquidations', 'liquidations_later_rounds', 'liquidation_volume_quote',
  'liquidation_velocity_quote_per_min', 'open_accounts', 'open_debt_quote', 'mlr', 'liquidation_branching_ratio',
  'put_strip_value', 'put_strip_delta', 'put_strip_gamma', 'bad_debt_exposure_quote', 'breaker_tripped', 'floor_blocked',
  'penalty_bps', 'open_lots',
] as const;
export type ProtocolColumn = (typeof PROTOCOL_COLUMNS)[number];
const DELEVERAGE_COLUMNS = ['deleverage_units', 'deleverage_accounts', 'deleverage_quote'] as const;

export interface ProtocolAgentConfig {
  readonly ladder: Ladder;
  readonly oracle: Oracle;
  readonly keepers: Keepers;
  readonly lots: LotBook;
  readonly mechanism: Mechanism;
  readonly fund: InsuranceFund;
  readonly settlement: SettlementConfig;
  readonly dynamicThreshold: DynamicThreshold;
  readonly breaker: CircuitBreaker;
  readonly floor: MarginFloor;
  readonly solvency: SolvencyTest | null;
  readonly closeFactor: number;
  /** Liquidation penalty (bonus), fraction of the repaid debt (0.05 = 5%). */
  readonly penalty: number;
  readonly dustDebtQuote: number;
  readonly maxPerRound: number;
  /** Rolling 24 h quote volume per bar (past bars only), for the MLR. */
  readonly rollingVolume: RollingQuoteVolume;
  /** Collateral-weighted mean LT, for the branching ratio's sold fraction. */
  readonly meanThreshold: number;
  readonly putStripTenorYears: number;
  readonly putStripEveryBars: number;
  /** Pre-emptive deleveraging (behaviour layer); null when off. */
  readonly deleveraging: PreemptiveDeleveraging | null;
  /** Backstop depositors who withdraw on stress (behaviour layer); null when off. Needs the backstop mechanism. */
  readonly flight: BackstopCapitalFlight | null;
  /** Contagion bond paying into the fund or the pool on stress; absent or null when off. */
  readonly bond?: ContagionBond | null;
  /** Perp venue mechanics (funding, shorts, ADL); absent or null when off. */
  readonly perp?: PerpVenue | null;
}

/** Run totals, quote unless stated. */
export interface ProtocolTotals {
  liquidationCount: number;
  /** Liquidations in round 0 of their bar (first-order) and in later rounds (cascade). */
  firstRoundLiquidations: number;
  laterRoundLiquidations: number;
  /** Collateral seized × oracle at the time, quote. */
  liquidationVolume: number;
  /** Collateral seized, base units. */
  seizedBase: number;
  peakMlr: number;
  peakLiquidationBranchingRatio: number;
  peakLiquidationsPerBar: number;
  barsBlockedByFloor: number;
  barsPaused: number;
}

/**
 * The lending protocol / perp venue as an agent of the engine
 * (docs/model.md#the-protocol). Each round it reads its oracle,
 * liquidates every account that is due (liquidation price above the
 * keepers' trigger price), hands the seized collateral to the mechanism and
 * settles finished lots against the insurance fund. Accounts are visited
 * from the top of the ladder only, so a round costs O(log n) per account
 * liquidated plus O(log n) to find that nobody else is due.
 */
export class ProtocolAgent extends Stateful implements Agent {
  readonly party = PARTY.protocol;
  readonly extraParties: readonly number[];
  readonly totals: ProtocolTotals = {
    liquidationCount: 0,
    firstRoundLiquidations: 0,
    laterRoundLiquidations: 0,
    liquidationVolume: 0,
    seizedBase: 0,
    peakMlr: 0,
    peakLiquidationBranchingRatio: 0,
    peakLiquidationsPerBar: 0,
    barsBlockedByFloor: 0,
    barsPaused: 0,
  };
  private readonly c: ProtocolAgentConfig;
  private readonly host: MechanismHost & { bar: number; time: number; round: number; oracle: number; gasGwei: number; mid: () => number };
  private readonly settled = makeSettlementResult();
  private readonly strip = makePutStripValue();
  private readonly stripValuer = new PutStripValuer();
  private readonly stripOpts = { rate: 0, dividend: 0, fast: { sds: 8, groupSds: 0.01 } };
  private view: MarketView | null = null;
  private ledgerRef: Ledger | null = null;
  private endowed = false;
  private multiplier = 1;
  private barCount = 0;
  private barVolume = 0;
  private barSeized = 0;
  private barLater = 0;
  private barDelevUnits = 0;
  private barDelevAccounts = 0;
  private barDelevQuote = 0;
  private readonly delevRound = makeDeleverageRound();
  private readonly delevSettle = makeDeleverageSettlement();
  private branching = 0;
  private readonly terms: { closeFactor: number; penalty: number; liquidationThreshold: number };
  private blocked = false;
  private readonly accountChanged = (a: number): void => this.c.deleveraging?.onAccountChanged(a);
  /** The protocol's recorded columns (set by `declareColumns`). */
  columns!: Columns<ProtocolColumn>;
  /** With pre-emptive deleveraging only. */
  private delevCols: Columns<(typeof DELEVERAGE_COLUMNS)[number]> | null = null;

  constructor(cfg: ProtocolAgentConfig) {
    super();
    this.c = cfg;
    this.extraParties = cfg.mechanism.parties;
    this.terms = { closeFactor: cfg.closeFactor, penalty: cfg.penalty, liquidationThreshold: cfg.meanThreshold };
    const self = this;
    this.host = {
      get ledger(): Ledger {
        return self.ledgerRef as Ledger;
      },
      bar: 0,
      time: 0,
      round: 0,
      oracle: Number.NaN,
      gasGwei: Number.NaN,
      lots: cfg.lots,
      mid: () => (self.view as MarketView).mid(),
      closeLot: (lot: number) => self.closeLot(lot),
    };
  }

  /** The perp venue, when the protocol runs one. */
  get perp(): PerpVenue | null {
    return this.c.perp ?? null;
  }

  declareColumns(rec: Recorder): void {
    this.columns = rec.columns(PROTOCOL_COLUMNS);
    this.delevCols = this.c.deleveraging ? rec.columns(DELEVERAGE_COLUMNS) : null;
    this.c.fund.declareColumns(rec);
    this.c.mechanism.declareColumns(rec);
    this.c.flight?.declareColumns(rec);
    this.c.bond?.declareColumns(rec);
    this.c.perp?.declareColumns(rec);
  }

  beginBar(m: MarketView, ledger: Ledger): void {
    const c = this.c;
    this.view = m;
    this.ledgerRef = ledger;
    if (!this.endowed) {
      // The accounts bought their collateral before the run; the fund and the
      // mechanism's capital were committed before it too. All of it comes
      // from the counterparties, so the ledger's columns keep summing to zero.
      ledger.moveAsset(PARTY.counterparties, PARTY.accounts, c.ladder.book.totalCollateral());
      c.fund.endow(ledger);
      this.endowed = true;
    }
    const mid = m.mid();
    this.host.bar = m.bar;
    this.host.time = m.time;
    this.host.round = -1;
    c.keepers.beginBar(m.time);
    this.host.gasGwei = c.keepers.gasGwei();
    this.observe(m.time, mid);
    // Funding moves debts, hence liquidation prices, before anything reads the ladder.
    c.perp?.beginBar(m, c.ladder, this.accountChanged);
    c.breaker.beginBar(m.time);
    c.fund.beginBar();
    // Before the solvency test and the rounds: the payout can cover this bar's shortfalls.
    c.bond?.beginBar(m, ledger);
    this.multiplier = c.dynamicThreshold.update(m.realisedVol) * c.breaker.marginMultiplier();
    c.floor.setImpliedVol(m.atmVol);
    this.blocked = c.floor.blocks(this.host.oracle);
    if (c.solvency) c.solvency.maybeRun(m.bar, c.ladder, this.host.oracle, this.multiplier, m.depthPerLogPrice() / mid, c.fund.balance(ledger));
    c.mechanism.beginBar(this.host);
    // Depositors decide after the pool has its capital (its first beginBar).
    if (c.flight) c.flight.beginBar(m.bar, m.time, m.stress, c.mechanism as BackstopPoolMechanism, ledger, mid);
    // Branching ratio n/D' at the bar start, with the depth the bar's cascade
    // will meet (as the dealer's gamma ratio): measured after the rounds the
    // book near the mid may be momentarily empty.
    const terms = this.terms;
    terms.penalty = this.currentPenalty();
    const br = mid > 0 && Number.isFinite(mid) ? liquidationBranchingRatio(c.ladder, mid, this.multiplier, m.depthPerLogPrice(), terms) : Number.NaN;
    this.branching = br;
    if (br > this.totals.peakLiquidationBranchingRatio) this.totals.peakLiquidationBranchingRatio = br;
    this.barCount = 0;
    this.barVolume = 0;
    this.barSeized = 0;
    this.barLater = 0;
    this.barDelevUnits = 0;
    this.barDelevAccounts = 0;
    this.barDelevQuote = 0;
  }

  act(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void {
    const c = this.c;
    this.host.round = round;
    this.observe(m.time, m.mid());
    if (!this.blocked) this.liquidateDue(m, round, orders, ledger);
    const dl = c.deleveraging;
    if (dl) {
      // After the keepers: an account past its price that keepers have not
      // reached may still save itself; an account they reached is gone.
      dl.act(this.host.oracle, m.mid(), this.multiplier, m.stress, this.delevRound);
      if (this.delevRound.units > 0) {
        ledger.moveAsset(PARTY.accounts, PARTY.protocol, this.delevRound.units);
        this.barDelevUnits += this.delevRound.units;
        this.barDelevAccounts += this.delevRound.accounts;
      }
      // Units a quiet round did not send roll into the next order.
      if (dl.pendingUnits > 0) orders.push(PARTY.protocol, CAUSE_CODE.deleverage, -dl.pendingUnits, DELEVERAGE_TAG);
    }
    c.mechanism.act(this.host, orders);
    this.drainOffBook(m, round);
  }

  onFill(fill: OrderFill): void {
    const { size, price } = fill;
    const dl = this.c.deleveraging;
    if (dl && fill.cause === CAUSE_CODE.deleverage) {
      // Sells arrive with negative size; proceeds repay the accounts' debt.
      const s = this.delevSettle;
      dl.settle(-size, -size * price, s);
      const ledger = this.ledgerRef as Ledger;
      ledger.payCash(PARTY.protocol, PARTY.lenders, s.repaidQuote);
      if (s.refundQuote > 0) ledger.payCash(PARTY.protocol, PARTY.accounts, s.refundQuote);
      this.barDelevQuote += -size * price;
      return;
    }
    this.c.mechanism.onFill(this.host, fill.party, fill.tag, size, price);
  }

  endBar(m: MarketView, ledger: Ledger, _rec: Recorder): void {
    const c = this.c;
    const i = m.bar;
    c.mechanism.endBar(this.host, _rec);
    if (c.flight) c.flight.endBar(i, _rec, c.mechanism as BackstopPoolMechanism, ledger, m.mid());
    this.drainOffBook(m, this.host.round);
    c.breaker.endBar();
    c.fund.endBar(i, ledger);
    c.bond?.endBar(i);
    c.perp?.endBar(m);
    const col = this.columns;
    const price = m.mid();
    const oracle = this.host.oracle;
    col.oracle_price[i] = oracle;
    col.threshold_multiplier[i] = this.multiplier;
    col.keeper_delay_ms[i] = c.keepers.delayMs();
    col.liquidations[i] = this.barCount;
    col.liquidations_later_rounds[i] = this.barLater;
    col.liquidation_volume_quote[i] = this.barVolume;
    col.liquidation_velocity_quote_per_min[i] = m.dtYears > 0 ? this.barVolume / (m.dtYears * MINUTES_PER_YEAR) : Number.NaN;
    col.open_accounts[i] = c.ladder.openCount;
    col.open_debt_quote[i] = c.ladder.book.totalDebt();
    // A cascade can drive the mid toward 0 (J → −∞ when the whole book is
    // eaten): the metrics are then undefined, not an error.
    const priced = price > 0 && Number.isFinite(price);
    const mlr = priced ? marginToLiquidityRatio(c.ladder, price, this.multiplier, c.rollingVolume.values[i]) : Number.NaN;
    col.mlr[i] = mlr;
    if (mlr > this.totals.peakMlr) this.totals.peakMlr = mlr;
    col.liquidation_branching_ratio[i] = this.branching;
    col.bad_debt_exposure_quote[i] = priced ? c.ladder.badDebtExposure(price) : Number.NaN;
    if (priced && i % c.putStripEveryBars === 0) {
      this.stripOpts.rate = m.rate;
      this.stripOpts.dividend = m.dividend;
      this.stripValuer.value(c.ladder, price, c.putStripTenorYears, m.surface, this.strip, this.stripOpts);
      col.put_strip_value[i] = this.strip.value;
      col.put_strip_delta[i] = this.strip.delta;
      col.put_strip_gamma[i] = this.strip.gamma;
    }
    col.breaker_tripped[i] = c.breaker.isTripped() ? 1 : 0;
    col.floor_blocked[i] = this.blocked ? 1 : 0;
    col.penalty_bps[i] = this.currentPenalty() * 1e4;
    col.open_lots[i] = c.lots.count;
    const dc = this.delevCols;
    if (dc) {
      dc.deleverage_units[i] = this.barDelevUnits;
      dc.deleverage_accounts[i] = this.barDelevAccounts;
      dc.deleverage_quote[i] = this.barDelevQuote;
    }
    if (this.blocked) this.totals.barsBlockedByFloor++;
    if (c.breaker.isTripped()) this.totals.barsPaused++;
    if (this.barCount > this.totals.peakLiquidationsPerBar) this.totals.peakLiquidationsPerBar = this.barCount;
  }

  /**
   * The protocol's figures (names fixed: `cascade compare` and users' scripts
   * read them). The loss per bar is what the fund paid plus what became bad
   * debt or was socialized; its VaR and ES are over the run's bars.
   */
  summaryFigures(): Record<string, number> {
    const t = this.totals;
    const s = this.c.fund.total;
    const fundCols = this.c.fund.columns;
    invariant(fundCols !== null, 'ProtocolAgent.summaryFigures before declareColumns');
    const paid = fundCols.insurance_fund_paid_quote;
    const bad = fundCols.bad_debt_quote;
    const soc = fundCols.socialized_loss_quote;
    const loss = new Float64Array(paid.length);
    for (let i = 0; i < loss.length; i++) loss[i] = (paid[i] || 0) + (bad[i] || 0) + (soc[i] || 0);
    const varEs = historicalVarEs(loss, 0.99);
    return {
      badDebt: s[SETTLE.badDebtQuote],
      socializedLoss: s[SETTLE.socializedQuote],
      liquidationCount: t.liquidationCount,
      firstRoundLiquidations: t.firstRoundLiquidations,
      laterRoundLiquidations: t.laterRoundLiquidations,
      liquidationVolume: t.liquidationVolume,
      liquidatedBase: t.seizedBase,
      insuranceFundUsed: s[SETTLE.fundPaidQuote],
      insuranceFundIncome: s[SETTLE.fundIncomeQuote],
      penaltyIncome: s[SETTLE.penaltyQuote],
      keeperIncome: s[SETTLE.keeperQuote],
      peakMlr: t.peakMlr,
      peakLiquidationBranchingRatio: t.peakLiquidationBranchingRatio,
      peakLiquidationsPerBar: t.peakLiquidationsPerBar,
      barsBlockedByMarginFloor: t.barsBlockedByFloor,
      barsCircuitBreakerTripped: t.barsPaused,
      protocolLossVar99PerBar: varEs.valueAtRisk,
      protocolLossEs99PerBar: varEs.expectedShortfall,
      ...(this.c.bond ? this.c.bond.summaryFigures() : {}),
      ...(this.c.perp ? this.c.perp.summaryFigures() : {}),
    };
  }

  /** The penalty in force: the solvency test may have raised it. */
  currentPenalty(): number {
    return this.c.solvency ? this.c.solvency.penaltyBps() / 1e4 : this.c.penalty;
  }

  private observe(time: number, mid: number): void {
    const c = this.c;
    c.oracle.update(time, mid);
    const p = c.oracle.price();
    this.host.oracle = p;
    c.keepers.observe(time, p);
    c.floor.observe(time, p);
  }

  private liquidateDue(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void {
    const c = this.c;
    const ladder = c.ladder;
    const book = ladder.book;
    const oracle = this.host.oracle;
    // An account is due when its liquidation price key/m stayed above the
    // oracle for the whole keeper delay: key > m · trigger (trigger ≥ oracle).
    const trigger = c.keepers.triggerPrice();
    if (!(trigger < Infinity) || !(oracle > 0)) return;
    const bar = m.bar;
    const cutoff = this.multiplier * trigger;
    let allowance = c.breaker.allowanceQuote();
    const penalty = this.currentPenalty();
    let done = 0;
    let batchSeize = 0;
    let batchRepay = 0;
    const perp = c.perp && c.perp.adlOn ? c.perp : null;
    // Shortfalls (at the oracle) of the round's bankrupt accounts already sent
    // to lots: the fund will pay them when the lots settle.
    let reserved = 0;
    while (done < c.maxPerRound) {
      const a = ladder.top();
      if (a < 0 || !(ladder.keyOf(a) > cutoff)) break;
      const coll = book.collateral[a];
      const debt = book.debt[a];
      let repay = c.closeFactor * debt;
      if (debt - repay < c.dustDebtQuote) repay = debt;
      let seize = (repay * (1 + penalty)) / oracle;
      let full = repay === debt;
      if (seize >= coll) {
        // Under water or nearly: everything goes, and the lot carries the whole debt.
        seize = coll;
        repay = debt;
        full = true;
      }
      if (repay > allowance) break;
      if (perp !== null) {
        // Bankrupt at the oracle and more than the fund can still take: the
        // short side takes the position at its bankruptcy price, off the book.
        const shortfall = debt - coll * oracle;
        if (shortfall > 0) {
          if (c.fund.balance(ledger) - reserved < shortfall && perp.deleverage(a, ladder, ledger, m.mid(), m.time, bar, round) > 0) {
            c.deleveraging?.onAccountChanged(a);
            continue;
          }
          reserved += shortfall;
        }
      }
      allowance -= repay;
      c.breaker.record(m.time, repay);
      if (full) ladder.close(a);
      else ladder.modify(a, coll - seize, debt - repay);
      c.deleveraging?.onAccountChanged(a);
      batchSeize += seize;
      batchRepay += repay;
      done++;
    }
    if (done === 0) return;
    // The round's liquidations form one lot: keepers sweep every account due
    // in the same block, and the collateral is sold (or auctioned, or
    // absorbed) as one batch whose proceeds repay the batch's debt pro rata.
    // The accounts' debts were reduced above; bad debt is a protocol figure.
    ledger.moveAsset(PARTY.accounts, PARTY.protocol, batchSeize);
    const lot = c.lots.open(-1, batchSeize, batchRepay, oracle, m.time);
    this.barCount += done;
    this.barSeized += batchSeize;
    this.barVolume += batchSeize * oracle;
    const t = this.totals;
    t.liquidationCount += done;
    t.seizedBase += batchSeize;
    t.liquidationVolume += batchSeize * oracle;
    if (round === 0) t.firstRoundLiquidations += done;
    else t.laterRoundLiquidations += done;
    c.mechanism.open(lot, this.host, orders);
    if (round > 0) this.barLater += done;
    void bar;
  }

  /** Off-book trades (auction takes, pool absorptions) go to the trade log at the current mid. */
  private drainOffBook(m: MarketView, round: number): void {
    const off = this.c.mechanism.offBook;
    if (off.length === 0) return;
    const mid = m.mid();
    for (let k = 0; k < off.length; k++) {
      const size = off.size[k];
      const price = off.price[k];
      // Recorded from the buyer's side; cost is the buyer's discount to the mid (negative: a gain).
      m.trades.push(m.time, m.bar, round, off.cause[k], size, price, mid, mid, (price - mid) * size);
    }
    off.clear();
  }

  private closeLot(lot: number): void {
    const c = this.c;
    settleLot(lot, c.lots, this.ledgerRef as Ledger, c.fund, c.settlement, this.settled);
  }

  /**
   * Everything a bar can change, in order: the parts, then the agent's own
   * run totals, bar figures and flags, host fields, deleveraging round and
   * settlement figures, the off-book buffer length, and the account book's
   * fingerprint (slots, open count, totals, top key) so a load can check the
   * book is where it was. The account book, the ladder and the deleveraging
   * heaps are account-sized, so they are not copied: they go back through
   * their journals (saveState, loadState). The settlement result, the
   * put-strip value and its valuer are per-call scratch, rewritten in full
   * before every read: not state.
   */
  protected describeState(): Saveable {
    const c = this.c;
    const offBook: Saveable = {
      stateSize: 1,
      saveState: (buf, o) => {
        buf[o] = c.mechanism.offBook.length;
      },
      // Saved only when empty (saveState checks); what a tried bar left is dropped.
      loadState: () => {
        c.mechanism.offBook.clear();
      },
    };
    const fingerprint: Saveable = {
      stateSize: FINGERPRINT.length,
      saveState: (buf, o) => writeFingerprint(c.ladder, buf, o),
      loadState: (buf, o) => checkFingerprint(c.ladder, buf, o),
    };
    return stateOf(
      c.oracle, c.keepers, c.breaker, c.dynamicThreshold, c.floor, c.solvency, c.fund, c.lots, c.mechanism, c.flight, c.deleveraging, c.bond, c.perp,
      scalars(this.totals, [
        'liquidationCount', 'firstRoundLiquidations', 'laterRoundLiquidations', 'liquidationVolume', 'seizedBase', 'peakMlr',
        'peakLiquidationBranchingRatio', 'peakLiquidationsPerBar', 'barsBlockedByFloor', 'barsPaused',
      ]),
      ownScalars(this, [
        'multiplier', 'barCount', 'barVolume', 'barSeized', 'barLater', 'barDelevUnits', 'barDelevAccounts', 'barDelevQuote', 'branching', 'blocked', 'endowed',
      ]),
      scalars(this.host, ['bar', 'time', 'round', 'oracle', 'gasGwei']),
      scalars(this.delevRound, ['units', 'repaidQuote', 'accounts']),
      scalars(this.delevSettle, ['repaidQuote', 'refundQuote', 'unsettledQuote']),
      offBook,
      fingerprint,
    );
  }

  /**
   * Saves everything a bar can change. Saving commits the journal of the
   * previous save and opens a new one, which loadState rolls back. The
   * journal stays open (and grows with the bars' changes) until the next
   * save.
   */
  override saveState(buf: Float64Array, offset: number): void {
    const c = this.c;
    const ladder = c.ladder;
    const dl = c.deleveraging;
    invariant(c.mechanism.offBook.length === 0, `ProtocolAgent.saveState: ${c.mechanism.offBook.length} off-book fills not yet logged; save between bars`);
    if (ladder.journaling) {
      ladder.commitJournal();
      dl?.commitJournal();
    }
    ladder.beginJournal();
    dl?.beginJournal();
    super.saveState(buf, offset);
  }

  /**
   * Restores the state of the last saveState: rolls the account book, the
   * ladder and the deleveraging heaps back through their journals (when this
   * instance saved), loads everything else from `buf`, checks the book
   * against the saved fingerprint, and opens a new journal so the same state
   * can be restored again (a root-find tries a bar many times). A fresh
   * instance built from the same config can load a state only while its
   * accounts are where the saving instance's were (e.g. no liquidation yet):
   * otherwise the fingerprint check throws.
   */
  override loadState(buf: Float64Array, offset: number): void {
    const c = this.c;
    const ladder = c.ladder;
    const dl = c.deleveraging;
    if (ladder.journaling) {
      ladder.rollback();
      if (dl) dl.rollback();
    }
    super.loadState(buf, offset);
    ladder.beginJournal();
    dl?.beginJournal();
  }
}

const FINGERPRINT = ['account slots', 'open accounts', 'total collateral', 'total debt', 'top key'] as const;

function fingerprint(ladder: Ladder, k: number): number {
  const book = ladder.book;
  switch (k) {
    case 0: return book.length;
    case 1: return book.openCount;
    case 2: return book.totalCollateral();
    case 3: return book.totalDebt();
    default: return ladder.topKey();
  }
}

function writeFingerprint(ladder: Ladder, buf: Float64Array, o: number): void {
  for (let k = 0; k < FINGERPRINT.length; k++) buf[o + k] = fingerprint(ladder, k);
}

/** Object.is: bit-level equality that also accepts −Infinity = −Infinity (empty ladder) and tells 0 from −0. */
function checkFingerprint(ladder: Ladder, buf: Float64Array, o: number): void {
  for (let k = 0; k < FINGERPRINT.length; k++) {
    const now = fingerprint(ladder, k);
    if (!Object.is(now, buf[o + k])) {
      invariant(
        false,
        `ProtocolAgent.loadState: the account book's ${FINGERPRINT[k]} is ${now} but was ${buf[o + k]} at the save; ` +
          'accounts are restored through the journal of the instance that saved, so load into that instance, or into one whose accounts are unchanged',
      );
    }
  }
}
