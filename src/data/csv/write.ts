import type { BarSeries, IvSeries } from '../bars.js';
import { formatIsoUtc } from '../../core/time.js';

/**
 * Writes bars in the normalized layout `timestamp,open,high,low,close,volume`
 * (plus the optional columns the series has). Numbers use JavaScript's
 * shortest round-trip form, so write → load gives back the same doubles.
 */
export function barsToCsv(series: BarSeries): string {
  const extras: Array<[string, Float64Array]> = [];
  if (series.quoteVolume) extras.push(['quote_volume', series.quoteVolume]);
  if (series.trades) extras.push(['trades', series.trades]);
  if (series.takerBuyVolume) extras.push(['taker_buy_volume', series.takerBuyVolume]);
  const header = ['timestamp', 'open', 'high', 'low', 'close', 'volume', ...extras.map((e) => e[0])].join(',');
  const lines = new Array<string>(series.length + 1);
  lines[0] = header;
  for (let i = 0; i < series.length; i++) {
    let line = `${formatIsoUtc(series.time[i])},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}`;
    for (const [, col] of extras) line += `,${col[i]}`;
    lines[i + 1] = line;
  }
  return `${lines.join('\n')}\n`;
}

/** Writes an IV index as `timestamp,value` (vol points). */
export function ivToCsv(series: IvSeries): string {
  const lines = new Array<string>(series.length + 1);
  lines[0] = 'timestamp,value';
  for (let i = 0; i < series.length; i++) lines[i + 1] = `${formatIsoUtc(series.time[i])},${series.value[i]}`;
  return `${lines.join('\n')}\n`;
}
