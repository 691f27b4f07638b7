/**
 * The liquidation cascade's branching ratio n/D' (docs/model.md#branching-ratios-and-criticality).
 *
 * With linear impact a price fall δ liquidates the accounts whose
 * liquidation price lies in (P − δ, P]; they sell n·δ base units, which moves
 * the price by n·δ / D'. Each round is n/D' times the last, so an exogenous δ
 * becomes δ / (1 − n/D'): below 1 the cascade converges, at 1 it diverges.
 *
 * n (base units sold per unit price fall) = ladder density × sold fraction:
 *
 * - Ladder density ρ: collateral (base) per unit of liquidation price just
 *   below P, measured over a window [P(1 − w), P] (liquidation price
 *   key/m, so key in [m·P(1 − w), m·P]): ρ = collateral in window / (P·w).
 *   One fixed window under-reads a ladder narrower than it (a ladder 0.36%
 *   wide read over 1% shows 36% of its density, so a ladder that runs away
 *   whole read 0.4). The engine takes the largest density over windows from
 *   0.1% (about a calm 1-minute move of BTC) to 1%, halving by √2: a uniform
 *   ladder at least as wide as the smallest window then reads its own
 *   density, and a wider one reads the same as before.
 *
 * - Sold fraction f. An account with collateral c and debt d is liquidated
 *   when the price reaches L = d / (c·LT·m). A liquidation repays CF·d of debt
 *   and seizes collateral worth CF·d·(1 + π) at the price L:
 *       seized = CF·d·(1 + π) / L = CF·LT·m·(1 + π) · c,
 *   so f = CF·LT·m·(1 + π) (CF·LT·(1 + π) at m = 1). After it the account's
 *   health c'·L·LT·m / d' is (1 − CF·LT·m·(1 + π)) / (1 − CF), which is ≥ 1
 *   iff LT·m·(1 + π) ≤ 1. When LT·m·(1 + π) > 1 (e.g. a perp with LT = 0.995
 *   and a 1% penalty) a partial liquidation leaves the account *less*
 *   healthy, it is liquidated again in the next round at the same price, and
 *   the whole collateral is sold: f = 1. f is capped at 1 in any case.
 *   With account-specific LT, pass the collateral-weighted mean LT near the
 *   price.
 *
 * - D' (base units per unit price) = D / P, where D is the liquidity model's
 *   depth per unit log-price (d ln P = dP / P).
 *
 * So n/D' = ρ·f·P / D. All functions are O(log n) in accounts through the
 * LadderView and allocate nothing.
 */
import type { LadderView } from './ladderView.js';
import { nextUp } from './mlr.js';

/** Widest window below the price over which the ladder density is measured: 1%. */
export const DEFAULT_DENSITY_WINDOW = 0.01;

/** Narrowest window: 0.1%, about one calm 1-minute move of BTC (80%/yr). */
export const MIN_DENSITY_WINDOW = 0.001;

/** The windows the density is measured over: one width, or the largest density from `min` to `max` (factor √2). */
export type DensityWindows = number | { readonly min: number; readonly max: number };

export const DEFAULT_DENSITY_WINDOWS: DensityWindows = { min: MIN_DENSITY_WINDOW, max: DEFAULT_DENSITY_WINDOW };

/** The liquidation terms that set how much collateral one liquidation sells. */
export interface LiquidationTerms {
  /** Fraction of the debt one liquidation repays, (0, 1]. */
  readonly closeFactor: number;
  /** Liquidation penalty (bonus to the liquidator) as a fraction, e.g. 0.05. */
  readonly penalty: number;
  /** Liquidation threshold LT, (0, 1]. */
  readonly liquidationThreshold: number;
}

/** f = min(1, CF·LT·m·(1 + π)), or 1 when LT·m·(1 + π) > 1 (see the module comment). */
export function soldCollateralFraction(terms: LiquidationTerms, multiplier = 1): number {
  const { closeFactor: cf, penalty, liquidationThreshold: lt } = terms;
  if (!(cf > 0 && cf <= 1)) throw new RangeError(`close factor must lie in (0, 1], got ${cf}`);
  if (!(penalty >= 0) || !Number.isFinite(penalty)) throw new RangeError(`penalty must be finite and ≥ 0, got ${penalty}`);
  if (!(lt > 0 && lt <= 1)) throw new RangeError(`liquidation threshold must lie in (0, 1], got ${lt}`);
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) throw new RangeError(`threshold multiplier must be positive and finite, got ${multiplier}`);
  const perDebt = lt * multiplier * (1 + penalty);
  if (perDebt > 1) return 1;
  return Math.min(1, cf * perDebt);
}

/** Ladder density ρ: collateral (base) per unit of liquidation price over [P(1 − w), P]. */
export function ladderDensity(ladder: LadderView, price: number, multiplier: number, window = DEFAULT_DENSITY_WINDOW): number {
  if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`price must be positive and finite, got ${price}`);
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) throw new RangeError(`threshold multiplier must be positive and finite, got ${multiplier}`);
  if (!(window > 0 && window < 1)) throw new RangeError(`density window must lie in (0, 1), got ${window}`);
  const top = multiplier * price;
  return ladder.collateralWithKeyIn(top * (1 - window), nextUp(top)) / (price * window);
}

/**
 * The largest ladder density over windows from `min` to `max` below the
 * price, narrowing by √2 (about 7 windows for 0.1%..1%: O(log n) each).
 */
export function peakLadderDensity(ladder: LadderView, price: number, multiplier: number, min: number, max: number): number {
  if (!(min > 0 && min <= max)) throw new RangeError(`density windows need 0 < min <= max, got ${min}..${max}`);
  let best = 0;
  for (let w = max; w >= min * (1 - 1e-12); w *= Math.SQRT1_2) {
    const rho = ladderDensity(ladder, price, multiplier, w);
    if (rho > best) best = rho;
  }
  return best;
}

/**
 * n/D' = ρ·f·P / D, with D the depth per unit log-price (base units). D = ∞
 * (no liquidity model) gives 0; D = 0 with collateral at risk gives ∞.
 * ρ is measured over `windows` (default: the largest over 0.1%..1%).
 */
export function liquidationBranchingRatio(
  ladder: LadderView,
  price: number,
  multiplier: number,
  depthPerLogPrice: number,
  terms: LiquidationTerms,
  windows: DensityWindows = DEFAULT_DENSITY_WINDOWS,
): number {
  if (!(depthPerLogPrice >= 0)) throw new RangeError(`depth per log-price must be ≥ 0, got ${depthPerLogPrice}`);
  const rho = typeof windows === 'number' ? ladderDensity(ladder, price, multiplier, windows) : peakLadderDensity(ladder, price, multiplier, windows.min, windows.max);
  const n = rho * soldCollateralFraction(terms, multiplier);
  if (n === 0) return 0;
  return (n * price) / depthPerLogPrice;
}

/**
 * Distance to the critical point: 1 − (liquidation ratio + gamma ratio).
 * The gamma ratio is the engine's `gamma_branching_ratio` (−S·Γ_book / D,
 * positive for a short-gamma dealer, negative for a long-gamma one that
 * damps). Both feedbacks act through the same depth within a round, so to
 * first order their ratios add: ≤ 0 means the bar's cascade does not
 * converge.
 */
export function criticalityDistance(liquidationRatio: number, gammaRatio: number): number {
  return 1 - (liquidationRatio + gammaRatio);
}

/**
 * The amplification 1 / (1 − ratio) an exogenous step gets from a feedback
 * of this branching ratio (∞ at or above 1, where the cascade runs through
 * the ladder until it thins out).
 */
export function cascadeAmplification(ratio: number): number {
  return ratio < 1 ? 1 / (1 - ratio) : Infinity;
}
