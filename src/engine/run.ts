import type { BarSeries } from '../data/bars.js';
import { barIntervalMs } from '../data/bars.js';
import type { Scenario } from '../config/scenario.js';
import { makeFill, type LiquidityModel } from '../market/liquidity.js';
import type { Agent, MarketView } from './agent.js';
import { Ledger, PARTY } from './ledger.js';
import { OrderQueue } from './orderQueue.js';
import { RealisedVol } from './realisedVol.js';
import { Recorder } from './recorder.js';
import { TradeLog } from './tradeLog.js';
import { summariseRun, type RunFigures } from './summarise.js';
import type { MarketStateModel } from './marketState.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../core/time.js';
import { makeStressSignals } from '../behaviour/stress.js';
import type { LiquidityProviders } from '../behaviour/liquidityProviders.js';
import { CAUSE_CODE } from './tradeLog.js';

/** The history a run replays, already loaded, windowed and resampled. */
export interface RunData {
  readonly bars: BarSeries;
  /** IV index joined as-of onto the bars, vol points; NaN where not yet known. */
  readonly ivPoints?: Float64Array;
  /** sha256 of the bar file (or of the generated CSV for synthetic paths). */
  readonly dataSha256: string;
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
}

export interface RunResult {
  readonly recorder: Recorder;
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
 * The bar loop of MODEL.md, "One step of the loop":
 * 1. exogenous move: the liquidity model adopts C_i and decays transient
 *    impact, so the mid is S_i = C_i·exp(J_i);
 * 2. market state known at the bar start (realised vol through the previous
 *    bar, drawdown, ATM vol, surface, depth withdrawal);
 * 3. cascade rounds until no agent orders more than `quietSizeBase` or the
 *    round cap: each agent acts, then the round's orders execute one by one,
 *    in submission order, against the liquidity model;
 * 4. accounting (ledger transfers per fill; agents settle in endBar);
 * 5. recording; the realised vol then absorbs this bar's simulated return,
 *    so nothing an agent sees at bar i depends on bar i+1.
 */
export function runSimulation(scenario: Scenario, data: RunData, parts: EngineParts, hooks: RunHooks = {}): RunResult {
  const { bars } = data;
  const n = bars.length;
  const rec = new Recorder(n);
  const time = rec.column('time');
  const histClose = rec.column('historical_close');
  const simClose = rec.column('simulated_close');
  const exoRet = rec.column('exogenous_return');
  const endoRet = rec.column('endogenous_return');
  const rvol = rec.column('realised_vol');
  const roundsCol = rec.column('cascade_rounds');
  const capped = rec.column('cascade_capped');
  const ivCol = data.ivPoints ? rec.column('iv_index') : undefined;
  const liq = parts.liquidity;
  const depthCol = liq ? rec.column('depth_per_log_price') : undefined;
  const flowByCause = liq ? rec.column('order_flow_base') : undefined;
  parts.market.declareColumns(rec);
  for (const a of parts.agents) a.declareColumns(rec);

  const barMs = n > 1 ? barIntervalMs(bars) : 60_000;
  parts.market.start(barMs);
  const vol = new RealisedVol(scenario.engine.realisedVolHalfLifeMinutes * 60_000, barMs, scenario.market.initialVolPerYear);
  const ledger = new Ledger();
  const orders = new OrderQueue(1024);
  const fill = makeFill();
  const maxRounds = scenario.engine.maxCascadeRounds;
  const quiet = scenario.engine.quietSizeBase;
  const state = parts.market;
  const ownerByParty: Array<Agent | undefined> = [];
  for (const a of parts.agents) {
    ownerByParty[a.party] = a;
    for (const p of a.extraParties ?? []) ownerByParty[p] = a;
  }

  const trades = new TradeLog();
  const stress = makeStressSignals();
  const preStress = makeStressSignals();
  const lp = parts.liquidityProviders ?? null;
  const lpCol = lp ? rec.column('lp_depth_factor') : null;

  const calmVol = scenario.market.withdrawal.calmVolPerYear ?? scenario.market.initialVolPerYear;
  const velocityDecay = Math.pow(0.5, barMs / (scenario.engine.liquidationVelocityHalfLifeMinutes * MS_PER_MINUTE));
  const causeLiq = CAUSE_CODE.liquidation;
  const causeAuction = CAUSE_CODE.auction;
  const view: MarketView & { bar: number; time: number; dtYears: number; refPrice: number; realisedVol: number; atmVol: number; drawdown: number } = {
    bar: 0,
    time: 0,
    dtYears: 0,
    refPrice: 0,
    realisedVol: 0,
    atmVol: 0,
    drawdown: 0,
    stress,
    rate: state.rate,
    dividend: state.dividend,
    surface: state.surface,
    trades,
    mid: liq ? () => liq.mid() : () => view.refPrice,
    depthPerLogPrice: liq ? () => liq.depthPerLogPrice(-1) : () => Infinity,
  };

  let peak = 0;
  for (let i = 0; i < n; i++) {
    const c = bars.close[i];
    const dtMs = i > 0 ? bars.time[i] - bars.time[i - 1] : 0;
    const volNow = vol.value();
    view.bar = i;
    view.time = bars.time[i];
    view.dtYears = dtMs / MS_PER_YEAR;
    view.refPrice = c;
    view.realisedVol = volNow;

    // 1. exogenous move. Liquidity providers set their quotes from what is
    // public before it: the previous close against the peak, vol so far.
    let lpFactor = 1;
    if (lp) {
      const prev = i > 0 ? simClose[i - 1] : c;
      preStress.drawdown = peak > 0 && prev < peak ? (peak - prev) / peak : 0;
      preStress.volRatio = calmVol > 0 ? volNow / calmVol : 1;
      preStress.liquidationQuotePerMin = stress.liquidationQuotePerMin;
      lpFactor = lp.depthFactor(i, dtMs, preStress);
      lpCol![i] = lpFactor;
    }
    if (liq) liq.startBar({ refPrice: c, dtMs, depthScale: state.depthScale(i, volNow) * lpFactor, volPerSqrtYear: volNow });
    const midStart = view.mid();

    // 2. market state at the bar start
    if (midStart > peak) peak = midStart;
    view.drawdown = peak > 0 ? (peak - midStart) / peak : 0;
    stress.drawdown = view.drawdown;
    stress.volRatio = calmVol > 0 ? volNow / calmVol : 1;
    const tradesAtBarStart = trades.length;
    view.atmVol = state.beginBar(i, midStart, volNow, view.drawdown, data.ivPoints ? data.ivPoints[i] : Number.NaN);
    for (const a of parts.agents) a.beginBar(view, ledger);

    // 3. cascade rounds
    let rounds = 0;
    let flow = 0;
    let hitCap = 0;
    if (liq) {
      for (let r = 0; ; r++) {
        orders.clear();
        for (const a of parts.agents) a.act(view, r, orders, ledger);
        if (orders.totalAbs() <= quiet) break;
        if (r === maxRounds) {
          hitCap = 1;
          break;
        }
        rounds = r + 1;
        for (let k = 0; k < orders.length; k++) {
          const size = orders.size[k];
          const party = orders.party[k];
          liq.execute(size, fill);
          if (size > 0) ledger.trade(party, PARTY.counterparties, fill.size, fill.price);
          else ledger.trade(PARTY.counterparties, party, -fill.size, fill.price);
          trades.push(view.time, i, r, orders.cause[k], fill.size, fill.price, fill.midBefore, fill.midAfter, fill.cost);
          flow += fill.size;
          ownerByParty[party]?.onFill(fill.size, fill.price, fill.midBefore, fill.cost, orders.cause[k], orders.tag[k], party);
        }
      }
    }

    // 4. accounting and 5. recording
    const s = view.mid();
    time[i] = bars.time[i];
    histClose[i] = c;
    simClose[i] = s;
    if (i === 0) {
      exoRet[i] = 0;
      endoRet[i] = 0;
    } else {
      const exo = Math.log(c / bars.close[i - 1]);
      exoRet[i] = exo;
      endoRet[i] = Math.log(s / simClose[i - 1]) - exo;
    }
    rvol[i] = volNow;
    roundsCol[i] = rounds;
    capped[i] = hitCap;
    if (ivCol && data.ivPoints) ivCol[i] = data.ivPoints[i];
    if (depthCol && liq) depthCol[i] = liq.depthPerLogPrice(-1);
    if (flowByCause) flowByCause[i] = flow;
    state.endBar(i, rec);
    for (const a of parts.agents) a.endBar(view, ledger, rec);
    // The bar's forced selling becomes public after the bar.
    let forcedQuote = 0;
    for (let k = tradesAtBarStart; k < trades.length; k++) {
      const cause = trades.cause[k];
      if (cause === causeLiq || cause === causeAuction) forcedQuote += Math.abs(trades.size[k]) * trades.price[k];
    }
    const perMin = forcedQuote / (barMs / MS_PER_MINUTE);
    stress.liquidationQuotePerMin = velocityDecay * stress.liquidationQuotePerMin + (1 - velocityDecay) * perMin;
    if (i > 0) {
      const simRet = Math.log(s / simClose[i - 1]);
      vol.update(simRet);
      state.observeReturn(simRet);
    }
    hooks.onBarEnd?.(i, ledger);
    if (hooks.onProgress && (i & 4095) === 4095) hooks.onProgress(i + 1);
  }
  hooks.onProgress?.(n);

  return { recorder: rec, trades, ledger, figures: summariseRun(rec, trades) };
}
