/**
 * SSVI total implied variance (Gatheral & Jacquier 2014, "Arbitrage-free SVI
 * volatility surfaces", Quantitative Finance 14(1), eq. 4.1):
 *
 *   w(k, θ) = θ/2 · (1 + ρ φ(θ) k + sqrt((φ(θ) k + ρ)² + 1 − ρ²)),  k = ln(K/F),
 *
 * with the power-law φ of G&J eq. 4.5: φ(θ) = η / (θ^γ (1+θ)^(1−γ)).
 * Pure scalar kernels: no allocation, no validation (callers validate once,
 * see arbitrage.ts), so the per-bar batch loops stay cheap.
 */

/** The three shape parameters of an SSVI surface; the ATM level θ_T comes from a term structure. */
export interface SsviParams {
  /** Spot–vol correlation of the smile, |ρ| < 1; ρ < 0 tilts variance to the downside. */
  readonly rho: number;
  /** Power-law curvature level η > 0. */
  readonly eta: number;
  /** Power-law exponent γ in (0, 1]. */
  readonly gamma: number;
}

/** φ(θ) = η / (θ^γ (1+θ)^(1−γ)) (G&J eq. 4.5). */
export function phiPowerLaw(theta: number, eta: number, gamma: number): number {
  return eta / (Math.pow(theta, gamma) * Math.pow(1 + theta, 1 - gamma));
}

/**
 * w(k, θ) for a given φ = φ(θ). When ρ·(φk + ρ) < 0 the textbook form adds
 * two large terms of opposite sign (ρφk and the square root) far in the wing
 * where ρ is near ±1; there we use the algebraically equal form
 *   ρφk + s = ρz − ρ² + s,  ρz + s = (1 − ρ²)(z² + 1) / (s − ρz),  z = φk + ρ,
 * which has no cancellation. At k = 0 the textbook branch is taken, so
 * w(0, θ) = θ up to rounding.
 */
export function ssviTotalVariance(k: number, theta: number, phi: number, rho: number): number {
  const omr2 = (1 - rho) * (1 + rho);
  const z = phi * k + rho;
  const s = Math.sqrt(z * z + omr2);
  if (rho * z >= 0) return 0.5 * theta * (1 + rho * phi * k + s);
  return 0.5 * theta * (omr2 + (omr2 * (z * z + 1)) / (s - rho * z));
}

/** ∂w/∂k = θφ/2 · (ρ + z/s). */
export function ssviSlope(k: number, theta: number, phi: number, rho: number): number {
  const z = phi * k + rho;
  const s = Math.sqrt(z * z + (1 - rho) * (1 + rho));
  return 0.5 * theta * phi * (rho + z / s);
}

/** ∂²w/∂k² = θφ²/2 · (1 − ρ²) / s³. */
export function ssviCurvature(k: number, theta: number, phi: number, rho: number): number {
  const omr2 = (1 - rho) * (1 + rho);
  const z = phi * k + rho;
  const s = Math.sqrt(z * z + omr2);
  return (0.5 * theta * phi * phi * omr2) / (s * s * s);
}

/**
 * Durrleman's butterfly density condition (Gatheral & Jacquier 2014, Lemma 2.2):
 *   g(k) = (1 − k w'/(2w))² − (w'²/4)(1/w + 1/4) + w''/2,
 * and a smile is free of butterfly arbitrage iff g ≥ 0 everywhere (with w > 0).
 */
export function durrlemanG(k: number, theta: number, phi: number, rho: number): number {
  const w = ssviTotalVariance(k, theta, phi, rho);
  const w1 = ssviSlope(k, theta, phi, rho);
  const w2 = ssviCurvature(k, theta, phi, rho);
  const a = 1 - (k * w1) / (2 * w);
  return a * a - 0.25 * w1 * w1 * (1 / w + 0.25) + 0.5 * w2;
}
