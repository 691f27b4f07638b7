import { MS_PER_DAY } from '../../core/time.js';
import { crashWindowMs, type CrashEntry } from '../catalog.js';
import {
  BINANCE_INTERVALS,
  binanceFundingPath,
  binanceKlinePath,
  binanceMetricsPath,
  CBOE_VIX_PATH,
  deribitChartPath,
  deribitDvolPath,
  deribitOptionTradesPath,
  FetchError,
  sourceUrl,
  type BinanceMarket,
  type Origins,
  type SourceName,
} from './sources.js';

/**
 * What a crash needs, as a list of files: read from the crash's catalog entry
 * (its window, and the sources it names: Binance's archive with the market
 * and symbol in its URL, Deribit's DVOL with its currency and resolution,
 * CBOE's VIX), so the same name always asks for the same URLs.
 */

export type ItemKind = 'klines' | 'metrics' | 'funding' | 'dvol' | 'index' | 'vix' | 'optionTrades';

/**
 * A series fetched page by page, where each page's URL depends on the page
 * before (Deribit's option trades: the next page starts at the last trade's
 * time), so only the first URL is known when planning.
 */
export interface PagedFetch {
  readonly kind: 'optionTrades';
  readonly source: SourceName;
  readonly currency: string;
  readonly startMs: number;
  /** Inclusive, as Deribit reads it. */
  readonly endMs: number;
  readonly firstUrl: string;
  /** Folder of the verified pages, relative to the data directory. */
  readonly cacheDir: string;
}

export interface FetchItem {
  readonly kind: ItemKind;
  readonly source: SourceName;
  readonly url: string;
  /** The publisher's sha256 of the file (Binance's `.CHECKSUM`); absent where none is published. */
  readonly checksumUrl?: string;
  /** Where the verified file is kept, relative to the data directory. */
  readonly cachePath: string;
  /** A missing optional file (HTTP 404) is reported and skipped; a missing required one stops the fetch. */
  readonly required: boolean;
}

export interface FetchPlan {
  readonly crash: string;
  readonly symbol: string;
  readonly market: BinanceMarket;
  readonly interval: string;
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
  /** Deribit currency and resolution when DVOL is fetched. */
  readonly dvol?: { readonly currency: string; readonly resolution: string };
  /** Deribit instrument and resolution (minutes) of the price candles, when fetched. */
  readonly index?: { readonly instrument: string; readonly resolution: string };
  readonly items: readonly FetchItem[];
  /** Absent or empty: nothing is paged. */
  readonly paged?: readonly PagedFetch[];
}

export interface PlanOptions {
  readonly origins: Origins;
  /** Kline interval; default 1m. */
  readonly interval?: string;
  /** Override the market and symbol read from the catalog's archive URL. */
  readonly market?: BinanceMarket;
  readonly symbol?: string;
  /** Override the catalog window (UTC day starts, end exclusive), epoch ms. */
  readonly startMs?: number;
  readonly endMs?: number;
}

/** Deribit returns at most this many candles per call; the window is cut into calls of this many. */
export const DERIBIT_MAX_CANDLES = 1000;

const DERIBIT_RESOLUTIONS = ['1', '60', '3600', '43200', '1D'];

/** Trades per page of Deribit's trade queries (its maximum). */
export const DERIBIT_TRADES_PER_PAGE = 1000;

/**
 * First day Deribit lists options of a currency: a window wholly before it
 * has no trades to ask for. BTC options trade there since 2016; ETH since 2019.
 */
const DERIBIT_OPTIONS_SINCE: Readonly<Record<string, number>> = {
  BTC: Date.UTC(2016, 0, 1),
  ETH: Date.UTC(2019, 0, 1),
};

/** Candle resolution of the perpetual's prices, minutes: the kline grid the model replays by default. */
const DERIBIT_CHART_RESOLUTION = '1';

const ARCHIVE_PREFIX = /data\.binance\.vision\/\?prefix=data\/(spot|futures\/um)\/(?:monthly|daily)\/klines\/([A-Z0-9]+)\//;

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const isoMonth = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** First day of the month after the one holding `ms` (UTC). */
function nextMonthMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * The archive files covering [startMs, endMs): a whole calendar month inside
 * the window is one monthly file; the days of a partly covered month are
 * daily files (a 15-day window inside a month fetches 15 days, not 31).
 */
export function archivePeriods(startMs: number, endMs: number): Array<{ period: 'monthly' | 'daily'; date: string }> {
  const out: Array<{ period: 'monthly' | 'daily'; date: string }> = [];
  let day = Math.floor(startMs / MS_PER_DAY) * MS_PER_DAY;
  while (day < endMs) {
    const monthEnd = nextMonthMs(day);
    if (new Date(day).getUTCDate() === 1 && monthEnd <= endMs) {
      out.push({ period: 'monthly', date: isoMonth(day) });
      day = monthEnd;
    } else {
      out.push({ period: 'daily', date: isoDay(day) });
      day += MS_PER_DAY;
    }
  }
  return out;
}

function binanceItem(kind: ItemKind, origins: Origins, path: string, required: boolean): FetchItem {
  const url = sourceUrl(origins, 'binance', path);
  return { kind, source: 'binance', url, checksumUrl: `${url}.CHECKSUM`, cachePath: `binance/${path}`, required };
}

function archiveSource(crash: CrashEntry): { market: BinanceMarket; symbol: string } | null {
  for (const s of crash.dataSources) {
    const m = ARCHIVE_PREFIX.exec(s.url);
    if (m) return { market: m[1] === 'spot' ? 'spot' : 'um', symbol: m[2] };
  }
  return null;
}

function deribitSource(crash: CrashEntry): { currency: string; resolution: string } | null {
  for (const s of crash.dataSources) {
    if (!s.url.includes('get_volatility_index_data')) continue;
    const q = new URL(s.url).searchParams;
    const currency = q.get('currency');
    const resolution = q.get('resolution') ?? '3600';
    if (currency !== null && DERIBIT_RESOLUTIONS.includes(resolution)) return { currency, resolution };
  }
  return null;
}

const resolutionMs = (r: string): number => (r === '1D' ? MS_PER_DAY : Number(r) * 1000);

export function planFetch(crash: CrashEntry, opts: PlanOptions): FetchPlan {
  const archive = archiveSource(crash);
  const market = opts.market ?? archive?.market;
  const symbol = opts.symbol ?? archive?.symbol;
  if (market === undefined || symbol === undefined) {
    const names = crash.dataSources.map((s) => s.name).join('; ');
    throw new FetchError(
      `crash '${crash.name}' names no Binance archive source (it lists: ${names}); pass --symbol and --market to fetch Binance klines for its window`,
      { field: 'crash' },
    );
  }
  const interval = opts.interval ?? '1m';
  if (!(BINANCE_INTERVALS as readonly string[]).includes(interval)) {
    throw new FetchError(`unknown interval '${interval}' (${BINANCE_INTERVALS.join(', ')})`, { field: '--interval' });
  }
  if (interval === '1s' && market !== 'spot') throw new FetchError('1s klines exist for spot only', { field: '--interval' });
  if (!/^[A-Z0-9]{2,30}$/.test(symbol)) throw new FetchError(`'${symbol}' is not a Binance symbol (upper-case letters and digits, e.g. BTCUSDT)`, { field: '--symbol' });
  const window = crashWindowMs(crash);
  const startMs = opts.startMs ?? window.startMs;
  const endMs = opts.endMs ?? window.endMs;
  if (!(startMs < endMs)) throw new FetchError('the window is empty: --to must be after --from', { field: '--to' });

  const items: FetchItem[] = [];
  const periods = archivePeriods(startMs, endMs);
  for (const p of periods) items.push(binanceItem('klines', opts.origins, binanceKlinePath(market, p.period, symbol, interval, p.date), true));
  if (market === 'um') {
    // Open interest and funding are published for USD-M only; the model does
    // not read them yet, so a missing day is not a reason to stop.
    for (let day = Math.floor(startMs / MS_PER_DAY) * MS_PER_DAY; day < endMs; day += MS_PER_DAY) {
      items.push(binanceItem('metrics', opts.origins, binanceMetricsPath(symbol, isoDay(day)), false));
    }
    for (let m = Date.UTC(new Date(startMs).getUTCFullYear(), new Date(startMs).getUTCMonth(), 1); m < endMs; m = nextMonthMs(m)) {
      items.push(binanceItem('funding', opts.origins, binanceFundingPath(symbol, isoMonth(m)), false));
    }
  }
  const dvol = deribitSource(crash);
  if (dvol) {
    const span = DERIBIT_MAX_CANDLES * resolutionMs(dvol.resolution);
    for (let s = startMs; s < endMs; s += span) {
      // end_timestamp is inclusive at Deribit: stop 1 ms short so calls do not overlap.
      const e = Math.min(s + span, endMs) - 1;
      items.push({
        kind: 'dvol',
        source: 'deribit',
        url: sourceUrl(opts.origins, 'deribit', deribitDvolPath(dvol.currency, s, e, dvol.resolution)),
        cachePath: `deribit/dvol/${dvol.currency}-${dvol.resolution}-${s}-${e}.json`,
        required: false,
      });
    }
  }
  const paged: PagedFetch[] = [];
  // A catalog entry that names Deribit (its DVOL) is a crypto crash Deribit
  // covers: its perpetual's candles and its option trades are fetched too.
  const index = dvol ? { instrument: `${dvol.currency}-PERPETUAL`, resolution: DERIBIT_CHART_RESOLUTION } : undefined;
  if (index) {
    const span = DERIBIT_MAX_CANDLES * Number(index.resolution) * 60_000;
    for (let s = startMs; s < endMs; s += span) {
      const e = Math.min(s + span, endMs) - 1;
      items.push({
        kind: 'index',
        source: 'deribit',
        url: sourceUrl(opts.origins, 'deribit', deribitChartPath(index.instrument, s, e, index.resolution)),
        cachePath: `deribit/chart/${index.instrument}-${index.resolution}-${s}-${e}.json`,
        required: false,
      });
    }
  }
  const since = dvol ? DERIBIT_OPTIONS_SINCE[dvol.currency] : undefined;
  if (dvol && since !== undefined && endMs > since) {
    const from = Math.max(startMs, since);
    paged.push({
      kind: 'optionTrades',
      source: 'deribit-history',
      currency: dvol.currency,
      startMs: from,
      endMs: endMs - 1,
      firstUrl: sourceUrl(opts.origins, 'deribit-history', deribitOptionTradesPath(dvol.currency, from, endMs - 1, DERIBIT_TRADES_PER_PAGE)),
      cacheDir: `deribit/trades/${dvol.currency}-option-${from}-${endMs - 1}`,
    });
  }
  if (crash.dataSources.some((s) => s.url.includes('cboe.com'))) {
    items.push({ kind: 'vix', source: 'cboe', url: sourceUrl(opts.origins, 'cboe', CBOE_VIX_PATH), cachePath: 'cboe/VIX_History.csv', required: false });
  }
  return { crash: crash.name, symbol, market, interval, startMs, endMs, ...(dvol ? { dvol } : {}), ...(index ? { index } : {}), items, paged };
}
