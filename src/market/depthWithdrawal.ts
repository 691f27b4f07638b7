import { NumericalError } from '../core/errors.js';

/** Parameters of the liquidity-withdrawal factor. */
export interface DepthWithdrawalParams {
  /**
   * e in (σ_ref / σ)^e, >= 0: how fast depth leaves as realised vol rises.
   * 0 switches withdrawal off. No published default (assumption; sweep it):
   * 1 makes depth inversely proportional to vol.
   */
  elasticity: number;
  /** Floor on the factor, in (0, 1]: depth never falls below this share of base. */
  minScale: number;
  /**
   * s in (1 + stress)^(−s), >= 0: the hook for a stress signal (liquidation
   * velocity, drawdown; fed by a later issue). 0 ignores stress. Default 0.
   */
  stressElasticity: number;
}

/**
 * depthScale = clamp((σ_ref / σ)^e · (1 + stress)^(−s), minScale, 1).
 * Pure and allocation-free: the engine calls it once per bar.
 *
 * σ = 0 (no returns yet, a flat market) counts as calm. σ_ref is the calm
 * realised vol (same units as σ, e.g. per sqrt(year)); `stress` is a
 * dimensionless signal >= 0.
 */
export function depthScale(vol: number, volRef: number, stress: number, p: DepthWithdrawalParams): number {
  if (!(vol >= 0) || !Number.isFinite(vol)) throw new NumericalError(`realised vol must be finite and >= 0, got ${vol}`, { field: 'vol' });
  if (!(volRef > 0) || !Number.isFinite(volRef)) throw new NumericalError(`reference vol must be finite and > 0, got ${volRef}`, { field: 'volRef' });
  if (!(stress >= 0) || !Number.isFinite(stress)) throw new NumericalError(`stress must be finite and >= 0, got ${stress}`, { field: 'stress' });
  const volTerm = vol <= volRef ? 1 : Math.pow(volRef / vol, p.elasticity);
  const stressTerm = stress === 0 ? 1 : Math.pow(1 + stress, -p.stressElasticity);
  const s = volTerm * stressTerm;
  return s < p.minScale ? p.minScale : s > 1 ? 1 : s;
}
