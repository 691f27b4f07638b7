import { DataError } from '../core/errors.js';
import type { BarColumns } from './bars.js';

/**
 * Row-level checks on parsed bars. Every failure names the file, the 1-based
 * physical line the row came from, the field and the reason; nothing is
 * repaired or dropped.
 */

/** Header names of the bar fields, so errors use the file's own column names. */
export interface BarFieldNames {
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume?: string;
  trades?: string;
  takerBuyVolume?: string;
}

/** Strictly increasing times: an equal time is a duplicate bar, a smaller one is out of order. */
export function validateTimeOrder(time: Float64Array, lines: ArrayLike<number>, file: string, field: string): void {
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    if (d > 0) continue;
    const loc = { file, line: lines[i], field };
    if (d === 0) throw new DataError(`duplicate timestamp: same time as line ${lines[i - 1]}`, loc);
    throw new DataError(`unsorted timestamps: earlier than line ${lines[i - 1]}`, loc);
  }
}

export function validateBarValues(cols: BarColumns, lines: ArrayLike<number>, file: string, names: BarFieldNames): void {
  const { open, high, low, close, volume } = cols;
  for (let i = 0; i < open.length; i++) {
    const line = lines[i];
    const o = open[i], h = high[i], l = low[i], c = close[i];
    boundedPrice(o, file, line, names.open);
    boundedPrice(h, file, line, names.high);
    boundedPrice(l, file, line, names.low);
    boundedPrice(c, file, line, names.close);
    if (h < l) throw new DataError(`high ${h} < low ${l}`, { file, line, field: names.high });
    if (h < Math.max(o, c)) throw new DataError(`high ${h} < max(open ${o}, close ${c})`, { file, line, field: names.high });
    if (l > Math.min(o, c)) throw new DataError(`low ${l} > min(open ${o}, close ${c})`, { file, line, field: names.low });
    nonNegative(volume[i], file, line, names.volume, 'volume');
    if (cols.quoteVolume && names.quoteVolume) nonNegative(cols.quoteVolume[i], file, line, names.quoteVolume, 'quote volume');
    if (cols.trades && names.trades) {
      nonNegative(cols.trades[i], file, line, names.trades, 'trade count');
      if (!Number.isInteger(cols.trades[i])) {
        throw new DataError(`trade count ${cols.trades[i]} is not a whole number`, { file, line, field: names.trades });
      }
    }
    if (cols.takerBuyVolume && names.takerBuyVolume) {
      const tb = cols.takerBuyVolume[i];
      nonNegative(tb, file, line, names.takerBuyVolume, 'taker-buy volume');
      if (tb > volume[i]) {
        throw new DataError(`taker-buy volume ${tb} exceeds volume ${volume[i]}`, { file, line, field: names.takerBuyVolume });
      }
    }
  }
}

/** IV index levels must be positive vol points. */
export function validateIvValues(value: Float64Array, lines: ArrayLike<number>, file: string, field: string): void {
  for (let i = 0; i < value.length; i++) positivePrice(value[i], file, lines[i], field);
}

/**
 * Bounds on a bar price, in quote units. Real quotes span about 1e-8
 * (the smallest meme coins) to 1e7 (BTC in the weakest currencies); outside
 * 1e-12 .. 1e15 the squares and products of the model (variances, dollar
 * depth, notionals) under- or overflow doubles, and the failure would
 * surface far from the file as a model field the user never set.
 */
export const MIN_BAR_PRICE = 1e-12;
export const MAX_BAR_PRICE = 1e15;

function boundedPrice(v: number, file: string, line: number, field: string): void {
  positivePrice(v, file, line, field);
  if (v < MIN_BAR_PRICE || v > MAX_BAR_PRICE) {
    throw new DataError(`price ${v} is outside the supported range ${MIN_BAR_PRICE.toExponential()} .. ${MAX_BAR_PRICE.toExponential()}`, { file, line, field });
  }
}

function positivePrice(v: number, file: string, line: number, field: string): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new DataError(`${field} must be a positive finite number, got ${v}`, { file, line, field });
}

function nonNegative(v: number, file: string, line: number, field: string, what: string): void {
  if (!(v >= 0)) throw new DataError(`negative ${what} ${v}`, { file, line, field });
}
