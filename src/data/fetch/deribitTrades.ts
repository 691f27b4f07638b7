import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fetchItem, type DownloadOptions, type ItemOutcome } from './download.js';
import type { FetchItem, PagedFetch } from './plan.js';
import { FetchError } from './sources.js';

/**
 * Deribit's option trades over a window, page by page. A page holds at most
 * `count` trades oldest first and says `has_more` when the window holds
 * more; the next page starts at the last trade's time (not 1 ms past it:
 * trades sharing that millisecond may not all have fitted), and the trades
 * of that millisecond already written are recognised by trade_id and
 * skipped. Distinct trades are never dropped or reordered.
 */

export interface DeribitTrade {
  readonly trade_id: string;
  readonly timestamp: number;
  readonly instrument_name: string;
  readonly price: number;
  /** Vol points, as Deribit gives it. */
  readonly iv: number;
  readonly index_price: number;
  readonly amount: number;
  readonly direction: 'buy' | 'sell';
}

export interface TradesPage {
  readonly trades: readonly DeribitTrade[];
  readonly hasMore: boolean;
}

/** The columns of the written CSV, which the `deribit-trades` chain layout reads. */
export const TRADES_CSV_HEADER = 'timestamp,instrument_name,price,iv,index_price,amount,direction,trade_id';

const NUMBER_FIELDS = ['timestamp', 'price', 'iv', 'index_price', 'amount'] as const;

/**
 * Checks one page's JSON and returns its trades: every field the CSV needs,
 * of the right type, in time order inside [startMs, endMs]. A bad page is an
 * error naming the URL and the field, never a silently shorter series.
 */
export function parseTradesPage(text: string, url: string, startMs: number, endMs: number): TradesPage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FetchError(`Deribit's answer is not JSON: '${text.slice(0, 100)}'`, { file: url });
  }
  const result = (json as { result?: unknown } | null)?.result as { trades?: unknown; has_more?: unknown } | undefined;
  if (result === undefined || result === null || typeof result !== 'object') throw new FetchError("Deribit's answer has no result object", { file: url, field: 'result' });
  if (!Array.isArray(result.trades)) throw new FetchError('expected an array of trades', { file: url, field: 'result.trades' });
  if (typeof result.has_more !== 'boolean') throw new FetchError(`expected true or false, got ${JSON.stringify(result.has_more)}`, { file: url, field: 'result.has_more' });
  let last = startMs;
  const trades = result.trades.map((raw: unknown, i: number): DeribitTrade => {
    const t = raw as Record<string, unknown>;
    const field = (name: string): string => `result.trades[${i}].${name}`;
    if (t === null || typeof t !== 'object') throw new FetchError('expected a trade object', { file: url, field: `result.trades[${i}]` });
    for (const f of NUMBER_FIELDS) {
      if (typeof t[f] !== 'number' || !Number.isFinite(t[f])) throw new FetchError(`expected a finite number, got ${JSON.stringify(t[f])}`, { file: url, field: field(f) });
    }
    if (typeof t.instrument_name !== 'string' || t.instrument_name === '') throw new FetchError(`expected an option name, got ${JSON.stringify(t.instrument_name)}`, { file: url, field: field('instrument_name') });
    if (typeof t.trade_id !== 'string' && typeof t.trade_id !== 'number') throw new FetchError(`expected a trade id, got ${JSON.stringify(t.trade_id)}`, { file: url, field: field('trade_id') });
    if (t.direction !== 'buy' && t.direction !== 'sell') throw new FetchError(`expected 'buy' or 'sell', got ${JSON.stringify(t.direction)}`, { file: url, field: field('direction') });
    const ts = t.timestamp as number;
    if (ts < last || ts > endMs) {
      throw new FetchError(`trade time ${ts} is ${ts > endMs ? `after the window's end ${endMs}` : `before ${last} (the page's start or the trade before)`}: the page is not in time order inside its window`, {
        file: url,
        field: field('timestamp'),
      });
    }
    last = ts;
    return {
      trade_id: String(t.trade_id),
      timestamp: ts,
      instrument_name: t.instrument_name,
      price: t.price as number,
      iv: t.iv as number,
      index_price: t.index_price as number,
      amount: t.amount as number,
      direction: t.direction,
    };
  });
  return { trades, hasMore: result.has_more };
}

/** The page starting at `startMs`: the first page's URL with its start moved. */
export function pageUrl(p: PagedFetch, startMs: number): string {
  const u = new URL(p.firstUrl);
  u.searchParams.set('start_timestamp', String(startMs));
  return u.toString();
}

export function pageItem(p: PagedFetch, startMs: number): FetchItem {
  return { kind: 'optionTrades', source: p.source, url: pageUrl(p, startMs), cachePath: `${p.cacheDir}/${startMs}.json`, required: false };
}

export interface PagedResult {
  /** Trades written (duplicates across page boundaries counted once). */
  readonly rows: number;
  /** Boundary trades seen on two pages and written once. */
  readonly duplicates: number;
  readonly pages: readonly ItemOutcome[];
}

/**
 * Fetches every page (each verified and cached like any file, so a stopped
 * fetch resumes at the first page not yet on disk) and writes the trades to
 * `out` through a temporary name. The series is optional: when the first
 * page is not there (HTTP 404) nothing is written and `rows` is 0.
 */
export async function fetchOptionTrades(p: PagedFetch, opts: DownloadOptions, out: string): Promise<PagedResult> {
  const pages: ItemOutcome[] = [];
  const tmp = `${out}.tmp`;
  mkdirSync(dirname(out), { recursive: true });
  const fd = openSync(tmp, 'w');
  let rows = 0;
  let duplicates = 0;
  let ok = false;
  try {
    writeSync(fd, `${TRADES_CSV_HEADER}\n`);
    let start = p.startMs;
    let boundaryTs = -Infinity;
    let boundaryIds = new Set<string>();
    for (;;) {
      const item = pageItem(p, start);
      const got = await fetchItem(item, opts);
      pages.push(got);
      if (got.path === undefined) {
        if (pages.length === 1) return { rows: 0, duplicates: 0, pages };
        throw new FetchError(`page ${pages.length} is missing (HTTP 404) after ${pages.length - 1} pages were found: the series would have a hole`, { file: item.url });
      }
      const page = parseTradesPage(readFileSync(got.path, 'utf8'), item.url, start, p.endMs);
      let chunk = '';
      for (const t of page.trades) {
        if (t.timestamp === boundaryTs && boundaryIds.has(t.trade_id)) {
          duplicates++;
          continue;
        }
        chunk += `${t.timestamp},${t.instrument_name},${t.price},${t.iv},${t.index_price},${t.amount},${t.direction},${t.trade_id}\n`;
        rows++;
      }
      if (chunk !== '') writeSync(fd, chunk);
      if (!page.hasMore || page.trades.length === 0) break;
      const lastTs = page.trades[page.trades.length - 1].timestamp;
      if (lastTs === start) {
        throw new FetchError(`all ${page.trades.length} trades of this page are at ${start} and it says has_more: paging by time cannot get past that millisecond`, {
          file: item.url,
          field: 'result.has_more',
        });
      }
      boundaryTs = lastTs;
      boundaryIds = new Set(page.trades.filter((t) => t.timestamp === lastTs).map((t) => t.trade_id));
      start = lastTs;
    }
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok || rows === 0) {
      if (existsSync(tmp)) unlinkSync(tmp);
    }
  }
  if (rows > 0) renameSync(tmp, out);
  return { rows, duplicates, pages };
}

/** Where the trades CSV of a plan's paged fetch goes inside the crash folder. */
export const tradesCsvName = (p: PagedFetch): string => `${p.currency}-option-trades.csv`;
export const tradesCsvPath = (dir: string, p: PagedFetch): string => join(dir, tradesCsvName(p));
