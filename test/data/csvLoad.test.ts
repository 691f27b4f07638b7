import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIsoUtc } from '../../src/core/time.js';
import { loadBars, parseBars } from '../../src/data/csv/loadBars.js';
import { loadIvSeries, loadIvWithReport } from '../../src/data/csv/loadIv.js';
import { parseNumericTable } from '../../src/data/csv/numericTable.js';
import { parseTimeField, type TimeUnit } from '../../src/data/csv/timestamps.js';

const good = (f: string): string => fileURLToPath(new URL(`../fixtures/csv/good/${f}`, import.meta.url));
const iso = (a: Float64Array): string[] => Array.from(a, formatIsoUtc);

// Expected values are copied by hand from the fixture files; each fixture
// imitates the real export format named in its file name.
describe('layouts: normalized', () => {
  it('keeps quote_volume, trades and taker_buy_volume (crypto_1m files)', () => {
    const { series, layout, report } = loadBars(good('normalized_1m_extras.csv'));
    expect(layout).toBe('normalized');
    expect(iso(series.time)).toEqual(['2025-10-10T21:18:00Z', '2025-10-10T21:19:00Z', '2025-10-10T21:20:00Z']);
    expect(Array.from(series.low)).toEqual([112500, 106900, 101516.5]);
    expect(Array.from(series.quoteVolume!)).toEqual([95912345.5, 590000000.25, 730000000]);
    expect(Array.from(series.trades!)).toEqual([20001, 98000, 120000]);
    expect(Array.from(series.takerBuyVolume!)).toEqual([300.5, 1200.25, 3500]);
    expect(series.volumeUnit).toBe('base');
    expect(report).toMatchObject({ rows: 3, timeUnit: 'iso', intervalMs: 60_000, sortedFromNewestFirst: false, bomStripped: false });
    expect(report.gaps).toEqual({ count: 0, largestMs: 0, largestAt: Number.NaN });
  });

  it('reads epoch seconds and names the unit', () => {
    const { series, report } = loadBars(good('normalized_epoch_s.csv'));
    expect(report.timeUnit).toBe('s');
    // 1584057600 s = 18334 days exactly = 2020-03-13T00:00Z.
    expect(Array.from(series.time)).toEqual([Date.UTC(2020, 2, 13, 0), Date.UTC(2020, 2, 13, 1)]);
  });

  it('applies a zone offset and accepts CRLF line ends', () => {
    const { series } = loadBars(good('normalized_offset_crlf.csv'));
    expect(iso(series.time)).toEqual(['2020-03-12T00:00:00Z', '2020-03-12T01:00:00Z']);
    expect(Array.from(series.volume)).toEqual([1, 2]);
  });

  it('strips a UTF-8 BOM and reports it', () => {
    const { series, report } = loadBars(good('bom_normalized.csv'));
    expect(report.bomStripped).toBe(true);
    expect(report.notes).toContain('UTF-8 byte-order mark stripped');
    expect(series.length).toBe(2);
  });

  it('accepts a complete last row without a final newline', () => {
    expect(loadBars(good('no_final_newline_complete.csv')).series.close[1]).toBe(101);
  });

  it('takes volumeUnit and symbol from the caller, and flags an all-zero volume as none', () => {
    const text = 'timestamp,open,high,low,close,volume\n2020-03-12T00:00:00Z,1,2,0.5,1.5,10\n';
    const q = parseBars(text, 'q.csv', { volumeUnit: 'quote', symbol: 'BTCUSD' }).series;
    expect([q.volumeUnit, q.symbol, q.source]).toEqual(['quote', 'BTCUSD', 'q.csv']);
    expect(parseBars(text, '/a/b/btc_1h.csv').series.symbol).toBe('btc_1h');
    const z = parseBars(text.replace(',10\n', ',0\n'), 'z.csv');
    expect(z.series.volumeUnit).toBe('none');
  });
});

describe('layouts: binance-kline', () => {
  it('spot file without a header, open_time in ms', () => {
    const { series, layout, report } = loadBars(good('binance_spot_headerless_ms.csv'));
    expect(layout).toBe('binance-kline');
    expect(report.timeUnit).toBe('ms');
    expect(iso(series.time)).toEqual(['2020-03-12T00:00:00Z', '2020-03-12T01:00:00Z', '2020-03-12T02:00:00Z']);
    expect(Array.from(series.close)).toEqual([7900.31, 7825.86, 7860]);
    expect(series.volume[0]).toBe(3413.251089);
    expect(series.quoteVolume![0]).toBe(26972133.16370519);
    expect(series.trades![1]).toBe(27530);
    expect(series.takerBuyVolume![2]).toBe(1469.836017);
  });

  it('spot file since 2025 with open_time in microseconds', () => {
    const { series, report } = loadBars(good('binance_spot_headerless_us.csv'));
    expect(report.timeUnit).toBe('us');
    expect(iso(series.time)).toEqual(['2025-01-01T00:00:00Z', '2025-01-01T01:00:00Z']);
  });

  it('USD-M futures file with its header', () => {
    const { series, layout } = loadBars(good('binance_usdm_header.csv'));
    expect(layout).toBe('binance-kline');
    expect(iso(series.time)).toEqual(['2025-10-10T18:00:00Z', '2025-10-10T19:00:00Z']);
    expect(series.low[1]).toBe(101516.5);
    expect(series.trades![1]).toBe(900000);
  });
});

describe('layouts: cryptodatadownload', () => {
  it('skips the URL line, reverses newest-first rows and reports it', () => {
    const { series, layout, report } = loadBars(good('cdd_bitstamp_btcusd_1h.csv'));
    expect(layout).toBe('cryptodatadownload');
    expect(report.sortedFromNewestFirst).toBe(true);
    expect(report.notes.join('\n')).toMatch(/newest first/);
    expect(iso(series.time)).toEqual(['2020-03-13T02:00:00Z', '2020-03-13T03:00:00Z', '2020-03-13T04:00:00Z']);
    expect(Array.from(series.low)).toEqual([3850, 4200, 4450.5]);
    // Volume BTC is base units, Volume USD the quote.
    expect(Array.from(series.volume)).toEqual([3500.125, 2100.25, 1500.5]);
    expect(Array.from(series.quoteVolume!)).toEqual([14200000.25, 9300000.5, 6900000.75]);
    expect(series.symbol).toBe('BTC/USD');
  });

  it('picks the base volume by the symbol even when it is the second volume column (ms unix, tradecount)', () => {
    const { series, report } = loadBars(good('cdd_binance_btcusdt_1h_ms.csv'));
    expect(report.timeUnit).toBe('ms');
    expect(Array.from(series.volume)).toEqual([3500.125, 2100.25]);
    expect(Array.from(series.quoteVolume!)).toEqual([14200000.25, 9300000.5]);
    expect(Array.from(series.trades!)).toEqual([52000, 40000]);
    expect(series.low[0]).toBe(3782.13);
  });

  it('reads the older "Unix Timestamp" header', () => {
    const { series } = loadBars(good('cdd_old_header.csv'));
    expect(iso(series.time)).toEqual(['2020-03-13T01:00:00Z', '2020-03-13T02:00:00Z']);
    expect(Array.from(series.volume)).toEqual([900, 1000]);
  });

  it('is the only layout allowed to be reversed', () => {
    const text = 'timestamp,open,high,low,close,volume\n2020-03-12T01:00:00Z,1,1,1,1,0\n2020-03-12T00:00:00Z,1,1,1,1,0\n';
    expect(() => parseBars(text, 'n.csv')).toThrow(/n\.csv:3: field 'timestamp': unsorted timestamps/);
  });
});

describe('layouts: yahoo and close-only', () => {
  it('Yahoo daily: date-only is the trading date 00:00Z; Close, not Adj Close', () => {
    const { series, layout, report } = loadBars(good('yahoo_gspc.csv'));
    expect(layout).toBe('yahoo');
    expect(report.timeUnit).toBe('date');
    expect(iso(series.time)).toEqual(['1987-10-16T00:00:00Z', '1987-10-19T00:00:00Z', '1987-10-20T00:00:00Z']);
    expect(Array.from(series.close)).toEqual([282.700012, 224.839996, 236.830002]);
    const adj = 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,12,9,11,7.5,100\n';
    expect(parseBars(adj, 'a.csv').series.close[0]).toBe(11);
  });

  it('close-only maps O=H=L=C with no volume and says so', () => {
    const { series, layout, report } = loadBars(good('close_only.csv'));
    expect(layout).toBe('close-only');
    expect(Array.from(series.open)).toEqual([159.13, 128.62]);
    expect(Array.from(series.high)).toEqual(Array.from(series.close));
    expect(Array.from(series.low)).toEqual(Array.from(series.close));
    expect(series.volumeUnit).toBe('none');
    expect(report.notes.join('\n')).toMatch(/open = high = low = close/);
  });

  it('close-only can take a named price column from a wider file, listing what it ignores', () => {
    const text = 'date,obs_index,logret,level_reconstructed\n1987-10-16,1,-0.05,282.42\n1987-10-19,2,-0.228,224.84\n';
    expect(() => parseBars(text, 'r.csv')).toThrow(/unknown layout/);
    const { series, report } = parseBars(text, 'r.csv', { layout: 'close-only', closeColumn: 'level_reconstructed' });
    expect(Array.from(series.close)).toEqual([282.42, 224.84]);
    expect(report.notes).toContain('columns not used: obs_index, logret');
  });
});

describe('IV series', () => {
  it('two-column file keeps the column name', () => {
    const series = loadIvSeries(good('iv_two_column.csv'));
    expect(series.name).toBe('dvol_close');
    expect(Array.from(series.value)).toEqual([100.5, 124.83, 130]);
    expect(iso(series.time)).toEqual(['2021-05-18T00:00:00Z', '2021-05-19T00:00:00Z', '2021-05-20T00:00:00Z']);
  });

  it('OHLC (VIX-style) file uses the close', () => {
    const { series, report } = loadIvWithReport(good('iv_ohlc.csv'));
    expect(Array.from(series.value)).toEqual([57.83, 82.69]);
    expect(series.name).toBe('iv_ohlc');
    expect(report.notes.join('')).toMatch(/close/);
  });
});

describe('generic numeric table (non-bar files)', () => {
  it('reads every column as numbers with one time column', () => {
    const t = parseNumericTable('timestamp,a,b\n2021-05-19T00:00:00Z,1,2.5\n2021-05-19T00:10:00Z,3,4\n', 't.csv');
    expect(t.length).toBe(2);
    expect(Array.from(t.columns.get('b')!)).toEqual([2.5, 4]);
    expect(iso(t.time)).toEqual(['2021-05-19T00:00:00Z', '2021-05-19T00:10:00Z']);
    expect(() => parseNumericTable('timestamp,a\n2021-05-19T00:00:00Z,x\n', 't.csv')).toThrow(/t\.csv:2: field 'a': not a number/);
  });
});

it('fixtures are real files with physical lines (sanity: the CDD fixture has its URL on line 1)', () => {
  expect(readFileSync(good('cdd_bitstamp_btcusd_1h.csv'), 'utf8').split('\n')[0]).toBe('https://www.CryptoDataDownload.com');
});

describe('epoch unit by magnitude', () => {
  // References from Date.UTC; bands documented in src/data/csv/timestamps.ts.
  const CASES: Array<[string, string, number]> = [
    ['100000000', 's', 100_000_000_000], // 1973-03-03T09:46:40Z, lowest accepted
    ['1584057600', 's', Date.UTC(2020, 2, 13)],
    ['99999999999', 's', 99_999_999_999_000], // still seconds (year 5138)
    ['100000000000', 'ms', 100_000_000_000],
    ['1760122800000', 'ms', Date.UTC(2025, 9, 10, 19)],
    ['1735689600000000', 'us', Date.UTC(2025, 0, 1)],
    ['1584057600.5', 's', Date.UTC(2020, 2, 13) + 500],
  ];
  it.each(CASES)('%s is %s', (text, unit, ms) => {
    const out = { ms: 0, unit: 'iso' as TimeUnit };
    parseTimeField(text, 'f.csv', 2, 'timestamp', out);
    expect([out.unit, out.ms], text).toEqual([unit, ms]);
  });
  it('refuses values outside every band', () => {
    const out = { ms: 0, unit: 'iso' as TimeUnit };
    expect(() => parseTimeField('99999999', 'f.csv', 2, 't', out)).toThrow(/too small/);
    expect(() => parseTimeField('100000000000000000', 'f.csv', 2, 't', out)).toThrow(/too large/);
  });
});
