import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../../src/core/time.js';
import { fetchOptionTrades, pageUrl, TRADES_CSV_HEADER } from '../../../src/data/fetch/deribitTrades.js';
import type { DownloadOptions } from '../../../src/data/fetch/download.js';
import type { PagedFetch } from '../../../src/data/fetch/plan.js';
import { DEFAULT_ORIGINS, deribitOptionTradesPath, sourceUrl, type Origins } from '../../../src/data/fetch/sources.js';
import { forEachChainSnapshot, readOptionChain } from '../../../src/data/optionChain.js';
import { fitChainSeries } from '../../../src/surface/chainSeries.js';
import { SsviSurface } from '../../../src/surface/surface.js';
import { EXPIRY_DAYS, LOG_MONEYNESS } from '../../surface/chainHelpers.js';
import { serve, type Route, type Served } from './fixtures.js';
import { tradesRoute, type FixtureTrade } from './deribitTradesFixtures.js';

/**
 * Deribit's option trades fetched page by page from a local server that
 * pages like the venue: the next page starts at the last trade's time, the
 * trades of that millisecond already written are skipped by trade_id, and
 * has_more false ends the series.
 */

const T0 = Date.UTC(2020, 2, 12, 0);
const END = T0 + MS_PER_DAY - 1;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Deribit's name of an option expiring at 08:00 UTC on the day of `expiryMs`. */
function optionName(expiryMs: number, strike: number, kind: 'C' | 'P'): string {
  const d = new Date(expiryMs);
  return `BTC-${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear()).slice(2)}-${strike}-${kind}`;
}

/**
 * Ten trades whose times (seconds after T0) are 0,1,2,3,3,4,5,5,5,6: with 4
 * trades a page, page 1 ends inside the pair at 3 s and page 2 inside the
 * triple at 5 s, so each later page starts with a trade already written.
 */
const TEN: FixtureTrade[] = [0, 1, 2, 3, 3, 4, 5, 5, 5, 6].map((s, i) => ({
  trade_id: String(60_000_001 + i),
  timestamp: T0 + s * 1000,
  instrument_name: i % 2 === 0 ? 'BTC-27MAR20-5000-P' : 'BTC-27MAR20-9000-C',
  price: 0.01 + i / 1000,
  iv: 80 + i,
  index_price: 7900 - i,
  amount: 1 + i / 10,
  direction: i % 3 === 0 ? 'sell' : 'buy',
}));

const csvLine = (t: FixtureTrade): string => `${t.timestamp},${t.instrument_name},${t.price},${t.iv},${t.index_price},${t.amount},${t.direction},${t.trade_id}`;

let tmp: string;
let n = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cascade-deribit-trades-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function paged(origins: Origins, startMs = T0, endMs = END): PagedFetch {
  return {
    kind: 'optionTrades',
    source: 'deribit-history',
    currency: 'BTC',
    startMs,
    endMs,
    firstUrl: sourceUrl(origins, 'deribit-history', deribitOptionTradesPath('BTC', startMs, endMs, 1000)),
    cacheDir: `deribit/trades/BTC-option-${startMs}-${endMs}`,
  };
}

function setup(): { dataDir: string; out: string; retries: number[]; opts: DownloadOptions } {
  const dataDir = join(tmp, `d${n++}`);
  const retries: number[] = [];
  return {
    dataDir,
    out: join(dataDir, 'BTC-option-trades.csv'),
    retries,
    opts: { dataDir, retries: 3, retryBaseMs: 1, timeoutMs: 5000, events: { onRetry: (_i, attempt) => retries.push(attempt) } },
  };
}

async function withServer<T>(routes: (path: string) => Route | undefined, body: (s: Served) => Promise<T>): Promise<T> {
  const s = await serve(routes);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

const starts = (s: Served): number[] => s.requests.map((r) => Number(new URL(r.path, 'http://x').searchParams.get('start_timestamp')));

describe('paging Deribit option trades by time', () => {
  it('3 pages of 4: each starts at the last trade time before it, the 2 boundary repeats are skipped by trade_id, has_more false stops', async () => {
    const { opts, out } = setup();
    await withServer((p) => tradesRoute(TEN, p, 4), async (s) => {
      const r = await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out);
      expect(starts(s)).toEqual([T0, T0 + 3000, T0 + 5000]);
      expect(r).toMatchObject({ rows: 10, duplicates: 2 });
      expect(r.pages.map((p) => p.status)).toEqual(['downloaded', 'downloaded', 'downloaded']);
      // Every distinct trade once, in the venue's order, including the second trade at 3 s and the last two at 5 s.
      expect(readFileSync(out, 'utf8')).toBe(`${TRADES_CSV_HEADER}\n${TEN.map(csvLine).join('\n')}\n`);
      // The same fetch again reads the three verified pages from the cache and asks the server nothing.
      const before = s.requests.length;
      const again = await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out);
      expect(s.requests.length).toBe(before);
      expect(again.pages.map((p) => p.status)).toEqual(['cached', 'cached', 'cached']);
      expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(12);
    });
  });

  it('distinct trades sharing the boundary millisecond are all kept (ids decide, never times)', async () => {
    // Times 5,6,7,7,7,8 s, 4 a page: page 1 ends on two of the three trades at 7 s; page 2 repeats them and brings the third.
    const same: FixtureTrade[] = [5, 6, 7, 7, 7, 8].map((sec, i) => ({ ...TEN[i], timestamp: T0 + sec * 1000 }));
    const { opts, out } = setup();
    await withServer((p) => tradesRoute(same, p, 4), async (s) => {
      const r = await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out);
      expect(starts(s)).toEqual([T0, T0 + 7000]);
      expect(r).toMatchObject({ rows: 6, duplicates: 2 });
      expect(readFileSync(out, 'utf8')).toBe(`${TRADES_CSV_HEADER}\n${same.map(csvLine).join('\n')}\n`);
    });
  });

  it('a page whose trades all share its start millisecond and say has_more is refused: time paging cannot pass it', async () => {
    const stuck: FixtureTrade[] = TEN.slice(0, 5).map((t) => ({ ...t, timestamp: T0 }));
    const { opts, out } = setup();
    await withServer((p) => tradesRoute(stuck, p, 4), async (s) => {
      const origins = { ...DEFAULT_ORIGINS, 'deribit-history': s.origin };
      await expect(fetchOptionTrades(paged(origins), opts, out)).rejects.toThrow(
        `${pageUrl(paged(origins), T0)}: field 'result.has_more': all 4 trades of this page are at ${T0} and it says has_more: paging by time cannot get past that millisecond`,
      );
      expect(existsSync(out)).toBe(false);
    });
  });

  it('a connection dropped mid-page is retried (resumed by Range) and the series comes out whole', async () => {
    const { opts, out, retries } = setup();
    await withServer(
      (p) => {
        const r = tradesRoute(TEN, p, 4);
        return r && p.includes(`start_timestamp=${T0 + 3000}&`) ? { ...r, dropAfter: { bytes: 120, times: 1 } } : r;
      },
      async (s) => {
        const r = await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out);
        expect(retries).toEqual([1]);
        expect(r.pages[1]).toMatchObject({ status: 'downloaded', resumedBytes: 120 });
        expect(s.requests.filter((q) => q.range !== undefined).map((q) => q.range)).toEqual(['bytes=120-']);
        expect(readFileSync(out, 'utf8')).toBe(`${TRADES_CSV_HEADER}\n${TEN.map(csvLine).join('\n')}\n`);
      },
    );
  });

  it.each([
    ['a non-numeric iv', (t: FixtureTrade[]) => (t[1].iv = 'x'), "field 'result.trades[1].iv': expected a finite number, got \"x\""],
    ['a missing direction', (t: FixtureTrade[]) => delete (t[2] as Partial<FixtureTrade>).direction, "field 'result.trades[2].direction': expected 'buy' or 'sell', got undefined"],
    ['a trade out of time order', (t: FixtureTrade[]) => (t[2].timestamp = T0 + 2000), `field 'result.trades[2].timestamp': trade time ${T0 + 2000} is before ${T0 + 3000} (the page's start or the trade before)`],
    ['a trade after the window', (t: FixtureTrade[]) => (t[3].timestamp = END + 1), `field 'result.trades[3].timestamp': trade time ${END + 1} is after the window's end ${END}`],
  ])('a malformed second page (%s) stops the fetch with the URL and the field; nothing is written or kept', async (_what, spoil, message) => {
    const { opts, out, dataDir } = setup();
    await withServer(
      (p) => {
        const r = tradesRoute(TEN, p, 4);
        if (r === undefined || !p.includes(`start_timestamp=${T0 + 3000}&`)) return r;
        const json = JSON.parse(r.body.toString()) as { result: { trades: FixtureTrade[] } };
        spoil(json.result.trades);
        return { body: Buffer.from(JSON.stringify(json)) };
      },
      async (s) => {
        const origins = { ...DEFAULT_ORIGINS, 'deribit-history': s.origin };
        const err = await fetchOptionTrades(paged(origins), opts, out).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message.startsWith(`${pageUrl(paged(origins), T0 + 3000)}: `)).toBe(true);
        expect((err as Error).message).toContain(message);
        expect(existsSync(out)).toBe(false);
        // The bad page was deleted, not cached; the good first page stays verified for the next try.
        const kept = (readdirSync(dataDir, { recursive: true }) as string[]).map(String).filter((f) => f.endsWith('.json') || f.endsWith('.part') || f.endsWith('.tmp'));
        expect(kept.map((f) => f.split('/').pop())).toEqual([`${T0}.json`]);
      },
    );
  });

  it('a page without has_more names that field', async () => {
    const { opts, out } = setup();
    await withServer(
      (p) => (p.startsWith('/api/') ? { body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: { trades: [] } })) } : undefined),
      async (s) => {
        const origins = { ...DEFAULT_ORIGINS, 'deribit-history': s.origin };
        await expect(fetchOptionTrades(paged(origins), opts, out)).rejects.toThrow(`${paged(origins).firstUrl}: field 'result.has_more': expected true or false, got undefined`);
      },
    );
  });

  it('a first page that is not there (404) is an optional series that is absent: no file, no error', async () => {
    const { opts, out } = setup();
    await withServer(() => undefined, async (s) => {
      const r = await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out);
      expect(r).toMatchObject({ rows: 0, pages: [{ status: 'missing' }] });
      expect(existsSync(out)).toBe(false);
    });
  });

  it('offline is one line: cannot reach <host>: offline?', async () => {
    const s = await serve(() => undefined);
    const origin = s.origin;
    await s.close();
    const { opts, out } = setup();
    const err = (await fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': origin }), opts, out).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`cannot reach ${origin.slice('http://'.length)}: offline? (ECONNREFUSED)`);
  });
});

describe('the fetched trades CSV loads through the chain loader (layout deribit-trades) and calibrates', () => {
  it('trades made from a known SSVI surface, paged 7 at a time, give back its ρ, η, γ to 1e-5 and θ per expiry to 1e-6 relative', async () => {
    const YEAR_MS = 365 * MS_PER_DAY;
    const params = { rho: -0.55, eta: 0.9, gamma: 0.4 };
    const atmVol = 0.9;
    const spot = 5600;
    const grid = T0 + 3_600_000;
    const truth = new SsviSurface({ params, term: { kind: 'flat' }, atmVol });
    // One trade per expiry and log-moneyness, a few seconds apart in the half hour before the grid time; the index is the forward (no carry).
    const trades: FixtureTrade[] = [];
    for (const d of EXPIRY_DAYS) {
      const expiryMs = T0 + d * MS_PER_DAY + 8 * 3_600_000;
      for (const k of LOG_MONEYNESS) {
        const strike = Math.round(spot * Math.exp(k));
        const kind = strike <= spot ? 'P' : 'C';
        const iv = 100 * truth.impliedVol(strike, spot, (expiryMs - grid) / YEAR_MS);
        const i = trades.length;
        trades.push({ trade_id: String(70_000_000 + i), timestamp: grid - 1_800_000 + 20_000 * i, instrument_name: optionName(expiryMs, strike, kind), price: 0.05, iv: Number(iv.toFixed(8)), index_price: spot, amount: 0.1, direction: 'buy' });
      }
    }
    const { opts, out } = setup();
    const r = await withServer((p) => tradesRoute(trades, p, 7), (s) => fetchOptionTrades(paged({ ...DEFAULT_ORIGINS, 'deribit-history': s.origin }), opts, out));
    // Distinct times, 7 a page: each page after the first repeats the last trade before it, so 7 + 7 × 6 new ones = 49 >= 45 takes 8 pages.
    expect(r).toMatchObject({ rows: 45, duplicates: 7 });
    expect(r.pages).toHaveLength(8);
    const series = fitChainSeries(
      (onSnap) => forEachChainSnapshot((onRow) => void readOptionChain(out, 'deribit-trades', onRow), 3_600_000, onSnap),
      { yearMs: YEAR_MS, iv: 'mark', weights: 'equal', minExpiryMs: MS_PER_DAY, maxAgeMs: 3_600_000, file: out },
    );
    expect(series.skipped).toEqual([]);
    expect(series.fits).toHaveLength(1);
    const fit = series.fits[0];
    expect(fit.timeMs).toBe(grid);
    expect(fit.quotes).toBe(45);
    const p = fit.surface.params;
    // IVs are written to 1e-8 vol points; the fit's parameter error is a few orders above that.
    expect(Math.abs(p.rho - params.rho)).toBeLessThan(1e-5);
    expect(Math.abs(p.eta - params.eta)).toBeLessThan(1e-5);
    expect(Math.abs(p.gamma - params.gamma)).toBeLessThan(1e-5);
    const term = fit.surface.term as { readonly years: readonly number[]; readonly thetas: readonly number[] };
    term.years.forEach((T, e) => expect(Math.abs(term.thetas[e] / (atmVol ** 2 * T) - 1)).toBeLessThan(1e-6));
  });
});
