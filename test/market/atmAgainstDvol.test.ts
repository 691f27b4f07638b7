/**
 * scripts/compare-atm-dvol.ts: how a level series is scored against DVOL's
 * daily closes (on a hand-made series), and, with the team data, that the
 * engine's own level gives the figures docs/calibration.md quotes ("The
 * inferred ATM level against DVOL").
 */
import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/core/time.js';
import { bestOnGrid, DEFAULTS, fit, loadCrashes, scoreAgainstDvol } from '../../scripts/compare-atm-dvol.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;

describe('scoring a level against DVOL', () => {
  it("sets each day's close against the level at the day's last bar, and counts the bars at the cap", () => {
    // Three days of hourly bars; the level is 0.5 except the last hour of day 1 (0.8) and hours at the cap on day 2.
    const hours = 72;
    const time = new Float64Array(hours);
    const atm = new Float64Array(hours).fill(0.5);
    for (let i = 0; i < hours; i++) time[i] = 10 * MS_PER_DAY + i * MS_PER_HOUR;
    atm[47] = 0.8;
    atm[50] = 2;
    atm[51] = 2;
    const dvol = new Map([
      [10 * MS_PER_DAY, 0.5],
      [11 * MS_PER_DAY, 0.4],
      // day 12 has no DVOL row: not scored
    ]);
    const s = scoreAgainstDvol({ time, atm, barMs: MS_PER_HOUR }, dvol, 2);
    expect(s.points).toBe(2);
    expect(s.sumSq).toBeCloseTo(Math.log(0.8 / 0.4) ** 2, 14);
    expect(s.peak).toBe(2);
    expect(s.dvolPeak).toBe(0.5);
    expect(s.capShare).toBeCloseTo(2 / 72, 14);
  });
});

describe.skipIf(!DATA_DIR)(`the engine's level against DVOL on five BTC crashes (${DATA_DIR ? 'team data' : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  it('gives the figures docs/calibration.md quotes', { timeout: 120_000 }, () => {
    const { crashes, dvol } = loadCrashes(DATA_DIR as string);
    const d = fit(crashes, dvol, DEFAULTS);
    expect(d.points).toBe(65);
    expect(d.rmsLog.toFixed(3)).toBe('0.329');
    expect(d.perCrash.map((c) => [c.name, c.rmsLog.toFixed(3), Math.round(c.modelPeak * 100), Math.round(c.dvolPeak * 100), Math.round(c.capShare * 100)])).toEqual([
      ['btc-2021-05-19', '0.328', 200, 156, 44],
      ['luna-2022-05', '0.335', 197, 115, 0],
      ['ftx-2022-11', '0.199', 146, 115, 0],
      ['yen-carry-2024-08-05', '0.500', 129, 63, 0],
      ['btc-2025-10-10', '0.230', 62, 50, 0],
    ]);
    const best = bestOnGrid(crashes, dvol);
    expect(best.p).toEqual({ premium: 0.9, halfLifeHours: 168, atmPerDrawdown: 0.5 });
    expect(best.rms.toFixed(3)).toBe('0.178');
    expect(fit(crashes, dvol, best.p).perCrash.map((c) => c.rmsLog.toFixed(3))).toEqual(['0.204', '0.159', '0.156', '0.224', '0.137']);
  });
});
