import { describe, expect, it } from 'vitest';
import { makeBarSeries, type BarSeries, type VolumeUnit } from '../../src/data/bars.js';
import { barQuoteVolume, collateralNearLiquidation, marginToLiquidityRatio, nextUp, RollingQuoteVolume } from '../../src/metrics/mlr.js';
import { SortedLadder } from './helpers.js';

const MIN15 = 15 * 60_000;
const HOUR = 3_600_000;

// Keys around P = 100 with m = 1: the 10% band is keys [90, 100] inclusive.
const ACCOUNTS = [
  { key: 95, collateral: 2 }, // inside
  { key: 90, collateral: 3 }, // lower edge: liquidation price exactly P(1 − x), inside
  { key: 100, collateral: 5 }, // upper edge: liquidation price = P, not yet liquidated, inside
  { key: 89.99, collateral: 7 }, // just below the band
  { key: 100.01, collateral: 11 }, // above P: already liquidatable, not "within x% below"
  { key: 50, collateral: 13 }, // far below
];

describe('collateral near liquidation and MLR on a literal ladder', () => {
  const ladder = new SortedLadder(ACCOUNTS);
  const cases = [
    // m = 1: keys [90, 100] → 2 + 3 + 5.
    { price: 100, m: 1, band: 0.1, coll: 10 },
    // m = 0.5: liquidation price = key / 0.5 = 2·key, so the band [90, 100] of
    // liquidation prices is keys [45, 50]: only the key-50 account (13).
    { price: 100, m: 0.5, band: 0.1, coll: 13 },
    // 5% band: keys [95, 100] → 2 + 5.
    { price: 100, m: 1, band: 0.05, coll: 7 },
    // P = 95, 10%: keys [85.5, 95] → 2 + 3 + 7.
    { price: 95, m: 1, band: 0.1, coll: 12 },
  ];
  for (const c of cases) {
    it(`price ${c.price}, m ${c.m}, band ${c.band}`, () => {
      expect(collateralNearLiquidation(ladder, c.price, c.m, c.band), JSON.stringify(c)).toBe(c.coll);
      // MLR = coll · P / V with a rolling volume of 4000 quote (exact in binary for these figures within 1e-15).
      expect(marginToLiquidityRatio(ladder, c.price, c.m, 4000, c.band), JSON.stringify(c)).toBeCloseTo((c.coll * c.price) / 4000, 14);
    });
  }

  it('default band is 10%; edge cases of the ratio', () => {
    expect(collateralNearLiquidation(ladder, 100, 1)).toBe(10);
    expect(marginToLiquidityRatio(ladder, 100, 1, Number.NaN)).toBeNaN();
    expect(marginToLiquidityRatio(ladder, 100, 1, 0)).toBe(Infinity);
    expect(marginToLiquidityRatio(new SortedLadder([]), 100, 1, 0)).toBe(0);
    expect(() => collateralNearLiquidation(ladder, 0, 1)).toThrow(/price/);
    expect(() => collateralNearLiquidation(ladder, 100, 1, 1)).toThrow(/band/);
  });

  it('nextUp is the next double', () => {
    for (const x of [1, 100, 90.5, 1e-300, 123456.789]) {
      const y = nextUp(x);
      expect(y > x, String(x)).toBe(true);
      expect((x + y) / 2 === x || (x + y) / 2 === y, String(x)).toBe(true);
    }
  });
});

function bars(quote: number[], times?: number[], unit: VolumeUnit = 'quote'): BarSeries {
  const n = quote.length;
  const t = Float64Array.from(times ?? quote.map((_, i) => Date.UTC(2020, 0, 1) + i * MIN15));
  const c = new Float64Array(n).fill(100);
  return makeBarSeries({ symbol: 'T', source: 'test', synthetic: true, volumeUnit: unit }, { time: t, open: c, high: c, low: c, close: c, volume: Float64Array.from(quote) });
}

describe('rolling quote volume', () => {
  const q = [10, 20, 30, 40, 50, 60];
  it('sums the last window of 15-minute bars and scales the warm-up (literal)', () => {
    const r = new RollingQuoteVolume(bars(q), { windowMs: HOUR });
    // Bars 0–2: fewer than 4 bars of history, mean per bar × 4: 40, 60, 80.
    // From bar 3 the window holds 4 bars: 10+20+30+40, 20+…+50, 30+…+60.
    expect(Array.from(r.values)).toEqual([40, 60, 80, 100, 140, 180]);
    expect(Array.from(r.complete)).toEqual([0, 0, 0, 1, 1, 1]);
    const nan = new RollingQuoteVolume(bars(q), { windowMs: HOUR, warmup: 'nan' });
    expect(Array.from(nan.values.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(nan.values.subarray(3))).toEqual([100, 140, 180]);
  });

  it('uses only past bars (no look-ahead): changing bar j leaves values before j alone', () => {
    for (let j = 0; j < q.length; j++) {
      const a = new RollingQuoteVolume(bars(q), { windowMs: HOUR });
      const changed = [...q];
      changed[j] = 1e6;
      const b = new RollingQuoteVolume(bars(changed), { windowMs: HOUR });
      for (let i = 0; i < j; i++) expect(b.at(i), `bar ${i}, changed ${j}`).toBe(a.at(i));
      expect(b.at(j), `changed bar ${j} counts at its own bar`).not.toBe(a.at(j));
    }
  });

  it('a gap in the bars shortens the window by time, not by count', () => {
    const t0 = Date.UTC(2020, 0, 1);
    // Bars at 0, 15, 30, 60, 75 minutes (45 missing); at 75 the last hour is (15, 75]: 30, 60, 75.
    const r = new RollingQuoteVolume(bars([1, 2, 4, 8, 16], [0, 15, 30, 60, 75].map((m) => t0 + m * 60_000)), { windowMs: HOUR });
    expect(r.at(4)).toBe(4 + 8 + 16);
    expect(r.at(3)).toBe(2 + 4 + 8);
  });

  it('default window is 24 hours: 96 bars of 15 minutes', () => {
    const many = Array.from({ length: 200 }, (_, i) => i + 1);
    const r = new RollingQuoteVolume(bars(many));
    // Bar 150: bars 55..150 → Σ (k+1) for k = 55..150 = Σ 56..151.
    expect(r.at(150)).toBe(((56 + 151) * 96) / 2);
    expect(r.complete[94]).toBe(0);
    expect(r.complete[95]).toBe(1);
  });

  it('base volume is priced at the typical price (H+L+C)/3; no volume gives NaN', () => {
    const t = Float64Array.from([0, MIN15]);
    const s = makeBarSeries(
      { symbol: 'T', source: 'test', synthetic: true, volumeUnit: 'base' },
      { time: t, open: Float64Array.from([100, 100]), high: Float64Array.from([110, 100]), low: Float64Array.from([91, 100]), close: Float64Array.from([102, 100]), volume: Float64Array.from([3, 1]) },
    );
    expect(barQuoteVolume(s, 0)).toBe(3 * 101); // (110 + 91 + 102) / 3 = 101
    expect(barQuoteVolume(bars([5], undefined, 'none'), 0)).toBeNaN();
    expect(new RollingQuoteVolume(bars([5, 6], undefined, 'none')).at(1)).toBeNaN();
  });
});
