import { describe, expect, it } from 'vitest';
import { SurfaceDynamics } from '../../src/surface/dynamics.js';
import { SsviSurface, type SsviSurfaceConfig } from '../../src/surface/surface.js';

/**
 * A schedule of calibrated surfaces inside the dynamics: at each bar the
 * surface in force is the scheduled one (its shape, term structure and ATM
 * level), the base before the first; a saved state restores the surface
 * that was in force, whatever was tried after.
 */

const BASE: SsviSurfaceConfig = { params: { rho: -0.4, eta: 1.2, gamma: 0.5 }, term: { kind: 'flat' }, atmVol: 0.6 };
// Two fitted surfaces, as calibrateSsvi returns them: a table term structure and the vol at its first expiry as the level.
const FIT_A: SsviSurfaceConfig = { params: { rho: -0.3, eta: 1.0, gamma: 0.45 }, term: { kind: 'table', refYears: 0.02, years: [0.02, 0.1, 0.3], thetas: [0.02 * 0.49, 0.1 * 0.45, 0.3 * 0.42] }, atmVol: 0.7 };
const FIT_B: SsviSurfaceConfig = { params: { rho: -0.75, eta: 0.7, gamma: 0.3 }, term: { kind: 'table', refYears: 0.05, years: [0.05, 0.2], thetas: [0.05 * 1.44, 0.2 * 1.0] }, atmVol: 1.2 };
const SCHEDULE = { surfaces: [FIT_A, FIT_B], atmVol: Float64Array.of(0.7, 1.2), inForce: Int32Array.of(-1, 0, 0, 1) };
const STRIKES = [60, 80, 100, 120];
const T = 0.15;
const smile = (v: { impliedVol(K: number, F: number, T: number): number }): number[] => STRIKES.map((K) => v.impliedVol(K, 100, T));

function barOf(d: SurfaceDynamics, i: number, ivIndex = 0.55): number {
  const chainAtm = d.selectBar(i);
  return d.updateBar(100, 100, Number.isNaN(chainAtm) ? ivIndex : chainAtm, 0, 0, 5);
}

describe('a schedule of calibrated surfaces', () => {
  it('without a schedule selectBar does nothing and says so (NaN)', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE });
    expect(d.selectBar(0)).toBeNaN();
  });

  it('each bar reads the scheduled surface exactly as a standalone SsviSurface of that fit; the base before the first', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE, schedule: SCHEDULE });
    const expected = [
      new SsviSurface({ ...BASE, atmVol: 0.55 }),
      new SsviSurface(FIT_A),
      new SsviSurface(FIT_A),
      new SsviSurface(FIT_B),
    ];
    for (let i = 0; i < 4; i++) {
      const atm = barOf(d, i);
      expect(atm).toBe(i === 0 ? 0.55 : SCHEDULE.atmVol[SCHEDULE.inForce[i]]);
      expect(smile(d), `bar ${i}`).toEqual(smile(expected[i]));
    }
  });

  it('sticky strike: each fit is anchored at the forward of the bar it takes over, then holds its strikes until the next', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-strike', base: BASE, schedule: SCHEDULE });
    const at = (i: number, F: number): number[] => {
      const chainAtm = d.selectBar(i);
      d.updateBar(F, F, Number.isNaN(chainAtm) ? 0.55 : chainAtm, 0, 0, 5);
      return STRIKES.map((K) => d.impliedVol(K, F, T));
    };
    at(0, 100);
    // Bar 1: FIT_A takes over at F = 90, so its smile is read as quoted against 90.
    const a = new SsviSurface(FIT_A);
    expect(at(1, 90)).toEqual(STRIKES.map((K) => a.impliedVol(K, 90, T)));
    // Bar 2, same fit, F = 80: the strikes keep their vols (sticky strike), so the smile is not FIT_A's at 80.
    const bar2 = at(2, 80);
    STRIKES.forEach((K, k) => expect(bar2[k], `K=${K}`).toBeCloseTo(a.impliedVol(K, 90, T), 12));
    expect(bar2).not.toEqual(STRIKES.map((K) => a.impliedVol(K, 80, T)));
    expect(d.anchorForward).toBe(90);
    // Bar 3: FIT_B takes over at F = 75.
    const b = new SsviSurface(FIT_B);
    expect(at(3, 75)).toEqual(STRIKES.map((K) => b.impliedVol(K, 75, T)));
    expect(d.anchorForward).toBe(75);
  });

  it('a calibrated ρ below the stress floor is not raised to it (the floor only bounds the steepening)', () => {
    const stress = { atmPerDrawdown: 0, atmPerStress: 0, rhoPerDrawdown: 1, rhoPerStress: 0, rhoMin: -0.6 };
    const d = new SurfaceDynamics({ mode: 'stress', base: BASE, stress, schedule: SCHEDULE });
    d.selectBar(3);
    d.updateBar(100, 100, 1.2, 0.1, 0, 5);
    expect(d.surface.params.rho).toBe(-0.75);
  });

  it('save, try later bars, restore: the surface in force and every vol are as saved; the state size never changes', () => {
    const d = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE, schedule: SCHEDULE });
    barOf(d, 0);
    barOf(d, 1);
    const size = d.stateSize;
    const saved = new Float64Array(size);
    d.saveState(saved, 0);
    const before = smile(d);
    barOf(d, 3);
    expect(smile(d)).not.toEqual(before);
    expect(d.stateSize).toBe(size);
    d.loadState(saved, 0);
    expect(smile(d)).toEqual(before);
    // And a twin that never tried bar 3 agrees slot for slot after both run bar 2 and 3.
    const twin = new SurfaceDynamics({ mode: 'sticky-moneyness', base: BASE, schedule: SCHEDULE });
    barOf(twin, 0);
    barOf(twin, 1);
    for (const i of [2, 3]) {
      barOf(d, i);
      barOf(twin, i);
      const a = new Float64Array(size);
      const b = new Float64Array(size);
      d.saveState(a, 0);
      twin.saveState(b, 0);
      expect(Array.from(a), `bar ${i}`).toEqual(Array.from(b));
    }
  });
});
