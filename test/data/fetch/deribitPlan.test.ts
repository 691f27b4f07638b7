import { describe, expect, it } from 'vitest';
import { getCrash } from '../../../src/data/catalog.js';
import { planFetch } from '../../../src/data/fetch/plan.js';
import { DEFAULT_ORIGINS } from '../../../src/data/fetch/sources.js';

const ms = (iso: string): number => Date.parse(iso);
const origins = DEFAULT_ORIGINS;

describe('what a crash fetches from Deribit besides DVOL', () => {
  it('btc-2025-10-10: BTC-PERPETUAL 1-minute candles tiling the window in 1,000-minute calls, and one paged series of BTC option trades from the history host', () => {
    const plan = planFetch(getCrash('btc-2025-10-10'), { origins });
    expect(plan.index).toEqual({ instrument: 'BTC-PERPETUAL', resolution: '1' });
    const candles = plan.items.filter((i) => i.kind === 'index');
    expect(candles).toHaveLength(22); // 21,600 minutes / 1,000, rounded up
    const bounds = candles.map((c) => new URL(c.url).searchParams).map((q) => [Number(q.get('start_timestamp')), Number(q.get('end_timestamp'))]);
    expect(bounds[0][0]).toBe(plan.startMs);
    for (let i = 1; i < bounds.length; i++) expect(bounds[i][0]).toBe(bounds[i - 1][1] + 1);
    expect(bounds.at(-1)?.[1]).toBe(plan.endMs - 1);
    expect(candles.every((c) => !c.required && c.checksumUrl === undefined && c.source === 'deribit')).toBe(true);
    expect(plan.paged).toEqual([
      {
        kind: 'optionTrades',
        source: 'deribit-history',
        currency: 'BTC',
        startMs: ms('2025-10-03T00:00:00Z'),
        endMs: ms('2025-10-18T00:00:00Z') - 1,
        firstUrl:
          'https://history.deribit.com/api/v2/public/get_last_trades_by_currency_and_time?currency=BTC&kind=option&start_timestamp=1759449600000&end_timestamp=1760745599999&count=1000&sorting=asc&include_old=true',
        cacheDir: 'deribit/trades/BTC-option-1759449600000-1760745599999',
      },
    ]);
  });

  it('a crash whose catalog entry names no Deribit source (btc-2020-03-12) fetches nothing from Deribit', () => {
    const plan = planFetch(getCrash('btc-2020-03-12'), { origins, interval: '1h' });
    expect(plan.items.some((i) => i.source !== 'binance')).toBe(false);
    expect(plan.paged).toEqual([]);
    expect(plan.index).toBeUndefined();
  });

  it('a window before Deribit listed BTC options asks for no trades; one that straddles the listing starts there', () => {
    const crash = getCrash('btc-2021-05-19');
    expect(planFetch(crash, { origins, startMs: ms('2015-06-01'), endMs: ms('2015-06-03') }).paged).toEqual([]);
    const straddle = planFetch(crash, { origins, startMs: ms('2015-12-30'), endMs: ms('2016-01-02') }).paged;
    expect(straddle?.map((p) => [p.startMs, p.endMs])).toEqual([[ms('2016-01-01'), ms('2016-01-02') - 1]]);
  });
});
