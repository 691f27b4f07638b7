/**
 * Batch Black-Scholes / Black-76 kernels over struct-of-arrays books: the
 * dealer's book calls these every bar. Inputs are Float64Arrays plus an
 * Int8Array of option signs (+1 call, -1 put); outputs are caller-owned
 * Float64Arrays. Nothing is allocated per call. Every kernel either calls
 * kernel.ts' bsEval or (the one-rate loop) repeats its arithmetic operation
 * for operation, so results equal the scalar API bit for bit; units and
 * edge cases are documented there (vega per unit vol, theta per year).
 *
 * Inputs are not validated here (hot path): run {@link validateBsBatch} once
 * where the book is built. With invalid inputs (spot/strike <= 0, NaN) the
 * outputs are unspecified.
 */
import { black76Eval, bsEval, OUT_SIZE } from './kernel.js';
import { EXP_HEAD, EXP_POW2, EXP_TAIL, expFast as expFastImported } from './exp.js';
import { expHalfSquareExact as expHalfSquareExactImported, normCdf as normCdfImported } from './normal.js';

// Module-local aliases: under some loaders an imported binding is read
// through an accessor call at every use (tsx when a CommonJS file imports
// this module, vitest's module runner); that cost ~15% of this loop there.
const HEAD = EXP_HEAD;
const TAIL = EXP_TAIL;
const POW2 = EXP_POW2;
const expFast = expFastImported;
const expHalfSquareExact = expHalfSquareExactImported;
const normCdf = normCdfImported;

// Local copies of constants of normal.ts and exp.ts: module-local constants
// fold into the hot loop. A wrong copy breaks the bit-for-bit tests
// (test/pricing/batch.test.ts, kernel.test.ts).
const SPLIT_SMALL_K = 0.67448975;
const SPLIT_TAIL_K = 5.656854249492381;
const INV_SQRT_2PI_K = 0.3989422804014327;
// exp.ts' constants for the written-out expFast (EXP_POW2_BIAS = 1022).
const EXP_INV_L = 46.16624130844683;
const EXP_L_HI = 0.6931471803691238 / 32;
const EXP_L_LO = 1.9082149292705877e-10 / 32;
const EXP_ROUND = 6755399441055744.0;
// normal.ts' Cody middle-range coefficients for the written-out lowerTailRatioMid.
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

function checkOptional(n: number, a: ArrayLike<number> | undefined): void {
  if (a !== undefined && a.length < n) throw new RangeError(`batch array of length ${a.length} is shorter than n = ${n}`);
}

/** The book's inputs and the four always-present outputs are long enough; allocates nothing (runs every bar). */
function checkBook(n: number, input: BsBatchInput, out: { price: Float64Array; delta: Float64Array; gamma: Float64Array; vega: Float64Array }): void {
  checkOptional(n, input.type);
  checkOptional(n, input.spot);
  checkOptional(n, input.strike);
  checkOptional(n, input.years);
  checkOptional(n, input.vol);
  checkOptional(n, out.price);
  checkOptional(n, out.delta);
  checkOptional(n, out.gamma);
  checkOptional(n, out.vega);
}

/** Copies one kernel result (OUT_* slots) into row i of the output columns present. */
function scatter(
  o: Float64Array,
  i: number,
  price: Float64Array,
  delta: Float64Array,
  gamma: Float64Array,
  vega: Float64Array,
  theta: Float64Array | undefined,
  rho: Float64Array | undefined,
  vanna: Float64Array | undefined,
  volga: Float64Array | undefined,
): void {
  price[i] = o[0];
  delta[i] = o[1];
  gamma[i] = o[2];
  vega[i] = o[3];
  if (theta !== undefined) theta[i] = o[4];
  if (rho !== undefined) rho[i] = o[5];
  if (vanna !== undefined) vanna[i] = o[6];
  if (volga !== undefined) volga[i] = o[7];
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
  checkBook(n, input, out);
  checkOptional(n, rate);
  checkOptional(n, dividend);
  const theta = out.theta;
  const rho = out.rho;
  const vanna = out.vanna;
  const volga = out.volga;
  const o = scratch;
  for (let i = 0; i < n; i++) {
    bsEval(type[i], spot[i], strike[i], years[i], vol[i], rate[i], dividend[i], o);
    scatter(o, i, price, delta, gamma, vega, theta, rho, vanna, volga);
  }
}

/**
 * As {@link bsBatch} with one rate and dividend yield for the whole book
 * (the dealer's valuation): the same loop as {@link bsBatchBook}.
 */
export function bsBatchFlat(
  input: BsBatchInput,
  rate: number,
  dividend: number,
  out: BsBatchOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { price, delta, gamma, vega, theta, rho, vanna, volga } = out;
  checkBook(n, input, out);
  checkOptional(n, theta);
  checkOptional(n, rho);
  checkOptional(n, vanna);
  checkOptional(n, volga);
  flatLoop(type, spot, strike, years, vol, rate, dividend, price, delta, gamma, vega, theta, rho, vanna, volga, n);
}

/**
 * The dealer book's per-bar kernel: price, delta, gamma, vega and, when the
 * arrays are given, theta and vanna; one rate and dividend yield for the book.
 */
export function bsBatchBook(
  input: BsBatchInput,
  rate: number,
  dividend: number,
  out: BsBookOutput,
  n: number = input.spot.length,
): void {
  const { type, spot, strike, years, vol } = input;
  const { price, delta, gamma, vega, theta, vanna } = out;
  checkBook(n, input, out);
  checkOptional(n, theta);
  checkOptional(n, vanna);
  flatLoop(type, spot, strike, years, vol, rate, dividend, price, delta, gamma, vega, theta, undefined, vanna, undefined, n);
}

/**
 * bsEval hand-inlined over a book with one rate and dividend yield (V8 does
 * not inline the general kernel, and the call plus scratch round trip cost
 * about a fifth of the time). The expressions are kept in bsEval's exact
 * order so the results are identical bit for bit; test/pricing/batch.test.ts
 * pins that. Columns arrive as parameters so the loop reads no properties.
 */
function flatLoop(
  type: Int8Array,
  spot: Float64Array,
  strike: Float64Array,
  years: Float64Array,
  vol: Float64Array,
  r: number,
  q: number,
  price: Float64Array,
  delta: Float64Array,
  gamma: Float64Array,
  vega: Float64Array,
  theta: Float64Array | undefined,
  rho: Float64Array | undefined,
  vanna: Float64Array | undefined,
  volga: Float64Array | undefined,
  n: number,
): void {
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
    const sqrtT = Math.sqrt(T);
    const sd = v * sqrtT;
    if (!(T > 0 && sd > 0)) {
      bsEval(w, S, K, T, v, r, q, scratch);
      scatter(scratch, i, price, delta, gamma, vega, theta, rho, vanna, volga);
      continue;
    }
    if (T !== lastT) {
      dr = expFast(-r * T);
      dq = expFast(-q * T);
      lastT = T;
    }
    const sdq = S * dq;
    const kdr = K * dr;
    const x = Math.log(S / K) + (r - q) * T;
    const d1 = x / sd + 0.5 * sd;
    const d2 = d1 - sd;
    const wo = x < 0 ? 1 : -1;
    const a1 = Math.abs(d1);
    // Below, expFast and lowerTailRatioMid are written out: V8's inlining
    // budget does not stretch to them, and a call each costs ~5% here.
    let e1: number;
    if (a1 <= SPLIT_TAIL_K) {
      // expFast(-0.5 * d1 * d1); the argument is in [-16, 0], inside its table range.
      const ex = -0.5 * d1 * d1;
      const kf = ex * EXP_INV_L + EXP_ROUND - EXP_ROUND;
      const rr = ex - kf * EXP_L_HI - kf * EXP_L_LO;
      const k = kf | 0;
      const j = k & 31;
      const r2 = rr * rr;
      const pp = rr + r2 * (0.5 + rr * (1 / 6) + r2 * (1 / 24 + rr * (1 / 120) + r2 * (1 / 720)));
      const h = HEAD[j];
      e1 = (h + (h * pp + TAIL[j])) * POW2[1022 + (k >> 5)];
    } else {
      e1 = expHalfSquareExact(a1);
    }
    const a2 = Math.abs(d2);
    const z1 = wo * d1;
    let p1: number;
    if (a1 > SPLIT_SMALL_K && a1 <= SPLIT_TAIL_K) {
      const num = (((((((C8 * a1 + C0) * a1 + C1) * a1 + C2) * a1 + C3) * a1 + C4) * a1 + C5) * a1 + C6) * a1 + C7;
      const den = (((((((a1 + D0) * a1 + D1) * a1 + D2) * a1 + D3) * a1 + D4) * a1 + D5) * a1 + D6) * a1 + D7;
      const l1 = e1 * (num / den);
      p1 = z1 < 0 ? l1 : 1 - l1;
    } else {
      p1 = normCdf(z1);
    }
    const z2 = wo * d2;
    let p2: number;
    if (a2 > SPLIT_SMALL_K && a2 <= SPLIT_TAIL_K) {
      const e2 = a1 <= SPLIT_TAIL_K ? e1 * (sdq / kdr) : expFast(-0.5 * d2 * d2);
      const num = (((((((C8 * a2 + C0) * a2 + C1) * a2 + C2) * a2 + C3) * a2 + C4) * a2 + C5) * a2 + C6) * a2 + C7;
      const den = (((((((a2 + D0) * a2 + D1) * a2 + D2) * a2 + D3) * a2 + D4) * a2 + D5) * a2 + D6) * a2 + D7;
      const l2 = e2 * (num / den);
      p2 = z2 < 0 ? l2 : 1 - l2;
    } else {
      p2 = normCdf(z2);
    }
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
    const vg = sdq * pdf1 * sqrtT;
    price[i] = pr;
    delta[i] = w * dq * n1;
    gamma[i] = (dq * pdf1) / (S * sd);
    vega[i] = vg;
    if (theta !== undefined) theta[i] = (-sdq * pdf1 * v) / (2 * sqrtT) + w * (q * sdq * n1 - r * kdr * n2);
    if (rho !== undefined) rho[i] = w * kdr * T * n2;
    if (vanna !== undefined) vanna[i] = (-dq * pdf1 * d2) / v;
    if (volga !== undefined) volga[i] = (vg * d1 * d2) / v;
  }
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
  checkBook(n, input, out);
  const theta = out.theta;
  const rho = out.rho;
  const vanna = out.vanna;
  const volga = out.volga;
  const o = scratch;
  for (let i = 0; i < n; i++) {
    black76Eval(type[i], spot[i], strike[i], years[i], vol[i], rate, o);
    scatter(o, i, price, delta, gamma, vega, theta, rho, vanna, volga);
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
