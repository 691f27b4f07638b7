/**
 * Independent high-precision reference for the standard normal CDF, in exact
 * BigInt arithmetic (test helper, not shipped).
 *
 * x must be a dyadic rational given as m / 2^k (so the double under test is
 * exactly the same number: an input rounding of 1 ulp would otherwise move
 * Phi(-37.5) by x^2 * eps = 3e-13 relative, more than the tolerance).
 *
 * - pi from Machin's formula, sqrt(2 pi) by integer Newton iteration;
 * - |x| <= 5: Phi(x) = 1/2 + phi(x) * sum_n x^(2n+1) / (2n+1)!! (all-positive
 *   series, 90 digits so the cancellation for x < 0 costs nothing visible);
 * - x < -5: Phi(x) = phi(x) * R(|x|) with Laplace's continued fraction
 *   R(y) = 1/(y + 1/(y + 2/(y + 3/(y + ...)))), evaluated at N and 2N terms
 *   and required to agree (a self-check of convergence);
 * - exp(x^2/2) by its Taylor series (all terms positive).
 */

const DIGITS = 90n;
const SCALE = 10n ** DIGITS;

/** atan(1/n) * SCALE by the alternating Taylor series. */
function atanInv(n: bigint): bigint {
  let sum = 0n;
  let power = SCALE / n; // SCALE / n^(2k+1)
  const n2 = n * n;
  for (let k = 0n; power !== 0n; k++) {
    const term = power / (2n * k + 1n);
    sum += k % 2n === 0n ? term : -term;
    power /= n2;
  }
  return sum;
}

function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = BigInt(Math.floor(Math.sqrt(Number(v)))) || 1n;
  if (x <= 0n) x = 1n;
  // Newton from an approximate start; loop until stable.
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x - 1n && y <= x + 1n) {
      let r = y;
      while (r * r > v) r -= 1n;
      while ((r + 1n) * (r + 1n) <= v) r += 1n;
      return r;
    }
    x = y;
  }
}

const PI = 16n * atanInv(5n) - 4n * atanInv(239n); // pi * SCALE
const SQRT_2PI = isqrt(2n * PI * SCALE); // sqrt(2 pi) * SCALE

/** A dyadic rational m / 2^k from a double (exact). */
function toDyadic(x: number): { m: bigint; k: bigint } {
  let k = 0n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    k += 1n;
    if (k > 60n) throw new Error(`bigNormal: ${x} is not a short dyadic rational`);
  }
  return { m: BigInt(v), k };
}

/** exp(a) * SCALE for a = p / q >= 0, as an exact-enough BigInt (relative error ~1e-85). */
function expScaled(p: bigint, q: bigint): bigint {
  let term = SCALE;
  let sum = SCALE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * p) / (q * n);
    sum += term;
  }
  return sum;
}

/** A positive BigInt ratio num/den as the nearest double (via a ~40-digit decimal string, which Number() rounds correctly). */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num <= 0n || den <= 0n) throw new Error('bigNormal: ratioToNumber expects positive operands');
  const e = num.toString().length - den.toString().length;
  const shift = 40 - e;
  const q = shift >= 0 ? (num * 10n ** BigInt(shift)) / den : num / (den * 10n ** BigInt(-shift));
  return Number(`${q.toString()}e${-shift}`);
}

/** Phi(x) to about 40 significant digits, returned as the nearest double. */
export function bigNormCdf(x: number): number {
  const { m, k } = toDyadic(x);
  // a = x^2 / 2 = m^2 / 2^(2k+1)
  const p = m * m;
  const q = 1n << (2n * k + 1n);
  const E = expScaled(p, q); // e^{a} * SCALE
  if (Math.abs(x) <= 5) {
    // S = sum x^(2n+1)/(2n+1)!!, scaled; x = m / 2^k.
    const den = 1n << k;
    let term = (m * SCALE) / den; // x
    let sum = term;
    const x2num = m * m;
    const x2den = den * den;
    for (let n = 1n; term !== 0n; n++) {
      term = (term * x2num) / (x2den * (2n * n + 1n));
      sum += term;
    }
    // Phi = 1/2 + S * e^{-a} / sqrt(2 pi): every factor scaled by SCALE.
    // With true values sum/SCALE, E/SCALE and SQRT_2PI/SCALE the tail term is
    // sum * SCALE / (E * SQRT_2PI); scaled once more by SCALE:
    const tailScaled = (sum * SCALE * SCALE) / (E * SQRT_2PI);
    return ratioToNumber(SCALE / 2n + tailScaled, SCALE);
  }
  if (x > 0) throw new Error('bigNormal: only the left tail beyond 5');
  // y = -x = |m| / 2^k, continued fraction from the bottom: t = y + j / t.
  const ym = -m;
  const yd = 1n << k;
  const cf = (terms: bigint): bigint => {
    let t = (ym * SCALE) / yd;
    for (let j = terms; j >= 1n; j--) t = (ym * SCALE) / yd + (j * SCALE * SCALE) / t;
    return (SCALE * SCALE) / t; // R(y) * SCALE
  };
  const r1 = cf(2000n);
  const r2 = cf(4000n);
  const diff = r1 > r2 ? r1 - r2 : r2 - r1;
  if (diff * 10n ** 40n > r2) throw new Error(`bigNormal: continued fraction not converged at x = ${x}`);
  // Phi(x) = R * e^{-a} / sqrt(2 pi) = (r2/SCALE) / ((E/SCALE) * (SQRT_2PI/SCALE))
  return ratioToNumber(r2 * SCALE, E * SQRT_2PI);
}

/** phi(x) = exp(-x^2/2)/sqrt(2 pi) to about 40 digits, as the nearest double. */
export function bigNormPdf(x: number): number {
  const { m, k } = toDyadic(x);
  const E = expScaled(m * m, 1n << (2n * k + 1n));
  return ratioToNumber(SCALE * SCALE, E * SQRT_2PI);
}

/**
 * exp(x) to about 40 digits as the nearest double, for dyadic |x| <= 709
 * (Taylor series of e^{|x|} in exact BigInt arithmetic, all terms positive;
 * e^{-|x|} as its reciprocal). Reference for src/pricing/exp.ts.
 */
export function bigExp(x: number): number {
  if (x === 0) return 1;
  const { m, k } = toDyadic(Math.abs(x));
  const E = expScaled(m, 1n << k); // e^{|x|} * SCALE
  return x > 0 ? ratioToNumber(E, SCALE) : ratioToNumber(SCALE, E);
}
