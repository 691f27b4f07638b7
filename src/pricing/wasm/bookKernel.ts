/**
 * The fused WebAssembly valuation kernel (source: asm/valuation.ts, built
 * with AssemblyScript into valuation.wasm next to this file): per option the
 * SSVI implied vol, Black-Scholes price and greeks (price, delta, gamma,
 * vega, theta, vanna, volga; same conventions as kernel.ts), then the
 * quantity-weighted sums, in one call. Two options at a time in f64x2 SIMD;
 * options outside the paired path's range (expired, zero vol, |d| beyond
 * sqrt(32)) take a scalar copy of kernel.ts' bsEval. It also holds the
 * dealer's P&L start columns, over which it takes the attribution's
 * vol-change sums (volChange) and the bar-end snapshot (snapshotStart).
 *
 * Each kernel owns one WebAssembly instance, so its columns live in that
 * instance's memory, which never grows after construction (a grow would
 * detach the Float64Array views below). The caller fills the input
 * columns, calls {@link WasmBookKernel.value}, and reads the outputs.
 */
import { instantiateWasm, wasmCompiles, type WasmBase } from '../../core/wasm.js';

// Column order: must match asm/valuation.ts (the JS/WASM equivalence tests
// in test/pricing/wasmKernel.test.ts fail on any mismatch).
const COLUMNS = [
  'w', 'strike', 'logStrike', 'qty', 'group', 'years', 'vol', 'logForwardOverStrike', 'discountRate', 'discountDividend',
  'price', 'delta', 'gamma', 'vega', 'theta', 'vanna', 'volga',
  'groupYears', 'groupDiscountRate', 'groupDiscountDividend', 'groupTheta', 'groupPhi', 'groupCarryYears',
  'startQty', 'startVega', 'startVol', 'startVanna', 'startVolga', 'endVol',
] as const;
type ColumnName = (typeof COLUMNS)[number];

/** Order of the sums the kernel writes after the columns. */
export const SUM_VALUE = 0;
export const SUM_DELTA = 1;
export const SUM_GAMMA = 2;
export const SUM_VEGA = 3;
export const SUM_THETA = 4;
export const SUM_VANNA = 5;
export const SUM_VOLGA = 6;
/** volChange's sums: Σ qty·vega·dv, Σ qty·vanna·dv, Σ qty·volga·dv². */
export const SUM_DV_VEGA = 8;
export const SUM_DV_VANNA = 9;
export const SUM_DV_VOLGA = 10;
/** Doubles of sums after the columns. */
const SUM_SLOTS = 16;

/** value() modes. */
export const MODE_GIVEN_VOLS = 0;
export const MODE_SSVI = 1;
/** Years, discounts and (r − q)T from the groups as the last MODE_SSVI call left them; vols from the vol column. */
export const MODE_GROUPS_GIVEN_VOLS = 2;

interface Exports extends WasmBase {
  value(base: number, cap: number, n: number, mode: number, S: number, logS: number, r: number, q: number, rho: number, shift: number): void;
  volChange(base: number, cap: number, n: number, endCol: number): void;
  snapshotStart(base: number, cap: number, n: number): void;
  /** Bytes after the sums where value() passes intermediate results between its loops (room only, no views). */
  scratchBytes(): number;
}

const VOL_COLUMN = COLUMNS.indexOf('vol');
const END_VOL_COLUMN = COLUMNS.indexOf('endVol');

const MODULE_URL = new URL('./valuation.wasm', import.meta.url);

/** True when this runtime can compile the module (WebAssembly with SIMD). */
export function wasmKernelAvailable(): boolean {
  return wasmCompiles(MODULE_URL);
}

export class WasmBookKernel implements Record<ColumnName, Float64Array> {
  readonly capacity: number;
  private readonly exports: Exports;
  private readonly base: number;
  private readonly stride: number;
  readonly w!: Float64Array;
  readonly strike!: Float64Array;
  /** ln(strike / reference). */
  readonly logStrike!: Float64Array;
  readonly qty!: Float64Array;
  /** Index of the option's expiry group (a small integer stored as a double). */
  readonly group!: Float64Array;
  readonly years!: Float64Array;
  readonly vol!: Float64Array;
  readonly logForwardOverStrike!: Float64Array;
  readonly discountRate!: Float64Array;
  readonly discountDividend!: Float64Array;
  readonly price!: Float64Array;
  readonly delta!: Float64Array;
  readonly gamma!: Float64Array;
  readonly vega!: Float64Array;
  readonly theta!: Float64Array;
  readonly vanna!: Float64Array;
  readonly volga!: Float64Array;
  /** Per expiry group: years to expiry, e^{-rT}, e^{-qT}, SSVI θ and φ, (r − q)T. */
  readonly groupYears!: Float64Array;
  readonly groupDiscountRate!: Float64Array;
  readonly groupDiscountDividend!: Float64Array;
  readonly groupTheta!: Float64Array;
  readonly groupPhi!: Float64Array;
  readonly groupCarryYears!: Float64Array;
  /** The dealer's P&L start columns (pnlAttribution.ts' PnlStart), and a copy of a bar's end vols. */
  readonly startQty!: Float64Array;
  readonly startVega!: Float64Array;
  readonly startVol!: Float64Array;
  readonly startVanna!: Float64Array;
  readonly startVolga!: Float64Array;
  readonly endVol!: Float64Array;
  /**
   * The price logStrike is measured from: the caller stores ln(K / reference)
   * and value() uses ln(S / reference). With a reference near the spot,
   * ln(F/K) is a difference of two small logs, not of two numbers near
   * ln S (≈ 11 for bitcoin), whose rounding would cost about four digits of
   * ln(F/K) near the money (and, at tiny vol·√T, of deep tail prices).
   */
  reference = 1;
  /** Σ qty · output, in SUM_* order (written by value()). */
  readonly sums: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`kernel capacity must be an integer >= 0, got ${capacity}`);
    this.capacity = capacity;
    // Even stride and a 16-byte base keep every column aligned for f64x2 loads.
    this.stride = Math.max(2, capacity + (capacity & 1));
    const inst = instantiateWasm<Exports>(MODULE_URL, (e) => 8 * (this.stride * COLUMNS.length + SUM_SLOTS) + e.scratchBytes());
    this.exports = inst.exports;
    this.base = inst.base;
    const buf = inst.buffer;
    const self = this as unknown as Record<ColumnName, Float64Array>;
    COLUMNS.forEach((name, c) => {
      // Views are `capacity` long (the stride only pads the layout), so a
      // book's columns of the same capacity copy in and out whole, by
      // TypedArray.set, with no subarray view allocated per call.
      self[name] = new Float64Array(buf, this.base + 8 * this.stride * c, capacity);
    });
    this.sums = new Float64Array(buf, this.base + 8 * this.stride * COLUMNS.length, SUM_SLOTS);
  }

  /**
   * Values options 0..n-1 at spot S. MODE_SSVI: years, vols, discounts and
   * ln(F/K) come from the groups and the SSVI slice (vol² T = w(k) at
   * k = ln K − ln F + shift, with correlation `rho`); MODE_GIVEN_VOLS: the
   * years and vol columns are used as they stand (rho, shift ignored).
   */
  value(n: number, mode: number, S: number, r: number, q: number, rho: number, shift: number): void {
    if (!(n >= 0 && n <= this.capacity)) throw new RangeError(`n = ${n} is outside 0..${this.capacity}`);
    this.exports.value(this.base, this.stride, n, mode, S, Math.log(S / this.reference), r, q, rho, shift);
  }

  /**
   * The P&L attribution's vol-change sums over start options 0..n-1
   * (pnlAttribution.ts' volChangeSums), the end vols read from the vol
   * column or, with `fromCopy`, from endVol; into sums SUM_DV_*.
   */
  volChange(n: number, fromCopy: boolean): void {
    if (!(n >= 0 && n <= this.capacity)) throw new RangeError(`n = ${n} is outside 0..${this.capacity}`);
    this.exports.volChange(this.base, this.stride, n, fromCopy ? END_VOL_COLUMN : VOL_COLUMN);
  }

  /** Copies quantity, vega, vol, vanna and volga of options 0..n-1 into the start columns. */
  snapshotStart(n: number): void {
    if (!(n >= 0 && n <= this.capacity)) throw new RangeError(`n = ${n} is outside 0..${this.capacity}`);
    this.exports.snapshotStart(this.base, this.stride, n);
  }
}
