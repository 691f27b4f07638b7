import type { BarSeries } from '../data/bars.js';
import { barIntervalMs } from '../data/bars.js';
import type { Scenario } from '../config/scenario.js';
import type { BarMarket, LiquidityModel } from '../market/liquidity.js';
import type { Agent, MarketView } from '../sim/agent.js';
import { Ledger } from '../sim/ledger.js';
import { OrderQueue } from '../sim/orderQueue.js';
import { RealisedVol } from '../market/realisedVol.js';
import { Recorder, type Columns } from '../sim/recorder.js';
import { TradeLog } from '../sim/tradeLog.js';
import { summariseRun, type RunFigures } from './summarise.js';
import type { MarketStateModel } from '../market/marketState.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../core/time.js';
import { makeStressSignals } from '../sim/stress.js';
import type { LiquidityProviders } from '../behaviour/liquidityProviders.js';
import { CAUSE_CODE } from '../sim/tradeLog.js';
import { Venue } from './venue.js';
import type { RestingOrders } from '../strategy/restingOrders.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, scalars, stateOf } from '../sim/stateBlock.js';
import { NumericalError } from '../core/errors.js';
import { ShockSolver } from './shockSolver.js';

/** The history a run replays, already loaded, windowed and resampled. */
export interface RunData {
  /** The bars simulated and scored. */
  readonly bars: BarSeries;
  /**
   * The past before the run: bars that only calibrate (data.warmupBars).
   * Their log returns seed the realised vols; calibrations read them.
   */
  readonly warmup?: BarSeries;
  /**
   * The warm-up and the run as one series (`warmup` and `bars` are views of
   * its head and tail): what calibrations read, up to the run's first bar.
   */
  readonly history?: BarSeries;
  /** IV index joined as-of onto the bars, vol points; NaN where not yet known. */
  readonly ivPoints?: Float64Array;
  /** sha256 of the bar file (or of the generated CSV for synthetic paths). */
  readonly dataSha256: string;
  /**
   * Counterfactual replay (overlay mode only): the exogenous reference price
   * of each bar in place of its historical close, e.g. the path inferred
   * under another design. The historical closes stay what the run is
   * scored against.
   */
  readonly exogenous?: Float64Array;
}

/** What a run is made of; built from a scenario by `buildEngineParts`. */
export interface EngineParts {
  /** Null: no market model, so nothing can move the price (pure replay). */
  readonly liquidity: LiquidityModel | null;
  readonly market: MarketStateModel;
  /** Acting in this order in every cascade round (protocol, dealer, strategy). */
  readonly agents: readonly Agent[];
  /** Liquidity providers who pull depth on stress (behaviour layer); absent when off. */
  readonly liquidityProviders?: LiquidityProviders | null;
  /** The strategy's resting limit orders, which the venue fills against other parties' flow; absent with no strategy. */
  readonly resting?: RestingOrders | null;
}

/** Most fills the trade log makes room for up front (each costs 66 bytes). */
const TRADE_LOG_RESERVE_CAP = 1 << 20;

/** The loop's own columns, declared in this order before every other component's. */
const LOOP_COLUMNS = [
  'time', 'historical_close', 'simulated_close', 'exogenous_return', 'endogenous_return', 'realised_vol', 'cascade_rounds', 'cascade_capped',
] as const;
const IV_COLUMNS = ['iv_index'] as const;
const VENUE_COLUMNS = ['depth_per_log_price', 'order_flow_base'] as const;
const LP_COLUMNS = ['lp_depth_factor'] as const;
/**
 * Inferred mode only: tries per bar, 1 where no shock reaches the close, the
 * relative miss (0 when fitted), and the exogenous reference price the bar
 * was run at (exact, so a replay on it retraces the run bit for bit).
 */
const INFERRED_COLUMNS = ['inferred_tries', 'inferred_unsolved', 'inferred_gap', 'inferred_reference'] as const;

/** The columns the engine records; a group is null when its part is absent. */
export interface EngineColumns {
  readonly loop: Columns<(typeof LOOP_COLUMNS)[number]>;
  /** With an IV index joined onto the bars. */
  readonly iv: Columns<(typeof IV_COLUMNS)[number]> | null;
  /** With a liquidity model. */
  readonly venue: Columns<(typeof VENUE_COLUMNS)[number]> | null;
  /** With liquidity providers (behaviour layer). */
  readonly liquidityProviders: Columns<(typeof LP_COLUMNS)[number]> | null;
  /** In inferred mode (history.mode). */
  readonly inferred: Columns<(typeof INFERRED_COLUMNS)[number]> | null;
}

export interface RunResult {
  readonly recorder: Recorder;
  /** The engine's own columns of `recorder`, typed. */
  readonly columns: EngineColumns;
  readonly trades: TradeLog;
  readonly ledger: Ledger;
  readonly figures: RunFigures;
}

export interface RunHooks {
  /** Called every few thousand bars with the number of bars done (progress bars). */
  onProgress?: (barsDone: number) => void;
  /** Called at the end of every bar with the ledger (conservation tests). */
  onBarEnd?: (bar: number, ledger: Ledger) => void;
}

export type { RunFigures };

/**
 * The bar loop of docs/model.md#the-bar-loop:
 * 1. exogenous move: the liquidity model adopts C_i and decays transient
 *    impact, so the mid is S_i = C_i·exp(J_i);
 * 2. market state known at the bar start (realised vol through the previous
 *    bar, drawdown, ATM vol, surface, depth withdrawal);
 * 3. cascade rounds until no agent orders more than `quietSizeBase` or the
 *    round cap: each agent acts, then the round's orders execute one by one,
 *    in submission order, against the liquidity model (the `Venue`);
 * 4. accounting (the venue's ledger transfer per fill; agents settle in endBar);
 * 5. recording; the realised vol then absorbs this bar's simulated return,
 *    so nothing an agent sees at bar i depends on bar i+1.
 */
export function runSimulation(scenario: Scenario, data: RunData, parts: EngineParts, hooks: RunHooks = {}): RunResult {
  return new Simulation(scenario, data, parts, hooks).run();
}

/**
 * The loop as an object that steps one bar at a time, so a bar can be tried
 * and rolled back (docs/model.md#reading-history): `save()` before a bar,
 * `step()`, then `restore()` puts every piece of state back and the bar can
 * be stepped again with identical results. One level: only the latest save
 * can be restored (account-sized state uses undo journals that a save
 * commits).
 */
export class Simulation {
  readonly recorder: Recorder;
  readonly trades = new TradeLog();
  readonly ledger = new Ledger();
  private readonly scenario: Scenario;
  private readonly data: RunData;
  private readonly parts: EngineParts;
  private readonly hooks: RunHooks;
  private readonly n: number;
  private readonly barMs: number;
  private readonly vol: RealisedVol;
  private readonly orders = new OrderQueue(1024);
  /** Null with no liquidity model: nothing can execute. */
  private readonly venue: Venue | null;
  private readonly stress = makeStressSignals();
  private readonly preStress = makeStressSignals();
  /** The liquidity model's bar inputs, refilled each bar (no object per bar). */
  private readonly barMarket: BarMarket = { refPrice: 0, dtMs: 0, depthScale: 1, volPerSqrtYear: 0 };
  private readonly calmVol: number;
  private readonly velocityDecay: number;
  private readonly view: MarketView & { bar: number; time: number; dtYears: number; refPrice: number; realisedVol: number; atmVol: number; drawdown: number };
  readonly columns: EngineColumns;
  private i = 0;
  private peak = 0;
  /** The exogenous reference price of the last bar stepped (bar 0's close before the first). */
  private lastRef = 0;
  /** Inferred mode's root-finder and its target close; null in overlay. */
  private readonly solver: ShockSolver | null;
  private guessRef = 0;
  private target = 0;
  private solvingBar = -1;
  private muteBarEnd = false;
  private snapshot: Float64Array | null = null;
  /**
   * The one agent and the model's mid query when an agent trades alone and
   * may size its order against its own impact (engine.soloHedge); else null.
   */
  private readonly solo: { agent: Required<Pick<Agent, 'actAlone'>>; midAfter: (q: number) => number } | null;
  private state: Saveable | null = null;

  constructor(scenario: Scenario, data: RunData, parts: EngineParts, hooks: RunHooks = {}) {
    this.scenario = scenario;
    this.data = data;
    this.parts = parts;
    this.hooks = hooks;
    const { bars } = data;
    this.n = bars.length;
    const rec = new Recorder(this.n);
    this.recorder = rec;
    const liq = parts.liquidity;
    const loop = rec.columns(LOOP_COLUMNS);
    const iv = data.ivPoints ? rec.columns(IV_COLUMNS) : null;
    const venue = liq ? rec.columns(VENUE_COLUMNS) : null;
    parts.market.declareColumns(rec);
    for (const a of parts.agents) a.declareColumns(rec);
    const liquidityProviders = parts.liquidityProviders ? rec.columns(LP_COLUMNS) : null;
    const inferredMode = scenario.history?.mode === 'inferred';
    if (inferredMode && data.exogenous) throw new Error('an exogenous path replaces the history in overlay mode only; inferred mode solves for it');
    if (data.exogenous && data.exogenous.length !== this.n) throw new Error(`the exogenous path has ${data.exogenous.length} prices for ${this.n} bars`);
    const inferred = inferredMode ? rec.columns(INFERRED_COLUMNS) : null;
    this.columns = { loop, iv, venue, liquidityProviders, inferred };
    this.lastRef = this.n > 0 ? bars.close[0] : 0;
    // A hedging dealer fills one to two times a bar (more in a thin book's crash bars), so room for four a
    // bar saves the log its growth copies; large typed arrays take no memory until written, and the cap
    // keeps a years-long history from reserving what it may never fill.
    this.trades.reserve(Math.min(4 * this.n, TRADE_LOG_RESERVE_CAP));
    // One evaluator for the whole run: no closure per bar.
    this.solver = inferredMode ? new ShockSolver((d) => this.tryBar(d)) : null;
    this.barMs = this.n > 1 ? barIntervalMs(bars) : 60_000;
    parts.market.start(this.barMs);
    this.vol = new RealisedVol(scenario.engine.realisedVolHalfLifeMinutes * 60_000, this.barMs, scenario.market.initialVolPerYear);
    // The warm-up is history the market saw before bar 0 starts: its returns
    // seed the realised vols. (Bar 0's own return ends with bar 0: not read.)
    const w = data.warmup;
    if (w) {
      for (let k = 1; k < w.length; k++) {
        const r = Math.log(w.close[k] / w.close[k - 1]);
        this.vol.update(r);
        parts.market.observeReturn(r);
      }
    }
    const only = parts.agents.length === 1 ? parts.agents[0] : null;
    const midAfter = liq?.midAfter;
    this.solo =
      (scenario.engine.soloHedge ?? 'fixed-point') === 'fixed-point' && only?.actAlone && liq && midAfter && !parts.resting
        ? { agent: only as Required<Pick<Agent, 'actAlone'>>, midAfter: (q: number): number => midAfter.call(liq, q) }
        : null;
    this.venue = liq ? new Venue(liq, this.ledger, this.trades, parts.agents, parts.resting ?? null) : null;
    this.calmVol = scenario.market.withdrawal.calmVolPerYear ?? scenario.market.initialVolPerYear;
    this.velocityDecay = Math.pow(0.5, this.barMs / (scenario.engine.liquidationVelocityHalfLifeMinutes * MS_PER_MINUTE));
    const state = parts.market;
    const view: Simulation['view'] = {
      bar: 0,
      time: 0,
      dtYears: 0,
      refPrice: 0,
      realisedVol: 0,
      atmVol: 0,
      drawdown: 0,
      stress: this.stress,
      rate: state.rate,
      dividend: state.dividend,
      surface: state.surface,
      trades: this.trades,
      mid: liq ? (): number => liq.mid() : (): number => view.refPrice,
      depthPerLogPrice: liq ? (): number => liq.depthPerLogPrice(-1) : (): number => Infinity,
    };
    this.view = view;
  }

  /** Bars the run steps through (the warm-up is not among them). */
  get barCount(): number {
    return this.n;
  }

  /** Index of the next bar `step()` will run; equals the bar count when done. */
  get nextBar(): number {
    return this.i;
  }

  run(): RunResult {
    while (this.i < this.n) {
      if (this.solver) this.stepInferred();
      else this.step();
      const done = this.i;
      if (this.hooks.onProgress && (done & 4095) === 0) this.hooks.onProgress(done);
    }
    this.hooks.onProgress?.(this.n);
    return this.result();
  }

  result(): RunResult {
    const figures = summariseRun(this.columns.loop, this.trades);
    if (this.columns.inferred) Object.assign(figures, inferredFigures(this.columns.inferred, this.i));
    return { recorder: this.recorder, columns: this.columns, trades: this.trades, ledger: this.ledger, figures };
  }

  /**
   * Inferred mode: runs bar `nextBar` with the exogenous return that makes it
   * end at its historical close, found by trying the bar and rolling it back
   * (docs/model.md#reading-history). The first try carries the last bar's
   * gap between reference and simulated price forward; with nothing acting
   * that gap is 1 exactly, so the first try is the historical close and the
   * inferred return the historical log return, bit for bit. A bar with no
   * solution keeps the nearest close reached and is flagged.
   */
  stepInferred(): void {
    const solver = this.solver;
    const cols = this.columns.inferred;
    if (!solver || !cols) throw new Error('stepInferred() needs history.mode inferred');
    const i = this.i;
    if (i >= this.n) throw new Error(`no bar left to step (${this.n} bars)`);
    const close = this.data.bars.close;
    const prevSim = i > 0 ? this.columns.loop.simulated_close[i - 1] : close[0];
    this.target = close[i];
    this.guessRef = close[i] * (this.lastRef / prevSim);
    this.save();
    this.solvingBar = i;
    this.muteBarEnd = true;
    try {
      solver.solve(this.scenario.history?.tolerance ?? 1e-10);
      if (solver.lastTried !== solver.d) {
        solver.tries++;
        this.tryBar(solver.d);
      }
    } finally {
      this.muteBarEnd = false;
    }
    cols.inferred_tries[i] = solver.tries;
    cols.inferred_unsolved[i] = solver.solved ? 0 : 1;
    cols.inferred_gap[i] = solver.solved ? 0 : this.columns.loop.simulated_close[i] / close[i] - 1;
    cols.inferred_reference[i] = this.lastRef;
    this.hooks.onBarEnd?.(i, this.ledger);
  }

  /** One try of the bar at `nextBar` (or the one just tried) with reference guessRef·e^d: ln(close / target). */
  private tryBar(d: number): number {
    // The bar has been tried already: put back the state before it.
    if (this.i !== this.solvingBar) this.restore();
    this.step(d === 0 ? this.guessRef : this.guessRef * Math.exp(d));
    return Math.log(this.columns.loop.simulated_close[this.i - 1] / this.target);
  }

  /**
   * Runs bar `nextBar`: the five steps of the loop. `ref`, inferred mode
   * only, is the exogenous reference price in place of the historical close.
   */
  step(ref?: number): void {
    const i = this.i;
    if (i >= this.n) throw new Error(`no bar left to step (${this.n} bars)`);
    const { bars } = this.data;
    const parts = this.parts;
    const liq = parts.liquidity;
    const state = parts.market;
    const view = this.view;
    const stress = this.stress;
    const ledger = this.ledger;
    const trades = this.trades;
    const cols = this.columns.loop;
    const simClose = cols.simulated_close;
    const c = bars.close[i];
    const exoRef = ref ?? (this.data.exogenous ? this.data.exogenous[i] : c);
    const dtMs = i > 0 ? bars.time[i] - bars.time[i - 1] : 0;
    const volNow = this.vol.value();
    view.bar = i;
    view.time = bars.time[i];
    view.dtYears = dtMs / MS_PER_YEAR;
    view.refPrice = exoRef;
    view.realisedVol = volNow;

    // 1. exogenous move. Liquidity providers set their quotes from what is
    // public before it: the previous close against the peak, vol so far.
    let lpFactor = 1;
    const lp = parts.liquidityProviders;
    if (lp) {
      const ps = this.preStress;
      const prev = i > 0 ? simClose[i - 1] : c;
      ps.drawdown = this.peak > 0 && prev < this.peak ? (this.peak - prev) / this.peak : 0;
      ps.volRatio = this.calmVol > 0 ? volNow / this.calmVol : 1;
      ps.liquidationQuotePerMin = stress.liquidationQuotePerMin;
      lpFactor = lp.depthFactor(i, dtMs, ps);
      const lpCols = this.columns.liquidityProviders;
      if (lpCols) lpCols.lp_depth_factor[i] = lpFactor;
    }
    if (liq) {
      const bm = this.barMarket;
      bm.refPrice = exoRef;
      bm.dtMs = dtMs;
      bm.depthScale = state.depthScale(i, volNow, i > 0 ? simClose[i - 1] : c) * lpFactor;
      bm.volPerSqrtYear = volNow;
      liq.startBar(bm);
    }
    const midStart = view.mid();

    // 2. market state at the bar start
    if (midStart > this.peak) this.peak = midStart;
    view.drawdown = this.peak > 0 ? (this.peak - midStart) / this.peak : 0;
    stress.drawdown = view.drawdown;
    stress.volRatio = this.calmVol > 0 ? volNow / this.calmVol : 1;
    const tradesAtBarStart = trades.length;
    view.atmVol = state.beginBar(i, midStart, volNow, view.drawdown, this.data.ivPoints ? this.data.ivPoints[i] : Number.NaN);
    for (const a of parts.agents) a.beginBar(view, ledger);

    // 3. cascade rounds
    let rounds = 0;
    let hitCap = 0;
    const venue = this.venue;
    if (venue) {
      venue.beginBar(i, view.time);
      const orders = this.orders;
      const quiet = this.scenario.engine.quietSizeBase;
      const maxRounds = this.scenario.engine.maxCascadeRounds;
      const solo = this.solo;
      for (let r = 0; ; r++) {
        orders.clear();
        if (solo) solo.agent.actAlone(view, r, orders, ledger, solo.midAfter);
        else for (const a of parts.agents) a.act(view, r, orders, ledger);
        if (orders.totalAbs() <= quiet) break;
        if (r === maxRounds) {
          hitCap = 1;
          break;
        }
        rounds = r + 1;
        venue.execute(orders, r);
        const m = view.mid();
        if (!(m > 0 && m < Infinity)) throw priceLeftRange(m, i, view.time, r, orders.totalAbs(), liq ? liq.depthPerLogPrice(-1) : Infinity);
      }
    }

    // 4. accounting and 5. recording
    const s = view.mid();
    cols.time[i] = bars.time[i];
    cols.historical_close[i] = c;
    simClose[i] = s;
    if (ref !== undefined || this.data.exogenous) {
      // Inferred mode or a replayed path: the exogenous return is the reference's, from bar 0's close before bar 0.
      const exo = Math.log(exoRef / this.lastRef);
      cols.exogenous_return[i] = exo;
      cols.endogenous_return[i] = Math.log(s / (i > 0 ? simClose[i - 1] : c)) - exo;
    } else if (i === 0) {
      cols.exogenous_return[i] = 0;
      cols.endogenous_return[i] = 0;
    } else {
      const exo = Math.log(c / bars.close[i - 1]);
      cols.exogenous_return[i] = exo;
      cols.endogenous_return[i] = Math.log(s / simClose[i - 1]) - exo;
    }
    cols.realised_vol[i] = volNow;
    cols.cascade_rounds[i] = rounds;
    cols.cascade_capped[i] = hitCap;
    const ivCols = this.columns.iv;
    if (ivCols && this.data.ivPoints) ivCols.iv_index[i] = this.data.ivPoints[i];
    const venueCols = this.columns.venue;
    if (venueCols && liq && venue) {
      venueCols.depth_per_log_price[i] = liq.depthPerLogPrice(-1);
      venueCols.order_flow_base[i] = venue.flowBase;
    }
    state.endBar(i, this.recorder);
    for (const a of parts.agents) a.endBar(view, ledger, this.recorder);
    // The bar's forced selling becomes public after the bar.
    let forcedQuote = 0;
    for (let k = tradesAtBarStart; k < trades.length; k++) {
      const cause = trades.cause[k];
      if (cause === CAUSE_CODE.liquidation || cause === CAUSE_CODE.auction) forcedQuote += Math.abs(trades.size[k]) * trades.price[k];
    }
    const perMin = forcedQuote / (this.barMs / MS_PER_MINUTE);
    stress.liquidationQuotePerMin = this.velocityDecay * stress.liquidationQuotePerMin + (1 - this.velocityDecay) * perMin;
    if (i > 0) {
      const simRet = Math.log(s / simClose[i - 1]);
      this.vol.update(simRet);
      state.observeReturn(simRet);
    }
    if (!this.muteBarEnd) this.hooks.onBarEnd?.(i, ledger);
    this.lastRef = exoRef;
    this.i = i + 1;
  }

  /**
   * The whole run state, in order: the loop's own scalars (bar index, peak,
   * the three stress signals, the trade count: the log is truncated back to
   * it), the ledger, the realised vol, and every component's state. Built
   * on the first save.
   */
  private describeState(): Saveable {
    const p = this.parts;
    const trades: Saveable = {
      stateSize: 1,
      saveState: (buf, o) => {
        buf[o] = this.trades.length;
      },
      loadState: (buf, o) => {
        this.trades.truncate(buf[o]);
      },
    };
    return stateOf(
      ownScalars(this, ['i', 'peak', 'lastRef']),
      scalars(this.stress, ['drawdown', 'volRatio', 'liquidationQuotePerMin']),
      trades,
      this.ledger,
      this.vol,
      p.market,
      p.liquidity,
      p.liquidityProviders,
      ...p.agents,
    );
  }

  /** Snapshots the whole state before the next bar (replacing any earlier snapshot). */
  save(): void {
    if (this.state === null) this.state = this.describeState();
    const size = this.state.stateSize;
    if (this.snapshot === null || this.snapshot.length < size) this.snapshot = new Float64Array(size);
    this.state.saveState(this.snapshot, 0);
  }

  /** Puts back the state of the last save(): the bars stepped since then are undone. */
  restore(): void {
    if (this.snapshot === null || this.state === null) throw new Error('restore() needs a save() first');
    this.state.loadState(this.snapshot, 0);
  }
}

/**
 * The mid left the positive numbers: the round's orders were so large against
 * the book that the impact took the log-price past what a double holds. This
 * is a scenario that does not fit its data (positions sized for one
 * instrument, bars of another with prices or volumes orders of magnitude
 * away), so it stops with the bar and the sizes instead of a NaN downstream.
 */
function priceLeftRange(mid: number, bar: number, timeMs: number, round: number, orderedBase: number, depth: number): NumericalError {
  const when = new Date(timeMs).toISOString();
  return new NumericalError(
    `bar ${bar} (${when}), cascade round ${round}: the simulated price left the positive numbers (${mid}) after orders of ${orderedBase.toPrecision(3)} base units ` +
      `against a depth of ${depth.toPrecision(3)} base per unit log-price: the scenario's positions do not fit this market's prices and volumes ` +
      '(scale dealer.inventory and the protocol positions to the instrument, or set market.depth)',
  );
}

/** Inferred mode's summary figures over the first `bars` bars (docs/model.md#summary-figures). */
function inferredFigures(cols: Columns<(typeof INFERRED_COLUMNS)[number]>, bars: number): Record<string, number> {
  let tries = 0;
  let flagged = 0;
  let maxGap = 0;
  for (let i = 0; i < bars; i++) {
    tries += cols.inferred_tries[i];
    flagged += cols.inferred_unsolved[i];
    const g = Math.abs(cols.inferred_gap[i]);
    if (g > maxGap) maxGap = g;
  }
  return { inferredMeanTries: bars > 0 ? tries / bars : 0, inferredBarsFlagged: flagged, inferredMaxAbsGap: maxGap };
}
