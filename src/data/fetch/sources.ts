import { CascadeError } from '../../core/errors.js';

/**
 * Where each source lives and how its files are named. The URL paths are the
 * publishers' own, so a mirror (or a test's local server) that copies the
 * layout is reached by swapping the origin only.
 */
export const SOURCE_NAMES = ['binance', 'deribit', 'deribit-history', 'cboe'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export const DEFAULT_ORIGINS: Readonly<Record<SourceName, string>> = {
  binance: 'https://data.binance.vision',
  deribit: 'https://www.deribit.com',
  // Deribit's live API answers trade queries for the last 24 hours only; its
  // history host serves the same methods over the whole record.
  'deribit-history': 'https://history.deribit.com',
  cboe: 'https://cdn.cboe.com',
};

/** A download or network failure: printed by the CLI as one line, like every CascadeError. */
export class FetchError extends CascadeError {}

export type Origins = Readonly<Record<SourceName, string>>;

/**
 * `--mirror binance=http://host/prefix` points one source elsewhere; a bare
 * URL points every source at one host (a local server that serves every
 * layout, as the tests do).
 */
export function parseMirrors(specs: readonly string[]): Origins {
  const origins: Record<SourceName, string> = { ...DEFAULT_ORIGINS };
  const explicit = new Set<SourceName>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const named = eq > 0 && !spec.slice(0, eq).includes('/') ? spec.slice(0, eq) : null;
    const url = named === null ? spec : spec.slice(eq + 1);
    if (named !== null && !(SOURCE_NAMES as readonly string[]).includes(named)) {
      throw new FetchError(`unknown source '${named}' (${SOURCE_NAMES.join(', ')})`, { field: '--mirror' });
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FetchError(`'${url}' is not a URL (expected e.g. binance=http://127.0.0.1:8080)`, { field: '--mirror' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new FetchError(`'${url}' must be http or https`, { field: '--mirror' });
    }
    const origin = url.replace(/\/+$/, '');
    if (named === null) for (const s of SOURCE_NAMES) origins[s] = origin;
    else origins[named as SourceName] = origin;
    if (named !== null) explicit.add(named as SourceName);
  }
  // A Deribit mirror serves the history host's methods too, unless that host is pointed elsewhere itself.
  if (explicit.has('deribit') && !explicit.has('deribit-history')) origins['deribit-history'] = origins.deribit;
  return origins;
}

/** Binance's archive: `spot` or `um` (USD-M futures). */
export type BinanceMarket = 'spot' | 'um';
export type BinancePeriod = 'monthly' | 'daily';

/** Kline intervals the archive publishes (1s for spot only). */
export const BINANCE_INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1mo'] as const;

const marketPath = (m: BinanceMarket): string => (m === 'spot' ? 'spot' : 'futures/um');

/** `data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-10-10.zip` (date is YYYY-MM for monthly files). */
export function binanceKlinePath(market: BinanceMarket, period: BinancePeriod, symbol: string, interval: string, date: string): string {
  return `data/${marketPath(market)}/${period}/klines/${symbol}/${interval}/${symbol}-${interval}-${date}.zip`;
}

/** USD-M `metrics` (open interest, long/short ratios, 5-minute rows): daily files only. */
export function binanceMetricsPath(symbol: string, day: string): string {
  return `data/futures/um/daily/metrics/${symbol}/${symbol}-metrics-${day}.zip`;
}

/** USD-M funding rates: monthly files only. */
export function binanceFundingPath(symbol: string, month: string): string {
  return `data/futures/um/monthly/fundingRate/${symbol}/${symbol}-fundingRate-${month}.zip`;
}

/** Deribit's DVOL candles; `resolution` in seconds or `1D`. */
export function deribitDvolPath(currency: string, startMs: number, endMs: number, resolution: string): string {
  return `api/v2/public/get_volatility_index_data?currency=${currency}&start_timestamp=${startMs}&end_timestamp=${endMs}&resolution=${resolution}`;
}

/**
 * Deribit's TradingView candles of one instrument (`BTC-PERPETUAL`): open,
 * high, low, close and volume per period; `resolution` in minutes or `1D`.
 */
export function deribitChartPath(instrument: string, startMs: number, endMs: number, resolution: string): string {
  return `api/v2/public/get_tradingview_chart_data?instrument_name=${instrument}&start_timestamp=${startMs}&end_timestamp=${endMs}&resolution=${resolution}`;
}

/**
 * One page of a currency's option trades in [startMs, endMs] (both
 * inclusive at Deribit), oldest first; `include_old` keeps the trades of
 * options that have expired since.
 */
export function deribitOptionTradesPath(currency: string, startMs: number, endMs: number, count: number): string {
  return `api/v2/public/get_last_trades_by_currency_and_time?currency=${currency}&kind=option&start_timestamp=${startMs}&end_timestamp=${endMs}&count=${count}&sorting=asc&include_old=true`;
}

export const CBOE_VIX_PATH = 'api/global/us_indices/daily_prices/VIX_History.csv';

export function sourceUrl(origins: Origins, source: SourceName, path: string): string {
  return `${origins[source]}/${path}`;
}
