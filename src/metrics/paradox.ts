/**
 * Paradox index of one run (docs/model.md#paradox-index): how much
 * outside capital left between the first stress signal and the trough,
 * measured against the forced selling it would have had to absorb there.
 *
 * Definitions (bars are indices into the recorder's columns):
 * - s, stress onset: the first bar with stress[i] ≥ stressLevel. With the
 *   behaviours' 0/1 "thresholds crossed" flags (or their max) and level 1
 *   this is "the first bar where any behaviour's thresholds were crossed";
 *   any other column (drawdown, a stress score) works with its own level.
 * - t, trough: the bar of the lowest simulated close in [s, n); the first
 *   such bar on ties.
 * - r, depth reference bar: s − 1 (s when s = 0). Depth is recorded at the
 *   bar end, so bar s already shows the LPs' reaction to the signal; r is
 *   the last book seen before it.
 * - Backstop capital that left: B = Σ_{i=s..t} backstopWithdrawn[i], gross
 *   withdrawals only (capital the pool spent absorbing liquidations is
 *   capital used, not capital that fled, so the fall of the pool's available
 *   capital is not used).
 * - Depth that left: K = max(0, depth[r] · P_t / P_r − depth[t]), where
 *   depth is the quote value of the book within 1% of the mid
 *   (depth per log price × 0.01 × price). Re-valuing the reference depth at
 *   the trough price removes the part of the fall in quote that is only the
 *   price falling: a book that keeps the same base units per unit log price
 *   lost no capacity to absorb a liquidation of given base size. Depth that
 *   grew counts as zero: the index measures what left. It is the net change
 *   between r and t, so depth that left and came back before the trough does
 *   not count.
 * - Capital needed at the trough: L = Σ liquidationQuote[i] over the trough
 *   window [t − k, t + k] clipped to the run (k = troughWindowBars). This is
 *   the forced selling that made and surrounded the low; the bars after t are
 *   included because keeper latency and auctions put liquidations triggered
 *   on the way down into the bars just after the low. It is a flow while B
 *   and K are stocks: the ratio says how many times over the capital that
 *   left could have bought the forced selling near the low.
 * - Index = (B + K) / L. 0: nothing left. ≥ 1: the capital that left would
 *   have covered all the liquidations around the low. L = 0 gives +Infinity
 *   when capital left and NaN when none did; no stress onset gives NaN.
 *
 * Undefined (NaN) cells of the optional columns count as 0 (e.g. a run with
 * no backstop pool or no depth record).
 */
import { DataError } from '../core/errors.js';

export interface ParadoxInputs {
  /** simulated_close: the simulated mid at each bar end, > 0. */
  simulatedClose: Float64Array;
  /** Quote volume of liquidations per bar (all mechanisms, all venues). */
  liquidationQuote: Float64Array;
  /** Stress indicator per bar (a 0/1 flag or a score). */
  stress: Float64Array;
  /** depth_quote_1pct: quote value of the book within 1% of the mid, per bar. Omit when no book is modelled. */
  depthQuote?: Float64Array;
  /** backstop_withdrawn_quote: quote withdrawn from the backstop pool in each bar. */
  backstopWithdrawnQuote?: Float64Array;
  /** backstop_available_quote: the pool's spendable capital at each bar end (reported, not part of the index). */
  backstopAvailableQuote?: Float64Array;
}

export interface ParadoxOptions {
  /** Stress onset level: the first bar with stress ≥ this. Default 1 (a 0/1 flag or a stressScore). */
  stressLevel: number;
  /**
   * Half-width of the trough window, bars, integer ≥ 0. Default 15
   * (assumption: about half an hour on 1-minute bars; on 2025-10-10, 70% of
   * the day's liquidations came within 40 minutes, Amberdata, S).
   */
  troughWindowBars: number;
}

export const DEFAULT_PARADOX_OPTIONS: Readonly<ParadoxOptions> = { stressLevel: 1, troughWindowBars: 15 };

export interface ParadoxIndex {
  /** (backstopLeftQuote + depthLeftQuote) / liquidationNearTroughQuote. */
  readonly index: number;
  /** Stress onset s (−1: never stressed). */
  readonly stressBar: number;
  /** Trough t (−1: never stressed). */
  readonly troughBar: number;
  /** Depth reference bar r. */
  readonly depthRefBar: number;
  /** Trough window, inclusive. */
  readonly windowFrom: number;
  readonly windowTo: number;
  /** B: backstop withdrawals over [s, t], quote. */
  readonly backstopLeftQuote: number;
  /** K: depth lost between r and t, valued at the trough price, quote. */
  readonly depthLeftQuote: number;
  /** B + K. */
  readonly capitalLeftQuote: number;
  /** L: liquidation quote volume in the trough window. */
  readonly liquidationNearTroughQuote: number;
  /** depth[r] · P_t / P_r: the reference book at the trough price. */
  readonly depthRefAtTroughPriceQuote: number;
  readonly depthAtTroughQuote: number;
  /** The pool's available capital at the trough bar end (NaN without the column). */
  readonly backstopAvailableAtTroughQuote: number;
  /** Simulated close at s and at t. */
  readonly stressPrice: number;
  readonly troughPrice: number;
}

function orZero(x: number): number {
  return Number.isNaN(x) ? 0 : x;
}

function checkColumn(name: string, col: Float64Array | undefined, n: number): void {
  if (col !== undefined && col.length !== n) throw new DataError(`has ${col.length} bars, simulated_close has ${n}`, { field: name });
}

export function paradoxIndex(input: ParadoxInputs, options: Partial<ParadoxOptions> = {}): ParadoxIndex {
  const opt = { ...DEFAULT_PARADOX_OPTIONS, ...options };
  const close = input.simulatedClose;
  const n = close.length;
  if (!(Number.isInteger(opt.troughWindowBars) && opt.troughWindowBars >= 0)) {
    throw new DataError(`must be an integer >= 0, got ${opt.troughWindowBars}`, { field: 'troughWindowBars' });
  }
  if (Number.isNaN(opt.stressLevel)) throw new DataError('must be a number, got NaN', { field: 'stressLevel' });
  checkColumn('liquidationQuote', input.liquidationQuote, n);
  checkColumn('stress', input.stress, n);
  checkColumn('depthQuote', input.depthQuote, n);
  checkColumn('backstopWithdrawnQuote', input.backstopWithdrawnQuote, n);
  checkColumn('backstopAvailableQuote', input.backstopAvailableQuote, n);
  for (let i = 0; i < n; i++) {
    if (!(close[i] > 0) || !Number.isFinite(close[i])) throw new DataError(`bar ${i}: must be finite and > 0, got ${close[i]}`, { field: 'simulated_close' });
  }

  let s = -1;
  for (let i = 0; i < n; i++) {
    if (input.stress[i] >= opt.stressLevel) {
      s = i;
      break;
    }
  }
  if (s < 0) {
    return {
      index: Number.NaN, stressBar: -1, troughBar: -1, depthRefBar: -1, windowFrom: -1, windowTo: -1,
      backstopLeftQuote: 0, depthLeftQuote: 0, capitalLeftQuote: 0, liquidationNearTroughQuote: 0,
      depthRefAtTroughPriceQuote: Number.NaN, depthAtTroughQuote: Number.NaN, backstopAvailableAtTroughQuote: Number.NaN,
      stressPrice: Number.NaN, troughPrice: Number.NaN,
    };
  }

  let t = s;
  for (let i = s + 1; i < n; i++) if (close[i] < close[t]) t = i;
  const r = s > 0 ? s - 1 : s;

  let backstopLeft = 0;
  const w = input.backstopWithdrawnQuote;
  if (w !== undefined) for (let i = s; i <= t; i++) backstopLeft += orZero(w[i]);

  const d = input.depthQuote;
  const depthRef = d !== undefined ? (orZero(d[r]) * close[t]) / close[r] : 0;
  const depthAtTrough = d !== undefined ? orZero(d[t]) : 0;
  const depthLeft = Math.max(0, depthRef - depthAtTrough);

  const from = Math.max(0, t - opt.troughWindowBars);
  const to = Math.min(n - 1, t + opt.troughWindowBars);
  let liq = 0;
  for (let i = from; i <= to; i++) liq += orZero(input.liquidationQuote[i]);

  const left = backstopLeft + depthLeft;
  const index = liq > 0 ? left / liq : left > 0 ? Infinity : Number.NaN;
  return {
    index,
    stressBar: s,
    troughBar: t,
    depthRefBar: r,
    windowFrom: from,
    windowTo: to,
    backstopLeftQuote: backstopLeft,
    depthLeftQuote: depthLeft,
    capitalLeftQuote: left,
    liquidationNearTroughQuote: liq,
    depthRefAtTroughPriceQuote: depthRef,
    depthAtTroughQuote: depthAtTrough,
    backstopAvailableAtTroughQuote: input.backstopAvailableQuote !== undefined ? input.backstopAvailableQuote[t] : Number.NaN,
    stressPrice: close[s],
    troughPrice: close[t],
  };
}
