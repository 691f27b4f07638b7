/**
 * Standard normal distribution: density, cumulative distribution and its
 * inverse, accurate to about 1e-15 relative over the whole double range.
 *
 * The CDF uses W. J. Cody's rational Chebyshev approximations ("Rational
 * Chebyshev approximation for the error function", Math. Comp. 1969; the
 * constants are those of ACM TOMS Algorithm 715, 1993). Option prices far out
 * of the money are differences of tail probabilities, so the left tail must
 * keep its *relative* accuracy down to the subnormal range; erf-based forms
 * (1 - erf) and Abramowitz-Stegun 7.1.26 (absolute error 1.5e-7) do not.
 */

import { expFast as expFastImported } from './exp.js';

// Module-local alias: under some loaders (tsx from CommonJS, vitest) an
// imported binding is read through an accessor call at every use.
const expFast = expFastImported;

/** 1 / sqrt(2 pi). */
export const INV_SQRT_2PI = 0.3989422804014327;

// Cody (1993), |x| <= 0.67448975: Phi(x) = 1/2 + x * A(x^2) / B(x^2).
const A0 = 2.2352520354606839287;
const A1 = 161.02823106855587881;
const A2 = 1067.6894854603709582;
const A3 = 18154.981253343561249;
const A4 = 0.065682337918207449113;
const B0 = 47.20258190468824187;
const B1 = 976.09855173777669322;
const B2 = 10260.932208618978205;
const B3 = 45507.789335026729956;

// Cody (1993), 0.67448975 < |x| <= sqrt(32): Phi(-|x|) = exp(-x^2/2) * C(|x|) / D(|x|).
const C0 = 0.39894151208813466764;
const C1 = 8.8831497943883759412;
const C2 = 93.506656132177855979;
const C3 = 597.27027639480026226;
const C4 = 2494.5375852903726711;
const C5 = 6848.1904505362823326;
const C6 = 11602.651437647350124;
const C7 = 9842.7148383839780218;
const C8 = 1.0765576773720192317e-8;
const D0 = 22.266688044328115691;
const D1 = 235.38790178262499861;
const D2 = 1519.377599407554805;
const D3 = 6485.558298266760755;
const D4 = 18615.571640885098091;
const D5 = 34900.952721145977266;
const D6 = 38912.003286093271411;
const D7 = 19685.429676859990727;

// Cody (1993), |x| > sqrt(32): asymptotic rational form in 1/x^2.
const P0 = 0.21589853405795699;
const P1 = 0.1274011611602473639;
const P2 = 0.022235277870649807;
const P3 = 0.001421619193227893466;
const P4 = 2.9112874951168792e-5;
const P5 = 0.02307344176494017303;
const Q0 = 1.28426009614491121;
const Q1 = 0.468238212480865118;
const Q2 = 0.0659881378689285515;
const Q3 = 0.00378239633202758244;
const Q4 = 7.29751555083966205e-5;

/** |x| below which Phi uses Cody's first range (no exponential). */
export const SPLIT_SMALL = 0.67448975;
/** sqrt(32): |x| above which exp(-x^2/2) needs the exact split. */
export const SPLIT_TAIL = 5.656854249492381;
/** Below this Phi(x) is under the smallest subnormal double. */
const LOWER_UNDERFLOW = -38.5;
/** Above this 1 - Phi(x) < 2^-54, so Phi(x) rounds to 1. */
const UPPER_SATURATE = 8.6;

/**
 * exp(-y^2/2) for y >= 0 with the argument's rounding error removed.
 * Computing y*y rounds with absolute error ~ eps*y^2, which the exponential
 * turns into a relative error of eps*y^2/2 (1.5e-13 at y = 37). Splitting y
 * into a part with 4 fractional bits (whose square is exact) and a remainder
 * keeps the result at a few ulps (Cody 1993).
 */
export function expHalfSquareExact(y: number): number {
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return expFast(-0.5 * ys * ys) * expFast(-0.5 * del);
}

/**
 * exp(-y^2/2) where the direct form is accurate enough: for y <= sqrt(32) the
 * extra relative error is at most eps*16 = 3.6e-15, so one exp suffices.
 */
function expHalfSquare(y: number): number {
  return y <= SPLIT_TAIL ? expFast(-0.5 * y * y) : expHalfSquareExact(y);
}

/** Standard normal density phi(x) = exp(-x^2/2)/sqrt(2 pi), relative error ~1e-15 for all x. */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * expHalfSquare(Math.abs(x));
}

/**
 * Phi(-y) / exp(-y^2/2) for SPLIT_SMALL < y <= SPLIT_TAIL: Cody's middle
 * range C(y)/D(y) by Horner's rule. Exported so the pricing kernels use the
 * very same arithmetic (batch.ts writes it out in its loop; Estrin's scheme
 * measured no faster there).
 */
export function lowerTailRatioMid(y: number): number {
  const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
  const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
  return num / den;
}

/**
 * Phi(-y) / exp(-y^2/2) for y > SPLIT_SMALL: the rational part of Cody's
 * middle and tail ranges, so callers that already hold exp(-y^2/2) can reuse it.
 */
function tailRatio(y: number): number {
  if (y <= SPLIT_TAIL) return lowerTailRatioMid(y);
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  num = (num + P0) * z;
  den = (den + Q0) * z;
  num = (num + P1) * z;
  den = (den + Q1) * z;
  num = (num + P2) * z;
  den = (den + Q2) * z;
  num = (num + P3) * z;
  den = (den + Q3) * z;
  const r = (z * (num + P4)) / (den + Q4);
  return (INV_SQRT_2PI - r) / y;
}

/**
 * Standard normal CDF Phi(x), relative error about 1e-15 everywhere,
 * including the left tail down to the subnormal range (Phi(-37.5) ~ 4.6e-309).
 * Returns exactly 0 below -38.5 and exactly 1 above 8.6 (where 1 - Phi < 2^-54).
 */
export function normCdf(x: number): number {
  const y = Math.abs(x);
  if (y <= SPLIT_SMALL) {
    const z = x * x;
    let num = A4 * z;
    let den = z;
    num = (num + A0) * z;
    den = (den + B0) * z;
    num = (num + A1) * z;
    den = (den + B1) * z;
    num = (num + A2) * z;
    den = (den + B2) * z;
    return 0.5 + (x * (num + A3)) / (den + B3);
  }
  if (x !== x) return NaN;
  if (x < LOWER_UNDERFLOW) return 0;
  if (x > UPPER_SATURATE) return 1;
  // The rational factor is applied last so a subnormal result is rounded once.
  const lower = expHalfSquare(y) * tailRatio(y);
  return x < 0 ? lower : 1 - lower;
}

/**
 * Phi(x) when the caller already holds e = exp(-x^2/2) (computed directly;
 * it is only used for SPLIT_SMALL < |x| <= SPLIT_TAIL, where the direct form
 * is accurate to 16 eps). Lets the pricing kernel share one exponential
 * between the density and the CDF. Same accuracy as {@link normCdf}.
 */
export function normCdfWithExp(x: number, e: number): number {
  const y = Math.abs(x);
  if (y <= SPLIT_SMALL || y > SPLIT_TAIL || x !== x) return normCdf(x);
  const lower = e * tailRatio(y);
  return x < 0 ? lower : 1 - lower;
}

/**
 * Complementary CDF 1 - Phi(x) = Phi(-x), computed without cancellation so
 * the right tail keeps full relative accuracy.
 */
export function normCdfComplement(x: number): number {
  return normCdf(-x);
}

// Acklam's rational approximation to the normal quantile (relative error
// 1.15e-9), refined below by one Halley step on the accurate CDF.
const IA0 = -3.969683028665376e1;
const IA1 = 2.209460984245205e2;
const IA2 = -2.759285104469687e2;
const IA3 = 1.38357751867269e2;
const IA4 = -3.066479806614716e1;
const IA5 = 2.506628277459239;
const IB0 = -5.447609879822406e1;
const IB1 = 1.615858368580409e2;
const IB2 = -1.556989798598866e2;
const IB3 = 6.680131188771972e1;
const IB4 = -1.328068155288572e1;
const IC0 = -7.784894002430293e-3;
const IC1 = -3.223964580411365e-1;
const IC2 = -2.400758277161838;
const IC3 = -2.549732539343734;
const IC4 = 4.374664141464968;
const IC5 = 2.938163982698783;
const ID0 = 7.784695709041462e-3;
const ID1 = 3.224671290700398e-1;
const ID2 = 2.445134137142996;
const ID3 = 3.754408661907416;
const P_LOW = 0.02425;

/** Acklam's approximation for p in (0, 0.5]; the upper half is taken by symmetry. */
function acklamLowerHalf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((IC0 * q + IC1) * q + IC2) * q + IC3) * q + IC4) * q + IC5) /
      ((((ID0 * q + ID1) * q + ID2) * q + ID3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((IA0 * r + IA1) * r + IA2) * r + IA3) * r + IA4) * r + IA5) * q) /
    (((((IB0 * r + IB1) * r + IB2) * r + IB3) * r + IB4) * r + 1)
  );
}

/**
 * Inverse standard normal CDF: x with Phi(x) = p. Acklam's approximation
 * refined by one Halley step, which takes its 1e-9 error to rounding level.
 * p = 0 gives -Infinity, p = 1 gives +Infinity; p outside [0, 1] or NaN
 * throws RangeError. For p > 0.5 the answer is -normInv(1 - p), so its
 * accuracy is limited by the rounding of 1 - p (use the lower tail for
 * tiny upper-tail probabilities).
 */
export function normInv(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normInv: probability must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normInv(1 - p);
  let x = acklamLowerHalf(p);
  // Halley step on Phi(x) - p (Acklam's suggested refinement). e/phi(x) is
  // formed as a ratio of two small numbers so neither overflows in the tail.
  const pdf = normPdf(x);
  if (pdf > 0) {
    const u = (normCdf(x) - p) / pdf;
    x = x - u / (1 + 0.5 * x * u);
  }
  return x;
}
