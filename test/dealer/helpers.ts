/** Shared fixtures for the dealer tests. */
import type { VolSurface } from '../../src/sim/volSurface.js';
import { SsviSurface } from '../../src/surface/surface.js';

/** A surface with one vol everywhere: the textbook Black-Scholes world. */
export function flatSurface(vol: number): VolSurface & { vol: number } {
  return {
    vol,
    impliedVol() {
      return this.vol;
    },
    impliedVolBatch(strikes, _f, _y, out) {
      for (let i = 0; i < strikes.length; i++) out[i] = this.vol;
    },
    totalVariance(_k, years) {
      return years > 0 ? this.vol * this.vol * years : 0;
    },
  };
}

/** A skewed SSVI surface (ρ < 0), admissible: θφ² (1+|ρ|) = η²(1+|ρ|)/(1+θ) ≤ 1.4 < 4. */
export function skewedSurface(atmVol = 0.8): SsviSurface {
  return new SsviSurface({ params: { rho: -0.4, eta: 1.0, gamma: 0.5 }, term: { kind: 'flat' }, atmVol });
}

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365.25 * DAY_MS;
export const START_MS = Date.UTC(2020, 2, 12);
