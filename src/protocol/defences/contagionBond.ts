/**
 * Contagion bond (docs/model.md#contagion-bond): outside capital sells the
 * protocol a bond that pays its whole notional at the first bar a public
 * stress index reaches a level, and earns a coupon for every calm bar
 * before that. It is the mirror of the paradox the behaviour layer
 * measures: capital that is contractually bound to arrive when stress is
 * high instead of leaving.
 *
 * Timing (no look-ahead): the index is read once per bar, before round 0,
 * from what is public at the bar start:
 * - liquidationVelocity: the engine's forced-selling EWMA (quote/min)
 *   through the end of the previous bar; this bar's liquidations are not in
 *   it, so a shock bar can only trigger the bond one bar later;
 * - drawdown: the mid's fall from its running peak at the bar start, after
 *   the bar's exogenous move and before any forced sale of the bar;
 * - branchingSum: the liquidation and gamma branching ratios as recorded
 *   for the previous bar (undefined cells count 0; 0 at bar 0).
 * At the trigger bar the notional moves from the sellers to the insurance
 * fund or the backstop pool before the bar's liquidations, so that bar's
 * shortfalls can already draw on it.
 *
 * Cash: the sellers escrow the notional before the run (from the
 * counterparties, as the fund's capital is endowed), so the ledger's sums
 * do not move. The coupon for the interval since the previous bar start is
 * paid by the lenders (bad debt is written off their claim: they are the
 * protected party) at every bar start up to and including the trigger bar
 * (protection was in force until the trigger); after it the bond is spent
 * and pays and earns nothing. The coupon-bearing time is therefore
 * t_trigger − t_0 (t_last − t_0 when it never fires), and the coupon paid is
 * exactly notional · coupon · that time.
 */
import type { ContagionBondSchemaConfig } from '../../config/protocolSchema.js';
import { ConfigError } from '../../core/errors.js';
import type { MarketView } from '../../sim/agent.js';
import { PARTY, type Ledger } from '../../sim/ledger.js';
import type { Columns, Recorder } from '../../sim/recorder.js';
import type { Saveable } from '../../sim/saveable.js';
import { ownScalars, Stateful } from '../../sim/stateBlock.js';

/** The schema's `protocol.defences.contagionBond` (config/protocolSchema.ts, where the defaults live). */
export type ContagionBondConfig = ContagionBondSchemaConfig;

const BOND_COLUMNS = ['bond_index', 'bond_payout_quote', 'bond_coupon_quote'] as const;

/** The published branching ratios the branchingSum index adds up (recorded by the protocol and the dealer). */
const BRANCHING_COLUMNS = ['liquidation_branching_ratio', 'gamma_branching_ratio'] as const;

export class ContagionBond extends Stateful {
  readonly payoutParty: number;
  private triggered = 0;
  private triggerBar = -1;
  private triggerIndex = Number.NaN;
  private payout = 0;
  private coupon = 0;
  private couponYears = 0;
  private endowed = 0;
  private index = Number.NaN;
  private barPayout = 0;
  private barCoupon = 0;
  private cols: Columns<(typeof BOND_COLUMNS)[number]> | null = null;
  private rec: Recorder | null = null;
  /** Resolved at the first bar, after every owner has declared its columns. */
  private branching: Float64Array[] | null = null;

  constructor(private readonly cfg: ContagionBondConfig, path = 'protocol.defences.contagionBond') {
    super();
    if (!(cfg.notionalQuote > 0 && Number.isFinite(cfg.notionalQuote))) throw new ConfigError(`must be finite and > 0 quote, got ${cfg.notionalQuote}`, { field: `${path}.notionalQuote` });
    if (!(cfg.couponPerYear >= 0 && Number.isFinite(cfg.couponPerYear))) throw new ConfigError(`must be finite and >= 0 per year, got ${cfg.couponPerYear}`, { field: `${path}.couponPerYear` });
    if (!(cfg.trigger.level > 0)) throw new ConfigError(`must be > 0, got ${cfg.trigger.level}`, { field: `${path}.trigger.level` });
    this.payoutParty = PARTY[cfg.payoutTo];
  }

  declareColumns(rec: Recorder): void {
    this.cols = rec.columns(BOND_COLUMNS);
    this.rec = rec;
  }

  /** The trigger index as known at the start of bar `m.bar` (header). */
  indexAt(m: MarketView): number {
    switch (this.cfg.trigger.index) {
      case 'drawdown':
        return m.drawdown;
      case 'liquidationVelocity':
        return m.stress.liquidationQuotePerMin;
      case 'branchingSum': {
        if (this.branching === null) {
          const rec = this.rec;
          this.branching = rec ? BRANCHING_COLUMNS.filter((n) => rec.has(n)).map((n) => rec.get(n)) : [];
        }
        const prev = m.bar - 1;
        if (prev < 0) return 0;
        let sum = 0;
        for (const col of this.branching) if (!Number.isNaN(col[prev])) sum += col[prev];
        return sum;
      }
    }
  }

  /** Once per bar before round 0: escrow (first bar), then either the payout or the coupon. */
  beginBar(m: MarketView, ledger: Ledger): void {
    const c = this.cfg;
    if (this.endowed === 0) {
      ledger.payCash(PARTY.counterparties, PARTY.bondSellers, c.notionalQuote);
      this.endowed = 1;
    }
    this.barPayout = 0;
    this.barCoupon = 0;
    const x = this.indexAt(m);
    this.index = x;
    if (this.triggered === 1) return;
    // Accrued up to the trigger time: protection was in force over the whole interval.
    const due = c.notionalQuote * c.couponPerYear * m.dtYears;
    this.couponYears += m.dtYears;
    if (due > 0) {
      ledger.payCash(PARTY.lenders, PARTY.bondSellers, due);
      this.coupon += due;
      this.barCoupon = due;
    }
    if (x >= c.trigger.level) {
      this.triggered = 1;
      this.triggerBar = m.bar;
      this.triggerIndex = x;
      ledger.payCash(PARTY.bondSellers, this.payoutParty, c.notionalQuote);
      this.payout = c.notionalQuote;
      this.barPayout = c.notionalQuote;
    }
  }

  endBar(bar: number): void {
    const col = this.cols;
    if (col === null) return;
    col.bond_index[bar] = this.index;
    col.bond_payout_quote[bar] = this.barPayout;
    col.bond_coupon_quote[bar] = this.barCoupon;
  }

  isTriggered(): boolean {
    return this.triggered === 1;
  }

  /** Figures for summary.json (units in docs/model.md, "Summary figures"). */
  summaryFigures(): Record<string, number> {
    return {
      bondTriggerBar: this.triggerBar,
      bondTriggerIndex: this.triggerIndex,
      bondPayoutQuote: this.payout,
      bondCouponPaidQuote: this.coupon,
      bondCouponBearingYears: this.couponYears,
    };
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['triggered', 'triggerBar', 'triggerIndex', 'payout', 'coupon', 'couponYears', 'endowed', 'index', 'barPayout', 'barCoupon']);
  }
}
