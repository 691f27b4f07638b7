/**
 * Values the dealer's book: per-option implied vol from the surface, then
 * the Black-Scholes batch kernel, then quantity-weighted aggregates into a
 * caller-owned {@link BookGreeks}. Every function here is allocation-free per
 * call (the engine calls them in every cascade round).
 *
 * The greeks are Black-Scholes greeks at the implied vol of each option held
 * fixed (sticky-strike greeks). Under a smile that moves with spot
 * (sticky-moneyness, stress) the total derivative of value in spot also
 * carries vega · dσ/dS; the engine sees that effect by re-valuing after each
 * move, not through `delta`.
 */
import { MS_PER_YEAR } from '../core/time.js';
import { bsBatchFlat } from '../pricing/batch.js';
import type { BsBatchInput } from '../pricing/batch.js';
import { bsEval, OUT_DELTA, OUT_SIZE } from '../pricing/kernel.js';
import type { VolSurface } from '../sim/volSurface.js';
import type { OptionBook } from './book.js';
import { setPnlStartScalars, snapshotPnlStart, volChangeSums, type PnlStart, type PnlStartColumns, type VolChangeSums } from './pnlAttribution.js';
import { pnlStartStorageWasm, revalueAtSpotWasm, snapshotColumnsWasm, valueBookWasm, volChangeSumsWasm } from './wasmValuation.js';

/**
 * Which kernel values books: 'js' (the reference, src/pricing/batch.ts) or
 * 'wasm' (the fused SIMD kernel, src/pricing/wasm/). Chosen by the
 * environment variable CASCADE_KERNEL, or setValuationKernel. WASM is the
 * default (about twice as fast on a whole run); the two agree to 12
 * significant digits (test/dealer/wasmValuation.test.ts), and each run's
 * summary.json names the kernel it used.
 */
export type ValuationKernel = 'js' | 'wasm';

export const DEFAULT_VALUATION_KERNEL: ValuationKernel = 'wasm';

function kernelFromEnv(value: string | undefined): ValuationKernel {
  if (value === undefined || value === '') return DEFAULT_VALUATION_KERNEL;
  if (value === 'js' || value === 'wasm') return value;
  throw new RangeError(`environment variable CASCADE_KERNEL must be 'js' or 'wasm', got '${value}'`);
}

let kernel: ValuationKernel = kernelFromEnv(process.env.CASCADE_KERNEL);

/** Selects the kernel for every later valuation in this process. */
export function setValuationKernel(k: ValuationKernel): void {
  if (k !== 'js' && k !== 'wasm') throw new RangeError(`valuation kernel must be 'js' or 'wasm', got '${String(k)}'`);
  kernel = k;
}

export function valuationKernel(): ValuationKernel {
  return kernel;
}

/**
 * Aggregates of the whole book, each Σ_j qty_j · (per-unit quantity of
 * option j). qty is the dealer's signed quantity in base units.
 */
export interface BookGreeks {
  /** Mark-to-model value, quote currency. */
  value: number;
  /** dValue/dSpot in base units (the hedge that neutralises the book is −delta). */
  delta: number;
  /** dDelta/dSpot: base units of delta per one quote unit of spot move. Negative when the dealer is short options. */
  gamma: number;
  /** dValue/dσ per unit of vol (×0.01 for one vol point), quote. */
  vega: number;
  /** dValue/dt per year of calendar time, quote (positive for a short-option book). */
  theta: number;
  /** dDelta/dσ per unit of vol, base units. */
  vanna: number;
  /** dVega/dσ per unit of vol², quote. */
  volga: number;
  /** Number of options valued. */
  count: number;
}

export function makeBookGreeks(): BookGreeks {
  return { value: 0, delta: 0, gamma: 0, vega: 0, theta: 0, vanna: 0, volga: 0, count: 0 };
}

/** Batch-kernel input views over a book's columns, built once per book. */
const inputs = new WeakMap<OptionBook, BsBatchInput>();

function inputOf(book: OptionBook): BsBatchInput {
  let inp = inputs.get(book);
  // Rebuilt when the book has moved its columns (OptionBook.adoptColumns: the WASM kernel lends its own).
  if (inp === undefined || inp.years !== book.years || inp.vol !== book.vol) {
    inp = { type: book.kind, spot: book.spotScratch, strike: book.strike, years: book.years, vol: book.vol };
    inputs.set(book, inp);
  }
  return inp;
}

function checkMarket(spot: number, rate: number, dividend: number): void {
  if (!(spot > 0) || !Number.isFinite(spot)) throw new RangeError(`spot must be positive and finite, got ${spot}`);
  if (!Number.isFinite(rate)) throw new RangeError(`rate must be finite, got ${rate}`);
  if (!Number.isFinite(dividend)) throw new RangeError(`dividend must be finite, got ${dividend}`);
}

/**
 * Full valuation at (spot, nowMs): implied vol of every option from
 * `surface` at its forward F = S e^{(r−q)T}, then prices and greeks into the
 * book's output columns, then aggregates into `out` (returned).
 * @param rate continuously compounded risk-free rate per year
 * @param dividend continuous dividend yield / carry per year
 * @param yearMs the year a time to expiry is counted in (the option day count; default 365.25 days)
 */
export function valueBook(
  book: OptionBook,
  spot: number,
  nowMs: number,
  surface: VolSurface,
  rate: number,
  dividend: number,
  out: BookGreeks,
  yearMs: number = MS_PER_YEAR,
): BookGreeks {
  checkMarket(spot, rate, dividend);
  if (kernel === 'wasm') return valueBookWasm(book, spot, nowMs, surface, rate, dividend, out, yearMs);
  const n = book.length;
  const { strike, expiryMs, years, vol } = book;
  const carry = rate - dividend;
  for (let i = 0; i < n; i++) {
    const T = (expiryMs[i] - nowMs) / yearMs;
    years[i] = T;
    // An option past expiry that is still held is worth its intrinsic (the
    // kernel ignores vol when T <= 0); the surface is not asked about it.
    vol[i] = T > 0 ? surface.impliedVol(strike[i], spot * Math.exp(carry * T), T) : 0;
  }
  return priceAtBookVols(book, spot, rate, dividend, out);
}

/**
 * Re-prices with the vols and times already in the book (from the last
 * {@link valueBook}) at a new spot: the sticky-strike re-valuation the
 * engine can use between cascade rounds, and what finite differences of
 * the book's greeks are taken of.
 */
export function revalueAtSpot(book: OptionBook, spot: number, rate: number, dividend: number, out: BookGreeks): BookGreeks {
  checkMarket(spot, rate, dividend);
  if (kernel === 'wasm') return revalueAtSpotWasm(book, spot, rate, dividend, out);
  return priceAtBookVols(book, spot, rate, dividend, out);
}

function priceAtBookVols(book: OptionBook, spot: number, rate: number, dividend: number, out: BookGreeks): BookGreeks {
  const n = book.length;
  book.spotScratch.fill(spot, 0, n);
  // The book satisfies BsBatchOutput structurally (price..volga columns).
  bsBatchFlat(inputOf(book), rate, dividend, book, n);
  const { qty, price, delta, gamma, vega, theta, vanna, volga } = book;
  let v = 0, d = 0, g = 0, ve = 0, th = 0, va = 0, vo = 0;
  for (let i = 0; i < n; i++) {
    const q = qty[i];
    v += q * price[i];
    d += q * delta[i];
    g += q * gamma[i];
    ve += q * vega[i];
    th += q * theta[i];
    va += q * vanna[i];
    vo += q * volga[i];
  }
  out.value = v;
  out.delta = d;
  out.gamma = g;
  out.vega = ve;
  out.theta = th;
  out.vanna = va;
  out.volga = vo;
  out.count = n;
  return out;
}

const scratch = new Float64Array(OUT_SIZE);

/**
 * Exact book delta (base units) at another spot, leaving the book's columns
 * untouched. Vols are the book's last valuation vols (sticky strike) unless
 * `surface` is given, in which case each option's vol is re-read at the new
 * forward. Times are recomputed from `nowMs`. O(n), no allocation.
 */
export function bookDeltaAt(
  book: OptionBook,
  spot: number,
  nowMs: number,
  rate: number,
  dividend: number,
  surface?: VolSurface,
  yearMs: number = MS_PER_YEAR,
): number {
  checkMarket(spot, rate, dividend);
  const n = book.length;
  const { strike, expiryMs, kind, qty, vol } = book;
  const carry = rate - dividend;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const T = (expiryMs[i] - nowMs) / yearMs;
    const sigma = surface !== undefined && T > 0 ? surface.impliedVol(strike[i], spot * Math.exp(carry * T), T) : vol[i];
    bsEval(kind[i], spot, strike[i], T, sigma, rate, dividend, scratch);
    d += qty[i] * scratch[OUT_DELTA];
  }
  return d;
}

/**
 * First-order Taylor form Δ(S') ≈ Δ(S) + Γ(S)(S' − S), O(1): the cheap
 * delta inside cascade rounds. Its error is ½ Σ qty·∂Γ/∂S·(S'−S)² + O(ΔS³),
 * so it is good for moves small against the gamma width of the book
 * (S σ √T); test/dealer/valuation.test.ts measures it.
 */
export function bookDeltaTaylor(g: BookGreeks, spot0: number, spot1: number): number {
  return g.delta + g.gamma * (spot1 - spot0);
}

/**
 * Where a dealer's P&L start state should keep its columns: in the book's
 * WASM kernel memory when that kernel values books (so the attribution's
 * vol-change sums run there too), else nowhere special (undefined).
 */
export function pnlStartStorage(book: OptionBook): (PnlStartColumns & { readonly endVol: Float64Array }) | undefined {
  return kernel === 'wasm' ? pnlStartStorageWasm(book) : undefined;
}

/** The bar's vol-change sums (pnlAttribution.ts' volChangeSums): in the WASM kernel when the columns live there, else in JavaScript; equal bit for bit. */
export function volChangeSumsOf(book: OptionBook, start: PnlStart, endVol: Float64Array, out: VolChangeSums): VolChangeSums {
  if (volChangeSumsWasm(book, start, endVol, out)) return out;
  return volChangeSums(start, endVol, out);
}

/** pnlAttribution.ts' snapshotPnlStart, its columns copied in the WASM kernel's memory when they live there. */
export function snapshotPnlStartOf(book: OptionBook, totals: BookGreeks, spot: number, hedge: number, into: PnlStart): PnlStart {
  if (snapshotColumnsWasm(book, into)) {
    setPnlStartScalars(totals, spot, hedge, book.length, into);
    return into;
  }
  return snapshotPnlStart(book, totals, spot, hedge, into);
}
