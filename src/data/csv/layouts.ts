import { DataError } from '../../core/errors.js';
import type { RawTable } from './table.js';

/**
 * The CSV layouts the bar loader understands. Each is recognised from its
 * header (or, for headerless Binance spot klines, from its shape), and each
 * can be forced by name.
 */
export const LAYOUT_NAMES = ['normalized', 'close-only', 'binance-kline', 'cryptodatadownload', 'yahoo'] as const;
export type LayoutName = (typeof LAYOUT_NAMES)[number];

/** Where each bar field lives in a record; -1 where the layout has no such column. */
export interface ResolvedLayout {
  readonly name: LayoutName;
  /** Column names as used in error messages (synthesised for headerless files). */
  readonly header: readonly string[];
  /** Index of the first data record in RawTable.records. */
  readonly firstDataIndex: number;
  readonly width: number;
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly quoteVolume: number;
  readonly trades: number;
  readonly takerBuyVolume: number;
  /** Binance close_time column: checked, not stored. */
  readonly closeTime: number;
  /** Only layouts whose source is known to write newest first may be reversed. */
  readonly mayBeNewestFirst: boolean;
  /** Symbol named inside the file (CDD `symbol` column), if any. */
  readonly symbolColumn: number;
  readonly notes: readonly string[];
}

export interface LayoutOptions {
  /** For `close-only`: the column holding the price (default `close`); other columns are ignored with a note. */
  closeColumn?: string;
}

const norm = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ');

const BASE = ['timestamp', 'open', 'high', 'low', 'close', 'volume'];
const NORMALIZED_EXTRAS = ['quote_volume', 'trades', 'taker_buy_volume'] as const;
const BINANCE_HEADER = [
  'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
  'quote_volume', 'count', 'taker_buy_volume', 'taker_buy_quote_volume', 'ignore',
];
const YAHOO_HEADER = ['date', 'open', 'high', 'low', 'close', 'adj close', 'volume'];
const EPOCH_FIELD = /^\d{9,17}$/;

type Matcher = (t: RawTable, opts: LayoutOptions, forced: boolean) => ResolvedLayout | null;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function blank(name: LayoutName, header: readonly string[], firstDataIndex: number): Mutable<Omit<ResolvedLayout, 'notes'>> & { notes: string[] } {
  return {
    name, header, firstDataIndex, width: header.length,
    time: 0, open: -1, high: -1, low: -1, close: -1, volume: -1,
    quoteVolume: -1, trades: -1, takerBuyVolume: -1, closeTime: -1,
    mayBeNewestFirst: false, symbolColumn: -1, notes: [],
  };
}

const matchNormalized: Matcher = (t) => {
  const h = t.records[0].map(norm);
  if (h.length < 6 || BASE.some((name, i) => h[i] !== name)) return null;
  const r = blank('normalized', t.records[0], 1);
  Object.assign(r, { open: 1, high: 2, low: 3, close: 4, volume: 5 });
  for (let c = 6; c < h.length; c++) {
    const extra = NORMALIZED_EXTRAS.find((e) => e === h[c]);
    // An unknown column would be dropped silently; refuse it instead.
    if (extra === undefined) {
      throw new DataError(
        `unknown column '${t.records[0][c]}' in the normalized layout (allowed extras: ${NORMALIZED_EXTRAS.join(', ')})`,
        { file: t.file, line: t.lines[0], field: t.records[0][c] },
      );
    }
    const key = extra === 'quote_volume' ? 'quoteVolume' : extra === 'trades' ? 'trades' : 'takerBuyVolume';
    if (r[key] !== -1) throw new DataError(`duplicate column '${extra}'`, { file: t.file, line: t.lines[0], field: extra });
    r[key] = c;
  }
  return r;
};

const matchCloseOnly: Matcher = (t, opts, forced) => {
  const h = t.records[0].map(norm);
  if (h[0] !== 'timestamp' && h[0] !== 'date') return null;
  const want = norm(opts.closeColumn ?? 'close');
  const c = h.indexOf(want);
  // Auto-detection takes only the exact two-column form; a wider file needs
  // the caller to say which column is the price.
  if (c <= 0 || (!forced && opts.closeColumn === undefined && h.length !== 2)) return null;
  const r = blank('close-only', t.records[0], 1);
  Object.assign(r, { open: c, high: c, low: c, close: c });
  r.notes.push(`close-only file: open = high = low = close = '${t.records[0][c]}', volume = 0`);
  const ignored = t.records[0].filter((_, i) => i !== 0 && i !== c);
  if (ignored.length > 0) r.notes.push(`columns not used: ${ignored.join(', ')}`);
  return r;
};

const matchBinance: Matcher = (t) => {
  const first = t.records[0];
  const h = first.map(norm);
  let r: ReturnType<typeof blank>;
  if (h.length === 12 && BINANCE_HEADER.every((name, i) => h[i] === name)) {
    r = blank('binance-kline', first, 1);
  } else if (first.length === 12 && EPOCH_FIELD.test(first[0])) {
    // Binance spot kline files have no header.
    r = blank('binance-kline', BINANCE_HEADER, 0);
    r.notes.push('headerless Binance kline file (spot)');
  } else return null;
  Object.assign(r, { open: 1, high: 2, low: 3, close: 4, volume: 5, closeTime: 6, quoteVolume: 7, trades: 8, takerBuyVolume: 9 });
  r.notes.push('taker_buy_quote_volume and ignore columns not used');
  return r;
};

const matchCdd: Matcher = (t) => {
  // CryptoDataDownload puts its URL on a line of its own before the header.
  let hi = 0;
  const note: string[] = [];
  if (t.records[0].length === 1 && t.records.length > 1) {
    note.push(`preamble line skipped: '${t.records[0][0]}'`);
    hi = 1;
  }
  const raw = t.records[hi];
  const h = raw.map(norm);
  const timeCol = h[0] === 'unix' || h[0] === 'unix timestamp' ? 0 : -1;
  if (timeCol !== 0 || h[1] !== 'date' || h[2] !== 'symbol' || h[3] !== 'open' || h[4] !== 'high' || h[5] !== 'low' || h[6] !== 'close') {
    return null;
  }
  const vols: number[] = [];
  let trades = -1;
  for (let c = 7; c < h.length; c++) {
    if (h[c].startsWith('volume ')) vols.push(c);
    else if (h[c] === 'tradecount') trades = c;
    else throw new DataError(`unknown column '${raw[c]}' in a CryptoDataDownload header`, { file: t.file, line: t.lines[hi], field: raw[c] });
  }
  if (vols.length !== 2) {
    throw new DataError(`expected two 'Volume <unit>' columns (base and quote), found ${vols.length}`, { file: t.file, line: t.lines[hi] });
  }
  const r = blank('cryptodatadownload', raw, hi + 1);
  Object.assign(r, { open: 3, high: 4, low: 5, close: 6, trades, mayBeNewestFirst: true, symbolColumn: 2 });
  // Which volume column is base is decided from the symbol in the first row
  // (BTC/USD -> 'Volume BTC' is base); see resolveCddVolumes.
  r.volume = vols[0];
  r.quoteVolume = vols[1];
  r.notes.push(...note, "time from the unix column; the 'date' column is not used");
  return r;
};

/** Chooses which CDD volume column is base-asset units from the symbol (e.g. `BTC/USD` or `BTCUSD`). */
export function resolveCddVolumes(t: RawTable, l: ResolvedLayout): ResolvedLayout {
  const first = t.records[l.firstDataIndex];
  if (first === undefined) return l;
  const symbol = first[l.symbolColumn].toUpperCase();
  const unitOf = (c: number): string => l.header[c].trim().slice('volume '.length).trim().toUpperCase();
  const [a, b] = [l.volume, l.quoteVolume];
  const base = symbol.split(/[/\-_]/)[0];
  let baseCol: number;
  if (symbol.includes('/') || symbol.includes('-') || symbol.includes('_')) {
    baseCol = unitOf(a) === base ? a : unitOf(b) === base ? b : -1;
  } else {
    baseCol = symbol.startsWith(unitOf(a)) ? a : symbol.startsWith(unitOf(b)) ? b : -1;
  }
  if (baseCol === -1) {
    throw new DataError(
      `cannot tell which volume column is the base asset of symbol '${first[l.symbolColumn]}' (columns '${l.header[a]}', '${l.header[b]}')`,
      { file: t.file, line: t.lines[l.firstDataIndex], field: 'symbol' },
    );
  }
  const quoteCol = baseCol === a ? b : a;
  return {
    ...l,
    volume: baseCol,
    quoteVolume: quoteCol,
    notes: [...l.notes, `volume from '${l.header[baseCol]}' (base), quote_volume from '${l.header[quoteCol]}'`],
  };
}

const matchYahoo: Matcher = (t) => {
  const h = t.records[0].map(norm);
  if (h.length !== 7 || YAHOO_HEADER.some((name, i) => h[i] !== name)) return null;
  const r = blank('yahoo', t.records[0], 1);
  Object.assign(r, { open: 1, high: 2, low: 3, close: 4, volume: 6 });
  r.notes.push("close from 'Close' (not 'Adj Close', which is rewritten after every dividend and split)");
  return r;
};

const MATCHERS: Record<LayoutName, Matcher> = {
  normalized: matchNormalized,
  'close-only': matchCloseOnly,
  'binance-kline': matchBinance,
  cryptodatadownload: matchCdd,
  yahoo: matchYahoo,
};

export function isLayoutName(s: string): s is LayoutName {
  return (LAYOUT_NAMES as readonly string[]).includes(s);
}

/** Recognises the layout of a table (or checks the forced one), and says what header it saw when none fits. */
export function resolveLayout(t: RawTable, forced: LayoutName | undefined, opts: LayoutOptions = {}): ResolvedLayout {
  const seen = t.records.slice(0, 2).map((r) => r.join(',')).join(' / ');
  if (forced !== undefined) {
    if (!isLayoutName(forced)) throw new DataError(`unknown layout name '${String(forced)}' (known: ${LAYOUT_NAMES.join(', ')})`, { file: t.file });
    const r = MATCHERS[forced](t, opts, true);
    if (r === null) throw new DataError(`header does not match layout '${forced}': saw '${seen}'`, { file: t.file, line: t.lines[0] });
    return forced === 'cryptodatadownload' ? resolveCddVolumes(t, r) : r;
  }
  for (const name of LAYOUT_NAMES) {
    const r = MATCHERS[name](t, opts, false);
    if (r !== null) return name === 'cryptodatadownload' ? resolveCddVolumes(t, r) : r;
  }
  throw new DataError(`unknown layout: first lines are '${seen}' (known layouts: ${LAYOUT_NAMES.join(', ')})`, {
    file: t.file,
    line: t.lines[0],
  });
}
