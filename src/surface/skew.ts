/**
 * Skew measures read off a surface once per bar.
 *
 * Delta convention: Black-Scholes spot delta, premium not included,
 *   Δ_call = e^{−qT} N(d1),  Δ_put = −e^{−qT} N(−d1),
 *   d1 = −k/√w + √w/2,  k = ln(K/F),  w = σ(K)² T,
 * with σ(K) taken from the smile itself (the strike and its vol are solved
 * together). q is the dividend/carry yield (0 for crypto spot by default).
 * Under no static arbitrage d1 is strictly decreasing in k (Fukasawa 2012,
 * "The normalizing transformation of the implied volatility smile",
 * Math. Finance 22(4)), so the delta strike is unique and bisection finds it.
 */
import { ConfigError, NumericalError } from '../core/errors.js';
import { normInv } from '../pricing/normal.js';
import type { VolSurface } from '../sim/volSurface.js';

export interface DeltaOptions {
  /** Continuous dividend/carry yield per year for the e^{−qT} factor; default 0. */
  readonly dividendYield?: number;
}

/** d1 at log-moneyness k on the smile at `years`. */
function d1At(surface: VolSurface, k: number, years: number): number {
  const sw = Math.sqrt(surface.totalVariance(k, years));
  return -k / sw + 0.5 * sw;
}

/**
 * Log-moneyness k = ln(K/F) whose spot delta on the smile is `delta`
 * (in (0, e^{−qT}) for calls, (−e^{−qT}, 0) for puts; the sign picks the type).
 */
export function logMoneynessForDelta(surface: VolSurface, years: number, delta: number, opts: DeltaOptions = {}): number {
  if (!(years > 0)) throw new ConfigError(`delta strikes need years > 0, got ${years}`, { field: 'years' });
  const q = opts.dividendYield ?? 0;
  const df = Math.exp(-q * years);
  if (!(delta !== 0 && Math.abs(delta) < df)) {
    throw new ConfigError(`delta must be non-zero with |delta| < e^{−qT} = ${df}, got ${delta}`, { field: 'delta' });
  }
  // Call: N(d1) = Δ/df; put: N(−d1) = −Δ/df.
  const target = delta > 0 ? normInv(delta / df) : -normInv(-delta / df);
  // Bracket: d1 decreases in k; start at ± a few ATM standard deviations and widen.
  let width = Math.max(4 * Math.sqrt(surface.totalVariance(0, years)), 1e-6);
  let lo = -width;
  let hi = width;
  for (let i = 0; i < 200 && d1At(surface, lo, years) < target; i++) lo -= (width *= 2);
  width = Math.max(4 * Math.sqrt(surface.totalVariance(0, years)), 1e-6);
  for (let i = 0; i < 200 && d1At(surface, hi, years) > target; i++) hi += (width *= 2);
  if (!(d1At(surface, lo, years) >= target && d1At(surface, hi, years) <= target)) {
    throw new NumericalError(`could not bracket the ${delta} delta strike at ${years}y`, { field: 'delta' });
  }
  for (let i = 0; i < 200 && hi - lo > 1e-14 * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    if (d1At(surface, mid, years) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface RiskReversal {
  /** σ(25Δ call) − σ(25Δ put), decimal vol (negative = puts richer). */
  readonly rr: number;
  readonly callVol: number;
  readonly putVol: number;
  readonly callStrike: number;
  readonly putStrike: number;
}

/**
 * 25-delta risk reversal at `years` on forward F. At years ≤ 0 the surface is
 * flat at its ATM short-end limit, so rr = 0 and both strikes are F.
 */
export function riskReversal25(surface: VolSurface, forward: number, years: number, opts: DeltaOptions = {}): RiskReversal {
  if (!(forward > 0)) throw new ConfigError(`forward must be > 0, got ${forward}`, { field: 'forward' });
  if (!(years > 0)) {
    const v = surface.impliedVol(forward, forward, years);
    return { rr: 0, callVol: v, putVol: v, callStrike: forward, putStrike: forward };
  }
  const kc = logMoneynessForDelta(surface, years, 0.25, opts);
  const kp = logMoneynessForDelta(surface, years, -0.25, opts);
  const callVol = Math.sqrt(surface.totalVariance(kc, years) / years);
  const putVol = Math.sqrt(surface.totalVariance(kp, years) / years);
  return { rr: callVol - putVol, callVol, putVol, callStrike: forward * Math.exp(kc), putStrike: forward * Math.exp(kp) };
}

/**
 * Put-wing slope: dσ/dk at the 25-delta put (vol per unit of log-moneyness;
 * negative when the downside is bid). From w = σ²T: dσ/dk = w'(k) / (2 sqrt(w T)),
 * with w' by a central difference on the surface (step 1e-5: truncation
 * ~1e-10 relative, rounding ~1e-11), so it works for any VolSurface.
 */
export function putWingSlope(surface: VolSurface, forward: number, years: number, opts: DeltaOptions = {}): number {
  if (!(forward > 0)) throw new ConfigError(`forward must be > 0, got ${forward}`, { field: 'forward' });
  if (!(years > 0)) return 0;
  const k = logMoneynessForDelta(surface, years, -0.25, opts);
  const h = 1e-5;
  const slope = (surface.totalVariance(k + h, years) - surface.totalVariance(k - h, years)) / (2 * h);
  return slope / (2 * Math.sqrt(surface.totalVariance(k, years) * years));
}

/** Output of {@link skewMeasures}: decimal vols and dσ/dk. */
export interface SkewMeasures {
  rr25: number;
  putWingSlope: number;
}

/**
 * Both per-bar skew measures from two delta-strike solves (riskReversal25 and
 * putWingSlope each solve the 25Δ put again), written into a caller-owned
 * object: the engine's allocation-free form.
 */
export function skewMeasures(surface: VolSurface, years: number, opts: DeltaOptions, out: SkewMeasures): SkewMeasures {
  if (!(years > 0)) {
    out.rr25 = 0;
    out.putWingSlope = 0;
    return out;
  }
  const kc = logMoneynessForDelta(surface, years, 0.25, opts);
  const kp = logMoneynessForDelta(surface, years, -0.25, opts);
  const wp = surface.totalVariance(kp, years);
  out.rr25 = Math.sqrt(surface.totalVariance(kc, years) / years) - Math.sqrt(wp / years);
  const h = 1e-5;
  const slope = (surface.totalVariance(kp + h, years) - surface.totalVariance(kp - h, years)) / (2 * h);
  out.putWingSlope = slope / (2 * Math.sqrt(wp * years));
  return out;
}

/**
 * The engine's per-bar skew: {@link skewMeasures} with each delta strike
 * found by Newton from the previous bar's root, using the surface's
 * closed-form ∂w/∂k (d1' = −1/√w + w'·(k/(2w) + 1/4)/√w). From one bar to
 * the next the smile moves little, so two or three steps reach the root to
 * rounding; the bisection of {@link logMoneynessForDelta} (about fifty
 * probes) runs only on the first bar, after a non-finite or non-converging
 * Newton, or on a surface without the slope. The roots it starts from are
 * state (`kc`, `kp`): a rolled-back bar must start from the same place to
 * repeat bit for bit. Results agree with the bisection to its tolerance
 * (1e-14 relative in k; test/surface/skew.test.ts).
 */
export class SkewTracker {
  /** Last 25Δ call and put roots (log-moneyness); NaN before the first solve. */
  kc = Number.NaN;
  kp = Number.NaN;
  /** Newton steps taken and bisections run, for tests and benches. */
  newtonSteps = 0;
  bisections = 0;
  private cachedYears = Number.NaN;
  private cachedQ = Number.NaN;
  private targetCall = 0;
  private targetPut = 0;

  measure(surface: VolSurface, years: number, opts: DeltaOptions, out: SkewMeasures): SkewMeasures {
    if (!(years > 0)) {
      out.rr25 = 0;
      out.putWingSlope = 0;
      return out;
    }
    const q = opts.dividendYield ?? 0;
    if (years !== this.cachedYears || q !== this.cachedQ) {
      // The d1 targets depend on the tenor and carry only: one inverse CDF per change, not per bar.
      const df = Math.exp(-q * years);
      this.targetCall = normInv(0.25 / df);
      this.targetPut = -normInv(0.25 / df);
      this.cachedYears = years;
      this.cachedQ = q;
    }
    const kc = this.solve(surface, years, this.targetCall, this.kc, 0.25, opts);
    const kp = this.solve(surface, years, this.targetPut, this.kp, -0.25, opts);
    this.kc = kc;
    this.kp = kp;
    const wp = surface.totalVariance(kp, years);
    out.rr25 = Math.sqrt(surface.totalVariance(kc, years) / years) - Math.sqrt(wp / years);
    // The closed-form w' where the surface has it: the central difference of
    // skewMeasures carries ~1e-11 relative rounding noise that jumps with
    // the last bit of k, so only the exact slope is a function of the smile.
    const slope = surface.totalVarianceSlope !== undefined ? surface.totalVarianceSlope(kp, years) : (surface.totalVariance(kp + FD_STEP, years) - surface.totalVariance(kp - FD_STEP, years)) / (2 * FD_STEP);
    out.putWingSlope = slope / (2 * Math.sqrt(wp * years));
    return out;
  }

  private solve(surface: VolSurface, years: number, target: number, start: number, delta: number, opts: DeltaOptions): number {
    if (surface.totalVarianceSlope !== undefined && Number.isFinite(start)) {
      let k = start;
      for (let it = 0; it < NEWTON_MAX_STEPS; it++) {
        const w = surface.totalVariance(k, years);
        const sw = Math.sqrt(w);
        const f = -k / sw + 0.5 * sw - target;
        const dw = surface.totalVarianceSlope(k, years);
        const df = (-1 + dw * (k / (2 * w) + 0.25)) / sw;
        const step = f / df;
        if (!Number.isFinite(step)) break;
        k -= step;
        this.newtonSteps++;
        // Quadratic convergence: a step this small leaves an error far below one ulp of k.
        if (Math.abs(step) <= NEWTON_TOL * Math.max(1, Math.abs(k))) return k;
      }
    }
    this.bisections++;
    return logMoneynessForDelta(surface, years, delta, opts);
  }
}

/** Central-difference step of skewMeasures' w' (for surfaces without a closed-form slope). */
const FD_STEP = 1e-5;
/** Newton gives up (and bisects) after this many steps. */
const NEWTON_MAX_STEPS = 12;
/** A step below this (relative to max(1, |k|)) means the root is reached: the next would be under 1e-28. */
const NEWTON_TOL = 1e-14;
