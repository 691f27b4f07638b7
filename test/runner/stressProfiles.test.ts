import { describe, expect, it } from 'vitest';
import { CALL, OptionBook, PUT } from '../../src/dealer/book.js';
import { bookGammaAt, flipLevel, StressProfileTracker } from '../../src/runner/stressProfiles.js';
import type { VolSurface } from '../../src/sim/volSurface.js';

/** Black-Scholes gamma by its closed form e^{−qT}·φ(d1)/(S·σ·√T), written out here as the independent reference. */
function gammaClosedForm(S: number, K: number, T: number, vol: number, r: number, q: number): number {
  const d1 = (Math.log(S / K) + (r - q + 0.5 * vol * vol) * T) / (vol * Math.sqrt(T));
  return (Math.exp(-q * T) * Math.exp(-0.5 * d1 * d1)) / Math.sqrt(2 * Math.PI) / (S * vol * Math.sqrt(T));
}

/** A flat surface: total variance σ²·T at every log-moneyness. */
const flat = (vol: number): VolSurface => ({
  impliedVol: () => vol,
  impliedVolBatch: (_k, _f, _y, out) => out.fill(vol),
  totalVariance: (_k, years) => vol * vol * years,
});

function book(): OptionBook {
  const b = OptionBook.from([
    { strike: 90, expiryMs: 0, kind: PUT, qty: -10 },
    { strike: 110, expiryMs: 0, kind: CALL, qty: 4 },
  ]);
  // The dealer's last valuation: time to expiry and vol per option.
  b.years.set([0.1, 0.25]);
  b.vol.set([0.6, 0.5]);
  return b;
}

describe('stress profiles', () => {
  it('book gamma: Σ qty·Γ against the closed form (1e-12 relative), expired options ignored', () => {
    const S = 97;
    const want = -10 * gammaClosedForm(S, 90, 0.1, 0.6, 0.01, 0) + 4 * gammaClosedForm(S, 110, 0.25, 0.5, 0.01, 0);
    const got = bookGammaAt(S, 2, [90, 110], [PUT, CALL], [-10, 4], [0.1, 0.25], [0.6, 0.5], 0.01, 0);
    expect(Math.abs(got / want - 1)).toBeLessThan(1e-12);
    expect(bookGammaAt(S, 1, [90], [PUT], [-10], [0], [0.6], 0.01, 0)).toBe(0);
  });

  it('flip level: linear interpolation of the sign change nearest the spot; none without a change of sign', () => {
    expect(flipLevel([1, 2, 3], [-1, 1, 2], 2)).toBeCloseTo(1.5, 14);
    // Two crossings, at 1.5 and 3.75: the one nearer 3.5 wins.
    expect(flipLevel([1, 2, 3, 4], [-1, 1, 3, -1], 3.5)).toBeCloseTo(3.75, 14);
    expect(flipLevel([1, 2, 3], [-3, -2, -1], 2)).toBeNull();
  });

  it('captures the book and smile as they were at the calmest and most stressed bar, re-priced after the run', () => {
    const realisedVol = Float64Array.from([0.5, 0.2, 0.9, 0.7]);
    const close = Float64Array.from([100, 101, 80, 85]);
    const time = Float64Array.from([0, 60_000, 120_000, 180_000]);
    const b = book();
    const surface = flat(0.6);
    const tracker = new StressProfileTracker(realisedVol, close, time, surface, b, 0.01, 0);
    for (let i = 0; i < 4; i++) {
      tracker.onBarEnd(i);
      // The dealer changes the book after every bar; each snapshot must keep its own bar's book.
      b.qty[0] -= 1;
    }
    const p = tracker.profiles();
    expect(p.bars.map((x) => [x.label, x.bar, x.spot])).toEqual([
      ['calmest', 1, 101],
      ['most stressed', 2, 80],
    ]);
    // At bar 1 the put quantity was -11 (one change after bar 0), at bar 2 it was -12.
    for (const [x, qPut] of [[p.bars[0], -11], [p.bars[1], -12]] as const) {
      const g = x.gamma!;
      const mid = g.spotGrid.findIndex((s) => Math.abs(s - x.spot) < 1e-9);
      expect(mid).toBe(50);
      const want = (qPut * gammaClosedForm(x.spot, 90, 0.1, 0.6, 0.01, 0) + 4 * gammaClosedForm(x.spot, 110, 0.25, 0.5, 0.01, 0)) * x.spot * x.spot / 100;
      expect(Math.abs(g.gammaQuotePer1Pct[mid] / want - 1)).toBeLessThan(1e-12);
      expect(g.strikes).toEqual([90, 110]);
      const sum = g.gammaByStrikeQuotePer1Pct[0] + g.gammaByStrikeQuotePer1Pct[1];
      expect(Math.abs(sum / want - 1)).toBeLessThan(1e-12);
      // A flat 60% surface: the smile is 0.6 everywhere.
      for (const v of x.smile!.vol) expect(v).toBeCloseTo(0.6, 12);
    }
  });

  it('without a dealer or a surface the parts are null', () => {
    const t = new StressProfileTracker(Float64Array.from([0.3]), Float64Array.from([100]), Float64Array.from([0]), null, null, 0, 0);
    t.onBarEnd(0);
    expect(t.profiles().bars.map((b) => [b.bar, b.smile, b.gamma])).toEqual([
      [0, null, null],
      [0, null, null],
    ]);
  });
});
