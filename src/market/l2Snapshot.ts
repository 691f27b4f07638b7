import { parse } from 'csv-parse/sync';
import { DataError } from '../core/errors.js';
import { readInputText } from '../core/files.js';
import type { LiteralBook } from './config.js';

/** An L2 snapshot: levels in quote per base and base units, nearest first, plus where it came from. */
export interface L2Snapshot extends LiteralBook {
  readonly file: string;
  /** Midpoint of best bid and best ask. */
  readonly mid: number;
}

const SIDES: Record<string, 'bid' | 'ask'> = { bid: 'bid', bids: 'bid', b: 'bid', buy: 'bid', ask: 'ask', asks: 'ask', a: 'ask', sell: 'ask' };

/**
 * Parses CSV `side,price,size` (header required, columns in any order, `#`
 * comments and blank lines ignored). side is bid/ask (also b/a, buy/sell);
 * price > 0, size > 0, each price once per side, and the book not crossed.
 * Every error names file, line and field.
 */
export function parseL2Snapshot(text: string, file: string): L2Snapshot {
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parse(text, { info: true, comment: '#', skip_empty_lines: true, trim: true, relax_column_count: true }) as unknown as typeof rows;
  } catch (e) {
    throw new DataError(`not a readable CSV: ${(e as Error).message}`, { file });
  }
  if (rows.length === 0) throw new DataError('empty L2 snapshot (expected header side,price,size)', { file });
  const header = rows[0].record.map((h) => h.toLowerCase());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new DataError(`missing column '${name}' (header must name side, price, size)`, { file, line: rows[0].info.lines, field: name });
    return i;
  };
  const iSide = col('side');
  const iPrice = col('price');
  const iSize = col('size');
  const bids: Array<[number, number]> = [];
  const asks: Array<[number, number]> = [];
  const seen = { bid: new Set<number>(), ask: new Set<number>() };
  for (let r = 1; r < rows.length; r++) {
    const { record, info } = rows[r];
    const line = info.lines;
    const sideText = (record[iSide] ?? '').toLowerCase();
    const side = SIDES[sideText];
    if (side === undefined) throw new DataError(`side must be bid or ask, got '${record[iSide] ?? ''}'`, { file, line, field: 'side' });
    const price = positive(record[iPrice], file, line, 'price');
    const size = positive(record[iSize], file, line, 'size');
    if (seen[side].has(price)) throw new DataError(`price ${price} appears twice on the ${side} side`, { file, line, field: 'price' });
    seen[side].add(price);
    (side === 'bid' ? bids : asks).push([price, size]);
  }
  if (bids.length === 0) throw new DataError('snapshot has no bid levels', { file, field: 'side' });
  if (asks.length === 0) throw new DataError('snapshot has no ask levels', { file, field: 'side' });
  bids.sort((x, y) => y[0] - x[0]);
  asks.sort((x, y) => x[0] - y[0]);
  if (!(bids[0][0] < asks[0][0])) {
    throw new DataError(`crossed book: best bid ${bids[0][0]} >= best ask ${asks[0][0]}`, { file, field: 'price' });
  }
  return { file, bids, asks, mid: 0.5 * (bids[0][0] + asks[0][0]) };
}

function positive(text: string | undefined, file: string, line: number, field: string): number {
  const t = (text ?? '').trim();
  const v = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(v) || v <= 0) throw new DataError(`${field} must be a finite number > 0, got '${text ?? ''}'`, { file, line, field });
  return v;
}

/** Reads and parses an L2 snapshot file (see parseL2Snapshot). */
export function loadL2Snapshot(path: string): L2Snapshot {
  const text = readInputText(path, { label: 'L2 snapshot' });
  return parseL2Snapshot(text, path);
}
