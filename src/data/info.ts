import { formatIsoUtc } from '../core/time.js';
import { barIntervalMs, type BarSeries, type VolumeUnit } from './bars.js';
import { findGaps, type GapReport } from './gaps.js';
import { hourlyQuoteVolume } from './quoteVolume.js';

export interface PriceAt {
  readonly value: number;
  /** Bar start, epoch ms. */
  readonly atMs: number;
  readonly at: string;
}

export interface DataInfo {
  readonly symbol: string;
  readonly source: string;
  readonly synthetic: boolean;
  readonly volumeUnit: VolumeUnit;
  readonly first: string;
  readonly last: string;
  readonly bars: number;
  readonly intervalMs: number;
  readonly gaps: GapReport;
  readonly minLow: PriceAt;
  readonly maxHigh: PriceAt;
  readonly firstClose: number;
  readonly lastClose: number;
  /** Largest close-to-close fall from a running peak: fraction in [0, 1). */
  readonly maxDrawdown: { readonly fraction: number; readonly peak: PriceAt; readonly trough: PriceAt };
  /** Sum of volume, in volumeUnit. */
  readonly totalVolume: number;
  /** Quote volume per hour the bars imply (median and largest hour), as the depth calibration reads them; null without volume. */
  readonly impliedHourlyQuoteVolume: { readonly median: number; readonly max: number } | null;
  /** Bars with open = high = low = close (a source with one price per bar). */
  readonly flatBars: number;
  /** Things a reader of the numbers must know (volume unit, flat bars, synthetic). */
  readonly warnings: readonly string[];
}

const at = (value: number, ms: number): PriceAt => ({ value, atMs: ms, at: formatIsoUtc(ms) });

export function describeBars(s: BarSeries): DataInfo {
  const n = s.length;
  if (n === 0) throw new RangeError('describeBars: empty series');
  let lo = 0, hi = 0, flat = 0, vol = 0;
  let peak = 0, bestDd = 0, ddPeak = 0, ddTrough = 0;
  for (let i = 0; i < n; i++) {
    if (s.low[i] < s.low[lo]) lo = i;
    if (s.high[i] > s.high[hi]) hi = i;
    if (s.open[i] === s.high[i] && s.high[i] === s.low[i] && s.low[i] === s.close[i]) flat++;
    vol += s.volume[i];
    if (s.close[i] > s.close[peak]) peak = i;
    const dd = 1 - s.close[i] / s.close[peak];
    if (dd > bestDd) { bestDd = dd; ddPeak = peak; ddTrough = i; }
  }
  const intervalMs = barIntervalMs(s);
  const warnings: string[] = [];
  if (s.synthetic) warnings.push('synthetic path, not history');
  if (s.volumeUnit === 'quote') warnings.push('volume is in QUOTE currency, not base units');
  if (s.volumeUnit === 'none') warnings.push('no volume in the source');
  const hourly = hourlyQuoteVolume(s);
  if (hourly?.warning) warnings.push(hourly.warning);
  if (flat > 0) warnings.push(`${flat} of ${n} bars have open = high = low = close (one price per bar in the source)`);
  return {
    symbol: s.symbol,
    source: s.source,
    synthetic: s.synthetic,
    volumeUnit: s.volumeUnit,
    first: formatIsoUtc(s.time[0]),
    last: formatIsoUtc(s.time[n - 1]),
    bars: n,
    intervalMs,
    gaps: findGaps(s.time, intervalMs),
    minLow: at(s.low[lo], s.time[lo]),
    maxHigh: at(s.high[hi], s.time[hi]),
    firstClose: s.close[0],
    lastClose: s.close[n - 1],
    maxDrawdown: { fraction: bestDd, peak: at(s.close[ddPeak], s.time[ddPeak]), trough: at(s.close[ddTrough], s.time[ddTrough]) },
    totalVolume: vol,
    impliedHourlyQuoteVolume: hourly ? { median: hourly.median, max: hourly.max } : null,
    flatBars: flat,
    warnings,
  };
}
