import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { allocBarColumns, makeBarSeries, type VolumeUnit } from '../../src/data/bars.js';
import { calibrateDepth1PctQuote, depth1PctQuoteAtStart, rollingDailyVolumeBase } from '../../src/market/depthCalibration.js';

const MIN = 60_000;

/** 1-minute bars; close 100 + i; base volume i + 1. */
function series(n: number, unit: VolumeUnit = 'base', withQuote = false, gapAfter = -1) {
  const cols = allocBarColumns(n, { quoteVolume: withQuote });
  for (let i = 0; i < n; i++) {
    cols.time[i] = i * MIN + (gapAfter >= 0 && i > gapAfter ? 60 * MIN : 0);
    cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = 100 + i;
    cols.volume[i] = unit === 'none' ? 0 : i + 1;
    if (cols.quoteVolume) cols.quoteVolume[i] = 1000 * (i + 1);
  }
  return makeBarSeries({ symbol: 'TEST', source: 'test.csv', synthetic: true, volumeUnit: unit }, cols);
}

describe('depth calibration from volume', () => {
  it('depth_i = fraction × quote volume per hour over the window before bar i (literal values)', () => {
    // Window 3 min: bar 5 sees bars 2, 3, 4 (times 2..4 min >= 5 − 3), bar i itself excluded.
    const d = calibrateDepth1PctQuote(series(8, 'base', true), { fractionOfHourlyQuoteVolume: 0.5, windowMs: 3 * MIN });
    expect(Number.isNaN(d[0])).toBe(true); // no past
    expect(d[1]).toBeCloseTo(0.5 * 1000 * 60, 9); // bar 0 alone: 1000 per minute
    // Bar 5: quote volumes 3000 + 4000 + 5000 over 3 bar-minutes → 4000/min → 240000/h → × 0.5.
    expect(d[5]).toBeCloseTo(0.5 * 240_000, 6);
  });

  it('falls back to base volume × close when there is no quote column', () => {
    const d = calibrateDepth1PctQuote(series(4), { fractionOfHourlyQuoteVolume: 1, windowMs: 10 * MIN });
    // Bar 3 sees bars 0..2: 1·100 + 2·101 + 3·102 = 608 over 3 minutes → ×20 per hour.
    expect(d[3]).toBeCloseTo(608 * 20, 9);
  });

  it('uses no future bar: changing bar k and later never changes depth at bars <= k', () => {
    const a = series(50, 'base', true);
    const before = calibrateDepth1PctQuote(a, { fractionOfHourlyQuoteVolume: 0.3, windowMs: 7 * MIN });
    const k = 20;
    for (let i = k; i < 50; i++) a.quoteVolume![i] *= 10;
    const after = calibrateDepth1PctQuote(a, { fractionOfHourlyQuoteVolume: 0.3, windowMs: 7 * MIN });
    for (let i = 0; i <= k; i++) expect(Object.is(after[i], before[i]), `bar ${i}`).toBe(true);
    expect(after[k + 1]).not.toBe(before[k + 1]);
  });

  it('a gap does not dilute the hourly rate (per covered bar time)', () => {
    const d = calibrateDepth1PctQuote(series(6, 'base', true, 2), { fractionOfHourlyQuoteVolume: 1, windowMs: 120 * MIN });
    // Bar 5 sees bars 0..4 (a 60-minute gap after bar 2): 15000 over 5 bar-minutes.
    expect(d[5]).toBeCloseTo(15_000 * 12, 6);
  });

  it('daily base volume for the sqrt model', () => {
    const v = rollingDailyVolumeBase(series(4), 10 * MIN);
    expect(v[3]).toBeCloseTo(((1 + 2 + 3) / 3) * 1440, 9);
  });

  it('refuses a series without volume and tells the user to set depth explicitly', () => {
    let err: unknown;
    try { calibrateDepth1PctQuote(series(5, 'none'), { fractionOfHourlyQuoteVolume: 0.5, windowMs: MIN }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/no traded volume.*set depth1PctQuote/);
    expect((err as DataError).location).toEqual({ file: 'test.csv', field: 'volume' });
  });

  it('run-start depth uses the window before the start bar and refuses bar 0', () => {
    const s = series(10, 'base', true);
    expect(depth1PctQuoteAtStart(s, 4, { fractionOfHourlyQuoteVolume: 1, windowMs: 2 * MIN })).toBeCloseTo(((3000 + 4000) / 2) * 60, 6);
    expect(() => depth1PctQuoteAtStart(s, 0, { fractionOfHourlyQuoteVolume: 1, windowMs: 2 * MIN })).toThrow(/set depth1PctQuote explicitly/);
  });
});
