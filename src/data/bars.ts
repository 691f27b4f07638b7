/**
 * The bar series: history as immutable struct-of-arrays (STYLE.md principle
 * 6 and 7). Timestamps are epoch milliseconds at the bar's start.
 */
export type VolumeUnit = 'base' | 'quote' | 'none';

export interface BarSeries {
  /** Instrument label, e.g. `BTCUSDT`; free text. */
  readonly symbol: string;
  /** Where the bars came from: a file path, or `synthetic:<generator>` for generated paths. */
  readonly source: string;
  /** True for generated paths; reports must label them synthetic. */
  readonly synthetic: boolean;
  /** Unit of `volume`: base-asset units, quote currency (some CDD files), or none (indices). */
  readonly volumeUnit: VolumeUnit;
  readonly length: number;
  /** Bar start, epoch ms UTC. Strictly increasing. */
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Traded volume in `volumeUnit` (0 where the source has none). */
  readonly volume: Float64Array;
  /** Traded volume in quote currency, when the source gives it. */
  readonly quoteVolume?: Float64Array;
  /** Trade count, when the source gives it. */
  readonly trades?: Float64Array;
  /** Taker-buy volume in base units, when the source gives it. */
  readonly takerBuyVolume?: Float64Array;
}

/** An implied-volatility index series (DVOL, VIX), in vol points (e.g. 82.69 = 82.69%). */
export interface IvSeries {
  readonly name: string;
  readonly source: string;
  readonly length: number;
  /** Observation time, epoch ms UTC (daily files: the trading date at 00:00Z). */
  readonly time: Float64Array;
  /** Index level in vol points. */
  readonly value: Float64Array;
}

export interface BarColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  quoteVolume?: Float64Array;
  trades?: Float64Array;
  takerBuyVolume?: Float64Array;
}

export function makeBarSeries(
  meta: { symbol: string; source: string; synthetic: boolean; volumeUnit: VolumeUnit },
  cols: BarColumns,
): BarSeries {
  const n = cols.time.length;
  for (const key of ['open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBuyVolume'] as const) {
    const col = cols[key];
    if (col !== undefined && col.length !== n) {
      throw new RangeError(`column ${key} has ${col.length} values, time has ${n}`);
    }
  }
  return { ...meta, length: n, ...cols };
}

/** Allocates zeroed columns for n bars. */
export function allocBarColumns(n: number, extras: { quoteVolume?: boolean; trades?: boolean; takerBuyVolume?: boolean } = {}): BarColumns {
  return {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    ...(extras.quoteVolume ? { quoteVolume: new Float64Array(n) } : {}),
    ...(extras.trades ? { trades: new Float64Array(n) } : {}),
    ...(extras.takerBuyVolume ? { takerBuyVolume: new Float64Array(n) } : {}),
  };
}

/** Median spacing between bars in ms (robust to gaps); NaN for fewer than two bars. */
export function barIntervalMs(series: { time: Float64Array; length: number }): number {
  if (series.length < 2) return Number.NaN;
  const d = new Float64Array(series.length - 1);
  for (let i = 1; i < series.length; i++) d[i - 1] = series.time[i] - series.time[i - 1];
  d.sort();
  return d[Math.floor(d.length / 2)];
}
