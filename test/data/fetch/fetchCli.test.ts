import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../cli/capture.js';
import { tradesRoute, type FixtureTrade } from './deribitTradesFixtures.js';
import { checksumText, klineDayCsv, makeZip, serve, sha256, type Route, type Served } from './fixtures.js';

/**
 * The whole path a user takes: `cascade data fetch <crash>` against a local
 * server with the publishers' layout, then `cascade run` on the scenario it
 * wrote. The server makes every file from the URL it is asked for, so the
 * test checks that the client asked for the right ones.
 */

const DAYS = Array.from({ length: 15 }, (_, i) => `2025-10-${String(3 + i).padStart(2, '0')}`);
const KLINE = (day: string): string => `/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-${day}.zip`;
const METRICS = (day: string): string => `/data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-${day}.zip`;
const FUNDING = '/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-10.zip';

/** Day d opens where day d−1 closed; the crash day falls 0.01% a minute, the others drift 0.0005%. */
function dayFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let price = 122_000;
  for (const day of DAYS) {
    const csv = klineDayCsv(Date.parse(`${day}T00:00:00Z`), price, true, day === '2025-10-10' ? 1e-4 : 5e-6);
    price = Number(csv.trimEnd().split('\n').at(-1)?.split(',')[4]);
    files.set(KLINE(day), makeZip([{ name: `BTCUSDT-1m-${day}.csv`, data: Buffer.from(csv) }]));
    const metrics = `create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n${day} 00:00:00,BTCUSDT,90000.0,10800000000.0,1.8,1.5,1.9,1.0\n`;
    files.set(METRICS(day), makeZip([{ name: `BTCUSDT-metrics-${day}.csv`, data: Buffer.from(metrics) }]));
  }
  const funding = 'calc_time,funding_interval_hours,last_funding_rate\n1759449600000,8,0.00010000\n1759478400000,8,0.00008000\n';
  files.set(FUNDING, makeZip([{ name: 'BTCUSDT-fundingRate-2025-10.csv', data: Buffer.from(funding) }]));
  return files;
}

/** Ten option trades on the crash day, two sharing a millisecond; served 4 a page, so 3 pages with boundary repeats. */
const TRADES: FixtureTrade[] = [0, 1, 2, 3, 3, 4, 5, 5, 5, 6].map((s, i) => ({
  trade_id: String(400_000_000 + i),
  timestamp: Date.parse('2025-10-10T21:00:00Z') + s * 1000,
  instrument_name: 'BTC-31OCT25-100000-P',
  price: 0.02 + i / 1000,
  iv: 55 + i,
  index_price: 110_000 - 100 * i,
  amount: 1,
  direction: 'sell',
}));

function route(files: Map<string, Buffer>, path: string): Route | undefined {
  const trades = tradesRoute(TRADES, path, 4);
  if (trades) return trades;
  if (path.startsWith('/api/v2/public/get_tradingview_chart_data?')) {
    const q = new URL(path, 'http://x').searchParams;
    const ticks: number[] = [];
    for (let t = Number(q.get('start_timestamp')); t <= Number(q.get('end_timestamp')); t += 60_000) ticks.push(t);
    const close = ticks.map((t) => 120_000 + (t / 60_000) % 11);
    return { body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: { status: 'ok', ticks, open: close, high: close.map((c) => c + 1), low: close.map((c) => c - 1), close, volume: ticks.map(() => 2), cost: ticks.map(() => 0) } })) };
  }
  const body = files.get(path);
  if (body) return { body };
  if (path.endsWith('.CHECKSUM')) {
    const zip = files.get(path.slice(0, -'.CHECKSUM'.length));
    return zip ? { body: Buffer.from(checksumText(zip, path.split('/').at(-1)?.replace('.CHECKSUM', '') ?? '')) } : undefined;
  }
  if (path.startsWith('/api/v2/public/get_volatility_index_data?')) {
    const q = new URL(path, 'http://x').searchParams;
    const rows: number[][] = [];
    for (let t = Number(q.get('start_timestamp')); t <= Number(q.get('end_timestamp')); t += 60_000) {
      const v = 44 + (t / 60_000) % 7;
      rows.push([t, v, v + 0.5, v - 0.5, v]);
    }
    return { body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: { data: rows, continuation: null } })) };
  }
  if (path === '/api/global/us_indices/daily_prices/VIX_History.csv') {
    return { body: Buffer.from('DATE,OPEN,HIGH,LOW,CLOSE\n10/09/2025,16.30,16.90,16.10,16.43\n10/10/2025,16.50,22.40,16.40,21.66\n') };
  }
  return undefined;
}

let tmp: string;
let server: Served;
let files: Map<string, Buffer>;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cascade-fetch-cli-'));
  files = dayFiles();
  server = await serve((p) => route(files, p));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('cascade data fetch --dry-run btc-2025-10-10', () => {
  it('lists the exact URLs: each Binance file after its .CHECKSUM, Deribit DVOL and perpetual candles in 1,000-minute calls, CBOE VIX, the first page of the option trades', async () => {
    const r = await cli(['data', 'fetch', '--dry-run', 'btc-2025-10-10', '--data-dir', join(tmp, 'dry')]);
    expect(r.code).toBe(0);
    const urls = r.out.split('\n').filter((l) => l.includes('\thttp')).map((l) => l.split('\t')[1]);
    const bv = 'https://data.binance.vision';
    const want: string[] = [];
    for (const d of DAYS) want.push(`${bv}${KLINE(d)}.CHECKSUM`, `${bv}${KLINE(d)}`);
    for (const d of DAYS) want.push(`${bv}${METRICS(d)}.CHECKSUM`, `${bv}${METRICS(d)}`);
    want.push(`${bv}${FUNDING}.CHECKSUM`, `${bv}${FUNDING}`);
    // 2025-10-03T00:00Z = 1759449600000; 1,000 one-minute candles = 60,000,000 ms per call.
    for (let s = 1759449600000; s < 1760745600000; s += 60_000_000) {
      const e = Math.min(s + 60_000_000, 1760745600000) - 1;
      want.push(`https://www.deribit.com/api/v2/public/get_volatility_index_data?currency=BTC&start_timestamp=${s}&end_timestamp=${e}&resolution=60`);
    }
    for (let s = 1759449600000; s < 1760745600000; s += 60_000_000) {
      const e = Math.min(s + 60_000_000, 1760745600000) - 1;
      want.push(`https://www.deribit.com/api/v2/public/get_tradingview_chart_data?instrument_name=BTC-PERPETUAL&start_timestamp=${s}&end_timestamp=${e}&resolution=1`);
    }
    want.push('https://cdn.cboe.com/api/global/us_indices/daily_prices/VIX_History.csv');
    want.push(
      'https://history.deribit.com/api/v2/public/get_last_trades_by_currency_and_time?currency=BTC&kind=option&start_timestamp=1759449600000&end_timestamp=1760745599999&count=1000&sorting=asc&include_old=true',
    );
    expect(urls).toEqual(want);
    expect(r.out).toContain('(optional; then pages by time until has_more is false)');
    expect(r.out).toContain('76 files (31 with a published sha256) and 1 paged series');
    expect(existsSync(join(tmp, 'dry'))).toBe(false); // a dry run writes nothing
  });
});

describe('cascade data fetch btc-2025-10-10 --mirror <local server>, then cascade run', () => {
  it('downloads, verifies, joins, writes a scenario, and the scenario runs on the fetched bars', async () => {
    const dataDir = join(tmp, 'cache');
    const r = await cli(['data', 'fetch', 'btc-2025-10-10', '--mirror', `binance=${server.origin}`, '--mirror', `deribit=${server.origin}`, '--mirror', `cboe=${server.origin}`, '--data-dir', dataDir]);
    expect(r.err).not.toContain('retry');
    expect(r.code).toBe(0);
    // Off a terminal, progress is one plain line per file (79 files: 15 + 15 + 1 Binance, 22 DVOL and 22 candle calls, VIX, 3 pages of trades).
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(79);
    expect(lines[0]).toMatch(/^fetched {2}binance\/data\/futures\/um\/daily\/klines\/BTCUSDT\/1m\/BTCUSDT-1m-2025-10-03\.zip \(\d+ bytes; sha256 verified against the published \.CHECKSUM\)$/);
    expect(lines.at(-4)).toMatch(/^fetched {2}cboe\/VIX_History\.csv \(\d+ bytes; no published checksum; content checked\)$/);
    expect(lines.at(-1)).toMatch(/^fetched {2}deribit\/trades\/BTC-option-1759449600000-1760745599999\/1760130005000\.json \(\d+ bytes; no published checksum; content checked\)$/);
    expect(r.out).toContain('21600 bars in');
    expect(r.out).toContain('; 21600 DVOL rows; 2 VIX rows; 21600 Deribit perpetual candles; 10 Deribit option trades');
    // The ten trades once each, in order (the two pages after the first each began with a trade already written).
    const trades = readFileSync(join(dataDir, 'btc-2025-10-10', 'BTC-option-trades.csv'), 'utf8').trimEnd().split('\n');
    expect(trades.slice(1).map((l) => l.split(',').at(-1))).toEqual(TRADES.map((t) => t.trade_id));
    // The first candle: minute 29,324,160 since the epoch = 11 × 2,665,832 + 8, so close 120,008.
    expect(readFileSync(join(dataDir, 'btc-2025-10-10', 'BTC-PERPETUAL-1m.csv'), 'utf8').split('\n')[1]).toBe('2025-10-03T00:00:00Z,120008,120009,120007,120008,2');
    const crashDir = join(dataDir, 'btc-2025-10-10');
    const manifest = JSON.parse(readFileSync(join(crashDir, 'fetch.json'), 'utf8')) as { files: Array<{ url: string; status: string; sha256?: string; verifiedBy?: string }> };
    // Every Binance file was checked against the sha256 the server published for it.
    for (const f of manifest.files.filter((x) => x.url.includes('/data/'))) {
      const path = new URL(f.url).pathname;
      expect(f).toMatchObject({ status: 'downloaded', sha256: sha256(files.get(path) as Buffer), verifiedBy: 'published-sha256' });
    }
    // Nothing partial is left anywhere under the data directory.
    const all = (readdirSync(dataDir, { recursive: true }) as string[]).map(String);
    expect(all.filter((p) => p.endsWith('.part') || p.endsWith('.tmp'))).toEqual([]);
    const bars = readFileSync(join(crashDir, 'BTCUSDT-um-1m.csv'), 'utf8').split('\n');
    expect(bars[0]).toBe('open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore');
    expect(bars[1].startsWith('1759449600000,122000.0,')).toBe(true);
    expect(bars.length).toBe(1 + 21600 + 1);
    const scenarioPath = join(crashDir, 'scenario.json');
    const scenario = JSON.parse(readFileSync(scenarioPath, 'utf8')) as { data: unknown };
    expect(scenario.data).toEqual({
      bars: { source: 'file', path: 'BTCUSDT-um-1m.csv', layout: 'binance-kline', symbol: 'BTCUSDT' },
      iv: { path: 'BTC-dvol-60.csv' },
      window: { start: '2025-10-03T00:00:00Z', end: '2025-10-18T00:00:00Z' },
    });

    // A second fetch finds every file in the cache and asks the server for nothing.
    const before = server.requests.length;
    const again = await cli(['data', 'fetch', 'btc-2025-10-10', '--mirror', server.origin, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(again.err).toContain('cached');

    // The run uses the scenario as written; only its window is narrowed to the crash day and the day before, to keep the test short.
    const out = join(tmp, 'report');
    const run = await cli([
      'run', relative(process.cwd(), scenarioPath), '--no-band', '--quiet', '--out', out,
      '--set', 'data.window.start=2025-10-09T00:00:00Z', '--set', 'data.window.end=2025-10-11T00:00:00Z',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    // 2 days of 1-minute bars = 2,880; a quarter of them (720) calibrate the depth, the rest are simulated.
    expect(summary).toMatchObject({
      synthetic: false,
      dataLabel: 'historical data',
      dataSha256: sha256(readFileSync(join(crashDir, 'BTCUSDT-um-1m.csv'))),
      calibrationWindow: { firstBar: '2025-10-09T00:00:00Z', warmupBars: 720 },
      firstBar: '2025-10-09T12:00:00Z',
      lastBar: '2025-10-10T23:59:00Z',
      bars: 2160,
    });
  });

  it('an unreachable mirror is one line: cannot reach <host>: offline?', async () => {
    const s = await serve(() => undefined);
    const origin = s.origin;
    await s.close();
    const r = await cli(['data', 'fetch', 'btc-2025-10-10', '--mirror', origin, '--data-dir', join(tmp, 'offline')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: cannot reach ${origin.slice('http://'.length)}: offline? (ECONNREFUSED)\n`);
  });
});

describe('cascade data fetch refuses bad options in one line, before any download', () => {
  it.each([
    [['nope-2030'], /^error: field 'crash': unknown crash 'nope-2030'; valid names: /],
    [['btc-2025-10-10', '--mirror', 'bybit=http://127.0.0.1:1'], /^error: field '--mirror': unknown source 'bybit' \(binance, deribit, deribit-history, cboe\)$/],
    [['btc-2025-10-10', '--market', 'coin'], /^error: field '--market': unknown market 'coin' \(spot, um\)$/],
    [['btc-2025-10-10', '--retries', '-1'], /^error: field '--retries': '-1' is not a whole number from 0 to 20$/],
    [['btc-2025-10-10', '--from', '2025-02-30'], /^error: field '--from': .*2025-02 has 28 days, not 30$/],
    [['btc-2025-10-10', '--interval', '2m'], /^error: field '--interval': unknown interval '2m'/],
    [['black-monday-1987'], /^error: field 'crash': crash 'black-monday-1987' names no Binance archive source/],
  ])('%j', async (args, message) => {
    const r = await cli(['data', 'fetch', ...args, '--data-dir', join(tmp, 'refused')]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd()).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(tmp, 'refused'))).toBe(false);
  });
});
