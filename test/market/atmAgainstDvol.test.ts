/**
 * scripts/compare-atm-dvol.ts: the inferred ATM level (slow realised vol ×
 * premium × (1 + a·drawdown), within [0.05, 2]) on a path where the EWMA
 * has a closed form, and, with the team data, the figures
 * docs/calibration.md quotes ("The inferred ATM level against DVOL").
 */
import { describe, expect, it } from 'vitest';
import { MS_PER_HOUR, MS_PER_YEAR } from '../../src/core/time.js';
import { bestOnGrid, DEFAULTS, fit, loadCrashes, modelAtm, type Crash } from '../../scripts/compare-atm-dvol.js';

const DATA_DIR = process.env.CASCADE_DATA_DIR;

/** Hourly closes whose log returns alternate +r, −r from 100. */
function zigzag(r: number, hours: number): Crash {
  const time = new Float64Array(hours);
  const close = new Float64Array(hours);
  for (let i = 0; i < hours; i++) {
    time[i] = i * MS_PER_HOUR;
    close[i] = 100 * Math.exp(i % 2 === 1 ? r : 0);
  }
  return { name: 'zigzag', time, close, dvol: new Map(), startMs: 0 };
}

describe('the inferred ATM level', () => {
  it('is the EWMA of squared returns in closed form, times the premium and the drawdown term', () => {
    const r = 0.01;
    const c = zigzag(r, 400);
    const p = { premium: 0.9, halfLifeHours: 24, atmPerDrawdown: 0.5 };
    const atm = modelAtm(c, p);
    const decay = 0.5 ** (1 / p.halfLifeHours);
    const annualise = MS_PER_YEAR / MS_PER_HOUR;
    for (const i of [1, 2, 50, 51, 399]) {
      // i returns seen, each of size r; the prior 0.6 weighs decay^i.
      const variance = decay ** i * (0.6 * 0.6) + (1 - decay ** i) * r * r * annualise;
      const dd = i % 2 === 0 ? 1 - Math.exp(-r) : 0;
      expect(atm[i]).toBeCloseTo(Math.sqrt(variance) * p.premium * (1 + p.atmPerDrawdown * dd), 12);
    }
    expect(atm[0]).toBeCloseTo(0.6 * p.premium, 14);
  });

  it('stops at the 200% cap and the 5% floor', () => {
    expect(Math.max(...modelAtm(zigzag(0.2, 100), DEFAULTS))).toBe(2);
    expect(Math.min(...modelAtm(zigzag(0, 2000), DEFAULTS).subarray(1500))).toBeCloseTo(0.05, 14);
  });
});

describe.skipIf(!DATA_DIR)(`against DVOL on five BTC crashes (${DATA_DIR ? 'team data' : 'skipped: CASCADE_DATA_DIR is not set'})`, () => {
  it('gives the figures docs/calibration.md quotes', () => {
    const crashes = loadCrashes(DATA_DIR as string);
    const d = fit(crashes, DEFAULTS);
    expect(d.points).toBe(65);
    expect(d.rmsLog.toFixed(3)).toBe('0.334');
    expect(d.perCrash.map((c) => [c.name, c.rmsLog.toFixed(3), Math.round(c.modelPeak * 100), Math.round(c.dvolPeak * 100), Math.round(c.capShare * 100)])).toEqual([
      ['btc-2021-05-19', '0.340', 200, 156, 48],
      ['luna-2022-05', '0.333', 197, 115, 0],
      ['ftx-2022-11', '0.196', 146, 115, 0],
      ['yen-carry-2024-08-05', '0.513', 131, 63, 0],
      ['btc-2025-10-10', '0.226', 62, 50, 0],
    ]);
    const best = bestOnGrid(crashes);
    expect(best.p).toEqual({ premium: 0.9, halfLifeHours: 168, atmPerDrawdown: 0.5 });
    expect(best.rms.toFixed(3)).toBe('0.177');
    expect(fit(crashes, best.p).perCrash.map((c) => c.rmsLog.toFixed(3))).toEqual(['0.191', '0.152', '0.157', '0.238', '0.134']);
  });
});
