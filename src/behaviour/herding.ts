/**
 * Herding holders — a STYLIZED ASSUMPTION, not a calibrated model
 * (docs/model.md#herding). Every output of this module must be
 * labelled as such in reports: its recorded columns are listed with that
 * label in `HERDING_COLUMNS`.
 *
 * A population of unlevered holders owns `holdingsBase` units of the asset,
 * split equally into `groups` classes. Each class has one drawdown threshold
 * drawn once, at construction, from a seeded distribution. When the public
 * drawdown (from the running peak of the simulated mid, `MarketView.stress`)
 * reaches a class's threshold, that class sells `sellFraction` of what it
 * holds, in equal tranches over `sellOverBars` bars, by market order (cause
 * 'herding'). Optionally (`rebuy`) a class re-arms once the drawdown is back
 * at or below `drawdownFractionOfThreshold` × its threshold: it then spends
 * all its cash (its sale proceeds) buying back over `overBars` bars, and may
 * sell again on the next fall.
 *
 * Timing. Classes react at the bar start to the bar-start drawdown and send
 * their tranche in round 0. With `intraBar`, a class whose threshold the live
 * mid crosses inside the bar also sells in that round (the stylized upper
 * bound: holders as fast as liquidation bots). Re-arming and buying back are
 * decided at bar starts only: buying back is the slow side.
 *
 * Cost per bar: O(1) when no class is mid-sale or mid-rebuy, else O(groups).
 * Classes switch in threshold order because thresholds are sorted and the
 * re-arm level is the same multiple of each threshold (nested hysteresis:
 * if a class is triggered, every class with a lower threshold is too), so
 * the triggered classes are always a prefix and triggering/re-arming walks a
 * single pointer. Nothing allocates after construction.
 *
 * Ledger. The holders are the ledger party `PARTY.holders`; at the first bar
 * start their holdings are moved from the counterparties (they bought before
 * the run, as the protocol's accounts did), so the ledger stays conserved.
 * The holders' cash starts at 0; buying back at a fill price above the mid
 * can overdraw it by the impact cost of the rebuy (a small negative balance,
 * kept rather than hidden).
 */
import { lognormalAt, uniformAt } from '../core/distributions.js';
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { HerdingConfig, HerdingRebuyConfig, HerdingThresholds } from '../config/behaviourSchema.js';
import type { Agent, MarketView } from '../sim/agent.js';
import type { OrderFill } from '../sim/fill.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import { CAUSE_CODE } from '../sim/tradeLog.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, scalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * The config is the schema's `behaviour.herding` (config/behaviourSchema.ts,
 * where the defaults live). The behaviour is OFF by default: build the agent only when enabled.
 */
export type { HerdingConfig, HerdingRebuyConfig, HerdingThresholds };

/**
 * Recorded per-bar columns, each with the label reports must carry: the
 * numbers come from an assumed behaviour, not from data.
 */
export const HERDING_COLUMNS = {
  herding_sold_base: 'STYLIZED ASSUMPTION (herding holders): base units sold this bar by unlevered holders past their drawdown thresholds',
  herding_bought_base: 'STYLIZED ASSUMPTION (herding holders): base units bought back this bar after a recovery',
  herding_groups_triggered: 'STYLIZED ASSUMPTION (herding holders): holder classes past their drawdown threshold at the bar end',
  herding_holdings_base: 'STYLIZED ASSUMPTION (herding holders): base units the herding holders own at the bar end',
} as const;
export type HerdingColumn = keyof typeof HERDING_COLUMNS;

/** Run totals (stylized assumption). */
export interface HerdingTotals {
  /** Base units sold / bought back, and their quote value at the fill prices. */
  soldBase: number;
  soldQuote: number;
  boughtBase: number;
  boughtQuote: number;
  /** Threshold crossings (a class that re-arms can cross again). */
  triggers: number;
  /** Re-arms (recoveries that started a buy-back). */
  rearms: number;
}

const TAG_SELL = 0;
const TAG_BUY = 1;
export class HerdingAgent extends Stateful implements Agent {
  readonly party: number;
  readonly totals: HerdingTotals = { soldBase: 0, soldQuote: 0, boughtBase: 0, boughtQuote: 0, triggers: 0, rearms: 0 };
  private readonly cfg: HerdingConfig;
  private readonly n: number;
  /** Sorted ascending; immutable after construction (so not part of the saved state). */
  private readonly threshold: Float64Array;
  private readonly held: Float64Array;
  private readonly cash: Float64Array;
  private readonly sellLeft: Float64Array;
  private readonly sellBars: Float64Array;
  private readonly buyLeftQuote: Float64Array;
  private readonly buyBars: Float64Array;
  /** This round's contributors to the one sell and one buy order, and their amounts (base). */
  private readonly sellIdx: Int32Array;
  private readonly sellAmt: Float64Array;
  private readonly buyIdx: Int32Array;
  private readonly buyAmt: Float64Array;
  private nSell = 0;
  private nBuy = 0;
  private sellTotal = 0;
  private buyTotal = 0;
  /** Classes [0, nTriggered) are past their threshold. */
  private nTriggered = 0;
  /** Classes with a sale or buy-back in progress. */
  private active = 0;
  private endowed = false;
  /** Running peak of bar-start mids, rebuilt each bar from the public drawdown. */
  private peak = 0;
  private barSold = 0;
  private barBought = 0;
  private cols!: Columns<HerdingColumn>;

  /**
   * `rng`: the behaviour's own stream (e.g. `seeds.rng('behaviour.herding')`),
   * used only here to draw the thresholds. `party` defaults to
   * `PARTY.holders`. `path` names the config section in errors.
   */
  constructor(cfg: HerdingConfig, rng: Rng, party: number = PARTY.holders, path = 'behaviour.herding') {
    super();
    validate(cfg, path);
    this.cfg = cfg;
    this.party = party;
    const n = cfg.groups;
    this.n = n;
    this.threshold = drawThresholds(cfg.thresholds, n, rng);
    this.held = new Float64Array(n).fill(cfg.holdingsBase / n);
    this.cash = new Float64Array(n);
    this.sellLeft = new Float64Array(n);
    this.sellBars = new Float64Array(n);
    this.buyLeftQuote = new Float64Array(n);
    this.buyBars = new Float64Array(n);
    this.sellIdx = new Int32Array(n);
    this.sellAmt = new Float64Array(n);
    this.buyIdx = new Int32Array(n);
    this.buyAmt = new Float64Array(n);
  }

  /** The classes' thresholds, ascending (read-only view for reports and tests). */
  get thresholds(): ArrayLike<number> {
    return this.threshold;
  }

  get groupsTriggered(): number {
    return this.nTriggered;
  }

  /** Base units class `g` owns now (its share of `PARTY.holders`' asset). */
  holdingsOf(g: number): number {
    return this.held[g];
  }

  declareColumns(rec: Recorder): void {
    this.cols = rec.columns(Object.keys(HERDING_COLUMNS) as HerdingColumn[]);
  }

  summaryFigures(): { herdingStylized: { note: string } & HerdingTotals } {
    return { herdingStylized: { note: 'STYLIZED ASSUMPTION: herding holders', ...this.totals } };
  }

  beginBar(m: MarketView, ledger: Ledger): void {
    if (!this.endowed) {
      ledger.moveAsset(PARTY.counterparties, this.party, this.cfg.holdingsBase);
      this.endowed = true;
    }
    const dd = m.stress.drawdown;
    this.peak = m.mid() / (1 - dd);
    this.barSold = 0;
    this.barBought = 0;
    if (this.cfg.rebuy) this.rearmDownTo(dd, this.cfg.rebuy);
    this.triggerUpTo(dd);
  }

  act(m: MarketView, round: number, orders: OrderQueue, _ledger: Ledger): void {
    this.nSell = 0;
    this.nBuy = 0;
    this.sellTotal = 0;
    this.buyTotal = 0;
    if (round === 0) {
      if (this.active > 0) {
        const mid = m.mid();
        for (let g = 0; g < this.n; g++) this.tranche(g, mid);
      }
    } else if (this.cfg.intraBar) {
      // A class newly past its threshold inside the bar has not sold this bar:
      // re-arming happens only at bar starts, so it was untriggered all bar.
      const from = this.nTriggered;
      this.triggerUpTo(1 - m.mid() / this.peak);
      if (this.nTriggered > from) {
        const mid = m.mid();
        for (let g = from; g < this.nTriggered; g++) this.tranche(g, mid);
      }
    }
    const cause = CAUSE_CODE.herding;
    if (this.sellTotal > 0) orders.push(this.party, cause, -this.sellTotal, TAG_SELL);
    if (this.buyTotal > 0) orders.push(this.party, cause, this.buyTotal, TAG_BUY);
  }

  /**
   * Splits a fill over this round's contributors in proportion to what each
   * put into the order, so each class's holdings and cash stay exact even if
   * a fill were partial.
   */
  onFill(fill: OrderFill): void {
    const units = Math.abs(fill.size);
    const price = fill.price;
    if (fill.tag === TAG_SELL) {
      const total = this.sellTotal;
      for (let k = 0; k < this.nSell; k++) {
        const g = this.sellIdx[k];
        const u = (units * this.sellAmt[k]) / total;
        this.held[g] -= u;
        this.cash[g] += u * price;
      }
      this.barSold += units;
      this.totals.soldBase += units;
      this.totals.soldQuote += units * price;
    } else {
      const total = this.buyTotal;
      for (let k = 0; k < this.nBuy; k++) {
        const g = this.buyIdx[k];
        const u = (units * this.buyAmt[k]) / total;
        this.held[g] += u;
        this.cash[g] -= u * price;
      }
      this.barBought += units;
      this.totals.boughtBase += units;
      this.totals.boughtQuote += units * price;
    }
  }

  endBar(m: MarketView, ledger: Ledger, _rec: Recorder): void {
    const i = m.bar;
    const c = this.cols;
    c.herding_sold_base[i] = this.barSold;
    c.herding_bought_base[i] = this.barBought;
    c.herding_groups_triggered[i] = this.nTriggered;
    c.herding_holdings_base[i] = ledger.asset[this.party];
  }

  /** Classes whose threshold the drawdown has reached start selling. */
  private triggerUpTo(dd: number): void {
    const f = this.cfg.sellFraction;
    const bars = this.cfg.sellOverBars;
    while (this.nTriggered < this.n && dd >= this.threshold[this.nTriggered]) {
      const g = this.nTriggered++;
      const was = this.isActive(g);
      this.buyLeftQuote[g] = 0;
      this.buyBars[g] = 0;
      this.sellLeft[g] = f * this.held[g];
      this.sellBars[g] = bars;
      this.active += (this.isActive(g) ? 1 : 0) - (was ? 1 : 0);
      this.totals.triggers++;
    }
  }

  /** Triggered classes whose re-arm level the drawdown is back under stop selling and buy back. */
  private rearmDownTo(dd: number, rebuy: HerdingRebuyConfig): void {
    const k = rebuy.drawdownFractionOfThreshold;
    while (this.nTriggered > 0 && dd <= k * this.threshold[this.nTriggered - 1]) {
      const g = --this.nTriggered;
      const was = this.isActive(g);
      this.sellLeft[g] = 0;
      this.sellBars[g] = 0;
      const spend = this.cash[g];
      this.buyLeftQuote[g] = spend > 0 ? spend : 0;
      this.buyBars[g] = spend > 0 ? rebuy.overBars : 0;
      this.active += (this.isActive(g) ? 1 : 0) - (was ? 1 : 0);
      this.totals.rearms++;
    }
  }

  private isActive(g: number): boolean {
    return this.sellBars[g] > 0 || this.buyBars[g] > 0;
  }

  /** Adds class g's tranche for this bar (equal parts of what is left) to the round's order. */
  private tranche(g: number, mid: number): void {
    if (this.sellBars[g] > 0) {
      const left = this.sellLeft[g];
      const q = left / this.sellBars[g];
      this.sellBars[g]--;
      this.sellLeft[g] = this.sellBars[g] > 0 ? left - q : 0;
      if (this.sellBars[g] === 0 && this.buyBars[g] === 0) this.active--;
      if (q > 0) {
        this.sellIdx[this.nSell] = g;
        this.sellAmt[this.nSell++] = q;
        this.sellTotal += q;
      }
    } else if (this.buyBars[g] > 0) {
      const left = this.buyLeftQuote[g];
      const quote = left / this.buyBars[g];
      this.buyBars[g]--;
      this.buyLeftQuote[g] = this.buyBars[g] > 0 ? left - quote : 0;
      if (this.buyBars[g] === 0) this.active--;
      const q = quote / mid;
      if (q > 0) {
        this.buyIdx[this.nBuy] = g;
        this.buyAmt[this.nBuy++] = q;
        this.buyTotal += q;
      }
    }
  }

  // The round's contributor lists (sellIdx … buyTotal) are rewritten by every
  // act() before onFill reads them, so they are scratch, not state. The
  // thresholds are fixed at construction: a state loads into an agent built
  // from the same config and seed.
  protected describeState(): Saveable {
    return stateOf(
      arrays(this.held, this.cash, this.sellLeft, this.sellBars, this.buyLeftQuote, this.buyBars),
      ownScalars(this, ['nTriggered', 'active', 'endowed', 'peak', 'barSold', 'barBought']),
      scalars(this.totals, ['soldBase', 'soldQuote', 'boughtBase', 'boughtQuote', 'triggers', 'rearms']),
    );
  }
}

/** Draws all thresholds in class order, then sorts them (the order of draws fixes the result for a seed). */
function drawThresholds(t: HerdingThresholds, n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n);
  for (let g = 0; g < n; g++) {
    if (t.kind === 'uniform') out[g] = uniformAt(t.minDrawdown, t.maxDrawdown, rng.uniform());
    else if (t.kind === 'lognormal') out[g] = lognormalAt(t.medianDrawdown, t.sigmaLog, rng.normal());
    else out[g] = t.drawdowns[g];
  }
  return out.sort();
}

function validate(c: HerdingConfig, path: string): void {
  const bad = (field: string, reason: string): never => {
    throw new ConfigError(reason, { field: `${path}.${field}` });
  };
  if (!(Number.isFinite(c.holdingsBase) && c.holdingsBase >= 0)) bad('holdingsBase', `must be a finite number >= 0 (base units), got ${c.holdingsBase}`);
  if (!(Number.isInteger(c.groups) && c.groups >= 1 && c.groups <= 10_000)) bad('groups', `must be an integer in [1, 10000], got ${c.groups}`);
  if (!(c.sellFraction > 0 && c.sellFraction <= 1)) bad('sellFraction', `must be in (0, 1], got ${c.sellFraction}`);
  if (!(Number.isInteger(c.sellOverBars) && c.sellOverBars >= 1)) bad('sellOverBars', `must be an integer >= 1, got ${c.sellOverBars}`);
  const t = c.thresholds;
  if (t.kind === 'uniform') {
    if (!(Number.isFinite(t.minDrawdown) && t.minDrawdown > 0)) bad('thresholds.minDrawdown', `must be > 0 (fraction below the peak), got ${t.minDrawdown}`);
    if (!(Number.isFinite(t.maxDrawdown) && t.maxDrawdown >= t.minDrawdown)) {
      bad('thresholds.maxDrawdown', `must be finite and >= minDrawdown (${t.minDrawdown}), got ${t.maxDrawdown}`);
    }
  } else if (t.kind === 'lognormal') {
    if (!(Number.isFinite(t.medianDrawdown) && t.medianDrawdown > 0)) bad('thresholds.medianDrawdown', `must be > 0, got ${t.medianDrawdown}`);
    if (!(Number.isFinite(t.sigmaLog) && t.sigmaLog >= 0)) bad('thresholds.sigmaLog', `must be finite and >= 0, got ${t.sigmaLog}`);
  } else if (t.kind === 'fixed') {
    if (t.drawdowns.length !== c.groups) bad('thresholds.drawdowns', `needs one threshold per class (${c.groups}), got ${t.drawdowns.length}`);
    t.drawdowns.forEach((d, g) => {
      if (!(Number.isFinite(d) && d > 0)) bad(`thresholds.drawdowns[${g}]`, `must be > 0 (fraction below the peak), got ${d}`);
    });
  } else {
    bad('thresholds.kind', `unknown kind '${(t as { kind: string }).kind}' (uniform, lognormal, fixed)`);
  }
  const r = c.rebuy;
  if (r !== null) {
    if (!(r.drawdownFractionOfThreshold >= 0 && r.drawdownFractionOfThreshold < 1)) {
      bad('rebuy.drawdownFractionOfThreshold', `must be in [0, 1) so a class cannot re-arm where it triggers, got ${r.drawdownFractionOfThreshold}`);
    }
    if (!(Number.isInteger(r.overBars) && r.overBars >= 1)) bad('rebuy.overBars', `must be an integer >= 1, got ${r.overBars}`);
  }
}
