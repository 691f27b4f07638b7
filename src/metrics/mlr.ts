/**
 * Margin-to-liquidity ratio (docs/model.md#margin-to-liquidity-ratio): the quote value of
 * collateral whose liquidation price lies within a band x (default 10%)
 * below the price, over the rolling 24-hour traded volume in quote. It says
 * how many days of normal trading the collateral that a fall of x would
 * force onto the market represents.
 *
 * The ladder orders accounts by key = debt / (collateral · LT) and the
 * liquidation price is key / m (m: the protocol-wide threshold multiplier,
 * src/protocol/types.ts), so "liquidation price in [P(1−x), P]" is
 * "key in [m·P(1−x), m·P]".
 */
import { MS_PER_DAY } from '../core/time.js';
import type { BarSeries } from '../data/bars.js';
import { barIntervalMs } from '../data/bars.js';
import type { LadderView } from './ladderView.js';

/** Default band below the price, as a fraction (docs/model.md#margin-to-liquidity-ratio: 10%). */
export const DEFAULT_MLR_BAND = 0.1;

// Scratch views for nextUp: one 8-byte buffer, so the per-bar call allocates nothing.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * The next double above a positive finite x. The LadderView queries are
 * half-open [lo, hi); the band is closed at the price because an account
 * whose liquidation price equals the price is not yet liquidated (the oracle
 * must fall *below* it) and belongs to the collateral at risk.
 */
export function nextUp(x: number): number {
  if (!(x >= 0) || x === Infinity) return x;
  f64[0] = x;
  if (u32[LO] === 0xffffffff) {
    u32[LO] = 0;
    u32[HI] = u32[HI] + 1;
  } else {
    u32[LO] = u32[LO] + 1;
  }
  return f64[0];
}

function checkBandArgs(price: number, multiplier: number, band: number): void {
  if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`price must be positive and finite, got ${price}`);
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) throw new RangeError(`threshold multiplier must be positive and finite, got ${multiplier}`);
  if (!(band > 0 && band < 1)) throw new RangeError(`band must lie in (0, 1), got ${band}`);
}

/**
 * Σ collateral (base units) of open accounts whose liquidation price lies in
 * [price·(1 − band), price]. O(log n) through the LadderView; allocates nothing.
 */
export function collateralNearLiquidation(ladder: LadderView, price: number, multiplier: number, band = DEFAULT_MLR_BAND): number {
  checkBandArgs(price, multiplier, band);
  const top = multiplier * price;
  return ladder.collateralWithKeyIn(top * (1 - band), nextUp(top));
}

/**
 * MLR = collateralNearLiquidation · price / rollingQuoteVolume (a pure
 * number: quote over quote). NaN when the volume is unknown (NaN) and
 * Infinity when collateral is at risk against a zero volume.
 */
export function marginToLiquidityRatio(
  ladder: LadderView,
  price: number,
  multiplier: number,
  rollingQuoteVolume: number,
  band = DEFAULT_MLR_BAND,
): number {
  const atRiskQuote = collateralNearLiquidation(ladder, price, multiplier, band) * price;
  if (Number.isNaN(rollingQuoteVolume)) return Number.NaN;
  if (atRiskQuote === 0) return 0;
  return atRiskQuote / rollingQuoteVolume;
}

/**
 * Quote volume of one bar: the source's quote volume when it has one,
 * otherwise base volume times the typical price (H+L+C)/3, the usual VWAP
 * proxy when only OHLCV is known. NaN for series without volume.
 */
export function barQuoteVolume(bars: BarSeries, i: number): number {
  if (bars.quoteVolume !== undefined) return bars.quoteVolume[i];
  if (bars.volumeUnit === 'quote') return bars.volume[i];
  if (bars.volumeUnit === 'none') return Number.NaN;
  return (bars.volume[i] * (bars.high[i] + bars.low[i] + bars.close[i])) / 3;
}

export interface RollingVolumeOptions {
  /** Window length, ms. Default 24 hours. */
  readonly windowMs?: number;
  /**
   * Before a full window of history exists: 'scale' (default) extrapolates
   * the volume seen so far to the window length (mean per bar × bars per
   * window), 'nan' reports NaN. Either way only past bars are used.
   */
  readonly warmup?: 'scale' | 'nan';
  /**
   * Index in `bars` of the bar the reader calls 0: the bars before it are the
   * run's warm-up (past only), read for the window but not reported. Default 0.
   */
  readonly offset?: number;
}

/**
 * Rolling traded volume in quote over the window that ends at the close of
 * each bar: bar j counts at bar i when t_i − window < t_j ≤ t_i, i.e. the
 * bars whose whole interval lies in the last 24 hours known at the end of
 * bar i. Computed once for the run (O(n)); value i depends on bars 0..i
 * only, so reading it at bar i is no look-ahead (test/metrics pins this).
 */
export class RollingQuoteVolume {
  readonly values: Float64Array;
  /** 1 where a full window of history lies behind bar i, else 0. */
  readonly complete: Uint8Array;
  readonly windowMs: number;

  constructor(bars: BarSeries, opts: RollingVolumeOptions = {}) {
    const windowMs = opts.windowMs ?? MS_PER_DAY;
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new RangeError(`windowMs must be positive and finite, got ${windowMs}`);
    this.windowMs = windowMs;
    const n = bars.length;
    const values = new Float64Array(n);
    const complete = new Uint8Array(n);
    const barMs = n >= 2 ? barIntervalMs(bars) : windowMs;
    const barsPerWindow = windowMs / barMs;
    const time = bars.time;
    // Prefix sums rather than add/subtract in place, so one NaN bar only
    // poisons the windows that contain it.
    const prefix = new Float64Array(n + 1);
    const nanPrefix = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const q = barQuoteVolume(bars, i);
      const bad = Number.isNaN(q);
      prefix[i + 1] = prefix[i] + (bad ? 0 : q);
      nanPrefix[i + 1] = nanPrefix[i] + (bad ? 1 : 0);
    }
    let start = 0;
    for (let i = 0; i < n; i++) {
      while (time[start] <= time[i] - windowMs) start++;
      const count = i - start + 1;
      let sum = prefix[i + 1] - prefix[start];
      if (nanPrefix[i + 1] - nanPrefix[start] > 0) sum = Number.NaN;
      // A full window exists once the first bar lies a whole window (less one bar) back.
      const full = time[i] - time[0] + barMs >= windowMs;
      complete[i] = full ? 1 : 0;
      if (full) values[i] = sum;
      else values[i] = opts.warmup === 'nan' ? Number.NaN : (sum / count) * barsPerWindow;
    }
    const offset = opts.offset ?? 0;
    if (!(offset >= 0 && offset < Math.max(n, 1))) throw new RangeError(`offset must lie in [0, ${n}), got ${offset}`);
    this.values = offset > 0 ? values.subarray(offset) : values;
    this.complete = offset > 0 ? complete.subarray(offset) : complete;
  }

  /** Rolling quote volume known at the end of bar i. */
  at(i: number): number {
    return this.values[i];
  }
}
