import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { readZip } from './zip.js';
import { FetchError } from './sources.js';

/**
 * Turns verified downloads into the CSVs the loaders read: the day (or
 * month) files of one series joined in time order under one header, written
 * to a temporary name and renamed, like the downloads themselves.
 */

/** The header Binance's USD-M kline files carry (spot files have none); the bar loader's binance-kline layout. */
export const BINANCE_KLINE_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

/** Writes to `<out>.tmp`, then renames it to `out`; a failure removes the temporary file. */
function writeAtomically(out: string, write: (put: (text: string) => void) => void): void {
  const tmp = `${out}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    write((text) => void writeSync(fd, text));
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, out);
}

/** The one CSV inside an archive zip. */
function zippedCsv(zipPath: string): string {
  const entries = readZip(readFileSync(zipPath), zipPath).filter((e) => e.name.toLowerCase().endsWith('.csv'));
  if (entries.length !== 1) throw new FetchError(`expected one CSV inside, found ${entries.length}`, { file: zipPath });
  return entries[0].data.toString('utf8');
}

/** Data lines of a CSV text, without its header when the header starts with `headerStart`, and without a final blank line. */
function bodyLines(text: string, headerStart: string | null): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (headerStart !== null && lines.length > 0 && lines[0].startsWith(headerStart)) lines.shift();
  return lines;
}

/**
 * Joins kline zips (in the plan's time order) into one CSV with Binance's
 * header: the USD-M files' own header is dropped from each, spot files have
 * none. Returns the number of rows.
 */
export function mergeKlineZips(zips: readonly string[], out: string): number {
  let rows = 0;
  writeAtomically(out, (put) => {
    put(`${BINANCE_KLINE_HEADER}\n`);
    for (const z of zips) {
      const lines = bodyLines(zippedCsv(z), 'open_time');
      if (lines.length === 0) throw new FetchError('the kline file inside is empty', { file: z });
      if (lines[0].split(',').length !== 12) {
        throw new FetchError(`expected 12 kline columns, the first row has ${lines[0].split(',').length}: '${lines[0].slice(0, 100)}'`, { file: z });
      }
      put(`${lines.join('\n')}\n`);
      rows += lines.length;
    }
  });
  return rows;
}

/** Joins zipped CSVs that each carry the same header (metrics, funding rates). */
export function mergeHeaderedZips(zips: readonly string[], out: string): number {
  let header: string | null = null;
  let rows = 0;
  writeAtomically(out, (put) => {
    for (const z of zips) {
      const text = zippedCsv(z);
      const first = text.split(/\r?\n/, 1)[0];
      if (header === null) {
        header = first;
        put(`${header}\n`);
      } else if (first !== header) {
        throw new FetchError(`header '${first.slice(0, 100)}' differs from the first file's '${header.slice(0, 100)}'`, { file: z });
      }
      const lines = bodyLines(text, header);
      if (lines.length > 0) put(`${lines.join('\n')}\n`);
      rows += lines.length;
    }
  });
  return rows;
}

/**
 * DVOL candles from Deribit's JSON answers as `timestamp,open,high,low,close`
 * (ISO UTC, vol points; the IV loader reads the close), restricted to
 * [startMs, endMs), each timestamp once, in time order. Returns 0 and
 * writes nothing when no candle falls inside (DVOL starts on 2021-03-24):
 * the scenario then falls back to VIX or to no index.
 */
export function dvolCsv(jsons: readonly string[], startMs: number, endMs: number, out: string): number {
  const byTime = new Map<number, number[]>();
  for (const j of jsons) {
    const data = (JSON.parse(readFileSync(j, 'utf8')) as { result: { data: number[][] } }).result.data;
    for (const row of data) if (row[0] >= startMs && row[0] < endMs) byTime.set(row[0], row);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length === 0) return 0;
  writeAtomically(out, (put) => {
    put('timestamp,open,high,low,close\n');
    for (const t of times) {
      const r = byTime.get(t) as number[];
      put(`${new Date(t).toISOString().replace('.000Z', 'Z')},${r[1]},${r[2]},${r[3]},${r[4]}\n`);
    }
  });
  return times.length;
}

/**
 * Deribit's TradingView candles as bars in the normalized layout
 * (`timestamp,open,high,low,close,volume`, ISO UTC, volume in the base
 * coin), restricted to [startMs, endMs), each start time once, in time
 * order. Returns 0 and writes nothing when no candle falls inside.
 */
export function chartCsv(jsons: readonly string[], startMs: number, endMs: number, out: string): number {
  const byTime = new Map<number, { r: Record<string, number[]>; i: number }>();
  for (const j of jsons) {
    const r = (JSON.parse(readFileSync(j, 'utf8')) as { result: Record<string, number[]> }).result;
    r.ticks.forEach((t, i) => {
      if (t >= startMs && t < endMs) byTime.set(t, { r, i });
    });
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  if (times.length === 0) return 0;
  writeAtomically(out, (put) => {
    put('timestamp,open,high,low,close,volume\n');
    for (const t of times) {
      const { r, i } = byTime.get(t) as { r: Record<string, number[]>; i: number };
      put(`${new Date(t).toISOString().replace('.000Z', 'Z')},${r.open[i]},${r.high[i]},${r.low[i]},${r.close[i]},${r.volume[i]}\n`);
    }
  });
  return times.length;
}

const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** CBOE's VIX history (`DATE,OPEN,HIGH,LOW,CLOSE`, dates MM/DD/YYYY) with ISO dates, as the IV loader reads it. */
export function vixCsv(path: string, out: string): number {
  const lines = bodyLines(readFileSync(path, 'utf8'), 'DATE');
  writeAtomically(out, (put) => {
    put('date,open,high,low,close\n');
    lines.forEach((line, i) => {
      const cells = line.split(',');
      const m = US_DATE.exec(cells[0]);
      if (!m || cells.length !== 5) throw new FetchError(`expected 'MM/DD/YYYY,open,high,low,close', got '${line.slice(0, 100)}'`, { file: path, line: i + 2 });
      put(`${m[3]}-${m[1]}-${m[2]},${cells.slice(1).join(',')}\n`);
    });
  });
  return lines.length;
}
