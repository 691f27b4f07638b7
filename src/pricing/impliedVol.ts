/**
 * Implied volatility for Black-Scholes and Black-76 prices.
 *
 * The price is reduced to the normalised out-of-the-money call of Jäckel
 * ("Let's Be Rational", 2015): with x = ln(F/K) <= 0 and s = vol*sqrt(T),
 *   b(x, s) = e^{x/2} Phi(x/s + s/2) - e^{-x/2} Phi(x/s - s/2),
 * increasing in s from 0 to e^{x/2}, convex below s_c = sqrt(2|x|) and
 * concave above. The root is found by Newton/Halley steps inside a bracket
 * that shrinks at every evaluation, with bisection whenever a step leaves
 * it: on ln b below s_c (b spans hundreds of orders of magnitude there and
 * ln b is close to -x^2/(2 s^2)), on ln(e^{x/2} - b) above (the distance to
 * the upper bound, ~exp(-s^2/8)). At the money the first guess is exact.
 * Typically 5-9 evaluations of b; convergence is to 1e-14 relative in s or
 * to the rounding noise of b, far below 1e-10 in vol wherever vega is not
 * negligible.
 */
import { NumericalError } from '../core/errors.js';
import { optionSign } from './blackScholes.js';
import type { OptionType } from './blackScholes.js';
import { normCdf, normInv, INV_SQRT_2PI } from './normal.js';

const EPS = 2.220446049250313e-16;
/** Prices within this many ulps under the lower bound count as at the bound (rounding of the caller's price). */
const BOUND_ULPS = 8;
const MAX_ITER = 100;
/** Relative tolerance on s = vol*sqrt(T). */
const S_REL_TOL = 1e-14;

// Results of the last evaluation by evalNormalized (module scratch: no allocation per iteration).
let evB = 0; // b(x, s)
let evC = 0; // e^{x/2} - b(x, s), computed as a sum of two positive terms
let evTerms = 0; // e^{x/2} Phi(h+t) + e^{-x/2} Phi(h-t): the size of what b cancels

function evalNormalized(x: number, s: number): void {
  const h = x / s;
  const t = 0.5 * s;
  const ep = Math.exp(0.5 * x);
  const em = Math.exp(-0.5 * x);
  const up = ep * normCdf(h + t);
  const dn = em * normCdf(h - t);
  const b = up - dn;
  evB = b > 0 ? b : 0;
  evC = ep * normCdf(-(h + t)) + dn;
  evTerms = up + dn;
}

/** Normalised OTM call value b(x, s) for x <= 0, s > 0; never negative. */
export function normalizedCall(x: number, s: number): number {
  if (!(s > 0)) return 0;
  evalNormalized(x, s);
  return evB;
}

/** db/ds = e^{x/2} phi(x/s + s/2). */
function normalizedVega(x: number, s: number): number {
  // e^{x/2} phi(x/s + s/2) = phi(0) exp(-(h^2 + t^2)/2) with h = x/s, t = s/2: no overflow for large |x|.
  const h = x / s;
  const t = 0.5 * s;
  return INV_SQRT_2PI * Math.exp(-0.5 * (h * h + t * t));
}

/** First guess below s_c: invert ln b ~ -x^2/(2 s^2) + 3 ln s - 2 ln|x| - ln sqrt(2 pi). */
function lowerGuess(x: number, beta: number, sc: number): number {
  const ax = -x;
  let s = sc * 0.5;
  for (let k = 0; k < 4; k++) {
    const denom = 2 * (3 * Math.log(s) - 2 * Math.log(ax) - 0.9189385332046728 - Math.log(beta));
    if (!(denom > 0)) break;
    const next = ax / Math.sqrt(denom);
    if (!(next > 0 && next < sc)) break;
    s = next;
  }
  return s;
}

/** First guess above s_c: e^{x/2} - b ~ (e^{x/2} + e^{-x/2}) Phi(-s/2) for large s. */
function upperGuess(x: number, gap: number, sc: number): number {
  const ex = Math.exp(0.5 * x);
  const p = gap / (ex + 1 / ex);
  const s = p > 0 && p < 0.5 ? -2 * normInv(p) : sc;
  return s > sc ? s : sc;
}

/**
 * The total standard deviation s = vol*sqrt(T) at which the normalised OTM
 * call b(x, s) equals beta, for x <= 0 and 0 < beta < e^{x/2}.
 *
 * Below s_c the objective is ln b(s) - ln beta; above it, ln c(s) - ln c*
 * with c = e^{x/2} - b (the distance to the upper bound, computed as a sum
 * of positive terms, ~ exp(-s^2/8) for large s), so that Newton sees a
 * nearly quadratic function on both sides instead of an exponentially flat
 * one. Halley's correction is used only while it is moderate; a step that
 * leaves the bracket falls back to Newton, then to bisection in log s.
 * Iteration stops at 1e-14 relative in s or when the residual is at the
 * rounding noise of b itself.
 * @throws NumericalError if beta is so close to the upper bound that no
 *   double s reproduces it (the vol is then not identifiable)
 */
export function normalizedImpliedStdDev(x: number, beta: number): number {
  if (x > 0) throw new RangeError(`normalizedImpliedStdDev: x must be <= 0 (OTM call), got ${x}`);
  if (!(beta > 0)) return 0;
  const bound = Math.exp(0.5 * x);
  const sc = Math.sqrt(-2 * x);
  const bc = sc > 0 ? normalizedCall(x, sc) : 0;
  const lower = beta < bc;
  const gap = bound - beta; // c* for the upper objective
  if (!lower && !(gap > 0)) {
    throw new NumericalError(
      `price is within rounding of the upper no-arbitrage bound; implied vol is not identifiable (normalised value ${beta} vs bound ${bound})`,
    );
  }
  let lo = 0;
  let hi = Infinity;
  let s: number;
  if (lower) {
    hi = sc;
    s = lowerGuess(x, beta, sc);
  } else {
    lo = sc;
    s = upperGuess(x, gap, sc);
    if (s === 0) s = 1;
  }
  const lnTarget = lower ? Math.log(beta) : Math.log(gap);
  for (let iter = 0; iter < MAX_ITER; iter++) {
    if (!(s > lo && s < hi)) s = hi === Infinity ? (lo > 0 ? 2 * lo : 1) : lo > 0 ? Math.sqrt(lo * hi) : 0.5 * hi;
    evalNormalized(x, s);
    const vega = normalizedVega(x, s);
    const curv = (x * x) / (s * s * s) - 0.25 * s; // b''/b'
    let f: number; // increasing in s in both regions
    let f1: number;
    let f2: number;
    let noise: number;
    if (lower) {
      if (evB === 0) {
        lo = s;
        continue;
      }
      const r = vega / evB;
      f = Math.log(evB) - lnTarget;
      f1 = r;
      f2 = r * curv - r * r;
      noise = (4 * EPS * evTerms) / evB;
    } else {
      if (evC === 0) {
        hi = s;
        continue;
      }
      // g = -(ln c - ln c*) so that it increases with s like b.
      const r = vega / evC;
      f = lnTarget - Math.log(evC);
      f1 = r;
      f2 = r * curv + r * r;
      noise = 4 * EPS;
    }
    if (f === 0) return s;
    if (f < 0) lo = s;
    else hi = s;
    if (!(f1 > 0)) continue; // vega underflow: bisect
    const newton = f / f1;
    const denom = 1 - (0.5 * newton * f2) / f1;
    let next = denom > 0.5 && denom < 2 ? s - newton / denom : s - newton;
    if (!(next > lo && next < hi)) next = s - newton;
    const converged =
      Math.abs(next - s) <= S_REL_TOL * s || Math.abs(f) <= noise || (hi !== Infinity && hi - lo <= S_REL_TOL * hi);
    if (converged) return next > lo && next < hi ? next : s;
    s = next;
    if (hi === Infinity && s > 1e3) {
      throw new NumericalError(
        `price is within rounding of the upper no-arbitrage bound; implied vol is not identifiable (normalised value ${beta} vs bound ${bound})`,
      );
    }
  }
  if (hi === Infinity) {
    throw new NumericalError('implied vol solver found no upper bracket (price at the upper bound within rounding)');
  }
  return 0.5 * (lo + hi);
}

/**
 * Implied vol from a discounted price given the discounted spot-side value
 * sdq = S e^{-qT} (or F e^{-rT}), kdr = K e^{-rT} and x = ln(F/K), the same
 * quantities the pricing kernel uses, so a kernel price maps back exactly.
 */
function impliedFromDiscounted(w: number, price: number, sdq: number, kdr: number, x: number, years: number): number {
  if (!Number.isFinite(price)) throw new RangeError(`price must be a finite number, got ${price}`);
  const intrinsic = Math.max(w * (sdq - kdr), 0);
  const upper = w > 0 ? sdq : kdr;
  const tol = BOUND_ULPS * EPS * Math.max(intrinsic, Math.abs(price));
  if (price < intrinsic - tol) {
    throw new NumericalError(
      `price ${price} is below the lower no-arbitrage bound (discounted intrinsic ${intrinsic}) by ${intrinsic - price}`,
    );
  }
  if (price >= upper) {
    throw new NumericalError(
      `price ${price} is ${price > upper ? 'above' : 'at'} the upper no-arbitrage bound (${w > 0 ? 'S e^{-qT}' : 'K e^{-rT}'} = ${upper})${price > upper ? ` by ${price - upper}` : ''}; implied vol would be infinite`,
    );
  }
  const wo = x < 0 ? 1 : -1;
  const otm = w === wo ? price : price - w * (sdq - kdr);
  if (!(otm > 0)) return 0;
  const beta = otm / Math.sqrt(sdq * kdr);
  const s = normalizedImpliedStdDev(-Math.abs(x), beta);
  return s / Math.sqrt(years);
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/**
 * Black-Scholes implied volatility (annualised) of a European option price.
 * Returns 0 for a price at the discounted intrinsic value.
 * @throws NumericalError if the price is below the discounted intrinsic or at/above
 *   the upper bound (S e^{-qT} for calls, K e^{-rT} for puts), naming the bound and the gap
 * @throws RangeError for spot/strike/years <= 0 or non-finite inputs
 */
export function impliedVol(
  type: OptionType,
  price: number,
  spot: number,
  strike: number,
  years: number,
  rate = 0,
  dividend = 0,
): number {
  const w = optionSign(type);
  requirePositive('spot', spot);
  requirePositive('strike', strike);
  requirePositive('years', years);
  requireFinite('rate', rate);
  requireFinite('dividend', dividend);
  const sdq = spot * Math.exp(-dividend * years);
  const kdr = strike * Math.exp(-rate * years);
  const x = Math.log(spot / strike) + (rate - dividend) * years;
  return impliedFromDiscounted(w, price, sdq, kdr, x, years);
}

/** Black-76 implied volatility of an option on a forward, discounted at `rate`. */
export function impliedVolBlack76(
  type: OptionType,
  price: number,
  forward: number,
  strike: number,
  years: number,
  rate = 0,
): number {
  const w = optionSign(type);
  requirePositive('forward', forward);
  requirePositive('strike', strike);
  requirePositive('years', years);
  requireFinite('rate', rate);
  const dr = Math.exp(-rate * years);
  return impliedFromDiscounted(w, price, forward * dr, strike * dr, Math.log(forward / strike), years);
}
