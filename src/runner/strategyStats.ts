import { barIntervalMs, type BarSeries } from '../data/bars.js';
import { performanceStats, type GreekPnl, type PerformanceStats } from '../metrics/performance.js';
import { roundTripPnl } from '../metrics/roundTrips.js';
import type { OrdersLog } from '../strategy/ordersLog.js';
import type { StrategyFigures } from '../strategy/tally.js';
import type { OptionsFigures } from '../strategy/options/host.js';

/** One run of a strategy (simulated or its naive twin) as the statistics read it. */
export interface StrategyRunSeries {
  /** Equity at each bar's end, quote. */
  readonly equity: ArrayLike<number>;
  /** Position at each bar's end, base. */
  readonly positionBase: ArrayLike<number>;
  /** Price the position is marked at, at each bar's end (simulated mid, or the naive twin's close), quote per base. */
  readonly mark: (bar: number) => number;
  readonly figures: StrategyFigures & OptionsFigures;
  readonly log: OrdersLog;
}

/**
 * performanceStats of one strategy run. The curve starts from the capital
 * before the first bar, so its total return is the run's `returnFraction`
 * and the first bar's trades count in the returns: point 0 is the capital at
 * the first bar's start, point i + 1 the equity at bar i's end (its start
 * plus the median bar interval; one minute when there is a single bar).
 * Exposure is |position · mark| / equity at each bar's end (undefined, so
 * skipped, at the start point and where equity ≤ 0). Hit rate is over round
 * trips of the fills in the orders log, a trip still open at the end marked
 * at the last mark.
 */
export function strategyPerformance(bars: BarSeries, capitalQuote: number, run: StrategyRunSeries): PerformanceStats {
  const n = bars.length;
  const interval = barIntervalMs(bars);
  const barMs = Number.isFinite(interval) ? interval : 60_000;
  const time = new Float64Array(n + 1);
  const equity = new Float64Array(n + 1);
  const exposure = new Float64Array(n + 1);
  time[0] = n > 0 ? bars.time[0] : 0;
  equity[0] = capitalQuote;
  exposure[0] = Number.NaN;
  for (let i = 0; i < n; i++) {
    const e = run.equity[i];
    time[i + 1] = bars.time[i] + barMs;
    equity[i + 1] = e;
    exposure[i + 1] = e > 0 ? Math.abs(run.positionBase[i] * run.mark(i)) / e : Number.NaN;
  }
  const sizes: number[] = [];
  const prices: number[] = [];
  const log = run.log;
  for (let k = 0; k < log.length; k++) {
    if (log.status[k] !== 'filled') continue;
    sizes.push(log.size[k]);
    prices.push(log.price[k]);
  }
  const f = run.figures;
  return performanceStats({
    time,
    equity,
    exposure,
    tradedQuote: f.tradedQuote,
    executionCostQuote: f.executionCostQuote,
    impactPaidQuote: f.impactPaidQuote,
    trades: roundTripPnl(sizes, prices, n > 0 ? run.mark(n - 1) : Number.NaN),
    ...(f.options ? { greekPnl: optionGreekPnl(f.options.pnl) } : {}),
  });
}

/**
 * The option book's P&L attribution folded into the statistics' five parts:
 * vanna and volga are second-order vol terms, so with execution, new
 * positions and the residual they are `other`; the parts still sum to the
 * attribution's total.
 */
function optionGreekPnl(p: NonNullable<OptionsFigures['options']>['pnl']): GreekPnl {
  return { delta: p.delta, gamma: p.gamma, vega: p.vega, theta: p.theta, other: p.vanna + p.volga + p.execution + p.newPositions + p.residual };
}
