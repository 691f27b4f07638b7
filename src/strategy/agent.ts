import type { BarSeries } from '../data/bars.js';
import { MS_PER_YEAR } from '../core/time.js';
import type { Agent, MarketView } from '../sim/agent.js';
import type { OrderFill } from '../sim/fill.js';
import { PARTY, type Ledger } from '../sim/ledger.js';
import type { OrderQueue } from '../sim/orderQueue.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import { CAUSE_CODE } from '../sim/tradeLog.js';
import type { Strategy, StrategyDefinition, StrategyFill } from './api.js';
import { BarWindow, Indicators, makeContext, makeMetrics, type MutableContext } from './context.js';
import { StrategyDesk, type DeskHost } from './desk.js';
import { StrategyError } from './errors.js';
import { OrdersLog } from './ordersLog.js';
import { RestingOrders } from './restingOrders.js';
import { FillTally, type StrategyFigures } from './tally.js';
import type { StrategyOptionsConfig } from '../config/strategyOptionsSchema.js';
import type { PoolAccess } from './backstop/stake.js';
import { StrategyOptionsHost, type OptionsFigures } from './options/host.js';

export interface StrategyRunConfig {
  readonly definition: StrategyDefinition;
  /** Parameters already parsed by the definition's schema. */
  readonly params: unknown;
  readonly capitalQuote: number;
  readonly maxLeverage: number;
  /** Equity over position value below which the position is liquidated, decimal. */
  readonly maintenanceMargin: number;
  /** The calm vol the stress signals compare against, annualised decimal. */
  readonly calmVol: number;
  /** Option fills, margin and capacity (scenario strategy.options). */
  readonly options: StrategyOptionsConfig;
  /** The year times to expiry are counted in, ms (dealer.tenorDayCount). */
  readonly optionYearMs: number;
  /** Rate and carry options are priced with, per year (market.rate, market.dividend). */
  readonly rate: number;
  readonly dividend: number;
}

export interface StrategyAgentConfig extends StrategyRunConfig {
  readonly bars: BarSeries;
  /** The engine's quiet threshold and round cap: the agent calls onBar in the round that would end the cascade. */
  readonly quietSizeBase: number;
  readonly maxCascadeRounds: number;
  /** The protocol's backstop pool, or null when the scenario has none. */
  readonly pool: PoolAccess | null;
  /** Why deposits are refused although a pool exists ('' when allowed). */
  readonly depositsRefused: string;
  /** Lock-up (bars) and fee (percent) of the behaviour layer's backstop depositors, applied to the strategy's stake too. */
  readonly lockupBars: number;
  readonly withdrawalFeePct: number;
}

/** The columns the strategy records; `strategy_naive_equity` is filled by the runner from the naive twin. */
export const STRATEGY_COLUMNS = ['strategy_equity', 'strategy_position_base', 'strategy_cash', 'strategy_naive_equity'] as const;

/** Columns of other owners the strategy's metrics read (the previous bar's values: they are recorded after a bar settles). */
const METRIC_SOURCES = {
  mlr: 'mlr',
  liquidationBranchingRatio: 'liquidation_branching_ratio',
  gammaBranchingRatio: 'gamma_branching_ratio',
  riskReversal25: 'rr25',
  dealerGamma: 'dealer_gamma',
} as const;
type SourcedMetric = keyof typeof METRIC_SOURCES;
const SOURCED = Object.keys(METRIC_SOURCES) as SourcedMetric[];

/**
 * The strategy under test as an engine agent on ledger party `strategy`,
 * acting last in every round (after the protocol and the dealer). It hands
 * the strategy a read-only context and the order desk, never an engine
 * object. Its resting orders are filled by the venue against other
 * parties' flow; its market orders go through the round's queue like
 * everyone's. The strategy's onBar runs in the round that would otherwise
 * end the bar's cascade (nothing else ordered), so its orders still execute
 * within the bar and the cascade answers them.
 */
export class StrategyAgent implements Agent, DeskHost {
  readonly party = PARTY.strategy;
  readonly resting = new RestingOrders(PARTY.strategy);
  readonly log = new OrdersLog();
  readonly tally = new FillTally();
  readonly desk: StrategyDesk;
  /** Option orders, option margin and the backstop stake. */
  readonly options: StrategyOptionsHost;
  /** This agent's columns (null until declared). */
  columns: Columns<(typeof STRATEGY_COLUMNS)[number]> | null = null;
  bar = 0;
  round = -1;
  private readonly cfg: StrategyAgentConfig;
  private readonly strategy: Strategy;
  private readonly window: BarWindow;
  private readonly ctx: MutableContext;
  private readonly indicators = new Indicators();
  private readonly metrics;
  private readonly sources: Partial<Record<SourcedMetric, Float64Array>> = {};
  private ledger: Ledger | null = null;
  private view: MarketView | null = null;
  private queue: OrderQueue | null = null;
  /** Market orders sent where they cannot execute now (from onFill, or after the round cap): pushed at the next act. */
  private readonly carriedId: number[] = [];
  private readonly carriedSize: number[] = [];
  private settled = false;
  private started = false;
  private stopped = false;
  private readonly sf: { orderId: number; kind: StrategyFill['kind']; sizeBase: number; price: number; bar: number; round: number } = {
    orderId: 0, kind: 'market', sizeBase: 0, price: 0, bar: 0, round: 0,
  };

  constructor(cfg: StrategyAgentConfig) {
    this.cfg = cfg;
    this.desk = new StrategyDesk(this, this.resting, this.log, { maxLeverage: cfg.maxLeverage });
    this.options = new StrategyOptionsHost(
      {
        fill: cfg.options.fill, margin: cfg.options.margin, capacity: cfg.options.maxContracts, yearMs: cfg.optionYearMs,
        pool: cfg.pool, depositsRefused: cfg.depositsRefused, lockupBars: cfg.lockupBars, withdrawalFeePct: cfg.withdrawalFeePct,
      },
      this.party,
      this.log,
      (kind) => this.desk.newId(kind),
    );
    this.desk.extra = this.options.orders;
    this.window = new BarWindow(cfg.bars);
    this.metrics = makeMetrics(cfg.calmVol);
    this.ctx = makeContext(
      this.window,
      this.metrics,
      this.indicators,
      () => (this.view ? this.view.mid() : cfg.bars.close[this.bar]),
      () => (this.view ? this.view.depthPerLogPrice() : Infinity),
      (strike, expiryMs) => this.impliedVol(strike, expiryMs),
    );
    try {
      this.strategy = cfg.definition.create(cfg.params as never);
    } catch (err) {
      throw new StrategyError(cfg.definition.id, 0, err);
    }
  }

  get id(): string {
    return this.cfg.definition.id;
  }

  cash(): number {
    return this.ledger ? this.ledger.cash[this.party] : this.cfg.capitalQuote;
  }

  position(): number {
    return this.ledger ? this.ledger.asset[this.party] : 0;
  }

  mid(): number {
    return this.ctx.mid();
  }

  otherEquity(): number {
    return this.ledger ? this.options.otherEquity(this.ledger) : 0;
  }

  sendMarket(id: number, size: number): void {
    if (this.queue !== null && this.round < this.cfg.maxCascadeRounds) this.queue.push(this.party, CAUSE_CODE.strategy, size, id);
    else {
      this.carriedId.push(id);
      this.carriedSize.push(size);
    }
  }

  declareColumns(rec: Recorder): void {
    for (const k of SOURCED) if (rec.has(METRIC_SOURCES[k])) this.sources[k] = rec.get(METRIC_SOURCES[k]);
    this.columns = rec.columns(STRATEGY_COLUMNS);
  }

  beginBar(m: MarketView, ledger: Ledger): void {
    const i = m.bar;
    this.view = m;
    this.ledger = ledger;
    this.bar = i;
    this.round = -1;
    this.settled = false;
    this.window.current = i;
    this.indicators.next(this.cfg.bars, i);
    this.options.place(i, -1, ledger, m);
    const mt = this.metrics;
    mt.drawdown = m.drawdown;
    mt.realisedVol = m.realisedVol;
    mt.liquidationQuotePerMin = m.stress.liquidationQuotePerMin;
    for (const k of SOURCED) {
      const col = this.sources[k];
      mt[k] = col && i > 0 ? col[i - 1] : Number.NaN;
    }
    if (!this.started) {
      this.started = true;
      ledger.endow(this.party, this.cfg.capitalQuote, 0);
      this.options.beginBar(ledger);
      this.refresh();
      try {
        this.strategy.start(this.ctx);
      } catch (err) {
        throw new StrategyError(this.id, i, err);
      }
    } else {
      this.options.beginBar(ledger);
    }
  }

  act(m: MarketView, round: number, orders: OrderQueue, ledger: Ledger): void {
    this.view = m;
    this.ledger = ledger;
    this.round = round;
    this.queue = orders;
    this.options.place(m.bar, round, ledger, m);
    try {
      if (this.underMaintenance()) {
        this.liquidate();
        return;
      }
      if (this.carriedId.length > 0) {
        for (let k = 0; k < this.carriedId.length; k++) orders.push(this.party, CAUSE_CODE.strategy, this.carriedSize[k], this.carriedId[k]);
        this.carriedId.length = 0;
        this.carriedSize.length = 0;
      }
      if (this.strategy.onRound) {
        this.refresh();
        this.strategy.onRound(this.ctx, round, this.desk);
      }
      if (!this.settled && round < this.cfg.maxCascadeRounds && orders.totalAbs() <= this.cfg.quietSizeBase) {
        this.settled = true;
        this.refresh();
        this.strategy.onBar(this.ctx, this.desk);
      }
    } catch (err) {
      throw err instanceof StrategyError ? err : new StrategyError(this.id, m.bar, err);
    } finally {
      this.queue = null;
    }
  }

  /**
   * Equity (cash, spot at the mid, options at their marks, the backstop
   * stake) under the maintenance requirement: the spot rule's fraction of
   * the position value plus the short options' maintenance margin
   * (docs/strategies.md#margin).
   */
  private underMaintenance(): boolean {
    const pos = this.position();
    const ledger = this.ledger as Ledger;
    const optionsMm = this.options.maintenance(ledger);
    if (pos === 0 && optionsMm === 0) return false;
    const mid = this.ctx.mid();
    const equity = this.cash() + pos * mid + this.options.otherEquity(ledger);
    return equity < this.cfg.maintenanceMargin * Math.abs(pos) * mid + optionsMm;
  }

  /** Options bought back (or sold) at the fill model's price, then the spot position sold (or bought back) into the book. */
  private liquidate(): void {
    const pos = this.position();
    this.desk.cancelAll();
    if (this.options.liquidate(this.ledger as Ledger)) this.tally.liquidations++;
    if (pos === 0) return;
    const id = this.desk.newId('liquidation');
    this.log.add(this.bar, this.round, id, 'liquidation', -pos, Number.NaN, 'accepted', 'equity under maintenance margin');
    this.tally.liquidations++;
    (this.queue as OrderQueue).push(this.party, CAUSE_CODE.liquidation, -pos, id);
  }

  onFill(fill: OrderFill): void {
    const id = fill.tag;
    const kind = this.desk.kindById[id] ?? 'market';
    this.options.account.onSpotFill(fill.size, fill.price, fill.midBefore);
    this.log.add(fill.bar, fill.round, id, kind, fill.size, fill.price, 'filled');
    this.tally.add(fill.size, fill.price, fill.cost, this.cfg.bars.close[fill.bar], fill.impactCost);
    if (!this.strategy.onFill) return;
    const sf = this.sf;
    sf.orderId = kind === 'liquidation' ? -1 : id;
    sf.kind = kind === 'liquidation' ? 'liquidation' : kind === 'limit' ? 'limit' : 'market';
    sf.sizeBase = fill.size;
    sf.price = fill.price;
    sf.bar = fill.bar;
    sf.round = fill.round;
    this.refresh();
    try {
      this.strategy.onFill(sf, this.ctx);
    } catch (err) {
      throw new StrategyError(this.id, fill.bar, err);
    }
  }

  endBar(m: MarketView, ledger: Ledger): void {
    const i = m.bar;
    this.view = m;
    this.ledger = ledger;
    try {
      if (!this.settled) {
        // The cascade hit its round cap: onBar still runs once, its market orders wait for the next bar.
        this.settled = true;
        this.round = this.cfg.maxCascadeRounds;
        this.refresh();
        this.strategy.onBar(this.ctx, this.desk);
      }
      this.options.place(i, -1, ledger, m);
      this.options.endBar(ledger, m.dtYears);
      const cols = this.columns;
      if (cols) {
        const cash = this.cash();
        const pos = this.position();
        cols.strategy_cash[i] = cash;
        cols.strategy_position_base[i] = pos;
        cols.strategy_equity[i] = cash + pos * m.mid() + this.options.otherEquity(ledger);
      }
      if (i === this.cfg.bars.length - 1 && !this.stopped) {
        this.stopped = true;
        this.round = -1;
        this.refresh();
        this.strategy.stop(this.ctx);
      }
    } catch (err) {
      throw err instanceof StrategyError ? err : new StrategyError(this.id, i, err);
    }
  }

  /** The simulated run's figures, after the run. */
  figures(): StrategyFigures & OptionsFigures {
    const cols = this.columns;
    const n = this.cfg.bars.length;
    const finalEquity = cols && n > 0 ? cols.strategy_equity[n - 1] : this.cfg.capitalQuote;
    return { ...this.tally.figures(this.cfg.capitalQuote, finalEquity, this.log), ...this.options.figures() };
  }

  private impliedVol(strike: number, expiryMs: number): number {
    const m = this.view;
    if (m === null) return Number.NaN;
    const years = (expiryMs - m.time) / MS_PER_YEAR;
    const forward = m.mid() * Math.exp((m.rate - m.dividend) * Math.max(years, 0));
    return m.surface.impliedVol(strike, forward, years);
  }

  /** The context as of now: bar, round and the account from the ledger. */
  private refresh(): void {
    const c = this.ctx;
    c.bar = this.bar;
    c.time = this.cfg.bars.time[this.bar];
    c.round = this.round;
    const a = c.account;
    a.cashQuote = this.cash();
    a.positionBase = this.position();
    a.openOrders = this.resting.count;
    const ledger = this.ledger;
    if (ledger) this.options.describe(a, ledger);
    a.equityQuote = a.cashQuote + a.positionBase * c.mid() + a.optionsValueQuote + a.backstopQuote;
  }

  /**
   * The strategy's own state is a JavaScript object the engine cannot copy
   * into a buffer, so a run with a strategy cannot be rolled back: saving is
   * allowed (it costs nothing), restoring is refused.
   */
  readonly stateSize = 0;
  saveState(): void {}
  loadState(): void {
    throw new Error(`strategy ${this.id}: a run with a strategy cannot be rolled back (its state is not saveable)`);
  }
}
