/**
 * The one Black-Scholes evaluation that every entry point (scalar API,
 * batch kernels, Black-76) goes through, so they agree bit for bit.
 *
 * Conventions (all entry points):
 * - price in the currency of spot/strike; vega per unit of volatility
 *   (multiply by 0.01 for one vol point); theta per year of calendar time
 *   (dV/dt = -dV/dT); rho per unit of rate; vanna = d delta / d vol;
 *   volga = d vega / d vol.
 * - Out-of-the-money side computed directly, in-the-money side by put-call
 *   parity (intrinsic of the forward plus the OTM value), so deep prices
 *   carry no cancellation and never go negative.
 * - Exponentials are exp.ts' expFast (table-driven, within 1 ulp; Math.exp
 *   is a C call in V8), and one exponential serves both CDFs.
 * - Accuracy: Cody's CDF is ~1e-15 relative; prices agree with direct
 *   quadrature of the payoff to 7e-11 relative (the quadrature's own limit)
 *   wherever the price exceeds 1e-8 of spot (test/pricing). The OTM value
 *   is a difference of two terms; when vol*sqrt(years) is tiny that difference loses about
 *   log10(N(d2)K/price) digits (e.g. at the money with vol*sqrt(T) = 1e-9 the
 *   relative error is ~3e-8), which only affects prices far below 1e-8 of spot.
 * - years <= 0 (expired): price is the undiscounted intrinsic max(w(S-K), 0),
 *   delta the step w*1[w(S-K) > 0] with 0.5*w exactly at the money, every
 *   other greek 0.
 * - vol * sqrt(years) = 0 (or vol < 0): price is the discounted intrinsic of
 *   the forward, max(w(S e^{-qT} - K e^{-rT}), 0); delta, theta and rho are
 *   the derivatives of that (with the 0.5 convention at the forward); gamma,
 *   vega, vanna and volga 0.
 */
import { expFast as expFastImported } from './exp.js';
import {
  expHalfSquareExact as expHalfSquareExactImported,
  INV_SQRT_2PI,
  lowerTailRatioMid as lowerTailRatioMidImported,
  normCdf as normCdfImported,
  SPLIT_SMALL,
  SPLIT_TAIL,
} from './normal.js';

// Module-local aliases: under some loaders (tsx from CommonJS, vitest) an
// imported binding is read through an accessor call at every use.
const expFast = expFastImported;
const expHalfSquareExact = expHalfSquareExactImported;
const lowerTailRatioMid = lowerTailRatioMidImported;
const normCdf = normCdfImported;

/** Slot of each output in the scratch/result vector written by {@link bsEval}. */
export const OUT_PRICE = 0;
export const OUT_DELTA = 1;
export const OUT_GAMMA = 2;
export const OUT_VEGA = 3;
export const OUT_THETA = 4;
export const OUT_RHO = 5;
export const OUT_VANNA = 6;
export const OUT_VOLGA = 7;
export const OUT_SIZE = 8;

/**
 * Black-Scholes with continuous dividend/carry q, for w = +1 (call) or -1
 * (put). Inputs are assumed validated (S > 0, K > 0, finite); writes the 8
 * outputs into o[0..7] in the OUT_* order. No allocation.
 */
export function bsEval(
  w: number,
  S: number,
  K: number,
  T: number,
  v: number,
  r: number,
  q: number,
  o: Float64Array,
): void {
  if (!(T > 0)) {
    const m = w * (S - K);
    o[OUT_PRICE] = m > 0 ? m : 0;
    o[OUT_DELTA] = m > 0 ? w : m === 0 ? 0.5 * w : 0;
    o[OUT_GAMMA] = 0;
    o[OUT_VEGA] = 0;
    o[OUT_THETA] = 0;
    o[OUT_RHO] = 0;
    o[OUT_VANNA] = 0;
    o[OUT_VOLGA] = 0;
    return;
  }
  const dr = expFast(-r * T);
  const dq = expFast(-q * T);
  const sdq = S * dq;
  const kdr = K * dr;
  const sqrtT = Math.sqrt(T);
  const sd = v * sqrtT;
  const x = Math.log(S / K) + (r - q) * T; // ln(F/K)
  if (!(sd > 0)) {
    const m = w * (sdq - kdr);
    const step = w * x > 0 ? 1 : x === 0 ? 0.5 : 0;
    o[OUT_PRICE] = m > 0 ? m : 0;
    o[OUT_DELTA] = w * dq * step;
    o[OUT_GAMMA] = 0;
    o[OUT_VEGA] = 0;
    o[OUT_THETA] = w * step * (q * sdq - r * kdr);
    o[OUT_RHO] = w * kdr * T * step;
    o[OUT_VANNA] = 0;
    o[OUT_VOLGA] = 0;
    return;
  }
  const d1 = x / sd + 0.5 * sd;
  const d2 = d1 - sd;
  // wo: the side that is out of the money with respect to the forward.
  const wo = x < 0 ? 1 : -1;
  // One exponential serves phi(d1), Phi(d1) and, via
  // exp(-d2^2/2) = exp(-d1^2/2) * F/K, Phi(d2) in the common range.
  const a1 = Math.abs(d1);
  const e1 = a1 <= SPLIT_TAIL ? expFast(-0.5 * d1 * d1) : expHalfSquareExact(a1);
  const a2 = Math.abs(d2);
  // Phi(wo d1), Phi(wo d2): normal.ts' normCdfWithExp written out (V8 does
  // not inline it here); the middle range reuses e1, e2, the rest is normCdf.
  const z1 = wo * d1;
  let p1: number;
  if (a1 > SPLIT_SMALL && a1 <= SPLIT_TAIL) {
    const l1 = e1 * lowerTailRatioMid(a1);
    p1 = z1 < 0 ? l1 : 1 - l1;
  } else {
    p1 = normCdf(z1);
  }
  const z2 = wo * d2;
  let p2: number;
  if (a2 > SPLIT_SMALL && a2 <= SPLIT_TAIL) {
    const e2 = a1 <= SPLIT_TAIL ? e1 * (sdq / kdr) : expFast(-0.5 * d2 * d2);
    const l2 = e2 * lowerTailRatioMid(a2);
    p2 = z2 < 0 ? l2 : 1 - l2;
  } else {
    p2 = normCdf(z2);
  }
  let otm = wo * (sdq * p1 - kdr * p2);
  if (otm < 0) otm = 0;
  let price: number;
  let n1: number; // Phi(w d1)
  let n2: number; // Phi(w d2)
  if (w === wo) {
    price = otm;
    n1 = p1;
    n2 = p2;
  } else {
    price = w * (sdq - kdr) + otm;
    if (price < otm) price = otm; // rounding of the intrinsic at the forward
    n1 = 1 - p1;
    n2 = 1 - p2;
  }
  const pdf1 = INV_SQRT_2PI * e1;
  const vega = sdq * pdf1 * sqrtT;
  o[OUT_PRICE] = price;
  o[OUT_DELTA] = w * dq * n1;
  o[OUT_GAMMA] = (dq * pdf1) / (S * sd);
  o[OUT_VEGA] = vega;
  o[OUT_THETA] = (-sdq * pdf1 * v) / (2 * sqrtT) + w * (q * sdq * n1 - r * kdr * n2);
  o[OUT_RHO] = w * kdr * T * n2;
  o[OUT_VANNA] = (-dq * pdf1 * d2) / v;
  o[OUT_VOLGA] = (vega * d1 * d2) / v;
}

/**
 * Black-76 on a forward F with discount rate r: Black-Scholes with S = F and
 * q = r, except rho, which for a forward held fixed is -T * price.
 */
export function black76Eval(
  w: number,
  F: number,
  K: number,
  T: number,
  v: number,
  r: number,
  o: Float64Array,
): void {
  bsEval(w, F, K, T, v, r, r, o);
  o[OUT_RHO] = T > 0 ? -T * o[OUT_PRICE] : 0;
}
