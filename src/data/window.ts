import { ConfigError, DataError } from '../core/errors.js';
import { formatIsoUtc } from '../core/time.js';
import { makeBarSeries, type BarSeries } from './bars.js';

/** First index whose time is >= ms (times strictly increasing). */
export function lowerBound(time: Float64Array, ms: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The bars whose start lies in the half-open window [startMs, endMs), so
 * adjacent windows never share a bar. Columns are copied: the cut does not
 * alias the source history.
 */
const fmt = (ms: number): string => (Number.isFinite(ms) ? formatIsoUtc(ms) : String(ms));

/** Either bound may be infinite (an open-ended window). */
export function cutWindow(series: BarSeries, startMs: number, endMs: number): BarSeries {
  if (!(endMs > startMs)) {
    throw new ConfigError(`window end ${fmt(endMs)} is not after start ${fmt(startMs)}`, { field: 'window' });
  }
  const a = lowerBound(series.time, startMs);
  const b = lowerBound(series.time, endMs);
  if (b <= a) {
    const range = series.length > 0 ? `${formatIsoUtc(series.time[0])} .. ${formatIsoUtc(series.time[series.length - 1])}` : 'nothing';
    throw new DataError(`no bars in [${fmt(startMs)}, ${fmt(endMs)}); the series covers ${range}`, { file: series.source });
  }
  return mapColumns(series, (c) => c.slice(a, b));
}

/** Bars [from, to) as views on the same columns (no copy). */
export function sliceBars(series: BarSeries, from: number, to: number): BarSeries {
  return mapColumns(series, (c) => c.subarray(from, to));
}

/** The series with `f` applied to every column it has. */
function mapColumns(series: BarSeries, f: (column: Float64Array) => Float64Array): BarSeries {
  return makeBarSeries(
    { symbol: series.symbol, source: series.source, synthetic: series.synthetic, volumeUnit: series.volumeUnit },
    {
      time: f(series.time),
      open: f(series.open),
      high: f(series.high),
      low: f(series.low),
      close: f(series.close),
      volume: f(series.volume),
      ...(series.quoteVolume ? { quoteVolume: f(series.quoteVolume) } : {}),
      ...(series.trades ? { trades: f(series.trades) } : {}),
      ...(series.takerBuyVolume ? { takerBuyVolume: f(series.takerBuyVolume) } : {}),
    },
  );
}
