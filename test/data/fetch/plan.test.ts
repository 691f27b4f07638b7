import { describe, expect, it } from 'vitest';
import { getCrash } from '../../../src/data/catalog.js';
import { archivePeriods, planFetch } from '../../../src/data/fetch/plan.js';
import { DEFAULT_ORIGINS, parseMirrors } from '../../../src/data/fetch/sources.js';

const ms = (iso: string): number => Date.parse(iso);

describe('archivePeriods', () => {
  it.each([
    // window inside one month: daily files only
    ['2025-10-03', '2025-10-06', ['daily 2025-10-03', 'daily 2025-10-04', 'daily 2025-10-05']],
    // a whole month is one monthly file
    ['2025-10-01', '2025-11-01', ['monthly 2025-10']],
    // the days of the partial months either side of a whole one
    ['2025-09-30', '2025-11-02', ['daily 2025-09-30', 'monthly 2025-10', 'daily 2025-11-01']],
    // a window ending mid-day still needs that day's file; February in a leap year
    ['2024-02-01T00:00:00Z', '2024-03-01T06:00:00Z', ['monthly 2024-02', 'daily 2024-03-01']],
  ])('%s .. %s', (from, to, want) => {
    expect(archivePeriods(ms(from), ms(to)).map((p) => `${p.period} ${p.date}`)).toEqual(want);
  });
});

describe('planFetch from the catalog', () => {
  const origins = DEFAULT_ORIGINS;

  it('btc-2025-10-10: USD-M BTCUSDT (the catalog names the futures archive), 15 daily kline files, metrics per day, one funding month, DVOL at its 60 s resolution, VIX', () => {
    const plan = planFetch(getCrash('btc-2025-10-10'), { origins });
    expect(plan).toMatchObject({ symbol: 'BTCUSDT', market: 'um', interval: '1m', dvol: { currency: 'BTC', resolution: '60' } });
    const count = (k: string): number => plan.items.filter((i) => i.kind === k).length;
    expect([count('klines'), count('metrics'), count('funding'), count('dvol'), count('vix')]).toEqual([15, 15, 1, 22, 1]);
    // 15 days of 1-minute candles = 21,600; 1,000 per call -> 22 calls.
    expect(plan.items[0].url).toBe('https://data.binance.vision/data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-10-03.zip');
    expect(plan.items[0].checksumUrl).toBe(`${plan.items[0].url}.CHECKSUM`);
    expect(plan.items.find((i) => i.kind === 'funding')?.url).toBe('https://data.binance.vision/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-10.zip');
    const dvol = plan.items.filter((i) => i.kind === 'dvol');
    expect(dvol[0].url).toBe(
      'https://www.deribit.com/api/v2/public/get_volatility_index_data?currency=BTC&start_timestamp=1759449600000&end_timestamp=1759509599999&resolution=60',
    );
    // The calls tile the window: each starts where the last ended, the last stops 1 ms before the window's end.
    const bounds = dvol.map((d) => new URL(d.url).searchParams).map((q) => [Number(q.get('start_timestamp')), Number(q.get('end_timestamp'))]);
    for (let i = 1; i < bounds.length; i++) expect(bounds[i][0]).toBe(bounds[i - 1][1] + 1);
    expect(bounds.at(-1)?.[1]).toBe(ms('2025-10-18T00:00:00Z') - 1);
    expect(plan.items.every((i) => i.required === (i.kind === 'klines'))).toBe(true);
  });

  it('btc-2020-03-12 reads spot from its catalog URL: spot klines, no USD-M metrics or funding', () => {
    const plan = planFetch(getCrash('btc-2020-03-12'), { origins, interval: '1h' });
    expect(plan.market).toBe('spot');
    expect(plan.items.every((i) => i.kind === 'klines')).toBe(true);
    expect(plan.items[0].url).toBe('https://data.binance.vision/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2020-03-05.zip');
  });

  it('overrides: symbol, market and window', () => {
    const plan = planFetch(getCrash('btc-2025-10-10'), { origins, symbol: 'ETHUSDT', market: 'spot', interval: '5m', startMs: ms('2025-09-01'), endMs: ms('2025-10-02') });
    expect(plan.items.filter((i) => i.kind === 'klines').map((i) => i.url.split('/').pop())).toEqual(['ETHUSDT-5m-2025-09.zip', 'ETHUSDT-5m-2025-10-01.zip']);
  });

  it.each([
    ['black-monday-1987', {}, "crash 'black-monday-1987' names no Binance archive source"],
    ['btc-2025-10-10', { interval: '7m' }, "field '--interval': unknown interval '7m'"],
    ['btc-2025-10-10', { interval: '1s' }, '1s klines exist for spot only'],
    ['btc-2025-10-10', { symbol: 'btc/usdt' }, "'btc/usdt' is not a Binance symbol"],
    ['btc-2025-10-10', { startMs: ms('2025-10-05'), endMs: ms('2025-10-05') }, 'the window is empty'],
  ])('%s with %j is refused: %s', (name, over, message) => {
    expect(() => planFetch(getCrash(name), { origins, ...over })).toThrow(message);
  });
});

describe('parseMirrors', () => {
  it('points one source, or all of them, at another origin', () => {
    expect(parseMirrors(['binance=http://127.0.0.1:9/m/'])).toEqual({ ...DEFAULT_ORIGINS, binance: 'http://127.0.0.1:9/m' });
    expect(parseMirrors(['http://h:1'])).toEqual({ binance: 'http://h:1', deribit: 'http://h:1', 'deribit-history': 'http://h:1', cboe: 'http://h:1' });
    // A Deribit mirror serves the history host's trade queries too, unless that host is named itself (in either order).
    expect(parseMirrors(['deribit=http://d:1'])).toEqual({ ...DEFAULT_ORIGINS, deribit: 'http://d:1', 'deribit-history': 'http://d:1' });
    expect(parseMirrors(['deribit-history=http://h:2', 'deribit=http://d:1'])).toEqual({ ...DEFAULT_ORIGINS, deribit: 'http://d:1', 'deribit-history': 'http://h:2' });
  });
  it.each([
    ['bybit=http://h', "unknown source 'bybit'"],
    ['binance=not a url', "'not a url' is not a URL"],
    ['ftp://h', 'must be http or https'],
  ])('%s is refused', (spec, message) => {
    expect(() => parseMirrors([spec])).toThrow(message);
  });
});
