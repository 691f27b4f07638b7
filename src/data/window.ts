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
  return makeBarSeries(
    { symbol: series.symbol, source: series.source, synthetic: series.synthetic, volumeUnit: series.volumeUnit },
    {
      time: series.time.slice(a, b),
      open: series.open.slice(a, b),
      high: series.high.slice(a, b),
      low: series.low.slice(a, b),
      close: series.close.slice(a, b),
      volume: series.volume.slice(a, b),
      ...(series.quoteVolume ? { quoteVolume: series.quoteVolume.slice(a, b) } : {}),
      ...(series.trades ? { trades: series.trades.slice(a, b) } : {}),
      ...(series.takerBuyVolume ? { takerBuyVolume: series.takerBuyVolume.slice(a, b) } : {}),
    },
  );
}

/** Bars [from, to) as views on the same columns (no copy). */
export function sliceBars(series: BarSeries, from: number, to: number): BarSeries {
  const cut = (c: Float64Array | undefined): Float64Array | undefined => (c ? c.subarray(from, to) : undefined);
  return makeBarSeries(
    { symbol: series.symbol, source: series.source, synthetic: series.synthetic, volumeUnit: series.volumeUnit },
    {
      time: series.time.subarray(from, to),
      open: series.open.subarray(from, to),
      high: series.high.subarray(from, to),
      low: series.low.subarray(from, to),
      close: series.close.subarray(from, to),
      volume: series.volume.subarray(from, to),
      ...(series.quoteVolume ? { quoteVolume: cut(series.quoteVolume) } : {}),
      ...(series.trades ? { trades: cut(series.trades) } : {}),
      ...(series.takerBuyVolume ? { takerBuyVolume: cut(series.takerBuyVolume) } : {}),
    },
  );
}

/** `a` then `b` as one series (copied): a warm-up and the run it precedes. */
export function concatBars(a: BarSeries, b: BarSeries): BarSeries {
  const join = (x: Float64Array | undefined, y: Float64Array | undefined): Float64Array | undefined => {
    if (!x || !y) return undefined;
    const out = new Float64Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  const q = join(a.quoteVolume, b.quoteVolume);
  const t = join(a.trades, b.trades);
  const tb = join(a.takerBuyVolume, b.takerBuyVolume);
  return makeBarSeries(
    { symbol: b.symbol, source: b.source, synthetic: b.synthetic, volumeUnit: b.volumeUnit },
    {
      time: join(a.time, b.time) as Float64Array,
      open: join(a.open, b.open) as Float64Array,
      high: join(a.high, b.high) as Float64Array,
      low: join(a.low, b.low) as Float64Array,
      close: join(a.close, b.close) as Float64Array,
      volume: join(a.volume, b.volume) as Float64Array,
      ...(q ? { quoteVolume: q } : {}),
      ...(t ? { trades: t } : {}),
      ...(tb ? { takerBuyVolume: tb } : {}),
    },
  );
}
