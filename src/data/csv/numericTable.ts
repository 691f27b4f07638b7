import { DataError } from '../../core/errors.js';
import { readInputText } from '../../core/files.js';
import { validateTimeOrder } from '../validate.js';
import { checkColumnCounts, parseNumberField, readRawTable, type NumericTable } from './table.js';
import { parseTimeColumn } from './timestamps.js';

export type { NumericTable } from './table.js';

/**
 * Reads a CSV whose rows are not bars (gas prices, pool reserves, return
 * series): one time column, every other column numeric. Same checks on
 * fields, column counts and time order as the bar loader.
 */
export function parseNumericTable(text: string, file: string, opts: { timeColumn?: string } = {}): NumericTable {
  const t = readRawTable(text, file);
  const header = t.records[0];
  const want = (opts.timeColumn ?? '').toLowerCase();
  const tc = want !== '' ? header.findIndex((h) => h.toLowerCase() === want) : header.findIndex((h) => /^(timestamp|date|time)$/i.test(h));
  if (tc < 0) {
    throw new DataError(`no time column ('${opts.timeColumn ?? 'timestamp/date/time'}') in header '${header.join(',')}'`, { file, line: t.lines[0] });
  }
  checkColumnCounts(t, 1, header.length, header);
  const n = t.records.length - 1;
  const lines = Int32Array.from(t.lines.slice(1));
  const rows = t.records.slice(1);
  const { time } = parseTimeColumn(rows.map((r) => r[tc]), lines, file, header[tc]);
  validateTimeOrder(time, lines, file, header[tc]);
  const columns = new Map<string, Float64Array>();
  for (let c = 0; c < header.length; c++) {
    if (c === tc) continue;
    if (columns.has(header[c])) throw new DataError(`duplicate column '${header[c]}'`, { file, line: t.lines[0], field: header[c] });
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = parseNumberField(rows[i][c], file, lines[i], header[c]);
    columns.set(header[c], v);
  }
  return { file, header, length: n, time, columns, lines };
}

export function loadNumericTable(path: string, opts: { timeColumn?: string } = {}): NumericTable {
  const text = readInputText(path);
  return parseNumericTable(text, path, opts);
}
