import type { StressSignals } from './stress.js';
import type { VolSurface } from './volSurface.js';
import type { Ledger } from './ledger.js';
import type { OrderQueue } from './orderQueue.js';
import type { Recorder } from './recorder.js';
import type { TradeLog } from './tradeLog.js';
import type { OrderFill } from './fill.js';

/**
 * What every agent may read: the public market state at this point of the
 * bar. Agents never read each other's state; they meet only through orders
 * and this view (STYLE.md data flow).
 */
export interface MarketView {
  /** Bar index. */
  readonly bar: number;
  /** Bar start, epoch ms. */
  readonly time: number;
  /** Time since the previous bar start, years (0 on the first bar). */
  readonly dtYears: number;
  /** Historical close of this bar (C_i). */
  readonly refPrice: number;
  /** Live simulated mid: moves within the bar as orders execute. */
  mid(): number;
  /** Live depth for a small order, base units per unit log-price. */
  depthPerLogPrice(): number;
  /** Realised volatility (annualised) known at the start of this bar. */
  readonly realisedVol: number;
  /** ATM implied vol (decimal) used by the surface this bar. */
  readonly atmVol: number;
  /** Public stress signals at the bar start (behaviours respond to them). */
  readonly stress: StressSignals;
  /** Fraction below the running peak of the simulated mid, at bar start. */
  readonly drawdown: number;
  /** Continuously compounded risk-free rate and dividend/carry yield. */
  readonly rate: number;
  readonly dividend: number;
  readonly surface: VolSurface;
  /**
   * The run's trade log, for fills that happen off the book (auction takes,
   * pool absorptions): agents append, never read or rewrite.
   */
  readonly trades: TradeLog;
}

/** A participant that trades inside the cascade rounds. */
export interface Agent {
  /** Ledger party that owns the agent's cash and asset. */
  readonly party: number;
  /** Other parties whose orders this agent submits and is told the fills of (e.g. auction bidders, a backstop pool). */
  readonly extraParties?: readonly number[];
  /** Declares the agent's per-bar columns before the loop starts. */
  declareColumns(rec: Recorder): void;
  /** Once per bar after the exogenous move and market state, before round 0 (settlements, re-pricing). */
  beginBar(m: MarketView, ledger: Ledger): void;
  /** One cascade round: push market orders (signed base units). */
  act(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void;
  /**
   * Optional: the engine calls this instead of `act` when the agent trades
   * alone (the only agent, no resting orders), so no one else can answer
   * the mid between its rounds. An agent whose rounds converge to a fixed
   * point may push, in place of its round's order, the order that reaches
   * that point at once, sized with `midAfter` (the mid an order would
   * leave, a pure query of the liquidity model). Otherwise it acts as in `act`.
   */
  actAlone?(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger, midAfter: (signedSize: number) => number): void;
  /**
   * Told of each of its own fills (the ledger has already moved cash and
   * asset). `fill` is reused for the next order: read it, do not keep it.
   */
  onFill(fill: OrderFill): void;
  /** After the last round: accounting and recording for bar `m.bar`. */
  endBar(m: MarketView, ledger: Ledger, rec: Recorder): void;
  /**
   * After the run: the agent's own figures for summary.json (from its totals
   * and its own columns), named and ordered by the agent. Figures that
   * combine several owners are the runner's.
   */
  summaryFigures?(): Readonly<Record<string, unknown>>;
  /** Whole mutable state, for trying and rolling back a bar. */
  readonly stateSize: number;
  saveState(buf: Float64Array, offset: number): void;
  loadState(buf: Float64Array, offset: number): void;
}
