/**
 * Test-only references: the `black-scholes` and `greeks` npm packages (no
 * type declarations, loaded through createRequire) and an independent
 * quadrature price.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface NpmBlackScholes {
  blackScholes(s: number, k: number, t: number, v: number, r: number, callPut: 'call' | 'put'): number;
  stdNormCDF(x: number): number;
}
export interface NpmGreeks {
  getDelta(s: number, k: number, t: number, v: number, r: number, callPut: 'call' | 'put'): number;
  getGamma(s: number, k: number, t: number, v: number, r: number): number;
  /** Per 1% of volatility (the package divides by 100). */
  getVega(s: number, k: number, t: number, v: number, r: number): number;
}

export const npmBs = require('black-scholes') as NpmBlackScholes;
export const npmGreeks = require('greeks') as NpmGreeks;

/**
 * European price by direct quadrature of the discounted payoff against the
 * lognormal terminal distribution: an independent check on the closed form.
 * Composite Simpson in z = standard normal score, from the payoff's kink to
 * 14 standard deviations beyond the density's peak, 8000 panels
 * (h ~ 2e-3, Simpson error ~ h^4/180 * f'''' ~ 1e-13 relative here).
 */
export function quadraturePrice(
  w: 1 | -1,
  S: number,
  K: number,
  T: number,
  v: number,
  r: number,
  q: number,
): number {
  const F = S * Math.exp((r - q) * T);
  const s = v * Math.sqrt(T);
  const zStar = (Math.log(K / F) + 0.5 * s * s) / s; // payoff kink: F e^{s z - s^2/2} = K
  const payoff = (z: number): number => {
    const ST = F * Math.exp(s * z - 0.5 * s * s);
    const pay = w * (ST - K);
    return (pay > 0 ? pay : 0) * Math.exp(-0.5 * z * z) * 0.3989422804014327;
  };
  // Call: integrate z from the kink upwards; put: from the kink downwards.
  const a = zStar;
  const b = w > 0 ? Math.max(zStar, s) + 14 : Math.min(zStar, 0) - 14;
  const n = 8000;
  const h = (b - a) / n;
  let sum = payoff(a) + payoff(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * payoff(a + i * h);
  return Math.exp(-r * T) * Math.abs((sum * h) / 3);
}
