import { DataError } from '../core/errors.js';
import { MS_PER_HOUR } from '../core/time.js';
import type { BarSeries } from './bars.js';

/**
 * Quote volume per bar: the `quoteVolume` column, else `volume` when it is in
 * quote units, else base volume × close (close stands in for the bar's VWAP).
 * Refuses a series without volume and tells the user what to do instead.
 */
export function quoteVolumePerBar(series: BarSeries): Float64Array {
  const n = series.length;
  const out = new Float64Array(n);
  if (series.quoteVolume !== undefined) {
    out.set(series.quoteVolume);
  } else if (series.volumeUnit === 'quote') {
    out.set(series.volume);
  } else if (series.volumeUnit === 'base') {
    for (let i = 0; i < n; i++) out[i] = series.volume[i] * series.close[i];
  } else {
    throw noVolume(series);
  }
  let any = false;
  for (let i = 0; i < n; i++) {
    const v = out[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new DataError(`volume must be finite and >= 0 at bar ${i}, got ${v}`, { file: series.source, field: 'volume' });
    if (v > 0) any = true;
  }
  if (!any) throw noVolume(series);
  return out;
}

function noVolume(series: BarSeries): DataError {
  return new DataError(
    `series '${series.symbol}' has no traded volume (an index?), so depth cannot be calibrated from it: set depth1PctQuote (or dailyVolumeBase for the sqrt model) explicitly in the scenario`,
    { file: series.source, field: 'volume' },
  );
}

/**
 * Above this many quote units traded in one hour, a volume column was almost
 * surely read in the wrong unit. The largest hour in the real files we know
 * is $14.5B (Binance USD-M BTC perpetuals, 10 Oct 2025 21:00 UTC, the
 * biggest crypto venue in its biggest liquidation hour); the bound is about
 * twice that. Reading Bitstamp's 2020 quote-volume column as base units
 * gives $327B in one hour, which this catches.
 */
export const MAX_PLAUSIBLE_HOURLY_QUOTE_VOLUME = 30e9;

export interface HourlyQuoteVolume {
  /** Median and largest quote volume traded in one clock hour (bars longer than an hour: spread evenly). */
  readonly median: number;
  readonly max: number;
  /** A sentence when the figure is implausible (the volume unit is likely wrong), else null. */
  readonly warning: string | null;
}

/**
 * The quote volume per hour the bars imply, as the depth calibration reads
 * them (per bar, scaled to an hour by the bar's length). Null when the series
 * has no volume.
 */
export function hourlyQuoteVolume(series: BarSeries): HourlyQuoteVolume | null {
  if (series.volumeUnit === 'none' && series.quoteVolume === undefined) return null;
  let q: Float64Array;
  try {
    q = quoteVolumePerBar(series);
  } catch {
    return null;
  }
  // Hours as traded: bars of an hour or less are summed per clock hour (one
  // busy minute is not an hour's rate); longer bars are spread evenly.
  const n = series.length;
  const hours: number[] = [];
  let bucket = Number.NaN;
  for (let i = 0; i < n; i++) {
    const barMs = i + 1 < n ? series.time[i + 1] - series.time[i] : i > 0 ? series.time[i] - series.time[i - 1] : MS_PER_HOUR;
    if (barMs > MS_PER_HOUR) {
      hours.push(q[i] * (MS_PER_HOUR / barMs));
      bucket = Number.NaN;
      continue;
    }
    const h = Math.floor(series.time[i] / MS_PER_HOUR);
    if (h === bucket) hours[hours.length - 1] += q[i];
    else {
      hours.push(q[i]);
      bucket = h;
    }
  }
  const rate = Float64Array.from(hours);
  const sorted = rate.sort();
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const max = sorted[sorted.length - 1];
  const warning =
    max > MAX_PLAUSIBLE_HOURLY_QUOTE_VOLUME
      ? `the bars imply up to ${fmt(max)} of quote volume per hour (median ${fmt(median)}), above any venue's record hour ` +
        `(bound ${fmt(MAX_PLAUSIBLE_HOURLY_QUOTE_VOLUME)}): the volume column is probably in quote units, not ${series.volumeUnit}; ` +
        `set data.bars.volumeUnit (or --set data.bars.volumeUnit=quote) and check the depth`
      : null;
  return { median, max, warning };
}

function fmt(x: number): string {
  return x >= 1e9 ? `${(x / 1e9).toPrecision(3)}B` : x >= 1e6 ? `${(x / 1e6).toPrecision(3)}M` : x.toPrecision(3);
}
