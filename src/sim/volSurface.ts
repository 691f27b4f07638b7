/**
 * The implied-volatility surface as every participant reads it. src/surface/
 * implements it (SSVI and its crash dynamics); agents see only this.
 */
export interface VolSurface {
  /** Black implied vol for strike K on forward F at `years`; years ≤ 0 gives the ATM short-end limit. */
  impliedVol(strike: number, forward: number, years: number): number;
  /** Same as impliedVol element-wise into `out`; allocates nothing. */
  impliedVolBatch(strikes: Float64Array, forwards: Float64Array | number, years: Float64Array, out: Float64Array): void;
  /** Total implied variance w = σ² T at log-moneyness k = ln(K/F); 0 for years ≤ 0. */
  totalVariance(k: number, years: number): number;
  /**
   * Optional, for surfaces that are SSVI slices: writes into `out` the ATM
   * total variance θ at `years` (> 0), φ(θ), the correlation ρ and the
   * log-moneyness shift s, such that impliedVol(K, F, T)² T equals
   * w(ln(K/F) + s) of the SSVI formula. Lets a valuation compute the vols of
   * a whole book in one pass (the WASM kernel). Allocates nothing.
   */
  ssviSlice?(years: number, out: Float64Array): void;
  /**
   * ∂w/∂k at log-moneyness k, where the surface has it in closed form. Optional:
   * a root-finder uses it for Newton steps and bisects without it.
   */
  totalVarianceSlope?(k: number, years: number): number;
}
