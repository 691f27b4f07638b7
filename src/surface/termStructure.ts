/**
 * The ATM total-variance term structure θ_T = σ_atm(T)² T of an SSVI surface.
 * G&J Theorem 4.1 needs ∂θ_T/∂T ≥ 0 for the surface to be free of calendar
 * arbitrage, so every shape here is built from a non-negative forward
 * variance and is non-decreasing in T by construction.
 */
import { ConfigError } from '../core/errors.js';

/**
 * Shapes of the term structure.
 * - flat: σ_atm(T) is the same at every T; θ_T = σ² T.
 * - meanReverting: the forward ATM variance reverts from v0 to longRunVol²
 *   at rate kappa (per year), as in the expected integrated variance of a
 *   Heston variance process: θ_T = v∞ T + (v0 − v∞)(1 − e^{−κT})/κ. The ATM
 *   level given to the structure is the ATM vol at refYears (e.g. 30/365 for
 *   DVOL or VIX), and v0 is solved from it, so a spike in the index inverts
 *   the term structure the way real crashes do.
 * - table: θ at given expiries (e.g. from calibration), linear in T between
 *   them (through θ_0 = 0) and extended past the last expiry with the last
 *   segment's forward variance; the ATM level rescales the whole table.
 */
export type TermShape =
  | { readonly kind: 'flat' }
  | { readonly kind: 'meanReverting'; readonly refYears: number; readonly longRunVol: number; readonly kappa: number }
  | { readonly kind: 'table'; readonly refYears: number; readonly years: readonly number[]; readonly thetas: readonly number[] };

export class AtmTermStructure {
  private vol = 0;
  /** meanReverting: short-end variance v0 after solving for the ATM level. */
  private v0 = 0;
  /** table: multiplier on the table's θ so that the vol at refYears equals the ATM level. */
  private scale = 1;
  private readonly tableYears: Float64Array;
  private readonly tableThetas: Float64Array;
  /** True when the last setAtmVol could not be matched with non-negative forward variance and v0 was floored at 0. */
  floored = false;
  /** Incremented by every setAtmVol, so callers can cache θ_T safely. */
  version = 0;

  constructor(readonly shape: TermShape, atmVol: number) {
    if (shape.kind === 'meanReverting') {
      positive(shape.refYears, 'termStructure.refYears');
      positive(shape.longRunVol, 'termStructure.longRunVol');
      if (!(shape.kappa >= 0) || !Number.isFinite(shape.kappa)) {
        throw new ConfigError(`must be a finite number >= 0 (per year), got ${shape.kappa}`, { field: 'termStructure.kappa' });
      }
    }
    if (shape.kind === 'table') {
      positive(shape.refYears, 'termStructure.refYears');
      const n = shape.years.length;
      if (n === 0 || shape.thetas.length !== n) {
        throw new ConfigError(`years and thetas must be non-empty and of equal length, got ${n} and ${shape.thetas.length}`, { field: 'termStructure.thetas' });
      }
      let prevT = 0;
      let prevTheta = 0;
      for (let i = 0; i < n; i++) {
        const t = shape.years[i];
        const th = shape.thetas[i];
        if (!(t > prevT) || !Number.isFinite(t)) {
          throw new ConfigError(`expiries must be finite, positive and strictly increasing: years[${i}] = ${t} after ${prevT}`, { field: `termStructure.years[${i}]` });
        }
        if (!(th > 0) || !Number.isFinite(th) || th < prevTheta) {
          // Calendar arbitrage: G&J Theorem 4.1 needs θ non-decreasing in T.
          throw new ConfigError(`θ must be positive and non-decreasing in T (no calendar arbitrage): thetas[${i}] = ${th} after ${prevTheta}`, { field: `termStructure.thetas[${i}]` });
        }
        prevT = t;
        prevTheta = th;
      }
    }
    this.tableYears = Float64Array.from(shape.kind === 'table' ? shape.years : []);
    this.tableThetas = Float64Array.from(shape.kind === 'table' ? shape.thetas : []);
    this.setAtmVol(atmVol);
  }

  /** The ATM level the structure was last set to (vol, not points). */
  get atmVol(): number {
    return this.vol;
  }

  /** Re-level the structure; called once per bar by the dynamics. */
  setAtmVol(atmVol: number): void {
    positive(atmVol, 'atmVol');
    this.vol = atmVol;
    this.floored = false;
    this.version++;
    const shape = this.shape;
    if (shape.kind === 'meanReverting') {
      const vInf = shape.longRunVol * shape.longRunVol;
      const b = decayIntegral(shape.kappa, shape.refYears);
      const v0 = vInf + ((atmVol * atmVol - vInf) * shape.refYears) / b;
      // v0 < 0 would mean negative forward variance at the short end (θ decreasing):
      // the requested 'refYears' level is below what this long-run vol allows.
      this.floored = v0 < 0;
      this.v0 = Math.max(0, v0);
    } else if (shape.kind === 'table') {
      this.scale = 1;
      const base = this.theta(shape.refYears) / shape.refYears;
      this.scale = (atmVol * atmVol) / base;
    }
  }

  /** θ_T; defined as 0 for T ≤ 0. */
  theta(years: number): number {
    if (!(years > 0)) return 0;
    const shape = this.shape;
    if (shape.kind === 'flat') return this.vol * this.vol * years;
    if (shape.kind === 'meanReverting') {
      const vInf = shape.longRunVol * shape.longRunVol;
      return vInf * years + (this.v0 - vInf) * decayIntegral(shape.kappa, years);
    }
    const ys = this.tableYears;
    const ts = this.tableThetas;
    const n = ys.length;
    let i = 0;
    while (i < n && ys[i] < years) i++;
    if (i === 0) return this.scale * ts[0] * (years / ys[0]);
    // Past the last expiry keep the last segment's forward variance (θ stays increasing).
    if (i === n) i = n - 1;
    const t0 = i === 0 ? 0 : ys[i - 1];
    const th0 = i === 0 ? 0 : ts[i - 1];
    return this.scale * (th0 + ((ts[i] - th0) * (years - t0)) / (ys[i] - t0));
  }

  /** lim_{T→0+} θ_T / T: the squared ATM vol at the short end, used for T ≤ 0 queries. */
  shortEndVariance(): number {
    const shape = this.shape;
    if (shape.kind === 'flat') return this.vol * this.vol;
    if (shape.kind === 'meanReverting') return this.v0;
    return (this.scale * this.tableThetas[0]) / this.tableYears[0];
  }
}

/**
 * ∫_0^T e^{−κt} dt = (1 − e^{−κT})/κ. For tiny κT (including subnormal κ, where
 * the quotient underflows to 0/κ) the Taylor series T(1 − x/2 + x²/6), x = κT,
 * is exact to rounding (next term x³/24 < 1e-33 for x < 1e-8).
 */
function decayIntegral(kappa: number, years: number): number {
  const x = kappa * years;
  if (x < 1e-8) return years * (1 - x / 2 + (x * x) / 6);
  return -Math.expm1(-x) / kappa;
}

function positive(x: number, field: string): void {
  if (!(x > 0) || !Number.isFinite(x)) throw new ConfigError(`must be a finite number > 0, got ${x}`, { field });
}

/**
 * The ATM level for the surface (docs/model.md#atm-level-and-term-structure): the implied-vol index when the
 * data has one (DVOL, VIX, in vol points, so 65.7 means 0.657), otherwise
 * realised vol times a premium (implied usually trades above realised).
 * A missing index is undefined or NaN (how gaps arrive from an IvSeries).
 */
export function atmVolFrom(input: { ivIndexPoints?: number; realisedVol: number; premium: number }): number {
  const { ivIndexPoints, realisedVol, premium } = input;
  if (ivIndexPoints !== undefined && !Number.isNaN(ivIndexPoints)) {
    if (!(ivIndexPoints > 0) || !Number.isFinite(ivIndexPoints)) {
      throw new ConfigError(`implied-vol index must be > 0 vol points, got ${ivIndexPoints}`, { field: 'ivIndexPoints' });
    }
    return ivIndexPoints / 100;
  }
  if (!(premium > 0) || !Number.isFinite(premium)) {
    throw new ConfigError(`must be a finite number > 0 (multiplier on realised vol), got ${premium}`, { field: 'premium' });
  }
  if (!(realisedVol > 0) || !Number.isFinite(realisedVol)) {
    throw new ConfigError(`must be a finite number > 0 when no implied-vol index is available, got ${realisedVol}`, { field: 'realisedVol' });
  }
  return realisedVol * premium;
}
