/**
 * The VolSurface interface the engine calls every bar, and its SSVI
 * implementation (power-law φ over an ATM term structure).
 */
import type { VolSurface } from '../sim/volSurface.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';
import { ConfigError, NumericalError } from '../core/errors.js';
import { TENOR_DAYS_PER_YEAR } from '../core/time.js';
import { admitSsviParams } from './arbitrage.js';
import type { AdmissibleParams, Clamp, OnArbitrage } from './arbitrage.js';
import { phiPowerLaw, ssviSlope, ssviTotalVariance } from './ssvi.js';
import type { SsviParams } from './ssvi.js';
import { AtmTermStructure } from './termStructure.js';
import type { TermShape } from './termStructure.js';

/** Implied volatility as a function of strike, forward and time; vols are annualized decimals (0.6 = 60%). */

export interface SsviSurfaceConfig {
  readonly params: SsviParams;
  readonly term: TermShape;
  /** ATM vol level (decimal) handed to the term structure; see atmVolFrom. */
  readonly atmVol: number;
  /**
   * Expiry range (years) on which the butterfly conditions are checked.
   * Outside it φ is frozen in a way that keeps the surface arbitrage-free
   * (see effectivePhi). Defaults: one hour to five years.
   */
  readonly minYears?: number;
  readonly maxYears?: number;
  /** Default 'refuse'. */
  readonly onArbitrage?: OnArbitrage;
}

export const DEFAULT_MIN_YEARS = 1 / (TENOR_DAYS_PER_YEAR * 24);
export const DEFAULT_MAX_YEARS = 5;

/** What an update changed to stay arbitrage-free. */
export interface SurfaceAdmission extends AdmissibleParams {
  /** True when the term structure had to floor its short-end variance at 0 (see AtmTermStructure.floored). */
  readonly termFloored: boolean;
}

/** Marker admission for updateBar's fast path; `params` then reads the live fields. */
const GLOBAL_ADMISSION: SurfaceAdmission = { params: { rho: NaN, eta: NaN, gamma: NaN }, clamps: [], condition: 'global', termFloored: false };
/**
 * Marker set by loadState when the restored update went through the
 * projection: its report is rebuilt from the saved request on first read,
 * so loading allocates nothing.
 */
const PENDING_ADMISSION: SurfaceAdmission = { params: { rho: NaN, eta: NaN, gamma: NaN }, clamps: [], condition: 'global', termFloored: false };

/** How the admission in force was made, as saved (0: updateBar's global fast path). */
const ADMIT_GLOBAL = 0;
const ADMIT_REFUSE = 1;
const ADMIT_CLAMP = 2;

export class SsviSurface extends Stateful implements VolSurface {
  readonly term: AtmTermStructure;
  readonly minYears: number;
  readonly maxYears: number;
  private rho = 0;
  private eta = 0;
  private gamma = 0.5;
  private thetaLo = 0;
  private thetaHi = 0;
  private phiLo = 0;
  private thetaPhiHi = 0;
  private admission!: SurfaceAdmission;
  /** One-entry memo of (years → θ, φ): a book has many strikes per expiry, and θ, φ cost an exp and two pows. */
  private memoYears = NaN;
  private memoTheta = 0;
  private memoPhi = 0;
  private memoVersion = -1;
  /** The last update's request (before projection) and its mode, so a restored admission report can be rebuilt exactly. */
  private reqRho = NaN;
  private reqEta = NaN;
  private reqGamma = NaN;
  private reqMode = ADMIT_GLOBAL;

  constructor(cfg: SsviSurfaceConfig) {
    super();
    this.minYears = cfg.minYears ?? DEFAULT_MIN_YEARS;
    this.maxYears = cfg.maxYears ?? DEFAULT_MAX_YEARS;
    if (!(this.minYears > 0) || !(this.maxYears > this.minYears) || !Number.isFinite(this.maxYears)) {
      throw new ConfigError(`need 0 < minYears < maxYears < ∞, got minYears = ${this.minYears}, maxYears = ${this.maxYears}`, { field: 'surface.maxYears' });
    }
    this.term = new AtmTermStructure(cfg.term, cfg.atmVol);
    this.update(cfg.params, cfg.atmVol, cfg.onArbitrage ?? 'refuse');
  }

  /**
   * Re-level and re-shape the surface (once per bar at most). The θ range
   * moves with the ATM level, so admissibility is re-checked every time.
   */
  update(params: SsviParams, atmVol: number, onArbitrage: OnArbitrage): SurfaceAdmission {
    const previousVol = this.term.atmVol;
    if (atmVol !== previousVol) this.term.setAtmVol(atmVol);
    const thetaLo = this.term.theta(this.minYears);
    const thetaHi = this.term.theta(this.maxYears);
    let admitted: AdmissibleParams;
    try {
      if (!(thetaLo > 0)) {
        throw new ConfigError(`ATM total variance at minYears = ${this.minYears} is ${thetaLo}; the term structure gives no variance at the short end`, { field: 'surface.atmVol' });
      }
      admitted = admitSsviParams(params, { thetaMin: thetaLo, thetaMax: thetaHi }, { onArbitrage });
    } catch (err) {
      // A refused update leaves the surface as it was (the level included).
      if (previousVol > 0 && atmVol !== previousVol) this.term.setAtmVol(previousVol);
      throw err;
    }
    this.rho = admitted.params.rho;
    this.eta = admitted.params.eta;
    this.gamma = admitted.params.gamma;
    this.thetaLo = thetaLo;
    this.thetaHi = thetaHi;
    this.phiLo = phiPowerLaw(thetaLo, this.eta, this.gamma);
    this.thetaPhiHi = thetaHi * phiPowerLaw(thetaHi, this.eta, this.gamma);
    this.admission = { ...admitted, termFloored: this.term.floored };
    this.reqRho = params.rho;
    this.reqEta = params.eta;
    this.reqGamma = params.gamma;
    this.reqMode = onArbitrage === 'clamp' ? ADMIT_CLAMP : ADMIT_REFUSE;
    this.memoYears = NaN;
    return this.admission;
  }

  /**
   * The per-bar form of {@link update} for the engine: no allocation when the
   * parameters satisfy the global no-butterfly condition (γ ≤ ½ and
   * η(1+|ρ|) ≤ 2, the common case); otherwise it projects them exactly as
   * update(…, 'clamp') does. Returns true when a clamp was needed.
   */
  updateBar(rho: number, eta: number, gamma: number, atmVol: number): boolean {
    const globallyOk = Math.abs(rho) < 1 && eta > 0 && gamma > 0 && gamma <= 0.5 && eta * (1 + Math.abs(rho)) <= 2;
    if (!globallyOk) {
      const adm = this.update({ rho, eta, gamma }, atmVol, 'clamp');
      return adm.clamps.length > 0;
    }
    if (atmVol !== this.term.atmVol) this.term.setAtmVol(atmVol);
    const thetaLo = this.term.theta(this.minYears);
    if (!(thetaLo > 0)) {
      const adm = this.update({ rho, eta, gamma }, atmVol, 'clamp'); // throws the located error
      return adm.clamps.length > 0;
    }
    const thetaHi = this.term.theta(this.maxYears);
    this.rho = rho;
    this.eta = eta;
    this.gamma = gamma;
    this.thetaLo = thetaLo;
    this.thetaHi = thetaHi;
    this.phiLo = phiPowerLaw(thetaLo, eta, gamma);
    this.thetaPhiHi = thetaHi * phiPowerLaw(thetaHi, eta, gamma);
    this.admission = GLOBAL_ADMISSION;
    this.reqMode = ADMIT_GLOBAL;
    this.memoYears = NaN;
    return false;
  }

  get params(): SsviParams {
    return { rho: this.rho, eta: this.eta, gamma: this.gamma };
  }

  get lastAdmission(): SurfaceAdmission {
    if (this.admission === GLOBAL_ADMISSION) return { params: this.params, clamps: [], condition: 'global', termFloored: this.term.floored };
    return this.currentAdmission();
  }

  /** Clamps made by the last update (empty when the parameters were admissible as given). */
  get clamps(): readonly Clamp[] {
    return this.currentAdmission().clamps;
  }

  private currentAdmission(): SurfaceAdmission {
    if (this.admission === PENDING_ADMISSION) {
      // The same pure projection on the same request and θ range as the
      // update that was saved, so the report is the one that update made.
      const admitted = admitSsviParams(
        { rho: this.reqRho, eta: this.reqEta, gamma: this.reqGamma },
        { thetaMin: this.thetaLo, thetaMax: this.thetaHi },
        { onArbitrage: this.reqMode === ADMIT_CLAMP ? 'clamp' : 'refuse' },
      );
      this.admission = { ...admitted, termFloored: this.term.floored };
    }
    return this.admission;
  }

  /**
   * Everything an update changes: the parameters in force, the θ range, the
   * ATM level, how the admission was made and the last request. The term
   * structure is saved as its ATM level only: its other fields are a pure
   * function of that level, so a load re-levels it. The θ/φ memo is dropped,
   * not saved (it caches a pure function of the saved fields).
   */
  protected describeState(): Saveable {
    const levelAndAdmission: Saveable = {
      stateSize: 2,
      saveState: (buf, o) => {
        buf[o] = this.term.atmVol;
        buf[o + 1] = this.admission === GLOBAL_ADMISSION ? ADMIT_GLOBAL : this.reqMode;
      },
      loadState: (buf, o) => {
        const vol = buf[o];
        if (vol !== this.term.atmVol) this.term.setAtmVol(vol);
        const mode = buf[o + 1];
        this.reqMode = mode;
        this.admission = mode === ADMIT_GLOBAL ? GLOBAL_ADMISSION : PENDING_ADMISSION;
        this.memoYears = NaN;
      },
    };
    return stateOf(
      ownScalars(this, ['rho', 'eta', 'gamma', 'thetaLo', 'thetaHi', 'phiLo', 'thetaPhiHi']),
      levelAndAdmission,
      ownScalars(this, ['reqRho', 'reqEta', 'reqGamma']),
    );
  }

  thetaAt(years: number): number {
    return this.term.theta(years);
  }

  /**
   * φ used at θ. Inside [θ(minYears), θ(maxYears)] it is the power law. Below,
   * φ is held at φ(θlo): then θφ = θ φ(θlo) is increasing with slope φ ≤
   * (1/ρ²)(1+sqrt(1−ρ²))φ (calendar, G&J Thm 4.1) and θφ² ≤ θlo φ(θlo)²,
   * θφ ≤ θlo φ(θlo) (butterfly, Thm 4.2 holds where it held at θlo). Above,
   * θφ is held at θhi φ(θhi): ∂(θφ)/∂θ = 0 and θφ² = (θhiφ(θhi))²/θ falls.
   * So the checked range certifies the whole surface, and φ is continuous.
   */
  effectivePhi(theta: number): number {
    if (theta < this.thetaLo) return this.phiLo;
    if (theta > this.thetaHi) return this.thetaPhiHi / theta;
    return phiPowerLaw(theta, this.eta, this.gamma);
  }

  totalVariance(k: number, years: number): number {
    if (!(years > 0)) return 0;
    if (years !== this.memoYears || this.term.version !== this.memoVersion) {
      this.memoTheta = this.term.theta(years);
      this.memoPhi = this.effectivePhi(this.memoTheta);
      this.memoYears = years;
      this.memoVersion = this.term.version;
    }
    return ssviTotalVariance(k, this.memoTheta, this.memoPhi, this.rho);
  }

  ssviSlice(years: number, out: Float64Array): void {
    // The same θ and φ as totalVariance's memo computes (same calls, same bits).
    const theta = this.term.theta(years);
    out[0] = theta;
    out[1] = this.effectivePhi(theta);
    out[2] = this.rho;
    out[3] = 0;
  }

  /** ∂w/∂k in closed form (the same memoised θ and φ as totalVariance). */
  totalVarianceSlope(k: number, years: number): number {
    if (!(years > 0)) return 0;
    if (years !== this.memoYears || this.term.version !== this.memoVersion) this.totalVariance(k, years);
    return ssviSlope(k, this.memoTheta, this.memoPhi, this.rho);
  }

  impliedVol(strike: number, forward: number, years: number): number {
    if (!(strike > 0) || !(forward > 0)) {
      throw new NumericalError(`implied vol needs strike > 0 and forward > 0, got strike = ${strike}, forward = ${forward}`, { field: 'strike' });
    }
    if (!(years > 0)) return Math.sqrt(this.term.shortEndVariance());
    return Math.sqrt(this.totalVariance(Math.log(strike / forward), years) / years);
  }

  impliedVolBatch(strikes: Float64Array, forwards: Float64Array | number, years: Float64Array, out: Float64Array): void {
    const n = strikes.length;
    if (years.length !== n || out.length < n || (typeof forwards !== 'number' && forwards.length !== n)) {
      throw new NumericalError(`impliedVolBatch length mismatch: strikes ${n}, years ${years.length}, out ${out.length}, forwards ${typeof forwards === 'number' ? 'scalar' : forwards.length}`);
    }
    if (typeof forwards === 'number') {
      for (let i = 0; i < n; i++) out[i] = this.impliedVol(strikes[i], forwards, years[i]);
    } else {
      for (let i = 0; i < n; i++) out[i] = this.impliedVol(strikes[i], forwards[i], years[i]);
    }
  }
}
