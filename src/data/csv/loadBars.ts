import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { DataError } from '../../core/errors.js';
import { checkInputFile } from '../../core/files.js';
import { allocBarColumns, barIntervalMs, makeBarSeries, type BarColumns, type BarSeries, type VolumeUnit } from '../bars.js';
import { findGaps, type GapReport } from '../gaps.js';
import { validateBarValues, validateTimeOrder, type BarFieldNames } from '../validate.js';
import { resolveLayout, type LayoutName, type LayoutOptions, type ResolvedLayout } from './layouts.js';
import { parseNumberField, type RawTable } from './table.js';
import { fileChunks, singleChunk, streamRecords, type ChunkSource } from './recordStream.js';
import { describeTimeUnit, parseTimeField, type ParsedTime, type TimeUnit } from './timestamps.js';

export interface LoadBarsOptions extends LayoutOptions {
  /** Force a layout instead of detecting it from the header. */
  layout?: LayoutName;
  /** Instrument label; default: the CDD symbol column, else the file's base name. */
  symbol?: string;
  /**
   * Unit of the volume column. Default `base`, or `none` when every volume is
   * 0 or the file has none. Say `quote` for files whose volume is in quote
   * currency (Bitstamp 2020 CDD exports, PROVENANCE.md "Known quirks").
   */
  volumeUnit?: VolumeUnit;
}

export interface LoadReport {
  readonly rows: number;
  /** First and last bar start, epoch ms UTC. */
  readonly firstMs: number;
  readonly lastMs: number;
  /** How the file wrote its times. */
  readonly timeUnit: TimeUnit;
  /** Median spacing of bar starts, ms (NaN for a single bar). */
  readonly intervalMs: number;
  readonly gaps: GapReport;
  /** True when the rows were written newest first and were reversed (CDD files only). */
  readonly sortedFromNewestFirst: boolean;
  readonly bomStripped: boolean;
  readonly notes: readonly string[];
}

export interface LoadedBars {
  readonly series: BarSeries;
  /** sha256 of the file's bytes (loadBars only; text parsed by parseBars has no file). */
  readonly sha256?: string;
  readonly layout: LayoutName;
  readonly report: LoadReport;
}

/**
 * Bar files may be far larger than any other input (years of 1-minute
 * bars): they are read in chunks and parsed straight into typed arrays, so
 * this bound is only a guard against a wrong path, not V8's string limit.
 */
export const MAX_BAR_FILE_BYTES = 16 * 1024 * 1024 * 1024;

export function loadBars(path: string, opts: LoadBarsOptions = {}): LoadedBars & { readonly sha256: string } {
  const st = checkInputFile(path, { maxBytes: MAX_BAR_FILE_BYTES });
  const src = fileChunks(path);
  // The checksum is taken from the same chunks, so the file is read once.
  const hash = createHash('sha256');
  const next: ChunkSource = () => {
    const chunk = src.next();
    if (chunk !== null) hash.update(chunk);
    return chunk;
  };
  try {
    const loaded = parseBarRecords(next, path, opts, st.size);
    return { ...loaded, sha256: hash.digest('hex') };
  } finally {
    src.close();
  }
}

export function parseBars(text: string, file: string, opts: LoadBarsOptions = {}): LoadedBars {
  const bytes = Buffer.from(text, 'utf8');
  return parseBarRecords(singleChunk(bytes), file, opts, bytes.length);
}

/** Records the layout needs to be recognised: a preamble line, the header and the first data row. */
const HEAD_RECORDS = 3;

/**
 * One pass over the records: the first few resolve the layout; every data
 * record is then checked and parsed into typed columns as it arrives. The
 * last record is held back one step, so a short last line can be told apart
 * (truncated download) from a short interior one.
 */
function parseBarRecords(next: ChunkSource, file: string, opts: LoadBarsOptions, sizeBytes: number): LoadedBars {
  const head: string[][] = [];
  const headLines: number[] = [];
  let layout: ResolvedLayout | null = null;
  let rows: BarRowWriter | null = null;
  let pending: string[] | null = null;
  let pendingLine = 0;
  let seen = 0;
  const resolve = (endsWithNewline: boolean, bomStripped: boolean): ResolvedLayout => {
    const t: RawTable = { file, records: head, lines: headLines, bomStripped, endsWithNewline };
    const l = resolveLayout(t, opts.layout, opts);
    rows = new BarRowWriter(file, l, estimateRows(sizeBytes, head, l.firstDataIndex));
    for (let k = l.firstDataIndex; k < head.length; k++) {
      if (pending !== null) rows.add(pending, pendingLine, false);
      pending = head[k];
      pendingLine = headLines[k];
    }
    return l;
  };
  const report = streamRecords(next, file, (record, line) => {
    seen++;
    if (layout === null) {
      head.push(record);
      headLines.push(line);
      if (head.length === HEAD_RECORDS) layout = resolve(true, false);
      return;
    }
    if (pending !== null) (rows as BarRowWriter | null)?.add(pending, pendingLine, false);
    pending = record;
    pendingLine = line;
  });
  if (layout === null) layout = resolve(report.endsWithNewline, report.bomStripped);
  const l: ResolvedLayout = layout;
  const writer = rows as BarRowWriter | null;
  if (writer === null) throw new Error('unreachable: the layout was resolved without a row writer');
  if (pending !== null) writer.add(pending, pendingLine, true, report.endsWithNewline);
  const notes = [...l.notes];
  if (report.bomStripped) notes.push('UTF-8 byte-order mark stripped');
  const n = writer.length;
  if (n <= 0) throw new DataError('no data rows after the header', { file, line: headLines[headLines.length - 1] ?? seen });
  const { cols, lines } = writer.finish();
  const timeUnit = writer.timeUnit ?? 'iso';

  const sortedFromNewestFirst = l.mayBeNewestFirst && n > 1 && cols.time[1] < cols.time[0];
  if (sortedFromNewestFirst) {
    // Check the declared order in file order first, so an out-of-place row is
    // named by its own line rather than by its neighbour after reversal.
    for (let i = 1; i < n; i++) {
      const d = cols.time[i - 1] - cols.time[i];
      if (d === 0) throw new DataError(`duplicate timestamp: same time as line ${lines[i - 1]}`, { file, line: lines[i], field: l.header[l.time] });
      if (d < 0) {
        throw new DataError(`unsorted timestamps: file is newest first but this row is later than line ${lines[i - 1]}`, {
          file, line: lines[i], field: l.header[l.time],
        });
      }
    }
    reverseAll(cols, lines);
    notes.push('rows were newest first (CryptoDataDownload order) and were reversed');
  }

  const names = fieldNames(l);
  validateTimeOrder(cols.time, lines, file, names.time);
  validateBarValues(cols, lines, file, names);

  let volumeUnit: VolumeUnit = opts.volumeUnit ?? 'base';
  if (opts.volumeUnit === undefined && (l.volume < 0 || cols.volume.every((v) => v === 0))) {
    volumeUnit = 'none';
    notes.push(l.volume < 0 ? 'no volume column: volume = 0, unit none' : 'every volume is 0: unit none');
  }
  if (volumeUnit === 'quote') notes.push('volume is in quote currency (caller said so)');

  const symbol = opts.symbol ?? (l.symbolColumn >= 0 ? head[l.firstDataIndex][l.symbolColumn] : basename(file).replace(/\.[^.]*$/, ''));
  const series = makeBarSeries({ symbol, source: file, synthetic: false, volumeUnit }, cols);
  const intervalMs = barIntervalMs(series);
  const loadReport: LoadReport = {
    rows: n,
    firstMs: cols.time[0],
    lastMs: cols.time[n - 1],
    timeUnit,
    intervalMs,
    gaps: findGaps(cols.time, intervalMs),
    sortedFromNewestFirst,
    bomStripped: report.bomStripped,
    notes,
  };
  return { series, layout: l.name, report: loadReport };
}

/**
 * Rows expected from the file size and the head's data rows (their bytes
 * plus separators), with a margin: the columns are sized once in the common
 * case instead of doubling from small.
 */
function estimateRows(sizeBytes: number, head: readonly string[][], firstDataIndex: number): number {
  let bytes = 0;
  let rows = 0;
  for (let k = firstDataIndex; k < head.length; k++) {
    rows++;
    for (const f of head[k]) bytes += f.length + 1;
  }
  if (rows === 0 || bytes === 0) return 1024;
  return Math.max(1024, Math.ceil((sizeBytes / (bytes / rows)) * 1.05));
}

function fieldNames(l: ResolvedLayout): BarFieldNames {
  const h = l.header;
  return {
    time: h[l.time],
    open: h[l.open],
    high: h[l.high],
    low: h[l.low],
    close: h[l.close],
    volume: l.volume >= 0 ? h[l.volume] : 'volume',
    quoteVolume: l.quoteVolume >= 0 ? h[l.quoteVolume] : undefined,
    trades: l.trades >= 0 ? h[l.trades] : undefined,
    takerBuyVolume: l.takerBuyVolume >= 0 ? h[l.takerBuyVolume] : undefined,
  };
}

/** Checks and parses data records, in file order, into growing typed columns. */
class BarRowWriter {
  length = 0;
  timeUnit: TimeUnit | undefined;
  private cols: BarColumns;
  private lines: Int32Array;
  private readonly file: string;
  private readonly l: ResolvedLayout;
  private readonly p: ParsedTime = { ms: 0, unit: 'iso' };
  private readonly ct: ParsedTime = { ms: 0, unit: 'iso' };

  constructor(file: string, l: ResolvedLayout, capacity: number) {
    this.file = file;
    this.l = l;
    this.cols = allocBarColumns(capacity, { quoteVolume: l.quoteVolume >= 0, trades: l.trades >= 0, takerBuyVolume: l.takerBuyVolume >= 0 });
    this.lines = new Int32Array(capacity);
  }

  /** `last`: the file's final record (a short one is a truncated download). */
  add(r: string[], line: number, last: boolean, endsWithNewline = true): void {
    const { file, l } = this;
    const h = l.header;
    const width = l.width;
    if (r.length !== width) {
      const loc = { file, line };
      if (r.length === 1 && r[0] === '') throw new DataError(`blank line inside the data (expected ${width} fields)`, loc);
      if (last && r.length < width) {
        const why = endsWithNewline ? '' : ' and the file does not end with a newline';
        throw new DataError(`truncated last line: ${r.length} fields, header has ${width}${why} (missing '${h[r.length] ?? '?'}' onward)`, {
          ...loc, field: h[r.length],
        });
      }
      throw new DataError(`wrong column count: expected ${width} fields like the header, got ${r.length}`, loc);
    }
    if (this.length === this.lines.length) this.grow();
    const i = this.length++;
    const cols = this.cols;
    const p = this.p;
    this.lines[i] = line;
    parseTimeField(r[l.time], file, line, h[l.time], p);
    if (this.timeUnit === undefined) this.timeUnit = p.unit;
    else if (p.unit !== this.timeUnit) {
      throw new DataError(`mixed time units: this row is in ${describeTimeUnit(p.unit)}, earlier rows in ${describeTimeUnit(this.timeUnit)}`, {
        file, line, field: h[l.time],
      });
    }
    cols.time[i] = p.ms;
    cols.open[i] = parseNumberField(r[l.open], file, line, h[l.open]);
    cols.high[i] = parseNumberField(r[l.high], file, line, h[l.high]);
    cols.low[i] = parseNumberField(r[l.low], file, line, h[l.low]);
    cols.close[i] = parseNumberField(r[l.close], file, line, h[l.close]);
    cols.volume[i] = l.volume >= 0 ? parseNumberField(r[l.volume], file, line, h[l.volume]) : 0;
    if (cols.quoteVolume) cols.quoteVolume[i] = parseNumberField(r[l.quoteVolume], file, line, h[l.quoteVolume]);
    if (cols.trades) cols.trades[i] = parseNumberField(r[l.trades], file, line, h[l.trades]);
    if (cols.takerBuyVolume) cols.takerBuyVolume[i] = parseNumberField(r[l.takerBuyVolume], file, line, h[l.takerBuyVolume]);
    if (l.closeTime >= 0) {
      // Binance close_time is open_time + interval - 1 in the same unit; a
      // different unit or an earlier time means the columns are shifted.
      const ct = this.ct;
      parseTimeField(r[l.closeTime], file, line, h[l.closeTime], ct);
      if (ct.unit !== p.unit) {
        throw new DataError(`mixed time units: close_time is in ${describeTimeUnit(ct.unit)}, open_time in ${describeTimeUnit(p.unit)}`, {
          file, line, field: h[l.closeTime],
        });
      }
      if (!(ct.ms > p.ms)) throw new DataError(`close_time is not after open_time`, { file, line, field: h[l.closeTime] });
    }
  }

  /** The columns cut to the rows read (one copy when the estimate overshot). */
  finish(): { cols: BarColumns; lines: Int32Array } {
    const n = this.length;
    if (this.lines.length === n) return { cols: this.cols, lines: this.lines };
    const cut = (a: Float64Array): Float64Array => a.slice(0, n);
    const c = this.cols;
    const cols: BarColumns = {
      time: cut(c.time), open: cut(c.open), high: cut(c.high), low: cut(c.low), close: cut(c.close), volume: cut(c.volume),
      ...(c.quoteVolume ? { quoteVolume: cut(c.quoteVolume) } : {}),
      ...(c.trades ? { trades: cut(c.trades) } : {}),
      ...(c.takerBuyVolume ? { takerBuyVolume: cut(c.takerBuyVolume) } : {}),
    };
    return { cols, lines: this.lines.slice(0, n) };
  }

  private grow(): void {
    const cap = Math.max(1024, this.lines.length * 2);
    const widen = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const c = this.cols;
    this.cols = {
      time: widen(c.time), open: widen(c.open), high: widen(c.high), low: widen(c.low), close: widen(c.close), volume: widen(c.volume),
      ...(c.quoteVolume ? { quoteVolume: widen(c.quoteVolume) } : {}),
      ...(c.trades ? { trades: widen(c.trades) } : {}),
      ...(c.takerBuyVolume ? { takerBuyVolume: widen(c.takerBuyVolume) } : {}),
    };
    const lines = new Int32Array(cap);
    lines.set(this.lines);
    this.lines = lines;
  }
}

function reverseAll(cols: BarColumns, lines: Int32Array): void {
  for (const key of ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBuyVolume'] as const) {
    cols[key]?.reverse();
  }
  lines.reverse();
}
