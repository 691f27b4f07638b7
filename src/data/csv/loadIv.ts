import { basename } from 'node:path';
import { DataError } from '../../core/errors.js';
import { readInputText } from '../../core/files.js';
import { barIntervalMs, type IvSeries } from '../bars.js';
import { findGaps } from '../gaps.js';
import { validateIvValues, validateTimeOrder } from '../validate.js';
import { checkColumnCounts, parseNumberField, readRawTable } from './table.js';
import { parseTimeColumn } from './timestamps.js';
import type { LoadReport } from './loadBars.js';

export interface LoadIvOptions {
  /** Series name; default: the value column's name, or the file's base name for `value`/`close` columns. */
  name?: string;
}

export interface LoadedIv {
  readonly series: IvSeries;
  readonly report: LoadReport;
}

/** The IV series of a file (see parseIvSeries). */
export function loadIvSeries(path: string, opts: LoadIvOptions = {}): IvSeries {
  return loadIvWithReport(path, opts).series;
}

export function parseIvSeries(text: string, file: string, opts: LoadIvOptions = {}): IvSeries {
  return parseIvWithReport(text, file, opts).series;
}

/** Like loadIvSeries, with the load report (rows, unit, interval, gaps, notes). */
export function loadIvWithReport(path: string, opts: LoadIvOptions = {}): LoadedIv {
  const text = readInputText(path);
  return parseIvWithReport(text, path, opts);
}

/**
 * An implied-volatility index in vol points, from either a two-column file
 * (`timestamp,dvol_close`, `timestamp,value`) or an OHLC file such as VIX
 * (the close is taken: it is the level at the end of the stamped period).
 */
export function parseIvWithReport(text: string, file: string, opts: LoadIvOptions = {}): LoadedIv {
  const t = readRawTable(text, file);
  const header = t.records[0];
  const h = header.map((s) => s.trim().toLowerCase());
  if (h[0] !== 'timestamp' && h[0] !== 'date') {
    throw new DataError(`unknown IV layout: first column must be 'timestamp' or 'date', header is '${header.join(',')}'`, { file, line: t.lines[0] });
  }
  const notes: string[] = [];
  let col: number;
  if (h.length === 2) col = 1;
  else if (h.includes('close')) {
    col = h.indexOf('close');
    notes.push(`IV from the '${header[col]}' column; ${header.filter((_, i) => i !== 0 && i !== col).join(', ')} not used`);
  } else {
    throw new DataError(`unknown IV layout: expected 'timestamp,<value>' or an OHLC header with 'close', saw '${header.join(',')}'`, {
      file, line: t.lines[0],
    });
  }
  checkColumnCounts(t, 1, header.length, header);
  if (t.bomStripped) notes.push('UTF-8 byte-order mark stripped');
  const n = t.records.length - 1;
  if (n <= 0) throw new DataError('no data rows after the header', { file, line: t.lines[0] });
  const lines = Int32Array.from(t.lines.slice(1));
  const rows = t.records.slice(1);
  const { time, unit } = parseTimeColumn(rows.map((r) => r[0]), lines, file, header[0]);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) value[i] = parseNumberField(rows[i][col], file, lines[i], header[col]);
  validateTimeOrder(time, lines, file, header[0]);
  validateIvValues(value, lines, file, header[col]);

  const colName = h[col];
  const name = opts.name ?? (colName === 'value' || colName === 'close' ? basename(file).replace(/\.[^.]*$/, '') : header[col]);
  const series: IvSeries = { name, source: file, length: n, time, value };
  const intervalMs = barIntervalMs(series);
  return {
    series,
    report: {
      rows: n,
      firstMs: time[0],
      lastMs: time[n - 1],
      timeUnit: unit,
      intervalMs,
      gaps: findGaps(time, intervalMs),
      sortedFromNewestFirst: false,
      bomStripped: t.bomStripped,
      notes,
    },
  };
}
