/**
 * The dealer book valued by the fused WebAssembly kernel
 * (src/pricing/wasm/bookKernel.ts): one kernel instance per book, holding
 * the contract columns (kind, strike, ln K, expiry group) rebuilt only when
 * the book's contracts change. The book keeps its quantities, times, vols
 * and outputs in the kernel's memory (OptionBook.adoptColumns, on the first
 * WASM valuation), so a bar's work outside the kernel is one pass over the
 * book's few expiries (time to expiry, discounts, the SSVI slice).
 *
 * Results equal valuation.ts' JavaScript path to rounding (the kernels
 * share their algorithm; test/dealer/wasmValuation.test.ts measures the
 * gap and compares whole runs).
 */
import { expFast } from '../pricing/exp.js';
import {
  MODE_GIVEN_VOLS, MODE_GROUPS_GIVEN_VOLS, MODE_SSVI, SUM_DELTA, SUM_DV_VANNA, SUM_DV_VEGA, SUM_DV_VOLGA, SUM_GAMMA, SUM_THETA, SUM_VALUE,
  SUM_VANNA, SUM_VEGA, SUM_VOLGA, WasmBookKernel,
} from '../pricing/wasm/bookKernel.js';
import type { VolSurface } from '../sim/volSurface.js';
import type { OptionBook } from './book.js';
import type { PnlStart, PnlStartColumns, VolChangeSums } from './pnlAttribution.js';
import type { BookGreeks } from './valuation.js';

interface BookKernel {
  readonly kernel: WasmBookKernel;
  /** The book's contractsVersion the contract columns were built from. */
  version: number;
  /** Distinct expiries (epoch ms), groups 0..groups-1. */
  groups: number;
  readonly groupExpiry: Float64Array;
  /**
   * The group columns hold the last valuation's years, discounts and carry
   * (a MODE_SSVI valuation since the contracts last changed), so a re-price
   * at a new spot can read them instead of an exponential pair per option.
   */
  /** Scratch: which groups a rebuild has set. */
  groupSeen: Uint8Array;
  groupsFresh: boolean;
  groupRate: number;
  groupDividend: number;
}

const kernels = new WeakMap<OptionBook, BookKernel>();
const slice = new Float64Array(4);

function kernelOf(book: OptionBook): BookKernel {
  let s = kernels.get(book);
  if (s === undefined) {
    s = { kernel: new WasmBookKernel(book.capacity), version: Number.NaN, groups: 0, groupExpiry: new Float64Array(book.capacity), groupSeen: new Uint8Array(book.capacity), groupsFresh: false, groupRate: 0, groupDividend: 0 };
    // The book keeps its quantities, times, vols and outputs in the kernel's memory from now on: no copies per valuation.
    book.adoptColumns(s.kernel);
    kernels.set(book, s);
  }
  if (s.version !== book.contractsVersion) syncContracts(book, s);
  return s;
}

/** Contract columns and expiry groups from the book (only when its contracts changed). */
function syncContracts(book: OptionBook, s: BookKernel): void {
  const k = s.kernel;
  const n = book.length;
  // ln K is stored from a reference near the money (see
  // WasmBookKernel.reference): the middle of the strike range, a function of
  // the contracts alone, so a book restored from a saved state values
  // exactly as it did (the spot at the sync would not be).
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    if (book.strike[i] < lo) lo = book.strike[i];
    if (book.strike[i] > hi) hi = book.strike[i];
  }
  const spot = n > 0 ? Math.sqrt(lo * hi) : 1;
  k.reference = spot;
  let groups = 0;
  const ge = s.groupExpiry;
  for (let i = 0; i < n; i++) {
    const K = book.strike[i];
    k.w[i] = book.kind[i];
    k.strike[i] = K;
    k.logStrike[i] = Math.log(K / spot);
    const e = book.expiryMs[i];
    let g = 0;
    while (g < groups && ge[g] !== e) g++;
    if (g === groups) ge[groups++] = e;
    k.group[i] = g;
  }
  s.groups = groups;
  s.version = book.contractsVersion;
  s.groupsFresh = false;
}

function sumsInto(k: WasmBookKernel, n: number, out: BookGreeks): BookGreeks {
  const m = k.sums;
  out.value = m[SUM_VALUE];
  out.delta = m[SUM_DELTA];
  out.gamma = m[SUM_GAMMA];
  out.vega = m[SUM_VEGA];
  out.theta = m[SUM_THETA];
  out.vanna = m[SUM_VANNA];
  out.volga = m[SUM_VOLGA];
  out.count = n;
  return out;
}


/** valuation.ts' valueBook on the WASM kernel (inputs already checked there). */
export function valueBookWasm(
  book: OptionBook,
  spot: number,
  nowMs: number,
  surface: VolSurface,
  rate: number,
  dividend: number,
  out: BookGreeks,
  yearMs: number,
): BookGreeks {
  const n = book.length;
  const s = kernelOf(book);
  const k = s.kernel;
  if (surface.ssviSlice === undefined) {
    // Not an SSVI slice: vols from the surface per option, as the JavaScript path reads them.
    const { strike, expiryMs, years, vol } = book;
    const carry = rate - dividend;
    for (let i = 0; i < n; i++) {
      const T = (expiryMs[i] - nowMs) / yearMs;
      years[i] = T;
      vol[i] = T > 0 ? surface.impliedVol(strike[i], spot * Math.exp(carry * T), T) : 0;
    }
    k.value(n, MODE_GIVEN_VOLS, spot, rate, dividend, 0, 0);
    s.groupsFresh = false;
  } else {
    const carry = rate - dividend;
    let rho = 0;
    let shift = 0;
    for (let g = 0; g < s.groups; g++) {
      const T = (s.groupExpiry[g] - nowMs) / yearMs;
      setGroupYears(k, g, T, rate, dividend, carry);
      if (T > 0) {
        surface.ssviSlice(T, slice);
        k.groupTheta[g] = slice[0];
        k.groupPhi[g] = slice[1];
        rho = slice[2];
        shift = slice[3];
      }
    }
    k.value(n, MODE_SSVI, spot, rate, dividend, rho, shift);
    s.groupsFresh = true;
    s.groupRate = rate;
    s.groupDividend = dividend;
  }
  return sumsInto(k, n, out);
}

/** One expiry group's time inputs; the one place they are computed, so every path rounds alike. */
function setGroupYears(k: WasmBookKernel, g: number, T: number, rate: number, dividend: number, carry: number): void {
  k.groupYears[g] = T;
  k.groupDiscountRate[g] = expFast(-rate * T);
  k.groupDiscountDividend[g] = expFast(-dividend * T);
  k.groupCarryYears[g] = carry * T;
}

/**
 * valuation.ts' revalueAtSpot on the WASM kernel: the book's years and vols
 * as they stand. Always through the expiry groups: when the last valuation
 * did not leave them (a loaded state, a surface that is not an SSVI slice,
 * another rate), they are rebuilt from the book's years with the same
 * arithmetic, so a re-price after a restore is bit for bit the one the
 * uninterrupted run makes (test/engine/rollbackDealer.test.ts).
 */
export function revalueAtSpotWasm(book: OptionBook, spot: number, rate: number, dividend: number, out: BookGreeks): BookGreeks {
  const n = book.length;
  const s = kernelOf(book);
  const k = s.kernel;
  if (!(s.groupsFresh && rate === s.groupRate && dividend === s.groupDividend)) {
    const carry = rate - dividend;
    const seen = s.groupSeen;
    seen.fill(0, 0, s.groups);
    for (let i = 0; i < n; i++) {
      const g = k.group[i];
      if (seen[g] === 0) {
        seen[g] = 1;
        setGroupYears(k, g, book.years[i], rate, dividend, carry);
      }
    }
    s.groupsFresh = true;
    s.groupRate = rate;
    s.groupDividend = dividend;
  }
  k.value(n, MODE_GROUPS_GIVEN_VOLS, spot, rate, dividend, 0, 0);
  return sumsInto(k, n, out);
}

/**
 * Columns in the book's kernel memory for the dealer's P&L start state and
 * a copy of a bar's end vols (the kernel is made here if the book has
 * none), so volChangeSumsWasm can take the attribution's vol-change sums
 * in the kernel.
 */
export function pnlStartStorageWasm(book: OptionBook): PnlStartColumns & { readonly endVol: Float64Array } {
  const k = kernelOf(book).kernel;
  return { qty: k.startQty, vega: k.startVega, vol: k.startVol, vanna: k.startVanna, volga: k.startVolga, endVol: k.endVol };
}

/** The book's kernel, when `start` keeps its columns in it. */
function kernelHoldingStart(book: OptionBook, start: PnlStart): WasmBookKernel | undefined {
  const k = kernels.get(book)?.kernel;
  if (k === undefined) return undefined;
  const held = start.qty === k.startQty && start.vega === k.startVega && start.vol === k.startVol && start.vanna === k.startVanna && start.volga === k.startVolga;
  return held ? k : undefined;
}

/**
 * pnlAttribution.ts' volChangeSums in the kernel (the same operations in the
 * same order: equal sums bit for bit), when `start` keeps its columns in
 * this book's kernel and `endVol` is the book's vol column or the kernel's
 * end-vol copy; false (and `out` untouched) otherwise.
 */
export function volChangeSumsWasm(book: OptionBook, start: PnlStart, endVol: Float64Array, out: VolChangeSums): boolean {
  const k = kernelHoldingStart(book, start);
  if (k === undefined || (endVol !== k.vol && endVol !== k.endVol)) return false;
  k.volChange(start.count, endVol === k.endVol);
  const m = k.sums;
  out.vega = m[SUM_DV_VEGA];
  out.vanna = m[SUM_DV_VANNA];
  out.volga = m[SUM_DV_VOLGA];
  return true;
}

/**
 * The column part of pnlAttribution.ts' snapshotPnlStart in the kernel
 * (a memory copy per column), when `start` keeps its columns in this book's
 * kernel; false (and nothing copied) otherwise.
 */
export function snapshotColumnsWasm(book: OptionBook, start: PnlStart): boolean {
  const k = kernelHoldingStart(book, start);
  // The book's columns are the kernel's (adopted when the kernel was made).
  if (k === undefined || book.qty !== k.qty || book.vega !== k.vega || book.vol !== k.vol || book.vanna !== k.vanna || book.volga !== k.volga) return false;
  k.snapshotStart(book.length);
  return true;
}
