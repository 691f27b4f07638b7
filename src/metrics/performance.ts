/**
 * Performance statistics of a strategy over its per-bar equity curve, the
 * figures `summary.json` reports for `strategy.simulated` and
 * `strategy.naive` (so both are measured by the same code).
 *
 * Conventions, chosen once here so every figure agrees with the others:
 * - Bar return r_i = E_i / E_{i−1} − 1 (simple, not log) for i = 1 … N − 1. A
 *   bar whose previous equity is ≤ 0 has no defined return and is skipped (a
 *   strategy wiped out has nothing left to return on); `returnCount` says how
 *   many were used.
 * - Annualisation uses the curve's own clock: the mean bar interval
 *   Δ = (t_{N−1} − t_0) / (N − 1) ms, bars per year B = MS_PER_YEAR / Δ (a
 *   year of 365.25 days, src/core/time.ts). Gaps in the bars therefore
 *   lengthen Δ instead of being ignored.
 * - Volatility is the sample standard deviation s of the bar returns (n − 1
 *   in the denominator) times √B; the annualised return is the arithmetic
 *   mean bar return times B, not a compounded rate, because a crash window
 *   of a few days compounded to a year gives numbers of no meaning (−20 % in
 *   three days compounds to −100 %) while mean·B stays the numerator of the
 *   Sharpe ratio, so Sharpe = annualised return / volatility exactly.
 * - Risk-free rate zero: windows are days long and the quote asset is a
 *   stablecoin that earns nothing in the ledger.
 * - Sharpe = mean / s · √B; Sortino = mean / d · √B with the downside
 *   deviation d = √(Σ min(r_i, 0)² / n) over all n returns (Sortino & Price
 *   1994, target 0); Calmar = annualised return / max drawdown.
 * - A ratio whose denominator is zero (constant equity, no losing bar, no
 *   drawdown) or that needs more returns than there are is null, never NaN
 *   or ±Infinity: JSON has no such numbers and a reader should see "not
 *   defined", not a huge figure. A standard deviation below
 *   RETURN_NOISE_FLOOR counts as zero, because E_i / E_{i−1} − 1 carries a
 *   rounding error of about 1e-16 and a Sharpe of 1e15 on a flat curve is
 *   rounding, not skill.
 * - VaR and ES are of the bar return as a loss, loss positive (l_i = −r_i),
 *   historical, by the definitions of riskMeasures.ts, at 95 % and 99 %.
 */
import { DataError } from '../core/errors.js';
import { MS_PER_YEAR } from '../core/time.js';
import { historicalVarEs } from './riskMeasures.js';

/**
 * Standard deviation of bar returns, downside deviation or drawdown at or
 * below which it counts as zero (see the module comment): a dip of 1e-16
 * from rounding would otherwise give a Calmar ratio in the thousands.
 */
export const RETURN_NOISE_FLOOR = 1e-13;

/** P&L of an options strategy split by greek, in quote; passed through unchanged. */
export interface GreekPnl {
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  /** What the greeks do not explain (higher order, cross terms, fills). */
  readonly other: number;
}

export interface PerformanceInput {
  /** Bar end times, epoch ms, strictly increasing. */
  readonly time: ArrayLike<number>;
  /** Mark-to-market equity at each bar end, quote. The first must be > 0. */
  readonly equity: ArrayLike<number>;
  /** Gross position value / equity at each bar end (dimensionless); NaN where undefined. */
  readonly exposure?: ArrayLike<number>;
  /** Total traded notional over the run, quote (both sides counted once per fill). */
  readonly tradedQuote: number;
  /** Total execution cost paid (fees, spread and impact against the pre-trade mid), quote. */
  readonly executionCostQuote: number;
  /** The part of the execution cost due to price impact, quote. */
  readonly impactPaidQuote: number;
  /** P&L of each round trip (or each fill), quote, for the hit rate; NaN entries are skipped. */
  readonly trades?: ArrayLike<number>;
  readonly greekPnl?: GreekPnl;
}

export interface PerformanceStats {
  /** Bars in the curve. */
  readonly bars: number;
  /** Bar returns used (bars − 1, less those after equity ≤ 0). */
  readonly returnCount: number;
  /** Mean bar interval Δ, ms; null with fewer than 2 bars. */
  readonly barIntervalMs: number | null;
  /** B = MS_PER_YEAR / Δ; null with fewer than 2 bars. */
  readonly barsPerYear: number | null;
  /** E_{N−1} / E_0 − 1, fraction. */
  readonly totalReturn: number;
  /** E_{N−1} − E_0, quote. */
  readonly pnlQuote: number;
  /** Mean bar return × B, fraction per year (arithmetic); null with no return. */
  readonly annualisedReturn: number | null;
  /** s × √B, fraction per √year; null with fewer than 2 returns. */
  readonly annualisedVolatility: number | null;
  /** Largest (peak − trough) / peak of the equity curve, fraction (0 when it never falls by more than RETURN_NOISE_FLOOR). */
  readonly maxDrawdown: number;
  /** Bars from the peak of the max drawdown to the first bar back at or above that peak, or to the last bar when never recovered. */
  readonly maxDrawdownBars: number;
  /** The same span in ms of bar time. */
  readonly maxDrawdownMs: number;
  /** Whether the equity came back to the peak of the max drawdown within the curve. */
  readonly maxDrawdownRecovered: boolean;
  /** mean / s × √B, per √year; null when s is zero or fewer than 2 returns. */
  readonly sharpe: number | null;
  /** mean / d × √B, per √year; null when no bar lost or fewer than 2 returns. */
  readonly sortino: number | null;
  /** annualisedReturn / maxDrawdown, per year; null with no drawdown. */
  readonly calmar: number | null;
  /** Share of trades with P&L > 0, fraction; null with no trade. */
  readonly hitRate: number | null;
  /** Trades counted for the hit rate. */
  readonly tradeCount: number;
  /** tradedQuote / mean equity: times the average capital was traded over the run; null when mean equity ≤ 0. */
  readonly turnover: number | null;
  /** Traded notional, quote. */
  readonly tradedQuote: number;
  readonly executionCostQuote: number;
  readonly impactPaidQuote: number;
  /** executionCostQuote / tradedQuote × 1e4, bps of traded notional; null when nothing traded. */
  readonly executionCostBps: number | null;
  /** Mean of the exposure series over its defined bars, dimensionless; null when not given or all NaN. */
  readonly averageExposure: number | null;
  /** Largest exposure, dimensionless; null as averageExposure. */
  readonly maxExposure: number | null;
  /**
   * Historical VaR and ES of the bar loss −r at 95 % and 99 %, fraction of
   * equity per bar, loss positive; null with no return. Named fields rather
   * than an array so a sweep objective can address them by a dotted path.
   */
  readonly barVar95: number | null;
  readonly barEs95: number | null;
  readonly barVar99: number | null;
  readonly barEs99: number | null;
  /** Passed through from the input; null when not given. */
  readonly greekPnl: GreekPnl | null;
}

function checkInput(input: PerformanceInput): number {
  const n = input.equity.length;
  if (n === 0) throw new DataError('equity curve is empty', { field: 'equity' });
  if (input.time.length !== n) {
    throw new DataError(`time has ${input.time.length} entries but equity has ${n}`, { field: 'time' });
  }
  if (input.exposure !== undefined && input.exposure.length !== n) {
    throw new DataError(`exposure has ${input.exposure.length} entries but equity has ${n}`, { field: 'exposure' });
  }
  if (!(input.equity[0] > 0)) {
    throw new DataError(`first equity must be > 0 to measure returns on it, got ${input.equity[0]}`, { field: 'equity' });
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(input.equity[i])) throw new DataError(`equity at bar ${i} is ${input.equity[i]}`, { field: 'equity' });
    if (!Number.isFinite(input.time[i])) throw new DataError(`time at bar ${i} is ${input.time[i]}`, { field: 'time' });
    if (i > 0 && !(input.time[i] > input.time[i - 1])) {
      throw new DataError(`time must increase strictly: bar ${i} at ${input.time[i]} ms follows ${input.time[i - 1]} ms`, { field: 'time' });
    }
  }
  for (const [field, v] of [['tradedQuote', input.tradedQuote], ['executionCostQuote', input.executionCostQuote], ['impactPaidQuote', input.impactPaidQuote]] as const) {
    if (!Number.isFinite(v)) throw new DataError(`${field} must be finite, got ${v}`, { field });
  }
  if (!(input.tradedQuote >= 0)) throw new DataError(`tradedQuote must be ≥ 0, got ${input.tradedQuote}`, { field: 'tradedQuote' });
  return n;
}

/**
 * Every statistic of the module comment in one pass over the curve; the only
 * allocations are the loss series and its sorting scratch for VaR/ES.
 */
export function performanceStats(input: PerformanceInput): PerformanceStats {
  const n = checkInput(input);
  const { time, equity, exposure } = input;
  const losses = new Float64Array(Math.max(0, n - 1));

  // Welford's running mean and sum of squared deviations: one pass, no cancellation.
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let downSq = 0;
  let equitySum = equity[0];

  // Drawdown episodes: an episode starts at a peak and ends at the first bar back at or above it.
  let peak = equity[0];
  let peakAt = 0;
  let maxDd = 0;
  let ddPeakAt = 0;
  let ddEndAt = -1;

  for (let i = 1; i < n; i++) {
    const e = equity[i];
    const prev = equity[i - 1];
    equitySum += e;
    if (prev > 0) {
      const r = e / prev - 1;
      losses[count] = -r;
      count++;
      const delta = r - mean;
      mean += delta / count;
      m2 += delta * (r - mean);
      if (r < 0) downSq += r * r;
    }
    if (e >= peak) {
      if (ddPeakAt === peakAt && ddEndAt < 0 && maxDd > 0) ddEndAt = i;
      peak = e;
      peakAt = i;
    } else {
      const dd = (peak - e) / peak;
      if (dd > maxDd && dd > RETURN_NOISE_FLOOR) {
        maxDd = dd;
        ddPeakAt = peakAt;
        ddEndAt = -1;
      }
    }
  }

  const last = n - 1;
  const barIntervalMs = n >= 2 ? (time[last] - time[0]) / last : null;
  const barsPerYear = barIntervalMs !== null ? MS_PER_YEAR / barIntervalMs : null;
  const rootB = barsPerYear !== null ? Math.sqrt(barsPerYear) : Number.NaN;
  const sd = count >= 2 ? Math.sqrt(m2 / (count - 1)) : Number.NaN;
  const downDev = count >= 1 ? Math.sqrt(downSq / count) : Number.NaN;
  const annualisedReturn = count >= 1 && barsPerYear !== null ? mean * barsPerYear : null;
  const sdDefined = count >= 2 && sd > RETURN_NOISE_FLOOR;

  const recovered = ddEndAt >= 0;
  const ddEnd = maxDd > 0 ? (recovered ? ddEndAt : last) : ddPeakAt;

  let tradeCount = 0;
  let wins = 0;
  if (input.trades !== undefined) {
    for (let i = 0; i < input.trades.length; i++) {
      const p = input.trades[i];
      if (Number.isNaN(p)) continue;
      tradeCount++;
      if (p > 0) wins++;
    }
  }

  let expCount = 0;
  let expSum = 0;
  let expMax = -Infinity;
  if (exposure !== undefined) {
    for (let i = 0; i < n; i++) {
      const x = exposure[i];
      if (Number.isNaN(x)) continue;
      expCount++;
      expSum += x;
      if (x > expMax) expMax = x;
    }
  }

  const lossSeries = losses.subarray(0, count);
  const scratch = new Float64Array(count);
  const at95 = count > 0 ? historicalVarEs(lossSeries, 0.95, scratch) : null;
  const at99 = count > 0 ? historicalVarEs(lossSeries, 0.99, scratch) : null;

  const meanEquity = equitySum / n;
  return {
    bars: n,
    returnCount: count,
    barIntervalMs,
    barsPerYear,
    totalReturn: equity[last] / equity[0] - 1,
    pnlQuote: equity[last] - equity[0],
    annualisedReturn,
    annualisedVolatility: count >= 2 ? sd * rootB : null,
    maxDrawdown: maxDd,
    maxDrawdownBars: ddEnd - ddPeakAt,
    maxDrawdownMs: time[ddEnd] - time[ddPeakAt],
    maxDrawdownRecovered: maxDd > 0 ? recovered : true,
    sharpe: sdDefined ? (mean / sd) * rootB : null,
    sortino: count >= 2 && downDev > RETURN_NOISE_FLOOR ? (mean / downDev) * rootB : null,
    calmar: maxDd > 0 && annualisedReturn !== null ? annualisedReturn / maxDd : null,
    hitRate: tradeCount > 0 ? wins / tradeCount : null,
    tradeCount,
    turnover: meanEquity > 0 ? input.tradedQuote / meanEquity : null,
    tradedQuote: input.tradedQuote,
    executionCostQuote: input.executionCostQuote,
    impactPaidQuote: input.impactPaidQuote,
    executionCostBps: input.tradedQuote > 0 ? (input.executionCostQuote / input.tradedQuote) * 1e4 : null,
    averageExposure: expCount > 0 ? expSum / expCount : null,
    maxExposure: expCount > 0 ? expMax : null,
    barVar95: at95?.valueAtRisk ?? null,
    barEs95: at95?.expectedShortfall ?? null,
    barVar99: at99?.valueAtRisk ?? null,
    barEs99: at99?.expectedShortfall ?? null,
    greekPnl: input.greekPnl ?? null,
  };
}
