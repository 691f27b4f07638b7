import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../src/core/errors.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, formatIsoUtc, parseIsoUtc } from '../../src/core/time.js';
import { makeBarSeries, type BarSeries, type IvSeries } from '../../src/data/bars.js';
import { findGaps } from '../../src/data/gaps.js';
import { describeBars } from '../../src/data/info.js';
import { joinIvAsOf } from '../../src/data/joinIv.js';
import { resampleBars } from '../../src/data/resample.js';
import { cutWindow } from '../../src/data/window.js';

const T = (s: string): number => parseIsoUtc(s);
const F = (a: number[]): Float64Array => Float64Array.from(a);

/** Bars from literal rows [iso, o, h, l, c, v, (trades)]. */
function bars(rows: Array<[string, number, number, number, number, number, number?]>, volumeUnit: 'base' | 'quote' = 'base'): BarSeries {
  const withTrades = rows.every((r) => r[6] !== undefined);
  return makeBarSeries(
    { symbol: 'T', source: 'literal', synthetic: false, volumeUnit },
    {
      time: F(rows.map((r) => T(r[0]))),
      open: F(rows.map((r) => r[1])),
      high: F(rows.map((r) => r[2])),
      low: F(rows.map((r) => r[3])),
      close: F(rows.map((r) => r[4])),
      volume: F(rows.map((r) => r[5])),
      ...(withTrades ? { trades: F(rows.map((r) => r[6]!)) } : {}),
    },
  );
}

const rows = (s: BarSeries): Array<Array<string | number>> =>
  Array.from({ length: s.length }, (_, i) => [formatIsoUtc(s.time[i]), s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i], ...(s.trades ? [s.trades[i]] : [])]);

describe('resampleBars', () => {
  // Six 10-minute bars starting at 00:10, rolled to 30 minutes. Buckets start
  // at epoch multiples of 30 min (00:00, 00:30, 01:00), so the first and last
  // are partial. Expected rows computed by hand: open first, high max, low
  // min, close last, volume and trades summed.
  const src = bars([
    ['2020-03-12T00:10:00Z', 10, 12, 9, 11, 1, 5],
    ['2020-03-12T00:20:00Z', 11, 11.5, 8, 8.5, 2, 6],
    ['2020-03-12T00:30:00Z', 8.5, 9, 7, 7.25, 4, 7],
    ['2020-03-12T00:40:00Z', 7.25, 13, 7.25, 12, 8, 8],
    ['2020-03-12T00:50:00Z', 12, 12.5, 11, 11.75, 16, 9],
    ['2020-03-12T01:00:00Z', 11.75, 12, 10, 10.5, 32, 10],
  ]);

  it('aggregates into epoch-aligned buckets (hand-computed literal)', () => {
    expect(rows(resampleBars(src, 30 * MS_PER_MINUTE))).toEqual([
      ['2020-03-12T00:00:00Z', 10, 12, 8, 8.5, 3, 11],
      ['2020-03-12T00:30:00Z', 8.5, 13, 7, 11.75, 28, 24],
      ['2020-03-12T01:00:00Z', 11.75, 12, 10, 10.5, 32, 10],
    ]);
  });

  it('is the identity at the source interval', () => {
    expect(rows(resampleBars(src, 10 * MS_PER_MINUTE))).toEqual(rows(src));
  });

  it('refuses an interval that is not a multiple of the source interval', () => {
    expect(() => resampleBars(src, 25 * MS_PER_MINUTE)).toThrow(ConfigError);
    expect(() => resampleBars(src, 25 * MS_PER_MINUTE)).toThrow(/not a multiple of the source interval 600000 ms/);
  });

  it('refuses source bars that would straddle a bucket boundary', () => {
    const off = bars([
      ['2020-03-12T00:05:00Z', 1, 1, 1, 1, 1],
      ['2020-03-12T00:15:00Z', 1, 1, 1, 1, 1],
      ['2020-03-12T00:25:00Z', 1, 1, 1, 1, 1],
    ]);
    expect(() => resampleBars(off, 30 * MS_PER_MINUTE)).toThrow(/2020-03-12T00:25:00Z straddles/);
  });
});

describe('cutWindow', () => {
  const s = bars([
    ['2020-03-12T00:00:00Z', 1, 1, 1, 1, 1],
    ['2020-03-12T01:00:00Z', 2, 2, 2, 2, 1],
    ['2020-03-12T02:00:00Z', 3, 3, 3, 3, 1],
  ]);

  it('is half-open [start, end)', () => {
    const w = cutWindow(s, T('2020-03-12T01:00:00Z'), T('2020-03-12T02:00:00Z'));
    expect(Array.from(w.close)).toEqual([2]);
    const all = cutWindow(s, T('2020-03-11T00:00:00Z'), T('2020-03-12T02:00:01Z'));
    expect(Array.from(all.close)).toEqual([1, 2, 3]);
  });

  it('copies rather than aliases the history', () => {
    const w = cutWindow(s, T('2020-03-12T00:00:00Z'), T('2020-03-13T00:00:00Z'));
    expect(w.close.buffer).not.toBe(s.close.buffer);
  });

  it('refuses an empty or inverted window, naming what the series covers', () => {
    expect(() => cutWindow(s, T('2020-03-12T00:30:00Z'), T('2020-03-12T01:00:00Z'))).toThrow(DataError);
    expect(() => cutWindow(s, T('2021-01-01T00:00:00Z'), T('2021-01-02T00:00:00Z'))).toThrow(/covers 2020-03-12T00:00:00Z \.\. 2020-03-12T02:00:00Z/);
    expect(() => cutWindow(s, T('2020-03-12T02:00:00Z'), T('2020-03-12T01:00:00Z'))).toThrow(ConfigError);
  });
});

describe('joinIvAsOf', () => {
  // DVOL daily, stamped at the trading date 00:00Z; each value is the CLOSE
  // of that day (PROVENANCE.md), so it is first known at the next 00:00Z.
  const dvol: IvSeries = {
    name: 'dvol', source: 'literal', length: 3,
    time: F([T('2021-05-18T00:00:00Z'), T('2021-05-19T00:00:00Z'), T('2021-05-20T00:00:00Z')]),
    value: F([100.5, 124.83, 130]),
  };
  const hourly = bars(
    ['2021-05-18T22:00:00Z', '2021-05-18T23:00:00Z', '2021-05-19T22:00:00Z', '2021-05-19T23:00:00Z', '2021-05-20T00:00:00Z'].map(
      (t) => [t, 1, 1, 1, 1, 0] as [string, number, number, number, number, number],
    ),
  );

  it('daily-close rule: the 2021-05-19 value is used only from the bar closing at 2021-05-20T00:00Z', () => {
    const j = joinIvAsOf(hourly, dvol);
    // 18 May 22:00 bar closes 23:00: nothing known yet. 18 May 23:00 closes
    // at 19 May 00:00: the 18 May close is known. 19 May 22:00 still sees 18
    // May; 19 May 23:00 (closing 20 May 00:00) sees 19 May.
    expect(Array.from(j)).toEqual([Number.NaN, 100.5, 100.5, 124.83, 124.83]);
  });

  it('a lag delays use by exactly that much', () => {
    const j = joinIvAsOf(hourly, dvol, { lagMs: MS_PER_HOUR });
    expect(Array.from(j)).toEqual([Number.NaN, Number.NaN, 100.5, 100.5, 124.83]);
  });

  it('availableAfterMs overrides the default, and is required for a single IV value', () => {
    // With 0 the stamp itself is the availability time (a series stamped at its close).
    const j = joinIvAsOf(hourly, dvol, { availableAfterMs: 0 });
    expect(Array.from(j)).toEqual([100.5, 124.83, 124.83, 130, 130]);
    const one: IvSeries = { ...dvol, length: 1, time: dvol.time.subarray(0, 1), value: dvol.value.subarray(0, 1) };
    expect(() => joinIvAsOf(hourly, one)).toThrow(/availableAfterMs/);
  });

  it('never uses a value from the future (property against a brute-force scan, 200 runs)', () => {
    const arb = fc.record({
      barSteps: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 60 }),
      ivSteps: fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 2, maxLength: 40 }),
      ivStart: fc.integer({ min: -2000, max: 2000 }),
      lagMin: fc.integer({ min: 0, max: 120 }),
      avail: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ barSteps, ivSteps, ivStart, lagMin, avail }) => {
        const base = T('2021-05-19T00:00:00Z');
        let m = 0;
        // Bars on a 1-minute grid with gaps; interval = median spacing.
        const bt = F(barSteps.map((s) => base + (m += s) * MS_PER_MINUTE));
        const b = makeBarSeries({ symbol: 'x', source: 'p', synthetic: false, volumeUnit: 'none' }, {
          time: bt, open: bt.map(() => 1), high: bt.map(() => 1), low: bt.map(() => 1), close: bt.map(() => 1), volume: bt.map(() => 0),
        });
        let k = ivStart;
        const it = F(ivSteps.map((s) => base + (k += s) * MS_PER_MINUTE));
        // Value j+1 identifies which observation was used.
        const iv: IvSeries = { name: 'i', source: 'p', length: it.length, time: it, value: it.map((_, j) => j + 1) };
        const opts = {
          lagMs: lagMin * MS_PER_MINUTE,
          ...(avail !== undefined ? { availableAfterMs: avail * MS_PER_MINUTE } : {}),
          ...(bt.length === 1 ? { barIntervalMs: MS_PER_MINUTE } : {}),
        };
        const got = joinIvAsOf(b, iv, opts);
        const barMs = b.length > 1 ? medianStep(bt) : MS_PER_MINUTE;
        const availMs = avail !== undefined ? avail * MS_PER_MINUTE : medianStep(it);
        for (let i = 0; i < b.length; i++) {
          const closeMs = bt[i] + barMs;
          let want = Number.NaN;
          for (let j = 0; j < iv.length; j++) if (it[j] + availMs + opts.lagMs <= closeMs) want = j + 1;
          const ctx = JSON.stringify({ i, closeMs, barSteps, ivSteps, ivStart, lagMin, avail });
          expect(got[i], ctx).toBe(want);
          if (!Number.isNaN(got[i])) expect(it[got[i] - 1] + availMs, ctx).toBeLessThanOrEqual(closeMs);
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** Independent median of consecutive differences (upper median, as barIntervalMs documents). */
function medianStep(t: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(t[i] - t[i - 1]);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

describe('findGaps and describeBars', () => {
  it('reports gaps above 1.5x the median interval, never fills them', () => {
    const t = F([0, 1, 2, 4, 5, 10].map((h) => h * MS_PER_HOUR));
    expect(findGaps(t, MS_PER_HOUR)).toEqual({ count: 2, largestMs: 5 * MS_PER_HOUR, largestAt: 5 * MS_PER_HOUR });
    expect(findGaps(F([0, 1.5 * MS_PER_HOUR]), MS_PER_HOUR).count).toBe(0);
  });

  it('describes a literal crash: extremes, drawdown, volume and quote-volume flag', () => {
    // Closes 100, 120, 90, 110, 60, 130: the worst close-to-close fall is
    // 120 -> 60 = 50%, not 130's peak (which comes after the trough).
    const s = bars(
      [
        ['2020-03-12T00:00:00Z', 100, 101, 99, 100, 1],
        ['2020-03-13T00:00:00Z', 100, 125, 100, 120, 2],
        ['2020-03-14T00:00:00Z', 120, 120, 85, 90, 3],
        ['2020-03-15T00:00:00Z', 90, 110, 90, 110, 4],
        ['2020-03-16T00:00:00Z', 110, 110, 55, 60, 5],
        ['2020-03-17T00:00:00Z', 130, 130, 130, 130, 6],
      ],
      'quote',
    );
    const d = describeBars(s);
    expect(d).toMatchObject({
      first: '2020-03-12T00:00:00Z', last: '2020-03-17T00:00:00Z', bars: 6, intervalMs: MS_PER_DAY,
      minLow: { value: 55, at: '2020-03-16T00:00:00Z' },
      maxHigh: { value: 130, at: '2020-03-17T00:00:00Z' },
      firstClose: 100, lastClose: 130, totalVolume: 21, flatBars: 1, volumeUnit: 'quote',
    });
    expect(d.maxDrawdown.fraction).toBe(0.5);
    expect(d.maxDrawdown.peak).toMatchObject({ value: 120, at: '2020-03-13T00:00:00Z' });
    expect(d.maxDrawdown.trough).toMatchObject({ value: 60, at: '2020-03-16T00:00:00Z' });
    expect(d.warnings.join('\n')).toMatch(/QUOTE currency/);
    expect(d.warnings.join('\n')).toMatch(/1 of 6 bars have open = high = low = close/);
    expect(d.gaps.count).toBe(0);
  });
});

describe('cutWindow with open ends', () => {
  it('accepts infinite bounds (scenario windows with only a start or an end)', () => {
    const s = bars([
      ['2020-03-12T00:00:00Z', 1, 1, 1, 1, 1],
      ['2020-03-12T01:00:00Z', 2, 2, 2, 2, 1],
    ]);
    expect(Array.from(cutWindow(s, -Infinity, T('2020-03-12T01:00:00Z')).close)).toEqual([1]);
    expect(Array.from(cutWindow(s, T('2020-03-12T01:00:00Z'), Infinity).close)).toEqual([2]);
    expect(() => cutWindow(s, T('2021-01-01T00:00:00Z'), Infinity)).toThrow(/no bars in \[2021-01-01T00:00:00Z, Infinity\)/);
  });
});
