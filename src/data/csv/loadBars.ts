import { basename } from 'node:path';
import { DataError } from '../../core/errors.js';
import { readInputText } from '../../core/files.js';
import { allocBarColumns, barIntervalMs, makeBarSeries, type BarColumns, type BarSeries, type VolumeUnit } from '../bars.js';
import { findGaps, type GapReport } from '../gaps.js';
import { validateBarValues, validateTimeOrder, type BarFieldNames } from '../validate.js';
import { resolveLayout, type LayoutName, type LayoutOptions, type ResolvedLayout } from './layouts.js';
import { checkColumnCounts, parseNumberField, readRawTable, type RawTable } from './table.js';
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
  readonly layout: LayoutName;
  readonly report: LoadReport;
}

export function loadBars(path: string, opts: LoadBarsOptions = {}): LoadedBars {
  const text = readInputText(path);
  return parseBars(text, path, opts);
}

export function parseBars(text: string, file: string, opts: LoadBarsOptions = {}): LoadedBars {
  const t = readRawTable(text, file);
  const layout = resolveLayout(t, opts.layout, opts);
  checkColumnCounts(t, layout.firstDataIndex, layout.width, layout.header);
  const notes = [...layout.notes];
  if (t.bomStripped) notes.push('UTF-8 byte-order mark stripped');

  const n = t.records.length - layout.firstDataIndex;
  if (n <= 0) throw new DataError('no data rows after the header', { file, line: t.lines[t.lines.length - 1] });
  const cols = allocBarColumns(n, {
    quoteVolume: layout.quoteVolume >= 0,
    trades: layout.trades >= 0,
    takerBuyVolume: layout.takerBuyVolume >= 0,
  });
  const lines = new Int32Array(n);
  const timeUnit = readRows(t, layout, cols, lines);

  const sortedFromNewestFirst = layout.mayBeNewestFirst && n > 1 && cols.time[1] < cols.time[0];
  if (sortedFromNewestFirst) {
    // Check the declared order in file order first, so an out-of-place row is
    // named by its own line rather than by its neighbour after reversal.
    for (let i = 1; i < n; i++) {
      const d = cols.time[i - 1] - cols.time[i];
      if (d === 0) throw new DataError(`duplicate timestamp: same time as line ${lines[i - 1]}`, { file, line: lines[i], field: layout.header[layout.time] });
      if (d < 0) {
        throw new DataError(`unsorted timestamps: file is newest first but this row is later than line ${lines[i - 1]}`, {
          file, line: lines[i], field: layout.header[layout.time],
        });
      }
    }
    reverseAll(cols, lines);
    notes.push('rows were newest first (CryptoDataDownload order) and were reversed');
  }

  const names = fieldNames(layout);
  validateTimeOrder(cols.time, lines, file, names.time);
  validateBarValues(cols, lines, file, names);

  let volumeUnit: VolumeUnit = opts.volumeUnit ?? 'base';
  if (opts.volumeUnit === undefined && (layout.volume < 0 || cols.volume.every((v) => v === 0))) {
    volumeUnit = 'none';
    notes.push(layout.volume < 0 ? 'no volume column: volume = 0, unit none' : 'every volume is 0: unit none');
  }
  if (volumeUnit === 'quote') notes.push('volume is in quote currency (caller said so)');

  const symbol = opts.symbol ?? (layout.symbolColumn >= 0 ? t.records[layout.firstDataIndex][layout.symbolColumn] : basename(file).replace(/\.[^.]*$/, ''));
  const series = makeBarSeries({ symbol, source: file, synthetic: false, volumeUnit }, cols);
  const intervalMs = barIntervalMs(series);
  const report: LoadReport = {
    rows: n,
    firstMs: cols.time[0],
    lastMs: cols.time[n - 1],
    timeUnit,
    intervalMs,
    gaps: findGaps(cols.time, intervalMs),
    sortedFromNewestFirst,
    bomStripped: t.bomStripped,
    notes,
  };
  return { series, layout: layout.name, report };
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

/** Parses every data row in file order; returns the single time unit of the file. */
function readRows(t: RawTable, l: ResolvedLayout, cols: BarColumns, lines: Int32Array): TimeUnit {
  const { file } = t;
  const h = l.header;
  const p: ParsedTime = { ms: 0, unit: 'iso' };
  let unit: TimeUnit | undefined;
  const ct: ParsedTime = { ms: 0, unit: 'iso' };
  for (let i = 0; i < lines.length; i++) {
    const r = t.records[l.firstDataIndex + i];
    const line = t.lines[l.firstDataIndex + i];
    lines[i] = line;
    parseTimeField(r[l.time], file, line, h[l.time], p);
    if (unit === undefined) unit = p.unit;
    else if (p.unit !== unit) {
      throw new DataError(`mixed time units: this row is in ${describeTimeUnit(p.unit)}, earlier rows in ${describeTimeUnit(unit)}`, {
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
      parseTimeField(r[l.closeTime], file, line, h[l.closeTime], ct);
      if (ct.unit !== p.unit) {
        throw new DataError(`mixed time units: close_time is in ${describeTimeUnit(ct.unit)}, open_time in ${describeTimeUnit(p.unit)}`, {
          file, line, field: h[l.closeTime],
        });
      }
      if (!(ct.ms > p.ms)) throw new DataError(`close_time is not after open_time`, { file, line, field: h[l.closeTime] });
    }
  }
  return unit ?? 'iso';
}

function reverseAll(cols: BarColumns, lines: Int32Array): void {
  for (const key of ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBuyVolume'] as const) {
    cols[key]?.reverse();
  }
  lines.reverse();
}
