/**
 * The two margin rules (docs/model.md#multi-asset-runs-and-portfolio-margining).
 *
 * Isolated: each leg is its own account with its own collateral, as the
 * single-asset protocol margins a position today. A spot leg (coins held
 * against a quote loan) is due when spot·S·LT < debt; a perp leg (margin m,
 * size q, entry E) when m + q(S − E) < mm·|q|·S. The gain of one leg never
 * covers the loss of another.
 *
 * Portfolio: one pooled equity E = cash + Σ spot_a·S_a + Σ q_a(S_a − E_a)
 * against a requirement R = max(worst loss over the scan grid, floor·gross).
 * Spot and perp of one asset net into one delta, so a basis trade is charged
 * only the floor; assets offset each other only as far as the grid lets them
 * diverge.
 */
import { hasOptions, optionBookValue, type OptionScan } from './options.js';

/** Scan grid: joint simple-return moves, one row of `assets` values per point. */
export interface ScanGrid {
  readonly assets: number;
  readonly points: number;
  /** points × assets simple returns, row-major. */
  readonly moves: Float64Array;
}

/**
 * Every joint move with each asset at k·R_a/steps, k in −steps..steps,
 * keeping the points where any two assets' moves, in units of their
 * ranges, differ by at most `maxDivergence`. SPAN scans each product's
 * range and then credits spreads between products; restricting the joint
 * grid does both at once and keeps the rule one maximum.
 */
export function buildScanGrid(rangesPct: readonly number[], steps: number, maxDivergence: number): ScanGrid {
  const A = rangesPct.length;
  const side = 2 * steps + 1;
  let total = 1;
  for (let a = 0; a < A; a++) total *= side;
  const rows: number[] = [];
  const k = new Int32Array(A);
  for (let p = 0; p < total; p++) {
    let rest = p;
    for (let a = 0; a < A; a++) {
      k[a] = (rest % side) - steps;
      rest = Math.floor(rest / side);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let a = 0; a < A; a++) {
      const u = k[a] / steps;
      if (u < lo) lo = u;
      if (u > hi) hi = u;
    }
    // 1e-12 keeps a gap of exactly maxDivergence (e.g. 2/3 − 1/6) inside despite rounding.
    if (hi - lo > maxDivergence + 1e-12) continue;
    for (let a = 0; a < A; a++) rows.push((k[a] / steps) * (rangesPct[a] / 100));
  }
  return { assets: A, points: rows.length / A, moves: Float64Array.from(rows) };
}

/**
 * Worst loss over the grid of positions with net deltas `delta` (base
 * units; spot plus perp of each asset) at prices `price`: the positions
 * are linear, so a move x costs −Σ δ_a·S_a·x_a. Never negative (the zero
 * move is in every grid).
 */
export function worstGridLoss(grid: ScanGrid, delta: ArrayLike<number>, price: ArrayLike<number>, deltaOffset = 0): number {
  const A = grid.assets;
  const mv = grid.moves;
  let worst = 0;
  for (let g = 0, o = 0; g < grid.points; g++, o += A) {
    let loss = 0;
    for (let a = 0; a < A; a++) loss -= delta[deltaOffset + a] * price[a] * mv[o + a];
    if (loss > worst) worst = loss;
  }
  return worst;
}

/**
 * Worst loss over the grid with option legs: at every price point the
 * implied vol is also moved down, not at all, and up by `volScan`
 * (relative), and the options are revalued in full, not by their greeks,
 * so a short put's loss in a crash counts its gamma and vega.
 */
export function worstGridLossWithOptions(grid: ScanGrid, delta: ArrayLike<number>, price: ArrayLike<number>, o: OptionScan, deltaOffset = 0): number {
  const A = grid.assets;
  const mv = grid.moves;
  const base = optionBookValue(o, price, null, 0, 0);
  let worst = 0;
  for (let g = 0, off = 0; g < grid.points; g++, off += A) {
    let lin = 0;
    for (let a = 0; a < A; a++) lin -= delta[deltaOffset + a] * price[a] * mv[off + a];
    for (let j = -1; j <= 1; j++) {
      const loss = lin + base - optionBookValue(o, price, mv, off, j * o.volScan);
      if (loss > worst) worst = loss;
    }
  }
  return worst;
}

/**
 * Portfolio requirement: the worst loss over the grid (with option legs,
 * over the vol moves too), never below floorPct of the gross notional
 * (Σ |position| · price, options counted on their underlying).
 */
export function portfolioRequirement(
  grid: ScanGrid,
  floorPct: number,
  delta: ArrayLike<number>,
  gross: number,
  price: ArrayLike<number>,
  deltaOffset = 0,
  options?: OptionScan,
): number {
  const scan = hasOptions(options) ? worstGridLossWithOptions(grid, delta, price, options, deltaOffset) : worstGridLoss(grid, delta, price, deltaOffset);
  const floor = (floorPct / 100) * gross;
  return scan > floor ? scan : floor;
}

/** Isolated spot loan: due when the coins, haircut by LT, no longer cover the debt. */
export function spotLegDue(spot: number, debt: number, price: number, threshold: number): boolean {
  return debt > 0 && spot * price * threshold < debt;
}

/** Isolated short option: due when its margin, less what buying it back costs, falls below maintenance on the underlying. */
export function optionLegDue(qty: number, value: number, margin: number, price: number, maintenancePct: number): boolean {
  if (qty >= 0) return false;
  return margin + qty * value < (maintenancePct / 100) * -qty * price;
}

/** Isolated perp: due when margin plus unrealised P&L falls below maintenance on the notional. */
export function perpLegDue(size: number, entry: number, margin: number, price: number, maintenancePct: number): boolean {
  if (size === 0) return false;
  return margin + size * (price - entry) < (maintenancePct / 100) * Math.abs(size) * price;
}
