import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBars } from '../../../src/data/csv/loadBars.js';
import { fetchItem } from '../../../src/data/fetch/download.js';
import { chartCsv } from '../../../src/data/fetch/extract.js';
import type { FetchItem } from '../../../src/data/fetch/plan.js';
import { deribitChartPath } from '../../../src/data/fetch/sources.js';
import { serve, type Served } from './fixtures.js';

/**
 * Deribit's perpetual candles (TradingView chart method): fetched and
 * shape-checked like any file, then joined into bars in the normalized
 * layout that the bar loader (and protocol.perp.index) reads.
 */

const T0 = Date.UTC(2025, 9, 10, 0);
const MIN = 60_000;

/** Candles i = 0..n-1 from `from` minutes after T0: close = 60000 − 10·i, open the close before, high/low ±5, volume 1 + i/10. */
function chart(fromMin: number, n: number): Record<string, number[] | string> {
  const idx = Array.from({ length: n }, (_, j) => fromMin + j);
  return {
    status: 'ok',
    ticks: idx.map((i) => T0 + i * MIN),
    open: idx.map((i) => 60_000 - 10 * (i - 1)),
    high: idx.map((i) => 60_000 - 10 * (i - 1) + 5),
    low: idx.map((i) => 60_000 - 10 * i - 5),
    close: idx.map((i) => 60_000 - 10 * i),
    volume: idx.map((i) => 1 + i / 10),
    cost: idx.map(() => 0),
  };
}

let tmp: string;
let server: Served;
let answers: Map<string, unknown>;
let bad = 0;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cascade-deribit-chart-'));
  answers = new Map();
  server = await serve((p) => (answers.has(p) ? { body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: answers.get(p) })) } : undefined));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

function item(path: string, name: string): FetchItem {
  return { kind: 'index', source: 'deribit', url: `${server.origin}/${path}`, cachePath: `deribit/chart/${name}.json`, required: false };
}
const opts = () => ({ dataDir: tmp, retries: 0, retryBaseMs: 1, timeoutMs: 5000 });

describe('Deribit perpetual candles', () => {
  it('two overlapping answers join into normalized bars inside the window, each minute once, that the bar loader reads back exactly', async () => {
    const a = deribitChartPath('BTC-PERPETUAL', T0, T0 + 5 * MIN, '1');
    const b = deribitChartPath('BTC-PERPETUAL', T0 + 4 * MIN, T0 + 9 * MIN, '1');
    answers.set(`/${a}`, chart(0, 6));
    answers.set(`/${b}`, chart(4, 6));
    const got = [await fetchItem(item(a, 'a'), opts()), await fetchItem(item(b, 'b'), opts())];
    expect(got.map((g) => g.verifiedBy)).toEqual(['content', 'content']);
    const out = join(tmp, 'BTC-PERPETUAL-1m.csv');
    // The window [T0 + 1 min, T0 + 8 min): minutes 1..7.
    expect(chartCsv(got.map((g) => g.path as string), T0 + MIN, T0 + 8 * MIN, out)).toBe(7);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe('timestamp,open,high,low,close,volume');
    expect(text.split('\n')[1]).toBe('2025-10-10T00:01:00Z,60000,60005,59985,59990,1.1');
    const { series, layout } = parseBars(text, out);
    expect(layout).toBe('normalized');
    expect(Array.from(series.time)).toEqual(Array.from({ length: 7 }, (_, j) => T0 + (j + 1) * MIN));
    expect(Array.from(series.close)).toEqual(Array.from({ length: 7 }, (_, j) => 60_000 - 10 * (j + 1)));
    expect(Array.from(series.volume)).toEqual(Array.from({ length: 7 }, (_, j) => 1 + (j + 1) / 10));
  });

  it("a 'no_data' answer (empty arrays) is a valid file that adds no bars", async () => {
    const p = deribitChartPath('BTC-PERPETUAL', T0 - 10 * MIN, T0 - MIN, '1');
    answers.set(`/${p}`, { status: 'no_data', ticks: [], open: [], high: [], low: [], close: [], volume: [], cost: [] });
    const g = await fetchItem(item(p, 'empty'), opts());
    const out = join(tmp, 'empty.csv');
    expect(chartCsv([g.path as string], T0 - 10 * MIN, T0, out)).toBe(0);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['a close array one short', (c: Record<string, number[] | string>) => (c.close as number[]).pop(), "field 'result.close': expected an array as long as result.ticks (3)"],
    ['a null high', (c: Record<string, number[] | string>) => ((c.high as unknown[])[1] = null), "field 'result.high[1]': expected a finite number, got null"],
    ['no ticks', (c: Record<string, number[] | string>) => delete c.ticks, "field 'result.ticks': expected an array as long as result.ticks (-1)"],
  ])('%s is refused naming the URL and field, and not kept', async (_name, spoil, message) => {
    // Each case its own URL (the server counts requests per URL).
    const p = deribitChartPath('BTC-PERPETUAL', T0, T0 + 2 * MIN + ++bad, '1');
    const c = chart(0, 3);
    spoil(c);
    answers.set(`/${p}`, c);
    const it_ = item(p, `bad-${bad}`);
    await expect(fetchItem(it_, opts())).rejects.toThrow(`${it_.url}: ${message}`);
    expect(existsSync(join(tmp, it_.cachePath))).toBe(false);
    expect(existsSync(join(tmp, `${it_.cachePath}.part`))).toBe(false);
  });
});
