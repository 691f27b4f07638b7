import type { BarSeries } from '../data/bars.js';
import { MS_PER_YEAR } from '../core/time.js';
import { RealisedVol } from '../market/realisedVol.js';
import type { Strategy, StrategyFill } from './api.js';
import type { StrategyRunConfig } from './agent.js';
import { BarWindow, Indicators, makeContext, makeMetrics } from './context.js';
import { StrategyDesk, type DeskHost } from './desk.js';
import { StrategyError } from './errors.js';
import { OrdersLog } from './ordersLog.js';
import { RestingOrders } from './restingOrders.js';
import { FillTally, type StrategyFigures } from './tally.js';
import type { MarketView } from '../sim/agent.js';
import { PARTY, Ledger } from '../sim/ledger.js';
import { makeStressSignals } from '../sim/stress.js';
import { TradeLog } from '../sim/tradeLog.js';
import type { VolSurface } from '../sim/volSurface.js';
import { optionFillSchema } from '../config/strategyOptionsSchema.js';
import { StrategyOptionsHost, type OptionsFigures } from './options/host.js';

export interface NaiveTwinConfig extends StrategyRunConfig {
  readonly bars: BarSeries;
  /** Bars before the run: their returns seed the realised vol, as in the simulated run. */
  readonly warmup?: BarSeries;
  /** Realised-vol half-life and prior, as the engine's. */
  readonly realisedVolHalfLifeMs: number;
  readonly initialVolPerYear: number;
}

export interface NaiveTwinResult {
  readonly figures: StrategyFigures & OptionsFigures;
  /** Equity at each bar's close, quote. */
  readonly equity: Float64Array;
  /** Position at each bar's close, base (with the close, the exposure of the performance statistics). */
  readonly positionBase: Float64Array;
  readonly log: OrdersLog;
}

/**
 * The naive twin (docs/strategies.md#the-naive-twin): the same strategy on
 * the same bars as a standard backtester runs it. No market model, so no
 * impact, no forced sellers, no dealer, no protocol: a market order fills
 * whole at the bar's historical close; a resting bid fills at its price when
 * a later bar's low reaches it (an ask when a later bar's high does); the
 * context's mid is the close, depth is infinite, the metrics that need the
 * model (MLR, branching ratios, skew, dealer gamma, forced-selling velocity)
 * are NaN or 0, and implied vol is flat at the realised vol of the closes.
 * Options fill at that flat vol's Black-Scholes price (fill model `mid`,
 * the strategy's margin rules) and settle at the close; there is no
 * backstop pool, so deposits are refused.
 */
export function runNaiveTwin(cfg: NaiveTwinConfig): NaiveTwinResult {
  const { bars } = cfg;
  const n = bars.length;
  const barMs = n > 1 ? (bars.time[n - 1] - bars.time[0]) / (n - 1) : 60_000;
  const vol = new RealisedVol(cfg.realisedVolHalfLifeMs, barMs, cfg.initialVolPerYear);
  const w = cfg.warmup;
  if (w) for (let k = 1; k < w.length; k++) vol.update(Math.log(w.close[k] / w.close[k - 1]));
  const resting = new RestingOrders(0);
  const log = new OrdersLog();
  const tally = new FillTally();
  const equity = new Float64Array(n);
  const positionBase = new Float64Array(n);
  const id = cfg.definition.id;
  // Cash and spot live in the host's ledger so the options account (premiums, settlements, margin) reads the same books.
  const ledger = new Ledger();
  ledger.endow(PARTY.strategy, cfg.capitalQuote, 0);
  const me = PARTY.strategy;
  let i = 0;
  const flatVol: VolSurface = {
    impliedVol: () => metrics.realisedVol,
    impliedVolBatch: (_k, _f, _y, out) => out.fill(metrics.realisedVol),
    totalVariance: (_k, years) => (years > 0 ? metrics.realisedVol * metrics.realisedVol * years : 0),
  };
  const stress = makeStressSignals();
  const view: MarketView = {
    get bar() {
      return i;
    },
    get time() {
      return bars.time[i];
    },
    get dtYears() {
      return i > 0 ? (bars.time[i] - bars.time[i - 1]) / MS_PER_YEAR : 0;
    },
    get refPrice() {
      return bars.close[i];
    },
    mid: () => bars.close[i],
    depthPerLogPrice: () => Infinity,
    get realisedVol() {
      return metrics.realisedVol;
    },
    get atmVol() {
      return metrics.realisedVol;
    },
    stress,
    get drawdown() {
      return metrics.drawdown;
    },
    rate: cfg.rate,
    dividend: cfg.dividend,
    surface: flatVol,
    trades: new TradeLog(),
  };
  const host: DeskHost & { bar: number; round: number } = {
    bar: 0,
    round: -1,
    cash: () => ledger.cash[me],
    position: () => ledger.asset[me],
    mid: () => bars.close[i],
    sendMarket: (orderId, size) => fill(orderId, size, bars.close[i]),
    otherEquity: () => options.otherEquity(ledger),
  };
  const desk = new StrategyDesk(host, resting, log, { maxLeverage: cfg.maxLeverage });
  const options = new StrategyOptionsHost(
    {
      fill: optionFillSchema.parse({ kind: 'mid' }), margin: cfg.options.margin, capacity: cfg.options.maxContracts, yearMs: cfg.optionYearMs,
      pool: null, depositsRefused: '', lockupBars: 0, withdrawalFeePct: 0,
    },
    me,
    log,
    (kind) => desk.newId(kind),
  );
  desk.extra = options.orders;
  const window = new BarWindow(bars);
  const indicators = new Indicators();
  const metrics = makeMetrics(cfg.calmVol);
  const ctx = makeContext(window, metrics, indicators, () => bars.close[i], () => Infinity, () => metrics.realisedVol);
  const sf: { -readonly [K in keyof StrategyFill]: StrategyFill[K] } = { orderId: 0, kind: 'market', sizeBase: 0, price: 0, bar: 0, round: 0 };
  let strategy: Strategy;
  try {
    strategy = cfg.definition.create(cfg.params as never);
  } catch (err) {
    throw new StrategyError(id, 0, err);
  }

  function refresh(): void {
    ctx.bar = i;
    ctx.time = bars.time[i];
    ctx.round = host.round;
    const a = ctx.account;
    a.cashQuote = ledger.cash[me];
    a.positionBase = ledger.asset[me];
    a.openOrders = resting.count;
    options.describe(a, ledger);
    a.equityQuote = a.cashQuote + a.positionBase * bars.close[i] + a.optionsValueQuote + a.backstopQuote;
  }

  function fill(orderId: number, size: number, price: number): void {
    // The other side is the market the closes stand for.
    ledger.trade(size > 0 ? me : PARTY.counterparties, size > 0 ? PARTY.counterparties : me, Math.abs(size), price);
    options.account.onSpotFill(size, price, price);
    const kind = desk.kindById[orderId] ?? 'market';
    log.add(i, host.round, orderId, kind, size, price, 'filled');
    tally.add(size, price, 0, bars.close[i], 0);
    if (!strategy.onFill) return;
    sf.orderId = kind === 'liquidation' ? -1 : orderId;
    sf.kind = kind === 'liquidation' ? 'liquidation' : kind === 'limit' ? 'limit' : 'market';
    sf.sizeBase = size;
    sf.price = price;
    sf.bar = i;
    sf.round = host.round;
    refresh();
    strategy.onFill(sf, ctx);
  }

  let peak = 0;
  try {
    for (i = 0; i < n; i++) {
      const close = bars.close[i];
      host.bar = i;
      host.round = 0;
      window.current = i;
      indicators.next(bars, i);
      if (close > peak) peak = close;
      metrics.drawdown = peak > 0 ? (peak - close) / peak : 0;
      metrics.realisedVol = vol.value();
      options.place(i, 0, ledger, view);
      options.beginBar(ledger);
      if (i === 0) {
        host.round = -1;
        options.place(i, -1, ledger, view);
        refresh();
        strategy.start(ctx);
        host.round = 0;
        options.place(i, 0, ledger, view);
      }
      // Orders resting from earlier bars fill at their price when this bar's range reaches it.
      for (let k = 0; k < resting.count; ) {
        const s = resting.size[k];
        const p = resting.price[k];
        if (s > 0 ? bars.low[i] <= p : bars.high[i] >= p) {
          const orderId = resting.id[k];
          resting.removeAt(k);
          fill(orderId, s, p);
        } else k++;
      }
      // The simulated run's maintenance rule: spot fraction plus the short options' maintenance margin.
      const pos = ledger.asset[me];
      const optionsMm = options.maintenance(ledger);
      if ((pos !== 0 || optionsMm > 0) && ledger.cash[me] + pos * close + options.otherEquity(ledger) < cfg.maintenanceMargin * Math.abs(pos) * close + optionsMm) {
        desk.cancelAll();
        if (options.liquidate(ledger)) tally.liquidations++;
        if (pos !== 0) {
          const orderId = desk.newId('liquidation');
          log.add(i, 0, orderId, 'liquidation', -pos, Number.NaN, 'accepted', 'equity under maintenance margin');
          tally.liquidations++;
          fill(orderId, -pos, close);
        }
      }
      refresh();
      strategy.onRound?.(ctx, 0, desk);
      refresh();
      strategy.onBar(ctx, desk);
      options.place(i, -1, ledger, view);
      options.endBar(ledger, view.dtYears);
      equity[i] = ledger.cash[me] + ledger.asset[me] * close + options.otherEquity(ledger);
      positionBase[i] = ledger.asset[me];
      if (i > 0) vol.update(Math.log(close / bars.close[i - 1]));
    }
    i = n - 1;
    host.round = -1;
    refresh();
    strategy.stop(ctx);
  } catch (err) {
    throw err instanceof StrategyError ? err : new StrategyError(id, Math.min(i, n - 1), err);
  }
  return { figures: { ...tally.figures(cfg.capitalQuote, n > 0 ? equity[n - 1] : cfg.capitalQuote, log), ...options.figures() }, equity, positionBase, log };
}
