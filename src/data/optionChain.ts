/**
 * Option-chain files (docs/data.md#option-chains): per-option quotes over
 * time, read as a stream. A day of Deribit's chain from Tardis is gigabytes,
 * so rows are checked and handed on one at a time; what is kept is the
 * latest row per instrument (a few thousand), never the file.
 *
 * Rows must come in time order: the as-of views below (the chain as known
 * at a time) are only right if no later row can still change an earlier
 * time, so a row that goes back in time is an error, never re-sorted.
 */
import { DataError } from '../core/errors.js';
import { checkInputFile } from '../core/files.js';
import { fileChunks, singleChunk, streamRecords, type ChunkSource } from './csv/recordStream.js';
import { parseTimeField, type ParsedTime } from './csv/timestamps.js';
import { CHAIN_COLUMNS, parseDeribitInstrument, type ChainLayout, type ParsedInstrument } from './optionChainLayouts.js';

/** One quote of one option at one time, as the file gave it (vols decimal). */
export interface ChainRow {
  readonly timeMs: number;
  /** Physical line in the file, for messages. */
  readonly line: number;
  readonly instrument: string;
  /** +1 call, −1 put. */
  readonly kind: 1 | -1;
  readonly strike: number;
  readonly expiryMs: number;
  /** The price the venue's IVs refer to (its forward for that expiry). */
  readonly forward: number;
  /** Decimal implied vols; NaN when the row has none (a 0 bid or ask IV means no quote on that side). */
  readonly markIv: number;
  readonly bidIv: number;
  readonly askIv: number;
  /** Contracts outstanding, base units (Deribit's coin options: 1 contract = 1 coin); NaN when the row has none. */
  readonly openInterest: number;
}

/**
 * Chain files are streamed and keep only the latest row per instrument, so
 * their size bounds nothing but the run time; this is a guard against a
 * wrong path (a disk image), not a memory limit.
 */
export const MAX_CHAIN_FILE_BYTES = 64 * 1024 * 1024 * 1024;

/** Largest IV accepted, vol points: above it a file almost surely wrote something else in the column. */
const MAX_IV_POINTS = 1000;

/** Streams the rows of a chain file in file order, each checked (see parseChainRecords). */
export function readOptionChain(path: string, layout: ChainLayout, onRow: (row: ChainRow) => void): number {
  checkInputFile(path, { maxBytes: MAX_CHAIN_FILE_BYTES, label: 'option-chain file' });
  const src = fileChunks(path);
  try {
    return parseChainRecords(src.next, path, layout, onRow);
  } finally {
    src.close();
  }
}

/** The same over text already in memory (tests, small files). */
export function parseOptionChain(text: string, file: string, layout: ChainLayout, onRow: (row: ChainRow) => void): number {
  return parseChainRecords(singleChunk(Buffer.from(text, 'utf8')), file, layout, onRow);
}

/** Returns the number of rows. */
function parseChainRecords(next: ChunkSource, file: string, layout: ChainLayout, onRow: (row: ChainRow) => void): number {
  const cols = CHAIN_COLUMNS[layout];
  let header: string[] | null = null;
  let at: Record<string, number> = {};
  let lastTime = -Infinity;
  let lastTimeLine = 0;
  let rows = 0;
  const t: ParsedTime = { ms: 0, unit: 'iso' };
  const inst: ParsedInstrument = { strike: 0, expiryMs: 0, kind: 1 };
  streamRecords(next, file, (rec, line) => {
    if (rec.length === 1 && rec[0] === '') return;
    if (header === null) {
      header = rec;
      at = {};
      rec.forEach((name, i) => (at[name] = i));
      const need = [cols.time, cols.instrument, cols.forward, cols.markIv, cols.bidIv, cols.askIv, cols.openInterest, cols.type, cols.strike, cols.expiry];
      for (const c of need) {
        if (c !== undefined && at[c] === undefined && !cols.optional.includes(c)) {
          throw new DataError(`missing column '${c}' (the ${layout} layout needs ${need.filter((x) => x !== undefined && !cols.optional.includes(x)).join(', ')})`, { file, line, field: c });
        }
      }
      return;
    }
    if (rec.length !== header.length) throw new DataError(`expected ${header.length} cells as in the header, got ${rec.length} (a cut or merged line?)`, { file, line });
    const cell = (c: string): string => (at[c] === undefined ? '' : rec[at[c]]);
    parseTimeField(cell(cols.time), file, line, cols.time, t);
    const timeMs = t.ms;
    if (timeMs < lastTime) {
      throw new DataError(`rows must be in time order: this row's time ${new Date(timeMs).toISOString()} is before ${new Date(lastTime).toISOString()} on line ${lastTimeLine}`, { file, line, field: cols.time });
    }
    lastTime = timeMs;
    lastTimeLine = line;
    const instrument = cell(cols.instrument);
    if (instrument === '') throw new DataError('empty instrument name', { file, line, field: cols.instrument });
    if (cols.type !== undefined && cols.strike !== undefined && cols.expiry !== undefined) {
      const type = cell(cols.type).toLowerCase();
      if (type !== 'call' && type !== 'put') throw new DataError(`type must be 'call' or 'put', got '${cell(cols.type)}'`, { file, line, field: cols.type });
      inst.kind = type === 'call' ? 1 : -1;
      inst.strike = positive(cell(cols.strike), file, line, cols.strike);
      parseTimeField(cell(cols.expiry), file, line, cols.expiry, t);
      inst.expiryMs = t.ms;
    } else {
      parseDeribitInstrument(instrument, file, line, cols.instrument, inst);
    }
    if (!(inst.expiryMs > timeMs)) {
      throw new DataError(`expiry ${new Date(inst.expiryMs).toISOString()} is not after the row's time ${new Date(timeMs).toISOString()}: an expired option cannot be quoted`, {
        file,
        line,
        field: cols.expiry ?? cols.instrument,
      });
    }
    const oiText = cell(cols.openInterest);
    const oi = oiText === '' ? NaN : number(oiText, file, line, cols.openInterest);
    if (oi < 0) throw new DataError(`open interest must be >= 0, got '${oiText}'`, { file, line, field: cols.openInterest });
    onRow({
      timeMs,
      line,
      instrument,
      kind: inst.kind,
      strike: inst.strike,
      expiryMs: inst.expiryMs,
      forward: positive(cell(cols.forward), file, line, cols.forward),
      markIv: ivPoints(cell(cols.markIv), file, line, cols.markIv, false),
      bidIv: ivPoints(cell(cols.bidIv), file, line, cols.bidIv, true),
      askIv: ivPoints(cell(cols.askIv), file, line, cols.askIv, true),
      openInterest: oi,
    });
    rows++;
  });
  if (header === null) throw new DataError('no header line', { file, line: 1 });
  return rows;
}

function number(text: string, file: string, line: number, field: string): number {
  const x = Number(text);
  if (text === '' || !Number.isFinite(x)) throw new DataError(`not a number: '${text}'`, { file, line, field });
  return x;
}

function positive(text: string, file: string, line: number, field: string): number {
  const x = number(text, file, line, field);
  if (!(x > 0)) throw new DataError(`must be > 0, got '${text}'`, { file, line, field });
  return x;
}

/** An IV in vol points to a decimal; empty is NaN, and so is 0 on a bid or ask (Deribit writes 0 when that side has no order). */
function ivPoints(text: string, file: string, line: number, field: string, zeroIsMissing: boolean): number {
  if (text === '') return NaN;
  const x = number(text, file, line, field);
  if (x === 0 && zeroIsMissing) return NaN;
  if (!(x > 0) || !(x < MAX_IV_POINTS)) throw new DataError(`implied vol must be in vol points in (0, ${MAX_IV_POINTS}), got '${text}'`, { file, line, field });
  return x / 100;
}

/**
 * The chain as known at a time: each instrument's latest row at or before
 * it. A row without open interest keeps the instrument's last known figure.
 */
export class ChainAsOf {
  private readonly latest = new Map<string, ChainRow>();
  /** Time of the last row applied (−∞ before any). */
  lastTimeMs = -Infinity;

  apply(row: ChainRow): void {
    const prev = this.latest.get(row.instrument);
    this.latest.set(row.instrument, Number.isNaN(row.openInterest) && prev !== undefined ? { ...row, openInterest: prev.openInterest } : row);
    this.lastTimeMs = row.timeMs;
  }

  /** The options still alive at `timeMs` (expiry after it), in instrument-name order so the result does not depend on arrival order. */
  liveAt(timeMs: number): ChainRow[] {
    const out: ChainRow[] = [];
    for (const r of this.latest.values()) if (r.expiryMs > timeMs) out.push(r);
    return out.sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
  }
}

/**
 * Cuts the stream into snapshots on a grid of `everyMs` (multiples of it
 * since the epoch): the snapshot at grid time G holds every row at or
 * before G, so it is known at G. A grid time after which no row arrived is
 * not repeated (its calibration would be the last one again).
 */
export function forEachChainSnapshot(
  read: (onRow: (row: ChainRow) => void) => void,
  everyMs: number,
  onSnapshot: (timeMs: number, quotes: readonly ChainRow[]) => void,
): void {
  if (!(everyMs > 0) || !Number.isFinite(everyMs)) throw new RangeError(`snapshot interval must be > 0 ms, got ${everyMs}`);
  const state = new ChainAsOf();
  let grid = NaN;
  let dirty = false;
  read((row) => {
    if (Number.isNaN(grid)) grid = Math.ceil(row.timeMs / everyMs) * everyMs;
    if (row.timeMs > grid) {
      if (dirty) onSnapshot(grid, state.liveAt(grid));
      grid = Math.ceil(row.timeMs / everyMs) * everyMs;
    }
    state.apply(row);
    dirty = true;
  });
  if (dirty) onSnapshot(grid, state.liveAt(grid));
}

/** Each live option's latest row at or before `timeMs` (rows after it are read and checked, never used). */
export function chainAsOf(read: (onRow: (row: ChainRow) => void) => void, timeMs: number): { rows: ChainRow[]; lastRowMs: number } {
  const state = new ChainAsOf();
  read((row) => {
    if (row.timeMs <= timeMs) state.apply(row);
  });
  return { rows: state.liveAt(timeMs), lastRowMs: state.lastTimeMs };
}
