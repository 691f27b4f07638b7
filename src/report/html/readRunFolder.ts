/**
 * Reads a run folder back for the report: the page is built from the files
 * alone (never from the engine's memory), so `cascade report <folder>` and
 * the report written at the end of `run` are the same function of the same
 * bytes, and therefore byte-identical.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../core/errors.js';
import type { StressProfiles } from '../../runner/stressProfiles.js';

/** Columns of a CSV the run wrote: numbers as Float64Array (empty field = NaN), text columns as strings. */
export interface CsvColumns {
  readonly rows: number;
  readonly header: readonly string[];
  readonly numeric: ReadonlyMap<string, Float64Array>;
  readonly text: ReadonlyMap<string, readonly string[]>;
}

export interface RunFolder {
  readonly dir: string;
  readonly summary: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  /** Absent when the folder has no timing.json (the page then says so). */
  readonly timing: Record<string, unknown> | undefined;
  /** Smile and dealer gamma profile at the calmest and most stressed bar (profiles.json; absent in folders written before it existed). */
  readonly profiles: StressProfiles | undefined;
  /** Bar start times, ms since the epoch. */
  readonly time: Float64Array;
  readonly series: CsvColumns;
  readonly trades: CsvColumns;
}

function readJson(dir: string, name: string, required: boolean): Record<string, unknown> | undefined {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (required) throw new DataError(`not a run folder: ${name} is missing`, { file: path });
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
}

/** The plain or gzipped CSV the run wrote (`writeRun --gzip`: concatenated gzip members, which gunzip reads whole). */
function readCsvText(dir: string, stem: string): { path: string; text: string } {
  const plain = join(dir, `${stem}.csv`);
  if (existsSync(plain)) return { path: plain, text: readFileSync(plain, 'utf8') };
  const gz = join(dir, `${stem}.csv.gz`);
  if (existsSync(gz)) return { path: gz, text: gunzipSync(readFileSync(gz)).toString('utf8') };
  throw new DataError(`not a run folder: ${stem}.csv is missing`, { file: plain });
}

/**
 * Parses a CSV the run wrote (no quoting: numbers, ISO times and cause
 * words). A column is text when its first non-empty field is not a number;
 * a later non-number in a numeric column is an error with its line.
 */
export function parseRunCsv(text: string, file: string): CsvColumns {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataError('empty file, expected a header', { file, line: 1 });
  const header = lines[0].split(',');
  const rows = lines.length - 1;
  const fields = header.map(() => new Array<string>(rows));
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) {
      throw new DataError(`${cells.length} fields, the header has ${header.length}`, { file, line: r + 2 });
    }
    for (let c = 0; c < header.length; c++) fields[c][r] = cells[c];
  }
  const numeric = new Map<string, Float64Array>();
  const textCols = new Map<string, readonly string[]>();
  header.forEach((name, c) => {
    const col = fields[c];
    const first = col.find((s) => s !== '');
    if (first !== undefined && Number.isNaN(Number(first))) {
      textCols.set(name, col);
      return;
    }
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const s = col[r];
      if (s === '') v[r] = Number.NaN;
      else {
        const x = Number(s);
        if (Number.isNaN(x) && s !== 'NaN') throw new DataError(`'${s}' is not a number`, { file, line: r + 2, field: name });
        v[r] = x;
      }
    }
    numeric.set(name, v);
  });
  return { rows, header, numeric, text: textCols };
}

function timeColumn(cols: CsvColumns, file: string): Float64Array {
  const iso = cols.text.get('timestamp');
  if (iso === undefined) throw new DataError('no timestamp column', { file, line: 1, field: 'timestamp' });
  const t = new Float64Array(iso.length);
  for (let i = 0; i < iso.length; i++) {
    t[i] = Date.parse(iso[i]);
    if (Number.isNaN(t[i])) throw new DataError(`'${iso[i]}' is not an ISO time`, { file, line: i + 2, field: 'timestamp' });
  }
  return t;
}

/** Everything the page shows, read from the folder's files. */
export function readRunFolder(dir: string): RunFolder {
  const summary = readJson(dir, 'summary.json', true) as Record<string, unknown>;
  const config = readJson(dir, 'config.json', true) as Record<string, unknown>;
  const timing = readJson(dir, 'timing.json', false);
  const profiles = readJson(dir, 'profiles.json', false) as StressProfiles | undefined;
  const ts = readCsvText(dir, 'timeseries');
  const series = parseRunCsv(ts.text, ts.path);
  const tr = readCsvText(dir, 'trades');
  const trades = parseRunCsv(tr.text, tr.path);
  return { dir, summary, config, timing, profiles, time: timeColumn(series, ts.path), series, trades };
}
