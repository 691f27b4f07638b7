import { createHash } from 'node:crypto';
import type { BarSeries, IvSeries } from '../bars.js';
import { formatIsoUtc } from '../../core/time.js';

/**
 * Writes bars in the normalized layout `timestamp,open,high,low,close,volume`
 * (plus the optional columns the series has). Numbers use JavaScript's
 * shortest round-trip form, so write → load gives back the same doubles.
 */
export function barsToCsv(series: BarSeries): string {
  const parts: string[] = [];
  emitBarsCsv(series, (text) => parts.push(text));
  return parts.join('');
}

/**
 * sha256 of `barsToCsv(series)` without building it: ten years of 1-minute
 * bars are about 400 MB of CSV, near V8's largest string.
 */
export function barsCsvSha256(series: BarSeries): string {
  const h = createHash('sha256');
  emitBarsCsv(series, (text) => h.update(text));
  return h.digest('hex');
}

/** The CSV text of `barsToCsv`, handed over a few thousand lines at a time, each line ending in a newline. */
function emitBarsCsv(series: BarSeries, emit: (text: string) => void): void {
  const extras: Array<[string, Float64Array]> = [];
  if (series.quoteVolume) extras.push(['quote_volume', series.quoteVolume]);
  if (series.trades) extras.push(['trades', series.trades]);
  if (series.takerBuyVolume) extras.push(['taker_buy_volume', series.takerBuyVolume]);
  emit(`${['timestamp', 'open', 'high', 'low', 'close', 'volume', ...extras.map((e) => e[0])].join(',')}\n`);
  const LINES_PER_CHUNK = 8192;
  let chunk = '';
  for (let i = 0; i < series.length; i++) {
    let line = `${formatIsoUtc(series.time[i])},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}`;
    for (const [, col] of extras) line += `,${col[i]}`;
    chunk += `${line}\n`;
    if ((i + 1) % LINES_PER_CHUNK === 0) {
      emit(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') emit(chunk);
}

/** Writes an IV index as `timestamp,value` (vol points). */
export function ivToCsv(series: IvSeries): string {
  const lines = new Array<string>(series.length + 1);
  lines[0] = 'timestamp,value';
  for (let i = 0; i < series.length; i++) lines[i + 1] = `${formatIsoUtc(series.time[i])},${series.value[i]}`;
  return `${lines.join('\n')}\n`;
}
