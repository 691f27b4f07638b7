import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fetchItem, type DownloadOptions, type ItemOutcome } from './download.js';
import type { FetchItem, PagedFetch } from './plan.js';
import { parseTradesPage, TRADES_CSV_HEADER } from './deribitTradesPage.js';
import { FetchError } from './sources.js';

export { parseTradesPage, TRADES_CSV_HEADER, type DeribitTrade, type TradesPage } from './deribitTradesPage.js';

/**
 * Deribit's option trades over a window, page by page. A page holds at most
 * `count` trades oldest first and says `has_more` when the window holds
 * more; the next page starts at the last trade's time (not 1 ms past it:
 * trades sharing that millisecond may not all have fitted), and the trades
 * of that millisecond already written are recognised by trade_id and
 * skipped. Distinct trades are never dropped or reordered.
 */

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
