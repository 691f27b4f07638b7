import { DataError } from '../core/errors.js';
import { MS_PER_DAY, MS_PER_HOUR } from '../core/time.js';
import { barIntervalMs, type BarSeries } from '../data/bars.js';
import { quoteVolumePerBar } from '../data/quoteVolume.js';

export { quoteVolumePerBar };

/**
 * Depth calibrated from traded volume, so that a 1987 index and a 2025
 * perpetual are comparable (docs/model.md#base-depth):
 * depth1PctQuote_i = fraction × (quote volume per hour over the window
 * before bar i).
 *
 * No look-ahead: bar i uses only bars j < i with time_j >= time_i − window.
 * Bar i itself is excluded, because its volume is only known at its end and
 * the engine prices bar i's cascade with the book as of its start.
 *
 * Per hour of *covered* time (bars in the window × bar interval), so gaps
 * (weekends, halts, trading hours of an index) do not dilute the rate.
 */
export interface DepthCalibrationParams {
  /**
   * depth1PctQuote as a fraction of hourly quote volume, > 0. No published
   * default; order of magnitude from BTC in Oct 2025: about $20M of 1% depth
   * per major venue (CoinDesk Research, S) against roughly $50–100M traded per
   * hour on such a venue suggests 0.2–0.4 (assumption; sweep it).
   */
  fractionOfHourlyQuoteVolume: number;
  /** Trailing window, ms, > 0. Suggested 86_400_000 (24 h, as the MLR metric). */
  windowMs: number;
}

/**
 * Rolling rate: sum of `values` over bars j < i inside the window, per `perMs`
 * of covered time. NaN where the window holds no bar (the first bar).
 * Compensated (Neumaier) running sum, so a million bars do not drift.
 */
export function trailingRate(time: Float64Array, values: Float64Array, windowMs: number, barMs: number, perMs: number): Float64Array {
  const n = time.length;
  const out = new Float64Array(n);
  let sum = 0;
  let comp = 0;
  let lo = 0;
  const add = (x: number): void => {
    const t = sum + x;
    comp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  };
  for (let i = 0; i < n; i++) {
    if (i > 0) add(values[i - 1]);
    while (lo < i && time[lo] < time[i] - windowMs) {
      add(-values[lo]);
      lo++;
    }
    const count = i - lo;
    out[i] = count === 0 ? Number.NaN : ((sum + comp) * perMs) / (count * barMs);
  }
  return out;
}

/** depth1PctQuote for every bar (NaN for the first, which has no past). */
export function calibrateDepth1PctQuote(series: BarSeries, p: DepthCalibrationParams): Float64Array {
  checkParams(p.fractionOfHourlyQuoteVolume, p.windowMs);
  const rate = trailingRate(series.time, quoteVolumePerBar(series), p.windowMs, barMs(series), MS_PER_HOUR);
  for (let i = 0; i < rate.length; i++) rate[i] *= p.fractionOfHourlyQuoteVolume;
  return rate;
}

/**
 * depth1PctQuote at the run start (bar index `startIndex`), from the window
 * before it. Errors if no bar precedes the start inside the window.
 */
export function depth1PctQuoteAtStart(series: BarSeries, startIndex: number, p: DepthCalibrationParams): number {
  const v = calibrateDepth1PctQuote(series, p)[checkIndex(series, startIndex)];
  if (!(v > 0)) throw new DataError(`no traded volume in the ${p.windowMs} ms before bar ${startIndex}: start the run later or set depth1PctQuote explicitly`, { file: series.source, field: 'volume' });
  return v;
}

/** V for the sqrt model: base volume per calendar day over the window before each bar (NaN for the first bar). */
export function rollingDailyVolumeBase(series: BarSeries, windowMs: number): Float64Array {
  checkParams(1, windowMs);
  let base: Float64Array;
  if (series.volumeUnit === 'base') {
    base = series.volume;
    quoteVolumePerBar(series); // same no-volume checks
  } else {
    const q = quoteVolumePerBar(series);
    base = new Float64Array(series.length);
    for (let i = 0; i < series.length; i++) base[i] = q[i] / series.close[i];
  }
  return trailingRate(series.time, base, windowMs, barMs(series), MS_PER_DAY);
}

function barMs(series: BarSeries): number {
  const ms = barIntervalMs(series);
  if (!(ms > 0)) throw new DataError('need at least two bars with increasing times to calibrate depth', { file: series.source, field: 'timestamp' });
  return ms;
}

function checkIndex(series: BarSeries, i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= series.length) throw new RangeError(`start index ${i} outside 0..${series.length - 1}`);
  return i;
}

function checkParams(fraction: number, windowMs: number): void {
  if (!(fraction > 0) || !Number.isFinite(fraction)) throw new RangeError(`fractionOfHourlyQuoteVolume must be finite and > 0, got ${fraction}`);
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`windowMs must be finite and > 0, got ${windowMs}`);
}
