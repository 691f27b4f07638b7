/**
 * Batch Black-Scholes / Black-76 kernels over struct-of-arrays books: the
 * dealer's book calls these every bar. Inputs are Float64Arrays plus an
 * Int8Array of option signs (+1 call, -1 put); outputs are caller-owned
 * Float64Arrays. Nothing is allocated per call. Every kernel goes through
 * kernel.ts' bsEval, so results equal the scalar API bit for bit; units and
 * edge cases are documented there (vega per unit vol, theta per year).
 *
 * Inputs are not validated here (hot path): run {@link validateBsBatch} once
 * where the book is built. With invalid inputs (spot/strike <= 0, NaN) the
 * outputs are unspecified.
 */
import { black76Eval, bsEval, OUT_SIZE } from './kernel.js';
import { expHalfSquareExact, normCdfWithExp } from './normal.js';

// Local copies of normal.ts' split points: module-local constants fold into
// the hot loop (imported bindings can be accessors under some loaders).
const SPLIT_SMALL_K = 0.67448975;
const SPLIT_TAIL_K = 5.656854249492381;
const INV_SQRT_2PI_K = 0.3989422804014327;

/** One book of options, struct-of-arrays; all arrays have length >= n. */
export interface BsBatchInput {
  /** +1 call, -1 put. */
  readonly type: Int8Array;
  /** Spot (Black-Scholes) or forward (Black-76). */
  readonly spot: Float64Array;
  readonly strike: Float64Array;
  /** Time to expiry in years. */
  readonly years: Float64Array;
  /** Annualised volatility. */
  readonly vol: Float64Array;
}

/** Per-option continuous rate and dividend yield. */
export interface BsRates {
  readonly rate: Float64Array;
  readonly dividend: Float64Array;
}

/** Caller-owned outputs; a missing optional array is not written. */
export interface BsBatchOutput {
  readonly price: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly vega: Float64Array;
  readonly theta?: Float64Array;
  readonly rho?: Float64Array;
  readonly vanna?: Float64Array;
  readonly volga?: Float64Array;
}

/** Outputs of the dealer-book kernel {@link bsBatchBook}. */
export interface BsBookOutput {
  readonly price: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly vega: Float64Array;
  readonly theta?: Float64Array;
  readonly vanna?: Float64Array;
}

const scratch = new Float64Array(OUT_SIZE);

function checkLengths(n: number, arrays: ArrayLike<number>[]): void {
  for (const a of arrays) {
    if (a.length < n) throw new RangeError(`batch array of length ${a.length} is shorter than n = ${n}`);
  }
}

/**
 * Every output (price, delta, gamma, vega and any of theta/rho/vanna/volga
 * given) for options 0..n-1, with per-option rate and dividend arrays.
 */
export function bsBatch(
  input: BsBatchInput,
  rates: BsRates,
  out: BsBatchOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { rate, dividend } = rates;
  const { price, delta, gamma, vega } = out;
  checkLengths(n, [type, spot, strike, years, vol, rate, dividend, price, delta, gamma, vega]);
  const theta = out.theta;
  const rho = out.rho;
  const vanna = out.vanna;
  const volga = out.volga;
  const o = scratch;
  for (let i = 0; i < n; i++) {
    bsEval(type[i], spot[i], strike[i], years[i], vol[i], rate[i], dividend[i], o);
    price[i] = o[0];
    delta[i] = o[1];
    gamma[i] = o[2];
    vega[i] = o[3];
    if (theta !== undefined) theta[i] = o[4];
    if (rho !== undefined) rho[i] = o[5];
    if (vanna !== undefined) vanna[i] = o[6];
    if (volga !== undefined) volga[i] = o[7];
  }
}

/** As {@link bsBatch} with one rate and dividend yield for the whole book. */
export function bsBatchFlat(
  input: BsBatchInput,
  rate: number,
  dividend: number,
  out: BsBatchOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { price, delta, gamma, vega } = out;
  checkLengths(n, [type, spot, strike, years, vol, price, delta, gamma, vega]);
  const theta = out.theta;
  const rho = out.rho;
  const vanna = out.vanna;
  const volga = out.volga;
  const o = scratch;
  for (let i = 0; i < n; i++) {
    bsEval(type[i], spot[i], strike[i], years[i], vol[i], rate, dividend, o);
    price[i] = o[0];
    delta[i] = o[1];
    gamma[i] = o[2];
    vega[i] = o[3];
    if (theta !== undefined) theta[i] = o[4];
    if (rho !== undefined) rho[i] = o[5];
    if (vanna !== undefined) vanna[i] = o[6];
    if (volga !== undefined) volga[i] = o[7];
  }
}

/**
 * The dealer book's per-bar kernel: price, delta, gamma, vega and, when the
 * arrays are given, theta and vanna; one rate and dividend yield for the book.
 *
 * This is bsEval hand-inlined (V8 does not inline the general kernel, and the
 * call plus scratch round trip cost about a fifth of the time). The
 * expressions are kept in bsEval's exact order so the results are identical
 * bit for bit; test/pricing/batch.test.ts pins that.
 */
export function bsBatchBook(
  input: BsBatchInput,
  rate: number,
  dividend: number,
  out: BsBookOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { price, delta, gamma, vega } = out;
  checkLengths(n, [type, spot, strike, years, vol, price, delta, gamma, vega]);
  const theta = out.theta;
  const vanna = out.vanna;
  if (theta !== undefined) checkLengths(n, [theta]);
  if (vanna !== undefined) checkLengths(n, [vanna]);
  const r = rate;
  const q = dividend;
  // A dealer book has few expiries, usually grouped: reuse the discount
  // factors while the expiry repeats (same expressions, so same bits).
  let lastT = Number.NaN;
  let dr = 1;
  let dq = 1;
  for (let i = 0; i < n; i++) {
    const w = type[i];
    const S = spot[i];
    const K = strike[i];
    const T = years[i];
    const v = vol[i];
    if (!(T > 0)) {
      bsEval(w, S, K, T, v, r, q, scratch);
      copyBook(i, price, delta, gamma, vega, theta, vanna);
      continue;
    }
    if (T !== lastT) {
      dr = Math.exp(-r * T);
      dq = Math.exp(-q * T);
      lastT = T;
    }
    const sdq = S * dq;
    const kdr = K * dr;
    const sqrtT = Math.sqrt(T);
    const sd = v * sqrtT;
    const x = Math.log(S / K) + (r - q) * T;
    if (!(sd > 0)) {
      bsEval(w, S, K, T, v, r, q, scratch);
      copyBook(i, price, delta, gamma, vega, theta, vanna);
      continue;
    }
    const d1 = x / sd + 0.5 * sd;
    const d2 = d1 - sd;
    const wo = x < 0 ? 1 : -1;
    const a1 = Math.abs(d1);
    const e1 = a1 <= SPLIT_TAIL_K ? Math.exp(-0.5 * d1 * d1) : expHalfSquareExact(a1);
    const a2 = Math.abs(d2);
    let e2 = 0;
    if (a2 > SPLIT_SMALL_K && a2 <= SPLIT_TAIL_K) {
      e2 = a1 <= SPLIT_TAIL_K ? e1 * (sdq / kdr) : Math.exp(-0.5 * d2 * d2);
    }
    const p1 = normCdfWithExp(wo * d1, e1);
    const p2 = normCdfWithExp(wo * d2, e2);
    let otm = wo * (sdq * p1 - kdr * p2);
    if (otm < 0) otm = 0;
    let pr: number;
    let n1: number;
    let n2: number;
    if (w === wo) {
      pr = otm;
      n1 = p1;
      n2 = p2;
    } else {
      pr = w * (sdq - kdr) + otm;
      if (pr < otm) pr = otm;
      n1 = 1 - p1;
      n2 = 1 - p2;
    }
    const pdf1 = INV_SQRT_2PI_K * e1;
    price[i] = pr;
    delta[i] = w * dq * n1;
    gamma[i] = (dq * pdf1) / (S * sd);
    vega[i] = sdq * pdf1 * sqrtT;
    if (theta !== undefined) theta[i] = (-sdq * pdf1 * v) / (2 * sqrtT) + w * (q * sdq * n1 - r * kdr * n2);
    if (vanna !== undefined) vanna[i] = (-dq * pdf1 * d2) / v;
  }
}

function copyBook(
  i: number,
  price: Float64Array,
  delta: Float64Array,
  gamma: Float64Array,
  vega: Float64Array,
  theta: Float64Array | undefined,
  vanna: Float64Array | undefined,
): void {
  price[i] = scratch[0];
  delta[i] = scratch[1];
  gamma[i] = scratch[2];
  vega[i] = scratch[3];
  if (theta !== undefined) theta[i] = scratch[4];
  if (vanna !== undefined) vanna[i] = scratch[6];
}

/**
 * Black-76 over a book of forwards (input.spot holds the forwards) with one
 * discount rate; rho is dV/dr with the forward fixed.
 */
export function black76Batch(
  input: BsBatchInput,
  rate: number,
  out: BsBatchOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { price, delta, gamma, vega } = out;
  checkLengths(n, [type, spot, strike, years, vol, price, delta, gamma, vega]);
  const theta = out.theta;
  const rho = out.rho;
  const vanna = out.vanna;
  const volga = out.volga;
  const o = scratch;
  for (let i = 0; i < n; i++) {
    black76Eval(type[i], spot[i], strike[i], years[i], vol[i], rate, o);
    price[i] = o[0];
    delta[i] = o[1];
    gamma[i] = o[2];
    vega[i] = o[3];
    if (theta !== undefined) theta[i] = o[4];
    if (rho !== undefined) rho[i] = o[5];
    if (vanna !== undefined) vanna[i] = o[6];
    if (volga !== undefined) volga[i] = o[7];
  }
}

/**
 * Checks a book once at its boundary: type is +1/-1, spot and strike positive
 * and finite, years and rates finite, vol finite and >= 0. Throws RangeError
 * naming the first bad index and field.
 */
export function validateBsBatch(input: BsBatchInput, rates?: BsRates, n: number = input.spot.length): void {
  const { type, spot, strike, years, vol } = input;
  checkLengths(n, [type, spot, strike, years, vol]);
  if (rates !== undefined) checkLengths(n, [rates.rate, rates.dividend]);
  for (let i = 0; i < n; i++) {
    const bad = (field: string, value: number, rule: string): never => {
      throw new RangeError(`option ${i}: ${field} ${rule}, got ${value}`);
    };
    if (type[i] !== 1 && type[i] !== -1) bad('type', type[i], 'must be +1 (call) or -1 (put)');
    if (!(spot[i] > 0) || !Number.isFinite(spot[i])) bad('spot', spot[i], 'must be positive and finite');
    if (!(strike[i] > 0) || !Number.isFinite(strike[i])) bad('strike', strike[i], 'must be positive and finite');
    if (!Number.isFinite(years[i])) bad('years', years[i], 'must be finite');
    if (!(vol[i] >= 0) || !Number.isFinite(vol[i])) bad('vol', vol[i], 'must be finite and >= 0');
    if (rates !== undefined) {
      if (!Number.isFinite(rates.rate[i])) bad('rate', rates.rate[i], 'must be finite');
      if (!Number.isFinite(rates.dividend[i])) bad('dividend', rates.dividend[i], 'must be finite');
    }
  }
}
