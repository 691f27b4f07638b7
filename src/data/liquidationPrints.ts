/**
 * Exchange liquidation prints: the forced orders a venue published (time,
 * side, price, size), to set against the simulated liquidations. Two
 * layouts, told apart by the header:
 *
 * - generic: `time,side,price,size`, side `long`/`sell` (a long was
 *   liquidated: the venue sold) or `short`/`buy`;
 * - Binance's USD-M `liquidationSnapshot` archive (the `forceOrder` stream):
 *   `time,side,order_type,time_in_force,original_quantity,price,
 *   average_price,order_status,last_fill_quantity,accumulated_fill_quantity`,
 *   read at the average fill price and the filled quantity (the order price
 *   and quantity when nothing is reported filled).
 *
 * Rows may share a time (one liquidation fills in pieces) but never go back.
 */
import { DataError } from '../core/errors.js';
import { readInputText } from '../core/files.js';
import { checkColumnCounts, parseNumberField, readRawTable } from './csv/table.js';
import { parseTimeField, type ParsedTime } from './csv/timestamps.js';

export type PrintsLayout = 'generic' | 'binance-force-order';

export interface LiquidationPrints {
  readonly file: string;
  readonly layout: PrintsLayout;
  readonly length: number;
  /** Epoch ms, non-decreasing. */
  readonly time: Float64Array;
  /** +1: a long liquidated (a sell); −1: a short liquidated (a buy). */
  readonly side: Int8Array;
  /** Quote per base. */
  readonly price: Float64Array;
  /** Base units. */
  readonly size: Float64Array;
}

const GENERIC = ['time', 'side', 'price', 'size'] as const;
const BINANCE = ['time', 'side', 'original_quantity', 'price', 'average_price', 'accumulated_fill_quantity'] as const;
const LONG_SIDES = new Set(['long', 'sell']);
const SHORT_SIDES = new Set(['short', 'buy']);

export function loadLiquidationPrints(path: string): LiquidationPrints {
  return parseLiquidationPrints(readInputText(path), path);
}

export function parseLiquidationPrints(text: string, file: string): LiquidationPrints {
  const t = readRawTable(text, file);
  const header = t.records[0].map((h) => h.toLowerCase());
  const headerLine = t.lines[0];
  const at = (name: string): number => header.indexOf(name);
  const layout: PrintsLayout = at('order_type') >= 0 ? 'binance-force-order' : 'generic';
  const need = layout === 'generic' ? GENERIC : BINANCE;
  for (const name of need) {
    if (at(name) < 0) {
      throw new DataError(`missing column '${name}' (liquidation prints need ${GENERIC.join(',')}, or Binance's liquidationSnapshot layout)`, { file, line: headerLine, field: name });
    }
  }
  checkColumnCounts(t, 1, header.length, t.records[0]);
  const n = t.records.length - 1;
  const time = new Float64Array(n);
  const side = new Int8Array(n);
  const price = new Float64Array(n);
  const size = new Float64Array(n);
  const p: ParsedTime = { ms: 0, unit: 'iso' };
  const iTime = at('time');
  const iSide = at('side');
  for (let r = 0; r < n; r++) {
    const row = t.records[r + 1];
    const line = t.lines[r + 1];
    parseTimeField(row[iTime], file, line, 'time', p);
    time[r] = p.ms;
    if (r > 0 && time[r] < time[r - 1]) throw new DataError('time goes back (prints must be in time order)', { file, line, field: 'time' });
    const s = row[iSide].toLowerCase();
    if (LONG_SIDES.has(s)) side[r] = 1;
    else if (SHORT_SIDES.has(s)) side[r] = -1;
    else throw new DataError(`side '${row[iSide]}' is not long/sell or short/buy`, { file, line, field: 'side' });
    const num = (name: string): number => parseNumberField(row[at(name)], file, line, name);
    let px: number;
    let qty: number;
    let pxField: string;
    let qtyField: string;
    if (layout === 'generic') {
      px = num('price');
      qty = num('size');
      pxField = 'price';
      qtyField = 'size';
    } else {
      const avg = num('average_price');
      const filled = num('accumulated_fill_quantity');
      pxField = avg > 0 ? 'average_price' : 'price';
      qtyField = filled > 0 ? 'accumulated_fill_quantity' : 'original_quantity';
      px = avg > 0 ? avg : num('price');
      qty = filled > 0 ? filled : num('original_quantity');
    }
    if (!(px > 0)) throw new DataError(`price must be > 0, got ${px}`, { file, line, field: pxField });
    if (!(qty > 0)) throw new DataError(`size must be > 0, got ${qty}`, { file, line, field: qtyField });
    price[r] = px;
    size[r] = qty;
  }
  return { file, layout, length: n, time, side, price, size };
}

/** Prints per bar: quote volume of long and of short liquidations, and the count. */
export interface BinnedPrints {
  readonly longQuote: Float64Array;
  readonly shortQuote: Float64Array;
  readonly count: Float64Array;
  /** Prints before the first bar or after the last bar's end. */
  readonly outside: number;
}

/**
 * Puts each print in the bar whose [start, next start) holds its time; the
 * last bar ends one bar interval (the previous spacing) after its start.
 */
export function binPrints(prints: LiquidationPrints, barTime: Float64Array): BinnedPrints {
  const n = barTime.length;
  const longQuote = new Float64Array(n);
  const shortQuote = new Float64Array(n);
  const count = new Float64Array(n);
  const lastEnd = n > 1 ? 2 * barTime[n - 1] - barTime[n - 2] : n === 1 ? Infinity : -Infinity;
  let outside = 0;
  let k = 0;
  for (let r = 0; r < prints.length; r++) {
    const t = prints.time[r];
    if (n === 0 || t < barTime[0] || t >= lastEnd) {
      outside++;
      continue;
    }
    while (k + 1 < n && barTime[k + 1] <= t) k++;
    const q = prints.price[r] * prints.size[r];
    if (prints.side[r] > 0) longQuote[k] += q;
    else shortQuote[k] += q;
    count[k]++;
  }
  return { longQuote, shortQuote, count, outside };
}
