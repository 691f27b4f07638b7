import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { MS_PER_HOUR, formatIsoUtc, parseIsoUtc } from '../../src/core/time.js';
import type { BarSeries, VolumeUnit } from '../../src/data/bars.js';
import { loadBars, type LoadBarsOptions } from '../../src/data/csv/loadBars.js';
import { loadIvSeries } from '../../src/data/csv/loadIv.js';
import { loadNumericTable } from '../../src/data/csv/numericTable.js';
import { readRawTable } from '../../src/data/csv/table.js';
import { describeBars } from '../../src/data/info.js';
import { resampleBars } from '../../src/data/resample.js';
import { cutWindow } from '../../src/data/window.js';

/*
 * Real crash-window data lives outside the project (CI sets
 * CASCADE_DATA_DIR to the team data folder). Every figure pinned here is quoted
 * from PROVENANCE.md in that folder unless the comment says it was read
 * off the file itself (where PROVENANCE.md is silent or wrong).
 */
const dir = process.env.CASCADE_DATA_DIR;
const title = dir
  ? `shared real data in ${dir}`
  : 'shared real data: SKIPPED because CASCADE_DATA_DIR is not set (set it to the folder holding crypto_ohlc/ and PROVENANCE.md)';

type Plan =
  | { kind: 'bars'; rows: number; opts?: LoadBarsOptions; why?: string }
  | { kind: 'iv'; rows: number; why: string }
  | { kind: 'table'; rows: number; why: string }
  | { kind: 'refused'; line: number; field?: string; reason: string; why: string };

/** Every CSV under the data dir and what the loader must do with it. A file missing from this table fails the walk test. */
const PLAN: Record<string, Plan> = {
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv': { kind: 'bars', rows: 720 },
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv': { kind: 'bars', rows: 720 },
  'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv': { kind: 'bars', rows: 720 },
  // Known quirk: Bitstamp 2020 exports carry volume in USD.
  'crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv': { kind: 'bars', rows: 360, opts: { volumeUnit: 'quote' } },
  'crypto_ohlc/btcusd_bitstamp_1h_2021-05-19.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusd_bitstamp_1h_2022-05-10.csv': { kind: 'bars', rows: 432 },
  'crypto_ohlc/btcusdt_binance_15m_2025-10-10.csv': { kind: 'bars', rows: 1440 },
  'crypto_ohlc/btcusdt_binance_spot_1h_2020-03-12.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusdt_binance_spot_1h_2024-08-05.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusdt_binance_spot_1h_2025-10-10.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv': { kind: 'bars', rows: 408 },
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2024-08-05.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2025-10-10.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/ethusd_bitstamp_1h_2020-03-12.csv': { kind: 'bars', rows: 360, opts: { volumeUnit: 'quote' } },
  'crypto_ohlc/ethusd_bitstamp_1h_2021-05-19.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/ethusd_bitstamp_1h_2022-05-10.csv': { kind: 'bars', rows: 432 },
  'crypto_ohlc/ethusd_coinapi_10m_2020-03-12.csv': { kind: 'bars', rows: 144 },
  'crypto_ohlc/ethusd_coinapi_10m_2021-05-19.csv': { kind: 'bars', rows: 144 },
  'crypto_ohlc/ethusdt_binance_15m_2024-08-05.csv': { kind: 'bars', rows: 1440 },
  'crypto_ohlc/ethusdt_binance_15m_2025-10-10.csv': { kind: 'bars', rows: 1440 },
  'crypto_ohlc/ethusdt_binance_spot_1h_2020-03-12.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/ethusdt_binance_spot_1h_2021-05-19.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/ethusdt_binance_usdm_perp_1h_2024-08-05.csv': { kind: 'bars', rows: 360 },
  'crypto_ohlc/ethusdt_binance_usdm_perp_1h_2025-10-10.csv': { kind: 'bars', rows: 360 },
  'defi/ethereum_gas_price_10m_2020-03-12.csv': { kind: 'table', rows: 144, why: 'gas-price distribution per 10 min, not prices of a traded asset' },
  'defi/ethereum_gas_price_10m_2021-05-19.csv': { kind: 'table', rows: 144, why: 'gas-price distribution per 10 min, not prices of a traded asset' },
  'defi/uniswap_v2_eth_dai_reserves_10m_2021-05-19.csv': { kind: 'table', rows: 144, why: 'pool reserves snapshots, no OHLC' },
  'equity_index/es_front_future_1min_last_2011-08-01_2011-08-19.csv': { kind: 'bars', rows: 16569 },
  'equity_index/nyse_composite_daily_close_1966_2002_fbasics.csv': {
    kind: 'refused', line: 289, field: 'timestamp', reason: 'unsorted timestamps: earlier than line 288',
    // Read off the file: line 289 is dated 1966-02-23 between 1967-02-21 and
    // 1967-02-24, a typo for 1967 in the source dataset. Close-only layout
    // otherwise; we refuse rather than re-date.
    why: 'source typo 1966-02-23 for 1967-02-23',
  },
  'equity_index/sp500_daily_logret_fgarch_sp500dge_1985-01-02_1991-08-30.csv': {
    kind: 'bars', rows: 1685, opts: { layout: 'close-only', closeColumn: 'level_reconstructed' },
    why: 'a return series; its reconstructed level is the close (O=H=L=C), logret is checked separately',
  },
  'equity_index/sp500_gspc_yahoo_daily_1927-12-30_2023-12-28.csv': {
    kind: 'refused', line: 8511, field: 'open', reason: 'open must be a positive finite number, got 0',
    // Read off the file: 5,075 rows from 1962-01-02 to 1982-04-19 have
    // open = 0, Yahoo's "no open recorded" marker. Not a price; refused.
    why: 'Yahoo writes open = 0 where it has no open (1962-01-02..1982-04-19)',
  },
  'equity_index/sp500_gspc_yahoo_daily_1987-09-01_1987-12-31.csv': { kind: 'bars', rows: 85 },
  'equity_index/spx_index_1min_2011-08-01_2011-08-19.csv': { kind: 'bars', rows: 6075 },
  'implied_vol/btc_dvol_deribit_daily_2021-03-24_2026-04-20.csv': { kind: 'iv', rows: 1594, why: 'IV index, two columns' },
  'implied_vol/vix_1min_close_2011-08-01_2011-08-19.csv': { kind: 'iv', rows: 6062, why: 'IV index; OHLC with O=H=L=C, close used' },
  'implied_vol/vix_daily_cboe_1990-01-02_2026-07-23.csv': {
    kind: 'iv', rows: 9235,
    why: 'IV index: only the close is used; as bars it is refused (47 rows in 1992-2006 have high < open or low > close in the CBOE source)',
  },
};

function walk(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.csv') ? [p] : [];
  });
}

const T = (s: string): number => parseIsoUtc(s);
const at = (s: BarSeries, iso: string): number => {
  const i = s.time.indexOf(T(iso));
  if (i < 0) throw new Error(`no bar at ${iso} in ${s.source}`);
  return i;
};

describe.skipIf(!dir)(title, () => {
  const root = dir ?? '';
  const path = (rel: string): string => join(root, rel);
  // Loaded once per file: several facts read the same series.
  const cache = new Map<string, BarSeries>();
  const bars = (rel: string): BarSeries => {
    const p = PLAN[rel];
    let s = cache.get(rel);
    if (s === undefined) {
      s = loadBars(path(rel), p.kind === 'bars' ? p.opts : {}).series;
      cache.set(rel, s);
    }
    return s;
  };

  it('every CSV under the data dir has a plan (nothing is silently skipped)', () => {
    const found = walk(root).map((p) => relative(root, p)).sort();
    expect(found).toEqual(Object.keys(PLAN).sort());
  });

  it.each(Object.entries(PLAN))('%s loads as planned', (rel, plan) => {
    const p = path(rel);
    const ctx = `${rel}: ${JSON.stringify(plan)}`;
    if (plan.kind === 'bars') {
      const r = loadBars(p, plan.opts);
      expect(r.series.length, ctx).toBe(plan.rows);
      expect(r.report.sortedFromNewestFirst, ctx).toBe(false);
      const info = describeBars(r.series);
      expect(info.bars, ctx).toBe(plan.rows);
      // "no crypto window has any missing bar" (PROVENANCE.md conventions).
      if (rel.startsWith('crypto')) expect(r.report.gaps.count, ctx).toBe(0);
    } else if (plan.kind === 'iv') {
      expect(loadIvSeries(p).length, ctx).toBe(plan.rows);
    } else if (plan.kind === 'table') {
      const t = loadNumericTable(p);
      expect(t.length, ctx).toBe(plan.rows);
      const negative: string[] = [];
      for (const [name, col] of t.columns) for (let i = 0; i < col.length; i++) if (!(col[i] >= 0)) negative.push(`${name} line ${t.lines[i]}`);
      expect(negative, ctx).toEqual([]);
    } else {
      let err: unknown;
      try {
        loadBars(p);
      } catch (e) {
        err = e;
      }
      expect(err, ctx).toBeInstanceOf(DataError);
      const e = err as DataError;
      expect([e.location.line, e.location.field], `${ctx}: ${e.message}`).toEqual([plan.line, plan.field]);
      expect(e.reason, ctx).toContain(plan.reason);
    }
  });

  describe('pinned facts from PROVENANCE.md', () => {
    // [file, min low, start of the bar that printed it]
    const LOWS: Array<[string, number, string]> = [
      ['crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv', 3850, '2020-03-13T02:00:00Z'],
      ['crypto_ohlc/btcusd_bitstamp_1h_2021-05-19.csv', 30066, '2021-05-19T13:00:00Z'],
      ['crypto_ohlc/btcusd_bitstamp_1h_2022-05-10.csv', 25401.05, '2022-05-12T07:00:00Z'], // "25,401" in PROVENANCE; 25,401.05 in the file
      ['crypto_ohlc/ethusd_bitstamp_1h_2020-03-12.csv', 88.2, '2020-03-13T02:00:00Z'],
      ['crypto_ohlc/ethusd_bitstamp_1h_2021-05-19.csv', 1730, '2021-05-23T16:00:00Z'],
      ['crypto_ohlc/ethusd_bitstamp_1h_2022-05-10.csv', 1700, '2022-05-12T07:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_spot_1h_2020-03-12.csv', 3782.13, '2020-03-13T02:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_spot_1h_2021-05-19.csv', 30000, '2021-05-19T13:00:00Z'],
      ['crypto_ohlc/ethusdt_binance_spot_1h_2020-03-12.csv', 86, '2020-03-13T02:00:00Z'],
      ['crypto_ohlc/ethusdt_binance_spot_1h_2021-05-19.csv', 1728.74, '2021-05-23T16:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_usdm_perp_1h_2022-11-09.csv', 15462.6, '2022-11-09T22:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_usdm_perp_1h_2024-08-05.csv', 48888, '2024-08-05T06:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_usdm_perp_1h_2025-10-10.csv', 101516.5, '2025-10-10T21:00:00Z'],
      ['crypto_ohlc/ethusdt_binance_usdm_perp_1h_2024-08-05.csv', 2112, '2024-08-05T01:00:00Z'],
      ['crypto_ohlc/ethusdt_binance_usdm_perp_1h_2025-10-10.csv', 3400, '2025-10-10T21:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_spot_1h_2024-08-05.csv', 49000, '2024-08-05T06:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_spot_1h_2025-10-10.csv', 102000, '2025-10-10T21:00:00Z'],
      ['crypto_ohlc/btcusdt_binance_15m_2025-10-10.csv', 102000, '2025-10-10T21:15:00Z'],
      ['crypto_ohlc/ethusdt_binance_15m_2024-08-05.csv', 2086.92, '2024-08-05T01:00:00Z'],
      ['crypto_ohlc/ethusdt_binance_15m_2025-10-10.csv', 3311.76, '2025-10-10T21:15:00Z'],
      ['crypto_ohlc/ethusd_coinapi_10m_2020-03-12.csv', 101.01, '2020-03-12T23:20:00Z'],
      ['crypto_ohlc/ethusd_coinapi_10m_2021-05-19.csv', 1862.04, '2021-05-19T13:10:00Z'], // "1,862" in PROVENANCE
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv', 101516.5, '2025-10-10T21:20:00Z'],
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv', 48888, '2024-08-05T06:24:00Z'],
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv', 28688, '2021-05-19T13:10:00Z'],
      ['equity_index/sp500_gspc_yahoo_daily_1987-09-01_1987-12-31.csv', 216.46, '1987-10-20T00:00:00Z'],
      ['equity_index/spx_index_1min_2011-08-01_2011-08-19.csv', 1101.54, '2011-08-09T18:44:00Z'], // time read off the file
    ];
    it.each(LOWS)('%s: min low %d at %s', (rel, low, iso) => {
      const info = describeBars(bars(rel));
      expect([info.minLow.value, info.minLow.at], rel).toEqual([low, iso]);
    });

    it('Bitstamp 2020 volume is quote currency, and the data description says so', () => {
      for (const rel of ['crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv', 'crypto_ohlc/ethusd_bitstamp_1h_2020-03-12.csv']) {
        const info = describeBars(bars(rel));
        expect(info.volumeUnit, rel).toBe<VolumeUnit>('quote');
        expect(info.warnings.join('\n'), rel).toMatch(/QUOTE currency/);
      }
      // The 2021 file from the same export is in BTC: a typical hour is ~100
      // BTC, where the 2020 file's hours are millions (USD).
      expect(describeBars(bars('crypto_ohlc/btcusd_bitstamp_1h_2021-05-19.csv')).volumeUnit).toBe('base');
      expect(bars('crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv').volume[0]).toBe(4018518.36);
    });

    it('S&P 500 on Black Monday 1987 (Yahoo daily)', () => {
      const s = bars('equity_index/sp500_gspc_yahoo_daily_1987-09-01_1987-12-31.csv');
      const i = at(s, '1987-10-19T00:00:00Z');
      expect([s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]]).toEqual([282.7, 282.7, 224.83, 224.84, 604_300_000]);
      expect(s.close[at(s, '1987-10-16T00:00:00Z')]).toBe(282.7);
    });

    it('sp500dge return series: dated levels and log returns agree; Black Monday -0.2280', () => {
      const rel = 'equity_index/sp500_daily_logret_fgarch_sp500dge_1985-01-02_1991-08-30.csv';
      const s = bars(rel);
      const lv = (iso: string): number => s.close[at(s, iso)];
      expect([lv('1987-10-16'), lv('1987-10-19'), lv('1987-10-20'), lv('1987-10-21'), lv('1987-10-26')]).toEqual([282.42, 224.84, 236.83, 258.38, 227.67]);
      const t = loadNumericTable(path(rel));
      const lr = t.columns.get('logret')!;
      const level = t.columns.get('level_reconstructed')!;
      expect(lr[t.time.indexOf(T('1987-10-19'))]).toBeCloseTo(-0.228, 4);
      // Levels are rounded to cents, so ln(L_i / L_{i-1}) matches logret to
      // about 0.005/165 ~ 3e-5; 1e-4 leaves room.
      const off: string[] = [];
      for (let i = 1; i < t.length; i++) {
        const d = Math.abs(Math.log(level[i] / level[i - 1]) - lr[i]);
        if (!(d < 1e-4)) off.push(`line ${t.lines[i]}: ln ratio vs logret differ by ${d}`);
      }
      expect(off).toEqual([]);
    });

    it('NYSE composite (refused for its 1966 typo) holds 159.13 -> 128.62 around Black Monday', () => {
      const t = readRawTable(readFileSync(path('equity_index/nyse_composite_daily_close_1966_2002_fbasics.csv'), 'utf8'), 'nyse');
      const byDate = new Map(t.records.map((r) => [r[0], r[1]]));
      expect([byDate.get('1987-10-16'), byDate.get('1987-10-19')]).toEqual(['159.13', '128.62']);
      expect(t.records.length - 1).toBe(9311);
      expect(t.records[288]).toEqual(['1966-02-23', '47.89']); // physical line 289
    });

    it('S&P 500 full history: the open = 0 rows are exactly 1962-01-02..1982-04-19, earlier rows are O=H=L=C', () => {
      const t = readRawTable(readFileSync(path('equity_index/sp500_gspc_yahoo_daily_1927-12-30_2023-12-28.csv'), 'utf8'), 'gspc');
      const rows = t.records.slice(1);
      const zero = rows.filter((r) => Number(r[1]) === 0).map((r) => r[0].slice(0, 10));
      expect([zero.length, zero[0], zero[zero.length - 1]]).toEqual([5075, '1962-01-02', '1982-04-19']);
      expect(rows.filter((r) => r[0] < '1962' && !(r[1] === r[2] && r[2] === r[3] && r[3] === r[4])).length).toBe(0);
      expect(rows.length).toBe(24114);
    });

    it('VIX daily close 82.69 on 2020-03-16; CBOE O=H=L=C rows are 1990-1991 (not "before 2004-06-11")', () => {
      const rel = 'implied_vol/vix_daily_cboe_1990-01-02_2026-07-23.csv';
      const iv = loadIvSeries(path(rel));
      expect(iv.value[iv.time.indexOf(T('2020-03-16'))]).toBe(82.69);
      const t = loadNumericTable(path(rel));
      const [o, h, l, c] = ['open', 'high', 'low', 'close'].map((k) => t.columns.get(k)!);
      expect(h[t.time.indexOf(T('2024-08-05'))]).toBe(65.73);
      expect(h[t.time.indexOf(T('2008-10-24'))]).toBe(89.53);
      // Read off the file: PROVENANCE.md says O=H=L=C before 2004-06-11, but
      // the flat rows are all of 1990-1991 plus 2004-06-11 alone.
      const flat: string[] = [];
      for (let i = 0; i < t.length; i++) if (o[i] === h[i] && h[i] === l[i] && l[i] === c[i]) flat.push(formatIsoUtc(t.time[i]).slice(0, 10));
      expect(flat.length).toBe(506);
      expect(flat.filter((d) => d >= '1992').join()).toBe('2004-06-11');
      expect(() => loadBars(path(rel))).toThrow(/:535: field 'high': high 18\.57 < max\(open 19\.24, close 17\.7\)/);
    });

    it('DVOL daily closes', () => {
      const iv = loadIvSeries(path('implied_vol/btc_dvol_deribit_daily_2021-03-24_2026-04-20.csv'));
      const v = (d: string): number => iv.value[iv.time.indexOf(T(d))];
      expect([v('2021-05-19'), v('2021-05-23'), v('2022-05-12'), v('2022-11-09'), v('2024-08-05'), v('2025-10-10')])
        .toEqual([124.83, 156.2, 114.58, 114.72, 63.08, 44.11]);
    });

    it('August 2011 intraday: VIX 48.00 and SPX 1,119.46 at the 2011-08-08 close; SPX 08-09 low 1,101.54; ES and VIX are one price per bar', () => {
      const vix = loadIvSeries(path('implied_vol/vix_1min_close_2011-08-01_2011-08-19.csv'));
      const lastOn = (time: Float64Array, day: string): number => {
        let k = -1;
        for (let i = 0; i < time.length; i++) if (formatIsoUtc(time[i]).startsWith(day)) k = i;
        return k;
      };
      expect(vix.value[lastOn(vix.time, '2011-08-08')]).toBe(48);
      const spx = bars('equity_index/spx_index_1min_2011-08-01_2011-08-19.csv');
      expect(spx.close[lastOn(spx.time, '2011-08-08')]).toBe(1119.46);
      const day9 = cutWindow(spx, T('2011-08-09T00:00:00Z'), T('2011-08-10T00:00:00Z'));
      expect(describeBars(day9).minLow.value).toBe(1101.54);
      const es = describeBars(bars('equity_index/es_front_future_1min_last_2011-08-01_2011-08-19.csv'));
      expect([es.flatBars, es.volumeUnit]).toEqual([16569, 'none']);
    });

    it.each([
      ['2025-10-10', 'crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv', 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2025-10-10.csv', '2025-10-10T18:00:00Z'],
      ['2024-08-05', 'crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv', 'crypto_ohlc/btcusdt_binance_usdm_perp_1h_2024-08-05.csv', '2024-08-04T22:00:00Z'],
    ])('%s: 1m perp rolls up to the 1h perp file exactly (OHLC exact, volume to the file precision)', (_d, oneMin, oneHour, start) => {
      const up = resampleBars(bars(oneMin), MS_PER_HOUR);
      const h = cutWindow(bars(oneHour), T(start), T(start) + 12 * MS_PER_HOUR);
      expect(up.length).toBe(12);
      expect(Array.from(up.time)).toEqual(Array.from(h.time));
      for (let i = 0; i < 12; i++) {
        const ctx = `${formatIsoUtc(up.time[i])}: 1m->1h ${[up.open[i], up.high[i], up.low[i], up.close[i], up.volume[i]]} vs ${[h.open[i], h.high[i], h.low[i], h.close[i], h.volume[i]]}`;
        expect([up.open[i], up.high[i], up.low[i], up.close[i]], ctx).toEqual([h.open[i], h.high[i], h.low[i], h.close[i]]);
        // Volumes are printed to 0.001 BTC; summing 60 of them in binary
        // floating point leaves ~1e-9 of error, so compare at 1e-6.
        expect(Math.abs(up.volume[i] - h.volume[i]), ctx).toBeLessThan(1e-6);
      }
    });

    it.each([
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv', -0.05, '2025-10-10T21:19:00Z'],
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2024-08-05.csv', -0.033, '2024-08-05T01:10:00Z'],
      ['crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv', -0.063, '2021-05-19T13:21:00Z'],
    ])('%s: worst 1-minute close-to-close %d at %s (PROVENANCE rounds to 0.1%%)', (rel, ret, iso) => {
      const s = bars(rel);
      let worst = 0, wi = -1;
      for (let i = 1; i < s.length; i++) {
        const r = s.close[i] / s.close[i - 1] - 1;
        if (r < worst) { worst = r; wi = i; }
      }
      expect(formatIsoUtc(s.time[wi])).toBe(iso);
      expect(Math.abs(worst - ret)).toBeLessThan(0.0005);
    });

    it('2021-05-19 1m: the ten bars that open away from the previous close (13:08-13:48) are kept as written', () => {
      const rel = 'crypto_1m/btcusdt_binance_usdm_perp_1m_2021-05-19.csv';
      const s = bars(rel);
      const w = cutWindow(s, T('2021-05-19T13:07:00Z'), T('2021-05-19T13:49:00Z'));
      let jumps = 0;
      for (let i = 1; i < w.length; i++) {
        const g = Math.abs(w.open[i] / w.close[i - 1] - 1);
        if (g >= 0.002) {
          jumps++;
          expect(g, formatIsoUtc(w.time[i])).toBeLessThanOrEqual(0.013);
        }
      }
      expect(jumps).toBe(10);
      // The loaded opens are the file's own numbers, not the previous close.
      const raw = readRawTable(readFileSync(path(rel), 'utf8'), rel);
      const row = raw.records.find((r) => r[0] === '2021-05-19T13:33:00Z')!;
      expect(s.open[at(s, '2021-05-19T13:33:00Z')]).toBe(Number(row[1]));
      expect(s.close[at(s, '2021-05-19T13:32:00Z')]).not.toBe(Number(row[1]));
    });

    it('crypto_1m files keep quote_volume, trades and taker_buy_volume', () => {
      const s = bars('crypto_1m/btcusdt_binance_usdm_perp_1m_2025-10-10.csv');
      expect([s.quoteVolume![0], s.trades![0], s.takerBuyVolume![0]]).toEqual([58523926.1411, 5165, 87.623]);
    });
  });
});
