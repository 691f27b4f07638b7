import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBars } from '../../../src/data/csv/load.js';
import { cli } from '../../cli/capture.js';
import { checksumText, makeZip, serve } from './fixtures.js';

/**
 * Real Binance USD-M minutes (the team's validation file for 10 October
 * 2025) written back into the archive's daily zips, served, fetched and
 * loaded: every price and volume must come out as it went in.
 */

const DATA_DIR = process.env.CASCADE_DATA_DIR;
const FILE = 'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv';

describe.skipIf(!DATA_DIR)(`fetch round trip on real minutes (${DATA_DIR ? FILE : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cascade-fetch-real-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the joined file loads to the same bars as the source file, value for value', async () => {
    const source = join(DATA_DIR as string, FILE);
    const lines = readFileSync(source, 'utf8').trimEnd().split('\n').slice(1);
    // timestamp,open,high,low,close,volume,quote_volume,trades,taker_buy_volume -> Binance's 12 kline columns, one zip per UTC day.
    const byDay = new Map<string, string[]>();
    for (const line of lines) {
      const [ts, o, h, l, c, v, qv, n, tb] = line.split(',');
      const t = Date.parse(ts);
      const day = ts.slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), [t, o, h, l, c, v, t + 59_999, qv, n, tb, '0', '0'].join(',')]);
    }
    expect([...byDay.keys()]).toEqual(['2025-10-10', '2025-10-11']);
    const zips = new Map<string, Buffer>();
    for (const [day, rows] of byDay) {
      const csv = `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${rows.join('\n')}\n`;
      zips.set(`/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-${day}.zip`, makeZip([{ name: `BTCUSDT-1m-${day}.csv`, data: Buffer.from(csv) }]));
    }
    const server = await serve((p) => {
      const zip = zips.get(p.replace(/\.CHECKSUM$/, ''));
      if (zip === undefined) return undefined;
      return p.endsWith('.CHECKSUM') ? { body: Buffer.from(checksumText(zip, p.split('/').at(-1)?.replace('.CHECKSUM', '') ?? '')) } : { body: zip };
    });
    try {
      const dataDir = join(tmp, 'cache');
      const r = await cli(['data', 'fetch', 'btc-2025-10-10', '--mirror', server.origin, '--data-dir', dataDir, '--from', '2025-10-10', '--to', '2025-10-12']);
      expect(r.code).toBe(0);
      // Metrics, funding, DVOL and VIX are not served: optional, skipped and said so.
      expect(r.out).toContain('720 bars in');
      expect(r.out).toMatch(/\d+ optional files missing \(see fetch\.json\)/);
      const fetched = loadBars(join(dataDir, 'btc-2025-10-10', 'BTCUSDT-um-1m.csv')).series;
      const original = loadBars(source).series;
      expect(fetched.length).toBe(original.length);
      for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(fetched[k])).toEqual(Array.from(original[k]));
    } finally {
      await server.close();
    }
  });
});
