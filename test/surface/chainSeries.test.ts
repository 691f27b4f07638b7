import { describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../src/core/time.js';
import { forEachChainSnapshot, parseOptionChain, type ChainRow } from '../../src/data/optionChain.js';
import { admitSsviParams } from '../../src/surface/arbitrage.js';
import { fitChainSeries, snapshotQuotes, surfaceInForce, type ChainFitOptions } from '../../src/surface/chainSeries.js';
import { durrlemanG } from '../../src/surface/ssvi.js';
import { SsviSurface } from '../../src/surface/surface.js';
import { chainCsv, EXPIRY_DAYS, LOG_MONEYNESS, type KnownSnapshot } from './chainHelpers.js';

const YEAR_MS = 365 * MS_PER_DAY;
const HOUR = 3_600_000;
const T1 = Date.UTC(2020, 2, 12, 0);
const T2 = Date.UTC(2020, 2, 12, 6);
/** Calm, then the crash: ATM up, skew steeper. */
const SNAPS: KnownSnapshot[] = [
  { timeMs: T1, params: { rho: -0.35, eta: 1.1, gamma: 0.45 }, atmVol: 0.7, spot: 7900 },
  { timeMs: T2, params: { rho: -0.7, eta: 0.8, gamma: 0.35 }, atmVol: 1.3, spot: 5600 },
];
const OPTS: ChainFitOptions = { yearMs: YEAR_MS, iv: 'mark', weights: 'vega', minExpiryMs: MS_PER_DAY, maxAgeMs: HOUR, file: 'gen.csv' };

function series(text: string, opts: ChainFitOptions = OPTS) {
  return fitChainSeries((onSnap) => forEachChainSnapshot((onRow) => void parseOptionChain(text, 'gen.csv', 'tardis', onRow), HOUR, onSnap), opts);
}

describe('per-snapshot SSVI calibration of a chain made from known parameters', () => {
  const text = chainCsv(SNAPS, YEAR_MS);

  for (const weights of ['vega', 'equal'] as const) {
    it(`recovers ρ, η, γ to 1e-5 and θ per expiry to 1e-6 relative at each snapshot (weights ${weights})`, () => {
      const s = series(text, { ...OPTS, weights });
      expect(s.skipped).toEqual([]);
      expect(Array.from(s.timesMs)).toEqual([T1, T2]);
      // Per snapshot: 5 expiries × 9 strikes, all out of the money by construction, none within a day of expiry;
      // the first snapshot's other strikes are still in the chain at T2, six hours old, and left out as stale.
      expect(s.fits.map((f) => f.quotes)).toEqual([45, 45]);
      expect(s.excluded.stale).toBe(45);
      s.fits.forEach((fit, j) => {
        const truth = SNAPS[j];
        const p = fit.surface.params;
        // Marks are written to 1e-8 vol points (1e-10 in vol); the fit's parameter error is a few orders above that.
        const info = JSON.stringify({ j, p, rmse: fit.rmseVolPoints });
        expect(Math.abs(p.rho - truth.params.rho), info).toBeLessThan(1e-5);
        expect(Math.abs(p.eta - truth.params.eta), info).toBeLessThan(1e-5);
        expect(Math.abs(p.gamma - truth.params.gamma), info).toBeLessThan(1e-5);
        expect(fit.rmseVolPoints, info).toBeLessThan(1e-5);
        // θ_T = σ²T of the flat true term structure, at each fitted expiry.
        const term = fit.surface.term as { readonly years: readonly number[]; readonly thetas: readonly number[] };
        term.years.forEach((T, e) => expect(Math.abs(term.thetas[e] / (truth.atmVol ** 2 * T) - 1), `${info} T=${T}`).toBeLessThan(1e-6));
        // The ATM level handed on is the fitted vol at the first expiry.
        expect(fit.atmVol).toBeCloseTo(truth.atmVol, 6);
      });
    });
  }

  it("iv 'mid' with spread weights fits the mid of bid and ask, not a biased mark (spreads 1 to 7 vol points, mid exact)", () => {
    // Symmetric quotes around the truth, wider in the wings; the mark is 2 vol points off.
    const book = { spreadPts: (k: number) => 1 + 10 * k * k, markBiasPts: 2 };
    const quoted = chainCsv(SNAPS, YEAR_MS, book);
    const mid = series(quoted, { ...OPTS, iv: 'mid', weights: 'spread' });
    const mark = series(quoted, { ...OPTS, iv: 'mark', weights: 'spread' });
    mid.fits.forEach((fit, j) => {
      const p = fit.surface.params;
      const t = SNAPS[j].params;
      const info = JSON.stringify({ j, p, rmse: fit.rmseVolPoints });
      // The mid is the truth to 1e-8 vol points of rounding: the same 1e-5 as exact marks.
      expect(Math.abs(p.rho - t.rho), info).toBeLessThan(1e-5);
      expect(Math.abs(p.eta - t.eta), info).toBeLessThan(1e-5);
      expect(Math.abs(p.gamma - t.gamma), info).toBeLessThan(1e-5);
      // The biased mark moves the level by its 2 points, which the mid fit does not see.
      expect(mark.fits[j].atmVol - fit.atmVol, info).toBeGreaterThan(0.015);
    });
  });

  it('every fitted surface is free of static arbitrage: admitted as is, Durrleman g ≥ 0 on a grid, θ non-decreasing', () => {
    const s = series(text);
    for (const fit of s.fits) {
      const surf = new SsviSurface(fit.surface);
      const range = { thetaMin: surf.thetaAt(surf.minYears), thetaMax: surf.thetaAt(surf.maxYears) };
      const adm = admitSsviParams(fit.surface.params, range, { onArbitrage: 'clamp' });
      expect(adm.clamps).toEqual([]);
      let prev = 0;
      for (const T of [1 / 365, 0.01, 0.05, 0.1, 0.24, 0.5, 1, 3]) {
        const theta = surf.thetaAt(T);
        expect(theta).toBeGreaterThanOrEqual(prev);
        prev = theta;
        const phi = surf.effectivePhi(theta);
        for (let k = -3; k <= 3; k += 0.05) expect(durrlemanG(k, theta, phi, fit.surface.params.rho), `T=${T} k=${k}`).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('the surface in force at a bar is the last fit at or before its time: a later snapshot never reaches an earlier bar', () => {
    const bars = [T1 - HOUR, T1 - 1, T1, T1 + HOUR, T2 - 1, T2, T2 + 10 * HOUR];
    expect(Array.from(surfaceInForce(Float64Array.of(T1, T2), bars))).toEqual([-1, -1, 0, 0, 0, 1, 1]);
    // Change every quote of the second snapshot: the first fit, the only one bars before T2 can see, is unchanged.
    const other = chainCsv([SNAPS[0], { ...SNAPS[1], params: { rho: 0.2, eta: 0.3, gamma: 0.5 }, atmVol: 0.4 }], YEAR_MS);
    const a = series(text);
    const b = series(other);
    expect(b.fits[0]).toEqual(a.fits[0]);
    expect(b.fits[1].surface.params.rho).not.toBeCloseTo(a.fits[1].surface.params.rho, 2);
  });
});

describe('which quotes a snapshot fits', () => {
  const row = (over: Partial<ChainRow>): ChainRow => ({
    timeMs: T1,
    line: 2,
    instrument: 'x',
    kind: -1,
    strike: 7000,
    expiryMs: T1 + 10 * MS_PER_DAY,
    forward: 8000,
    markIv: 0.8,
    bidIv: 0.78,
    askIv: 0.82,
    openInterest: 1,
    ...over,
  });

  it('out of the money only, not within minExpiry, with the quote the options ask for; counts what it leaves out', () => {
    const rows = [
      row({ instrument: 'otm put' }),
      row({ instrument: 'itm put', strike: 9000 }),
      row({ instrument: 'itm call', kind: 1, strike: 7000 }),
      row({ instrument: 'near expiry', expiryMs: T1 + HOUR }),
      row({ instrument: 'one-sided', kind: 1, strike: 9000, bidIv: NaN }),
      row({ instrument: 'stale', timeMs: T1 - 2 * HOUR }),
    ];
    const ex = { stale: 0, inTheMoney: 0, nearExpiry: 0, noQuote: 0 };
    expect(snapshotQuotes(T1, rows, OPTS, ex)).toHaveLength(2);
    expect(ex).toEqual({ stale: 1, inTheMoney: 2, nearExpiry: 1, noQuote: 0 });
    const exMid = { stale: 0, inTheMoney: 0, nearExpiry: 0, noQuote: 0 };
    const mid = snapshotQuotes(T1, rows, { ...OPTS, iv: 'mid' }, exMid);
    expect(mid.map((q) => q.iv)).toEqual([0.5 * (0.78 + 0.82)]);
    expect(exMid.noQuote).toBe(1);
  });

  it('one forward per expiry (its latest row), and weights scaled to a largest of 1', () => {
    const rows = [row({ instrument: 'a', timeMs: T1 - 5000, forward: 7990 }), row({ instrument: 'b', strike: 6000, timeMs: T1 - 1000, forward: 8010 })];
    const q = snapshotQuotes(T1, rows, { ...OPTS, weights: 'spread' }, { stale: 0, inTheMoney: 0, nearExpiry: 0, noQuote: 0 });
    expect(q.map((x) => x.forward)).toEqual([8010, 8010]);
    // Equal spreads: equal weights, both 1.
    expect(q.map((x) => x.weight)).toEqual([1, 1]);
  });

  it('a snapshot with no more quotes than unknowns is skipped with its reason, and counted', () => {
    const few = chainCsv([SNAPS[0]], YEAR_MS).split('\n').slice(0, 5).join('\n') + '\n'; // 4 quotes, one expiry
    const s = series(few);
    expect(s.fits).toEqual([]);
    expect(s.skipped).toEqual([{ timeMs: T1, reason: '4 usable quotes over 1 expiries, need more than 4 (3 shape parameters and one ATM level per expiry)' }]);
    expect(EXPIRY_DAYS.length * LOG_MONEYNESS.length).toBe(45);
  });
});
