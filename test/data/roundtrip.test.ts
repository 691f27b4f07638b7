import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocBarColumns, makeBarSeries, type BarColumns, type BarSeries, type VolumeUnit } from '../../src/data/bars.js';
import { parseBars } from '../../src/data/csv/loadBars.js';
import { barsCsvSha256, barsToCsv } from '../../src/data/csv/write.js';
import { sha256 } from '../../src/core/hash.js';

const MINUTE = 60_000;
const price = fc.double({ min: 1e-8, max: 1e9, noNaN: true, noDefaultInfinity: true });
const nonNeg = fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }).map((v) => v + 0); // +0 folds -0, which CSV cannot carry

const bar = fc.record({
  step: fc.integer({ min: 1, max: 240 }),
  o: price,
  c: price,
  hx: price,
  lx: price,
  v: nonNeg,
  qv: nonNeg,
  trades: fc.integer({ min: 0, max: 10_000_000 }),
  takerShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Any valid series: increasing minute-grid times, OHLC consistent, positive prices, optional extra columns. */
const seriesArb = fc
  .record({
    startMinute: fc.integer({ min: 20_000_000, max: 60_000_000 }), // 2008 .. 2084
    bars: fc.array(bar, { minLength: 1, maxLength: 200 }),
    extras: fc.record({ quoteVolume: fc.boolean(), trades: fc.boolean(), takerBuyVolume: fc.boolean() }),
    volumeUnit: fc.constantFrom<VolumeUnit>('base', 'quote', 'none'),
  })
  .map(({ startMinute, bars, extras, volumeUnit }): BarSeries => {
    const n = bars.length;
    const cols: BarColumns = {
      time: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
      low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
      ...(extras.quoteVolume ? { quoteVolume: new Float64Array(n) } : {}),
      ...(extras.trades ? { trades: new Float64Array(n) } : {}),
      ...(extras.takerBuyVolume ? { takerBuyVolume: new Float64Array(n) } : {}),
    };
    let m = startMinute;
    bars.forEach((b, i) => {
      m += b.step;
      cols.time[i] = m * MINUTE;
      cols.open[i] = b.o;
      cols.close[i] = b.c;
      cols.high[i] = Math.max(b.o, b.c, b.hx);
      cols.low[i] = Math.min(b.o, b.c, b.lx);
      cols.volume[i] = b.v;
      if (cols.quoteVolume) cols.quoteVolume[i] = b.qv;
      if (cols.trades) cols.trades[i] = b.trades;
      // share in [0, 1] times volume rounds to <= volume, as the validator requires
      if (cols.takerBuyVolume) cols.takerBuyVolume[i] = b.v * b.takerShare;
    });
    return makeBarSeries({ symbol: 'GEN', source: 'gen.csv', synthetic: false, volumeUnit }, cols);
  });

const KEYS = ['time', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'takerBuyVolume'] as const;

describe('barsToCsv -> parseBars round trip', () => {
  it('gives back every Float64Array bit for bit (property, 150 runs)', () => {
    fc.assert(
      fc.property(seriesArb, (s) => {
        const back = parseBars(barsToCsv(s), 'gen.csv', { volumeUnit: s.volumeUnit, symbol: s.symbol }).series;
        expect(back.length).toBe(s.length);
        expect(back.volumeUnit).toBe(s.volumeUnit);
        for (const k of KEYS) {
          const a = s[k];
          const b = back[k];
          expect(b === undefined, `column ${k} presence`).toBe(a === undefined);
          if (a === undefined || b === undefined) continue;
          for (let i = 0; i < a.length; i++) {
            if (!Object.is(a[i], b[i])) throw new Error(`column ${k}[${i}]: wrote ${a[i]}, read ${b[i]}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('barsCsvSha256', () => {
  it('equals the sha256 of barsToCsv, across chunk boundaries and with the optional columns', () => {
    for (const n of [1, 8191, 8192, 8193, 20000]) {
      const cols = allocBarColumns(n, { quoteVolume: true, trades: true });
      for (let i = 0; i < n; i++) {
        cols.time[i] = 1583971200000 + i * 60000;
        cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = 100 + i / 7;
        cols.volume[i] = i % 13;
        cols.quoteVolume![i] = (i % 13) * 100.5;
        cols.trades![i] = i % 5;
      }
      const s = makeBarSeries({ symbol: 'X', source: 'test', synthetic: true, volumeUnit: 'base' }, cols);
      expect(barsCsvSha256(s)).toBe(sha256(barsToCsv(s)));
    }
  });
});
