import { ConfigError, DataError } from '../core/errors.js';
import { formatIsoUtc } from '../core/time.js';
import { allocBarColumns, barIntervalMs, makeBarSeries, type BarSeries } from './bars.js';

/**
 * Aggregates bars into coarser bars whose starts are multiples of
 * `intervalMs` since the Unix epoch (so 1h buckets start on the hour, 1d
 * buckets at 00:00Z): open of the first bar, max high, min low, close of the
 * last bar; volume, quote volume, trades and taker-buy volume summed.
 * A bucket with missing source bars is still emitted from the bars it has
 * (gaps are never filled); the first and last buckets may be partial.
 */
export function resampleBars(series: BarSeries, intervalMs: number): BarSeries {
  if (!(intervalMs > 0) || !Number.isInteger(intervalMs)) {
    throw new ConfigError(`resample interval must be a positive whole number of ms, got ${intervalMs}`, { field: 'intervalMs' });
  }
  const n = series.length;
  if (n === 0) throw new DataError('cannot resample an empty series', { file: series.source });
  const src = barIntervalMs(series);
  if (n > 1 && intervalMs % src !== 0) {
    throw new ConfigError(`resample interval ${intervalMs} ms is not a multiple of the source interval ${src} ms`, { field: 'intervalMs' });
  }
  const t = series.time;
  const bucketOf = (ms: number): number => Math.floor(ms / intervalMs) * intervalMs;
  let buckets = 0;
  let prev = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = bucketOf(t[i]);
    // A source bar that starts off the source grid could straddle two target
    // buckets; its volume cannot be split honestly, so refuse.
    if (n > 1 && bucketOf(t[i] + src - 1) !== b) {
      throw new DataError(`bar at ${formatIsoUtc(t[i])} straddles a ${intervalMs} ms bucket boundary`, { file: series.source });
    }
    if (b !== prev) { buckets++; prev = b; }
  }
  const out = allocBarColumns(buckets, {
    quoteVolume: series.quoteVolume !== undefined,
    trades: series.trades !== undefined,
    takerBuyVolume: series.takerBuyVolume !== undefined,
  });
  let k = -1;
  prev = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = bucketOf(t[i]);
    if (b !== prev) {
      k++;
      prev = b;
      out.time[k] = b;
      out.open[k] = series.open[i];
      out.high[k] = series.high[i];
      out.low[k] = series.low[i];
    } else {
      if (series.high[i] > out.high[k]) out.high[k] = series.high[i];
      if (series.low[i] < out.low[k]) out.low[k] = series.low[i];
    }
    out.close[k] = series.close[i];
    out.volume[k] += series.volume[i];
    if (out.quoteVolume) out.quoteVolume[k] += series.quoteVolume![i];
    if (out.trades) out.trades[k] += series.trades![i];
    if (out.takerBuyVolume) out.takerBuyVolume[k] += series.takerBuyVolume![i];
  }
  return makeBarSeries(
    { symbol: series.symbol, source: series.source, synthetic: series.synthetic, volumeUnit: series.volumeUnit },
    out,
  );
}
