/**
 * Static-arbitrage checks for power-law SSVI (Gatheral & Jacquier 2014).
 *
 * Conditions used, for the power law φ(θ) = η θ^{−γ} (1+θ)^{γ−1}:
 * - domain: |ρ| < 1, η ≥ 0 (η = 0: a flat smile), 0 < γ ≤ 1.
 * - calendar (G&J Theorem 4.1): θ_T non-decreasing (the term structures in
 *   termStructure.ts are by construction) and
 *   0 ≤ ∂(θφ)/∂θ ≤ (1/ρ²)(1 + sqrt(1−ρ²)) φ. For the power law
 *   θφ = η (θ/(1+θ))^{1−γ}, so ∂(θφ)/∂θ = φ (1−γ)/(1+θ): it is ≥ 0 for γ ≤ 1
 *   and ≤ φ < (1/ρ²)(1 + sqrt(1−ρ²)) φ for every |ρ| < 1. The calendar
 *   condition therefore reduces to the domain above; nothing more to check.
 * - butterfly (G&J Theorem 4.2), for every θ in use:
 *     A(θ) = θ φ(θ) (1+|ρ|) < 4   and   B(θ) = θ φ(θ)² (1+|ρ|) ≤ 4.
 *   A is increasing in θ, so its maximum on [θmin, θmax] is at θmax.
 *   log B has derivative (1−2γ)/θ − (2−2γ)/(1+θ), zero at θ* = 1 − 2γ, so
 *   B is unimodal and its maximum on the range is at clamp(θ*, θmin, θmax).
 *   Both maxima are closed forms, so the check is exact, not sampled.
 * - the global sufficient condition (G&J's remark on the power law of their
 *   eq. 4.5): γ ≤ 1/2 and η(1+|ρ|) ≤ 2 give A < 2 and B ≤ 4 for all θ > 0.
 *   Check: A = η(1+|ρ|)(θ/(1+θ))^{1−γ} < η(1+|ρ|) ≤ 2, and
 *   B = η²(1+|ρ|) (θ/(1+θ))^{1−2γ}/(1+θ) ≤ η²(1+|ρ|) ≤ 4/(1+|ρ|) ≤ 4.
 *   When it holds we report condition 'global' (valid whatever the ATM level
 *   does later); otherwise the range check is used and reported as 'range'.
 *
 * Parameters that break a condition are refused (ConfigError naming the
 * parameter and the inequality with its numbers) or, on request, clamped to
 * the nearest admissible value with each change reported.
 */
import { ConfigError } from '../core/errors.js';
import type { SsviParams } from './ssvi.js';

export type OnArbitrage = 'refuse' | 'clamp';

/** One parameter moved into the admissible region. */
export interface Clamp {
  readonly field: 'rho' | 'eta' | 'gamma';
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface AdmissibleParams {
  readonly params: SsviParams;
  /** Empty when the input was already admissible. */
  readonly clamps: readonly Clamp[];
  /** Which butterfly condition certifies the result (see file comment). */
  readonly condition: 'global' | 'range';
}

/** Range of ATM total variance the surface is used on; thetaMax may be Infinity. */
export interface ThetaRange {
  readonly thetaMin: number;
  readonly thetaMax: number;
}

/** Largest |ρ| a clamp produces: keeps 1 − ρ² away from 0 so the wings stay finite. */
export const RHO_MAX = 0.999;
/** Smallest γ a clamp produces. */
export const GAMMA_MIN = 1e-6;
/** A clamped η sits this fraction inside the bound so the strict inequality survives rounding. */
const ETA_MARGIN = 1e-9;

/** (θ/(1+θ))^p written to stay finite at θ = ∞. */
function ratioPow(theta: number, p: number): number {
  return Math.pow(1 / (1 + 1 / theta), p);
}

/** max over the range of θ^{1−2γ}(1+θ)^{2γ−2}, i.e. B(θ)/(η²(1+|ρ|)); Infinity when θmin = 0 and γ > 1/2. */
function maxB0(gamma: number, range: ThetaRange): { value: number; at: number } {
  const at = Math.min(Math.max(1 - 2 * gamma, range.thetaMin), range.thetaMax);
  if (at === 0) return { value: gamma > 0.5 ? Infinity : gamma === 0.5 ? 1 : 0, at };
  return { value: ratioPow(at, 1 - 2 * gamma) / (1 + at), at };
}

/** The butterfly quantities' maxima over the range, for messages and tests. */
export function butterflyMaxima(p: SsviParams, range: ThetaRange): { a: number; aAt: number; b: number; bAt: number } {
  const m = 1 + Math.abs(p.rho);
  const b0 = maxB0(p.gamma, range);
  return {
    a: p.eta * m * ratioPow(range.thetaMax, 1 - p.gamma),
    aAt: range.thetaMax,
    b: p.eta * p.eta * m * b0.value,
    bAt: b0.at,
  };
}

/** Largest η with both butterfly conditions met on the range (inside by ETA_MARGIN for the strict one). */
export function maxAdmissibleEta(rho: number, gamma: number, range: ThetaRange): number {
  const m = 1 + Math.abs(rho);
  const fromA = (4 / (m * ratioPow(range.thetaMax, 1 - gamma))) * (1 - ETA_MARGIN);
  const fromB = Math.sqrt(4 / (m * maxB0(gamma, range).value)) * (1 - ETA_MARGIN);
  return Math.min(fromA, fromB);
}

export function isGloballyAdmissible(p: SsviParams): boolean {
  return Math.abs(p.rho) < 1 && p.eta > 0 && p.gamma > 0 && p.gamma <= 0.5 && p.eta * (1 + Math.abs(p.rho)) <= 2;
}

/**
 * Validate SSVI parameters for use on a θ range; refuse or clamp.
 * `fieldPrefix` names where the parameters came from (e.g. 'surface' gives 'surface.eta').
 */
export function admitSsviParams(
  input: SsviParams,
  range: ThetaRange,
  opts: { onArbitrage: OnArbitrage; fieldPrefix?: string },
): AdmissibleParams {
  const prefix = opts.fieldPrefix ?? 'surface';
  const clampMode = opts.onArbitrage === 'clamp';
  const clamps: Clamp[] = [];
  for (const key of ['rho', 'eta', 'gamma'] as const) {
    if (!Number.isFinite(input[key])) {
      throw new ConfigError(`must be a finite number, got ${input[key]}`, { field: `${prefix}.${key}` });
    }
  }
  if (!(range.thetaMin >= 0) || !(range.thetaMax >= range.thetaMin) || Number.isNaN(range.thetaMax)) {
    throw new ConfigError(`θ range must satisfy 0 <= thetaMin <= thetaMax, got [${range.thetaMin}, ${range.thetaMax}]`, { field: `${prefix}.thetaRange` });
  }
  let { rho, eta, gamma } = input;

  const fix = (field: Clamp['field'], from: number, to: number, reason: string): number => {
    if (!clampMode) throw new ConfigError(reason, { field: `${prefix}.${field}` });
    clamps.push({ field, from, to, reason });
    return to;
  };

  if (!(Math.abs(rho) < 1)) rho = fix('rho', rho, Math.sign(rho) * RHO_MAX, `|ρ| < 1 violated: |ρ| = ${Math.abs(rho)}`);
  else if (clampMode && Math.abs(rho) > RHO_MAX) rho = fix('rho', rho, Math.sign(rho) * RHO_MAX, `|ρ| ≤ ${RHO_MAX} (clamp limit) exceeded: |ρ| = ${Math.abs(rho)}`);
  if (!(gamma > 0)) gamma = fix('gamma', gamma, GAMMA_MIN, `γ > 0 violated: γ = ${gamma}`);
  else if (gamma > 1) gamma = fix('gamma', gamma, 1, `γ ≤ 1 violated (∂(θφ)/∂θ < 0, calendar arbitrage, G&J Theorem 4.1): γ = ${gamma}`);
  if (!(eta >= 0)) {
    // η < 0 has no meaning; η = 0 is the flat smile (φ = 0, w(k) = θ), which the flat surface uses.
    eta = fix('eta', eta, 1e-8, `η ≥ 0 violated: η = ${eta}`);
  }

  if (isGloballyAdmissible({ rho, eta, gamma })) {
    return { params: { rho, eta, gamma }, clamps, condition: 'global' };
  }

  if (range.thetaMin === 0 && gamma > 0.5) {
    // B(θ) = η²(1+|ρ|) θ^{1−2γ}(1+θ)^{2γ−2} → ∞ as θ → 0 for γ > 1/2: no η works.
    gamma = fix(
      'gamma',
      gamma,
      0.5,
      `θφ(θ)²(1+|ρ|) ≤ 4 (G&J Theorem 4.2) fails as θ → 0 when γ > 1/2 and the range starts at θ = 0: γ = ${gamma}; give the surface a positive minimum expiry or use γ ≤ 1/2`,
    );
  }

  const m = 1 + Math.abs(rho);
  const mx = butterflyMaxima({ rho, eta, gamma }, range);
  if (!(mx.a < 4)) {
    const to = maxAdmissibleEta(rho, gamma, range);
    eta = fix(
      'eta',
      eta,
      to,
      `butterfly condition θφ(θ)(1+|ρ|) < 4 (G&J Theorem 4.2) violated at θ = ${fmt(mx.aAt)}: ` +
        `θφ(θ)(1+|ρ|) = ${fmt(mx.a)} ≥ 4 with η = ${fmt(eta)}, ρ = ${fmt(rho)}, γ = ${fmt(gamma)}, 1+|ρ| = ${fmt(m)}`,
    );
  }
  const mx2 = butterflyMaxima({ rho, eta, gamma }, range);
  if (!(mx2.b <= 4)) {
    const to = Math.min(eta, maxAdmissibleEta(rho, gamma, range));
    eta = fix(
      'eta',
      eta,
      to,
      `butterfly condition θφ(θ)²(1+|ρ|) ≤ 4 (G&J Theorem 4.2) violated at θ = ${fmt(mx2.bAt)}: ` +
        `θφ(θ)²(1+|ρ|) = ${fmt(mx2.b)} > 4 with η = ${fmt(eta)}, ρ = ${fmt(rho)}, γ = ${fmt(gamma)}`,
    );
  }
  return { params: { rho, eta, gamma }, clamps, condition: 'range' };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}
