/**
 * The run as the report reads it: from a folder's files (`cascade report`),
 * or from the run's own arrays when `writeRun` has just written them (see
 * runFolderFromResult). The CSVs print every number in its shortest
 * round-trip form, so both give the same doubles and the same page.
 *
 * Files are read a chunk at a time, line by line, straight into typed
 * columns: no string the size of the file is ever built (a year of 1-minute
 * bars is far beyond V8's longest string), and the only text kept is the
 * trade cause, one interned word per fill.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../core/errors.js';
import type { StressProfiles } from '../../runner/stressProfiles.js';
import type { Recorder } from '../../sim/recorder.js';
import { TRADE_CAUSES, type TradeLog } from '../../sim/tradeLog.js';

/** Columns of a CSV the run wrote: numbers as Float64Array (empty field = NaN), the few text columns as strings. */
export interface CsvColumns {
  readonly rows: number;
  readonly numeric: ReadonlyMap<string, Float64Array>;
  readonly text: ReadonlyMap<string, readonly string[]>;
}

export interface RunFolder {
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

/** Text columns kept as words (`owner`: the trades' party, written when a strategy ran); every other column but the timestamp is numeric. `side` is implied by nothing the report draws. */
const TEXT_COLUMNS = new Set(['cause', 'owner']);
const SKIPPED_COLUMNS = new Set(['side']);

/** Growable typed column (capacity doubles). */
class Column {
  data = new Float64Array(1024);
  push(k: number, x: number): void {
    if (k === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[k] = x;
  }
}

/** Builds CsvColumns and the time column from lines fed one at a time. */
class CsvBuilder {
  private header: string[] | null = null;
  private readonly numeric: Array<Column | null> = [];
  private readonly words: Array<string[] | null> = [];
  private readonly interned = new Map<string, string>();
  private timeIndex = -1;
  private readonly times = new Column();
  rows = 0;

  constructor(private readonly file: string) {}

  line(text: string, lineNo: number): void {
    if (this.header === null) {
      this.header = text.split(',');
      this.timeIndex = this.header.indexOf('timestamp');
      for (const name of this.header) {
        this.numeric.push(name === 'timestamp' || TEXT_COLUMNS.has(name) || SKIPPED_COLUMNS.has(name) ? null : new Column());
        this.words.push(TEXT_COLUMNS.has(name) ? [] : null);
      }
      return;
    }
    if (text === '') return;
    const cells = text.split(',');
    const h = this.header;
    if (cells.length !== h.length) throw new DataError(`${cells.length} fields, the header has ${h.length}`, { file: this.file, line: lineNo });
    const r = this.rows;
    for (let c = 0; c < h.length; c++) {
      const s = cells[c];
      if (c === this.timeIndex) {
        const t = Date.parse(s);
        if (Number.isNaN(t)) throw new DataError(`'${s}' is not an ISO time`, { file: this.file, line: lineNo, field: 'timestamp' });
        this.times.push(r, t);
        continue;
      }
      const col = this.numeric[c];
      if (col !== null) {
        const x = s === '' ? Number.NaN : Number(s);
        if (Number.isNaN(x) && s !== '' && s !== 'NaN') throw new DataError(`'${s}' is not a number`, { file: this.file, line: lineNo, field: h[c] });
        col.push(r, x);
        continue;
      }
      const w = this.words[c];
      if (w !== null) {
        let word = this.interned.get(s);
        if (word === undefined) {
          word = s;
          this.interned.set(s, s);
        }
        w.push(word);
      }
    }
    this.rows++;
  }

  result(): { columns: CsvColumns; time: Float64Array } {
    if (this.header === null) throw new DataError('empty file, expected a header', { file: this.file, line: 1 });
    const numeric = new Map<string, Float64Array>();
    const text = new Map<string, readonly string[]>();
    this.header.forEach((name, c) => {
      const col = this.numeric[c];
      if (col !== null) numeric.set(name, col.data.slice(0, this.rows));
      const w = this.words[c];
      if (w !== null) text.set(name, w);
    });
    return { columns: { rows: this.rows, numeric, text }, time: this.times.data.slice(0, this.rows) };
  }
}

/** Feeds decoded text to `onLine` line by line, carrying partial lines across chunks. */
class LineSplitter {
  private rest = '';
  private n = 0;
  constructor(private readonly onLine: (line: string, lineNo: number) => void) {}
  feed(text: string): void {
    const s = this.rest + text;
    let start = 0;
    for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
      this.onLine(s.slice(start, i), ++this.n);
      start = i + 1;
    }
    this.rest = s.slice(start);
  }
  end(): void {
    if (this.rest !== '') this.onLine(this.rest, ++this.n);
    this.rest = '';
  }
}

const CHUNK = 1 << 20;

/** Every line of a plain or gzipped file, read and decoded a MiB at a time (gzip: the inflated buffer is sliced, never one string). */
function forEachLine(path: string, gz: boolean, onLine: (line: string, lineNo: number) => void): void {
  const split = new LineSplitter(onLine);
  const decoder = new TextDecoder('utf-8');
  if (gz) {
    // The run writes one gzip member per chunk; gunzip reads them all.
    const buf = gunzipSync(readFileSync(path));
    for (let o = 0; o < buf.length; o += CHUNK) split.feed(decoder.decode(buf.subarray(o, o + CHUNK), { stream: true }));
  } else {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(CHUNK);
      for (let got = readSync(fd, buf, 0, CHUNK, null); got > 0; got = readSync(fd, buf, 0, CHUNK, null)) {
        split.feed(decoder.decode(buf.subarray(0, got), { stream: true }));
      }
    } finally {
      closeSync(fd);
    }
  }
  split.feed(decoder.decode());
  split.end();
}

/** Parses a CSV the run wrote, given as text (small files and tests). */
export function parseRunCsv(text: string, file: string): CsvColumns & { readonly time: Float64Array } {
  const b = new CsvBuilder(file);
  const split = new LineSplitter((l, n) => b.line(l, n));
  split.feed(text);
  split.end();
  const { columns, time } = b.result();
  return { ...columns, time };
}

function readCsv(dir: string, stem: string): { columns: CsvColumns; time: Float64Array } {
  const plain = join(dir, `${stem}.csv`);
  const gz = join(dir, `${stem}.csv.gz`);
  const path = existsSync(plain) ? plain : existsSync(gz) ? gz : undefined;
  if (path === undefined) throw new DataError(`not a run folder: ${stem}.csv is missing`, { file: plain });
  const b = new CsvBuilder(path);
  forEachLine(path, path === gz, (l, n) => b.line(l, n));
  return b.result();
}

function parseJson(text: string, path: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(`not valid JSON (${(err as Error).message})`, { file: path });
  }
}

function readJson(dir: string, name: string, required: boolean): Record<string, unknown> | undefined {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (required) throw new DataError(`not a run folder: ${name} is missing`, { file: path });
    return undefined;
  }
  return parseJson(readFileSync(path, 'utf8'), path);
}

/** Everything the page shows, read from the folder's files. */
export function readRunFolder(dir: string): RunFolder {
  const summary = readJson(dir, 'summary.json', true) as Record<string, unknown>;
  const config = readJson(dir, 'config.json', true) as Record<string, unknown>;
  const timing = readJson(dir, 'timing.json', false);
  const profiles = readJson(dir, 'profiles.json', false) as StressProfiles | undefined;
  const series = readCsv(dir, 'timeseries');
  const trades = readCsv(dir, 'trades');
  return { summary, config, timing, profiles, time: series.time, series: series.columns, trades: trades.columns };
}

/**
 * The same RunFolder from the run's arrays and the JSON texts written
 * beside them, without reading the CSVs back: the recorder's columns are
 * used as they are (no copy), the trade log as the trades CSV prints it
 * (size unsigned, cause as its word).
 */
export function runFolderFromResult(
  texts: { readonly summary: string; readonly config: string; readonly timing: string; readonly profiles?: string },
  recorder: Recorder,
  log: TradeLog,
  /** Bars written (fewer than the recorder's when a strategy stopped the run). */
  rows = recorder.bars,
): RunFolder {
  const numeric = new Map<string, Float64Array>();
  for (const name of recorder.names()) if (name !== 'time') numeric.set(name, recorder.get(name).subarray(0, rows));
  const n = log.length;
  const size = new Float64Array(n);
  for (let k = 0; k < n; k++) size[k] = Math.abs(log.size[k]);
  const cause = Array.from(log.cause.subarray(0, n), (c) => TRADE_CAUSES[c] as string);
  const tradeCols = new Map<string, Float64Array>([
    ['bar', log.bar.subarray(0, n)],
    ['round', log.round.subarray(0, n)],
    ['size', size],
    ['price', log.price.subarray(0, n)],
    ['mid_before', log.midBefore.subarray(0, n)],
    ['mid_after', log.midAfter.subarray(0, n)],
    ['cost', log.cost.subarray(0, n)],
  ]);
  return {
    summary: parseJson(texts.summary, 'summary.json'),
    config: parseJson(texts.config, 'config.json'),
    timing: parseJson(texts.timing, 'timing.json'),
    profiles: texts.profiles !== undefined ? (parseJson(texts.profiles, 'profiles.json') as unknown as StressProfiles) : undefined,
    time: recorder.get('time').subarray(0, rows),
    series: { rows, numeric, text: new Map() },
    trades: { rows: n, numeric: tradeCols, text: new Map([['cause', cause]]) },
  };
}
