/**
 * Least-squares calibration of power-law SSVI to an option chain.
 *
 * Unknowns: ρ, η, γ and one ATM total variance θ_i per expiry, either taken
 * from the quotes at the money ('atm') or fitted with the rest ('fit').
 * Residuals: model vol − quoted vol (decimal), times sqrt(weight).
 *
 * The fit runs in an unconstrained space mapped onto admissible parameters,
 * so no iterate is ever arbitrageable (G&J 2014 Theorems 4.1 and 4.2):
 *   ρ = RHO_MAX · tanh(a)
 *   γ = GAMMA_MIN + (1 − GAMMA_MIN) · logistic(c)
 *   η = η_max(ρ, γ, θ range) · logistic(b)       (arbitrage.ts)
 *   θ_1 = exp(y_1),  θ_i = θ_{i−1} + exp(y_i)    ('fit': non-decreasing in T)
 * The θ range certified is the one a surface built from the result is used
 * on: the table term structure extended to [minYears, maxYears].
 * Start: the best of a fixed grid of (ρ, γ, η) points, then
 * Levenberg–Marquardt; deterministic.
 */
import { ConfigError, DataError } from '../core/errors.js';
import { admitSsviParams, GAMMA_MIN, maxAdmissibleEta, RHO_MAX } from './arbitrage.js';
import type { ThetaRange } from './arbitrage.js';
import type { ChainQuote } from './chain.js';
import { levenbergMarquardt } from './lm.js';
import { phiPowerLaw, ssviTotalVariance } from './ssvi.js';
import type { SsviParams } from './ssvi.js';
import { DEFAULT_MAX_YEARS, DEFAULT_MIN_YEARS } from './surface.js';
import type { SsviSurfaceConfig } from './surface.js';

export interface CalibrationOptions {
  /** 'fit' (default): θ per expiry is a free parameter; 'atm': θ from the ATM quotes, held fixed. */
  readonly theta?: 'fit' | 'atm';
  /** Forward for quotes that carry none. */
  readonly forward?: number;
  /** Expiry range the result must be arbitrage-free on (defaults as SsviSurface). */
  readonly minYears?: number;
  readonly maxYears?: number;
  readonly maxIterations?: number;
  /** Name of the chain in error messages. */
  readonly file?: string;
}

export interface CalibrationResult {
  readonly params: SsviParams;
  /** Distinct expiries, ascending. */
  readonly expiries: Float64Array;
  /** Fitted (or ATM) θ per expiry, non-decreasing. */
  readonly thetas: Float64Array;
  /** Forward per expiry. */
  readonly forwards: Float64Array;
  /** Model − quote per quote in input order, in vol points (1 = 0.01 vol). */
  readonly residualsVolPoints: Float64Array;
  /** Root mean square of the (unweighted) residuals, vol points. */
  readonly rmseVolPoints: number;
  readonly maxAbsErrorVolPoints: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Butterfly condition certifying the result (see arbitrage.ts). */
  readonly condition: 'global' | 'range';
  /** Ready to pass to `new SsviSurface(...)` (table term structure through the fitted θ). */
  readonly surfaceConfig: SsviSurfaceConfig;
}

interface Prepared {
  readonly expiries: Float64Array;
  readonly forwards: Float64Array;
  /** Per quote: expiry index, log-moneyness, quoted vol, sqrt weight. */
  readonly expiryOf: Int32Array;
  readonly k: Float64Array;
  readonly iv: Float64Array;
  readonly sw: Float64Array;
  readonly years: Float64Array;
}

function prepare(quotes: readonly ChainQuote[], opts: CalibrationOptions): Prepared {
  const file = opts.file ?? '<chain>';
  if (quotes.length === 0) throw new DataError('no quotes to calibrate to', { file });
  const expiryList = [...new Set(quotes.map((q) => q.years))].sort((x, y) => x - y);
  const forwards = new Float64Array(expiryList.length).fill(NaN);
  const m = quotes.length;
  const prep: Prepared = {
    expiries: Float64Array.from(expiryList),
    forwards,
    expiryOf: new Int32Array(m),
    k: new Float64Array(m),
    iv: new Float64Array(m),
    sw: new Float64Array(m),
    years: new Float64Array(m),
  };
  quotes.forEach((q, i) => {
    const where = { file, line: i + 1 };
    if (!(q.years > 0) || !Number.isFinite(q.years)) throw new DataError(`expiry must be > 0 years, got ${q.years}`, { ...where, field: 'years' });
    if (!(q.strike > 0) || !Number.isFinite(q.strike)) throw new DataError(`strike must be > 0, got ${q.strike}`, { ...where, field: 'strike' });
    if (!(q.iv > 0) || !Number.isFinite(q.iv)) throw new DataError(`implied vol must be > 0, got ${q.iv}`, { ...where, field: 'iv' });
    const w = q.weight ?? 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new DataError(`weight must be >= 0, got ${w}`, { ...where, field: 'weight' });
    const e = expiryList.indexOf(q.years);
    const f = q.forward ?? opts.forward;
    if (f === undefined) throw new DataError('quote has no forward and no default forward was given', { ...where, field: 'forward' });
    if (!(f > 0) || !Number.isFinite(f)) throw new DataError(`forward must be > 0, got ${f}`, { ...where, field: 'forward' });
    if (Number.isNaN(forwards[e])) forwards[e] = f;
    else if (Math.abs(forwards[e] - f) > 1e-12 * f) {
      throw new DataError(`forward ${f} differs from ${forwards[e]} given earlier for the same expiry ${q.years}`, { ...where, field: 'forward' });
    }
    prep.expiryOf[i] = e;
    prep.k[i] = Math.log(q.strike / f);
    prep.iv[i] = q.iv;
    prep.sw[i] = Math.sqrt(w);
    prep.years[i] = q.years;
  });
  return prep;
}

/**
 * ATM total variance per expiry from the quotes: total variance interpolated
 * linearly in k between the two quotes that bracket k = 0, or extrapolated
 * from the two nearest when all lie on one side (a single quote is used as is).
 */
export function atmThetas(prep: Pick<Prepared, 'expiries' | 'expiryOf' | 'k' | 'iv' | 'years'>): Float64Array {
  const out = new Float64Array(prep.expiries.length);
  for (let e = 0; e < prep.expiries.length; e++) {
    const pts: [number, number][] = [];
    for (let i = 0; i < prep.k.length; i++) if (prep.expiryOf[i] === e) pts.push([prep.k[i], prep.iv[i] * prep.iv[i] * prep.years[i]]);
    pts.sort((p, q) => p[0] - q[0]);
    let j = pts.findIndex((p) => p[0] >= 0);
    if (pts.length === 1) {
      out[e] = pts[0][1];
      continue;
    }
    if (j <= 0) j = j === 0 ? 1 : pts.length - 1;
    const [k0, w0] = pts[j - 1];
    const [k1, w1] = pts[j];
    out[e] = k1 === k0 ? 0.5 * (w0 + w1) : w0 + ((w1 - w0) * (0 - k0)) / (k1 - k0);
  }
  return out;
}

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));

/** θ range certified: the table term structure (linear through 0, last slope beyond) at minYears and maxYears. */
function certifiedRange(expiries: Float64Array, thetas: Float64Array, minYears: number, maxYears: number): ThetaRange {
  const n = expiries.length;
  const lo = minYears < expiries[0] ? (thetas[0] * minYears) / expiries[0] : thetas[0];
  const slope = n > 1 ? (thetas[n - 1] - thetas[n - 2]) / (expiries[n - 1] - expiries[n - 2]) : thetas[0] / expiries[0];
  const hi = maxYears > expiries[n - 1] ? thetas[n - 1] + slope * (maxYears - expiries[n - 1]) : thetas[n - 1];
  return { thetaMin: Math.min(lo, thetas[0]), thetaMax: Math.max(hi, thetas[n - 1]) };
}

export function calibrateSsvi(quotes: readonly ChainQuote[], opts: CalibrationOptions = {}): CalibrationResult {
  const prep = prepare(quotes, opts);
  const minYears = opts.minYears ?? DEFAULT_MIN_YEARS;
  const maxYears = opts.maxYears ?? DEFAULT_MAX_YEARS;
  if (!(minYears > 0) || !(maxYears > minYears)) {
    throw new ConfigError(`need 0 < minYears < maxYears, got ${minYears}, ${maxYears}`, { field: 'calibration.maxYears' });
  }
  const mode = opts.theta ?? 'fit';
  const ne = prep.expiries.length;
  const atm = atmThetas(prep);
  for (let e = 1; e < ne; e++) {
    if (mode === 'atm' && atm[e] < atm[e - 1]) {
      throw new DataError(
        `ATM total variance falls from ${atm[e - 1]} at ${prep.expiries[e - 1]}y to ${atm[e]} at ${prep.expiries[e]}y (calendar arbitrage in the quotes); use theta: 'fit'`,
        { file: opts.file ?? '<chain>', field: 'iv' },
      );
    }
  }
  const nParams = 3 + (mode === 'fit' ? ne : 0);
  const thetas = Float64Array.from(atm);
  let rho = 0;
  let eta = 0;
  let gamma = 0.5;

  const decode = (x: Float64Array): void => {
    rho = RHO_MAX * Math.tanh(x[0]);
    gamma = GAMMA_MIN + (1 - GAMMA_MIN) * logistic(x[2]);
    if (mode === 'fit') {
      let acc = 0;
      for (let e = 0; e < ne; e++) {
        acc += Math.exp(x[3 + e]);
        thetas[e] = acc;
      }
    }
    const range = certifiedRange(prep.expiries, thetas, minYears, maxYears);
    eta = maxAdmissibleEta(rho, gamma, range) * logistic(x[1]);
  };
  const phis = new Float64Array(ne);
  const m = prep.k.length;
  const problem = {
    n: nParams,
    m,
    residuals(x: Float64Array, out: Float64Array): void {
      decode(x);
      for (let e = 0; e < ne; e++) phis[e] = phiPowerLaw(thetas[e], eta, gamma);
      for (let i = 0; i < m; i++) {
        const e = prep.expiryOf[i];
        const w = ssviTotalVariance(prep.k[i], thetas[e], phis[e], rho);
        out[i] = prep.sw[i] * (Math.sqrt(w / prep.years[i]) - prep.iv[i]);
      }
    },
  };

  // Start: θ from the ATM quotes (made non-decreasing), shape from a fixed grid.
  const x = new Float64Array(nParams);
  if (mode === 'fit') {
    let prev = 0;
    for (let e = 0; e < ne; e++) {
      const th = Math.max(atm[e], prev * (1 + 1e-6), 1e-12);
      x[3 + e] = Math.log(th - prev);
      prev = th;
    }
  }
  const r = new Float64Array(m);
  let best = Infinity;
  const bestX = Float64Array.from(x);
  for (const rho0 of [-0.8, -0.5, -0.2, 0, 0.3, 0.6]) {
    for (const g0 of [0.2, 0.4, 0.6]) {
      for (const p0 of [0.1, 0.4, 0.8]) {
        x[0] = Math.atanh(rho0 / RHO_MAX);
        x[1] = logit(p0);
        x[2] = logit((g0 - GAMMA_MIN) / (1 - GAMMA_MIN));
        problem.residuals(x, r);
        let c = 0;
        for (let i = 0; i < m; i++) c += r[i] * r[i];
        if (c < best) {
          best = c;
          bestX.set(x);
        }
      }
    }
  }
  const fit = levenbergMarquardt(problem, bestX, { maxIterations: opts.maxIterations ?? 300 });
  problem.residuals(fit.x, r); // leaves rho, eta, gamma, thetas at the solution

  // Belt and braces: the reparameterization should make this a no-op.
  const range = certifiedRange(prep.expiries, thetas, minYears, maxYears);
  const admitted = admitSsviParams({ rho, eta, gamma }, range, { onArbitrage: 'refuse', fieldPrefix: 'calibration' });

  const residualsVolPoints = new Float64Array(m);
  let ss = 0;
  let maxAbs = 0;
  for (let i = 0; i < m; i++) {
    const e = prep.expiryOf[i];
    const w = ssviTotalVariance(prep.k[i], thetas[e], phiPowerLaw(thetas[e], eta, gamma), rho);
    const d = 100 * (Math.sqrt(w / prep.years[i]) - prep.iv[i]);
    residualsVolPoints[i] = d;
    ss += d * d;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  const refYears = prep.expiries[0];
  return {
    params: admitted.params,
    expiries: prep.expiries,
    thetas: Float64Array.from(thetas),
    forwards: prep.forwards,
    residualsVolPoints,
    rmseVolPoints: Math.sqrt(ss / m),
    maxAbsErrorVolPoints: maxAbs,
    iterations: fit.iterations,
    converged: fit.converged,
    condition: admitted.condition,
    surfaceConfig: {
      params: admitted.params,
      term: { kind: 'table', refYears, years: Array.from(prep.expiries), thetas: Array.from(thetas) },
      atmVol: Math.sqrt(thetas[0] / refYears),
      minYears,
      maxYears,
      onArbitrage: 'refuse',
    },
  };
}
