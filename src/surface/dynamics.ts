/**
 * How the surface moves from bar to bar (docs/model.md#crash-dynamics).
 *
 * - 'sticky-strike' (Derman 1999, "Regimes of volatility", Risk 12(4)): the
 *   implied vol of a fixed strike does not change when spot moves. The smile
 *   keeps the forward it was anchored at, so a query (K, F) is evaluated at
 *   k = ln(K/F_anchor) = ln(K/F) + ln(F/F_anchor), with F/F_anchor taken as
 *   the ratio of the bar's forward (or spot) to the anchor's (constant carry).
 * - 'sticky-moneyness' (Derman's "sticky delta"; for a fixed expiry, vol as a
 *   function of K/F is the same thing as vol as a function of Black delta up
 *   to the level): the smile moves with the forward, k = ln(K/F).
 * - 'stress': sticky-moneyness plus a regime in which the ATM level jumps and
 *   the skew steepens with drawdown and the stress metrics:
 *     σ_atm' = σ_atm · (1 + a·drawdown + b·stress)
 *     ρ'     = max(ρ_min, ρ − c·drawdown − d·stress)
 *   with η then lowered, only if needed, to the largest admissible value
 *   (the projection of arbitrage.ts). This functional form is cascade-lab's
 *   own stylization, not a published model: it reproduces the direction of
 *   the crash moves in docs/calibration.md#implied-volatility (ATM vol up, put skew
 *   steeper, e.g. BTC 15%-OTM puts > 40 vol points over ATM in March 2020)
 *   and its coefficients are meant to be calibrated, not trusted.
 *
 * In every mode the bar's atmVol re-levels the term structure; in
 * sticky-strike mode that level is the vol at the anchor forward.
 * Whatever the mode, each bar's parameters are projected back into the
 * arbitrage-free region, and the bar's report says when that happened.
 */
import { ConfigError, DataError } from '../core/errors.js';
import type { Clamp } from './arbitrage.js';
import type { SsviParams } from './ssvi.js';
import { SsviSurface } from './surface.js';
import type { SsviSurfaceConfig } from './surface.js';
import type { VolSurface } from '../sim/volSurface.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

export type DynamicsMode = 'sticky-strike' | 'sticky-moneyness' | 'stress';

/** The bar's market state the surface reacts to (end of bar, no look-ahead). */
export interface SurfaceMarketState {
  readonly spot: number;
  /** Near forward; defaults to spot. Only its ratio to the anchor's is used (sticky-strike). */
  readonly forward?: number;
  /** ATM vol level (decimal), e.g. from atmVolFrom. */
  readonly atmVol: number;
  /** Fraction below the running peak, in [0, 1]. */
  readonly drawdown: number;
  /** Dimensionless stress metric, >= 0. */
  readonly stress: number;
}

/** Coefficients of the stress regime (see file comment for the formulas). */
export interface StressCoefficients {
  /** a: relative ATM jump per unit drawdown. */
  readonly atmPerDrawdown: number;
  /** b: relative ATM jump per unit stress. */
  readonly atmPerStress: number;
  /** c: ρ decrease per unit drawdown. */
  readonly rhoPerDrawdown: number;
  /** d: ρ decrease per unit stress. */
  readonly rhoPerStress: number;
  /** Floor of the steepened ρ, > −1. */
  readonly rhoMin: number;
}

export interface DynamicsConfig {
  readonly mode: DynamicsMode;
  /** The calm-market surface; its params and term shape are the base every bar starts from. */
  readonly base: SsviSurfaceConfig;
  /** Required for mode 'stress'. */
  readonly stress?: StressCoefficients;
  /** Forward the sticky-strike smile is anchored at; default: the first bar's forward (or spot). */
  readonly anchorForward?: number;
  /**
   * Surfaces calibrated to an option chain, one per snapshot: from the bar
   * where {@link SurfaceDynamics.selectBar} picks one, it replaces `base`
   * (its parameters, term structure and ATM level); the mode's rules then
   * apply on top of it as they do to `base`.
   */
  readonly schedule?: SurfaceSchedule;
}

/** Calibrated surfaces and the one in force at each bar (chainSeries.ts). */
export interface SurfaceSchedule {
  readonly surfaces: readonly SsviSurfaceConfig[];
  /** ATM level of each surface, handed to its term structure (decimal). */
  readonly atmVol: Float64Array;
  /** Per bar: index into `surfaces` in force, −1 while none is known yet (then `base` applies). */
  readonly inForce: Int32Array;
}

export interface DynamicsBarReport {
  /** ATM level used after the stress multiplier. */
  readonly atmVol: number;
  /** Parameters in force after projection. */
  readonly params: SsviParams;
  /** True when the bar's parameters had to be moved to stay arbitrage-free. */
  readonly projected: boolean;
  readonly clamps: readonly Clamp[];
  readonly termFloored: boolean;
}

export class SurfaceDynamics extends Stateful implements VolSurface {
  readonly mode: DynamicsMode;
  /** The surface in force: `base`, or the scheduled one the last selectBar picked. */
  surface: SsviSurface;
  private baseParams: SsviParams;
  /** All surfaces, built once: [base, ...schedule.surfaces] (only the base without a schedule). */
  private readonly surfaces: readonly SsviSurface[];
  /** Each surface's parameters as built (its `params` moves with every update). */
  private readonly builtParams: readonly SsviParams[];
  /** Each surface's state as built, loaded when it is put in force (see use). */
  private readonly builtState: readonly Float64Array[];
  private readonly schedule: SurfaceSchedule | undefined;
  /** Index into `surfaces` of the one in force. */
  private active = 0;
  private readonly coeffs: StressCoefficients | undefined;
  private anchor: number;
  /** ln(F / F_anchor) in sticky-strike mode, else 0. */
  private shift = 0;

  constructor(cfg: DynamicsConfig) {
    super();
    this.mode = cfg.mode;
    // The base itself obeys the caller's onArbitrage; only bar updates always project.
    this.surface = new SsviSurface(cfg.base);
    this.baseParams = this.surface.params;
    this.schedule = cfg.schedule;
    this.surfaces = [this.surface, ...(cfg.schedule?.surfaces ?? []).map((c) => new SsviSurface(c))];
    this.builtParams = this.surfaces.map((s) => s.params);
    this.builtState = this.surfaces.map((s) => {
      const buf = new Float64Array(s.stateSize);
      s.saveState(buf, 0);
      return buf;
    });
    if (cfg.mode === 'stress') {
      const c = cfg.stress;
      if (c === undefined) throw new ConfigError('stress coefficients are required for mode stress', { field: 'surface.dynamics.stress' });
      for (const key of ['atmPerDrawdown', 'atmPerStress', 'rhoPerDrawdown', 'rhoPerStress'] as const) {
        if (!(c[key] >= 0) || !Number.isFinite(c[key])) {
          throw new ConfigError(`must be a finite number >= 0 (the regime only raises vol and steepens skew), got ${c[key]}`, { field: `surface.dynamics.stress.${key}` });
        }
      }
      if (!(c.rhoMin > -1) || !(c.rhoMin <= this.baseParams.rho)) {
        throw new ConfigError(`rhoMin must lie in (−1, ρ_base = ${this.baseParams.rho}], got ${c.rhoMin}`, { field: 'surface.dynamics.stress.rhoMin' });
      }
    }
    this.coeffs = cfg.stress;
    this.anchor = cfg.anchorForward ?? NaN;
    if (cfg.anchorForward !== undefined && !(cfg.anchorForward > 0)) {
      throw new ConfigError(`must be > 0, got ${cfg.anchorForward}`, { field: 'surface.dynamics.anchorForward' });
    }
  }

  /** Apply the bar's market state; call once per bar before pricing. */
  /**
   * `maxAtmVol` caps the ATM level after the stress multiplier: an
   * implied-vol level inferred from a crash hour's returns can run far past
   * anything quoted (BTC 1-month ATM peaked at 184% in March 2020).
   */
  update(state: SurfaceMarketState, maxAtmVol = Infinity): DynamicsBarReport {
    checkState(state);
    const level = state.forward ?? state.spot;
    if (Number.isNaN(this.anchor)) this.anchor = level;
    this.shift = this.mode === 'sticky-strike' ? Math.log(level / this.anchor) : 0;

    let atmVol = state.atmVol;
    let params = this.baseParams;
    if (this.mode === 'stress') {
      const c = this.coeffs as StressCoefficients;
      atmVol *= 1 + c.atmPerDrawdown * state.drawdown + c.atmPerStress * state.stress;
      // min(): a calibrated ρ may already lie below the floor, which only bounds the steepening.
      const rho = Math.max(Math.min(c.rhoMin, params.rho), params.rho - c.rhoPerDrawdown * state.drawdown - c.rhoPerStress * state.stress);
      params = { rho, eta: params.eta, gamma: params.gamma };
    }
    if (atmVol > maxAtmVol) atmVol = maxAtmVol;
    const adm = this.surface.update(params, atmVol, 'clamp');
    return {
      atmVol,
      params: adm.params,
      projected: adm.clamps.length > 0,
      clamps: adm.clamps,
      termFloored: adm.termFloored,
    };
  }

  /**
   * Puts in force the scheduled surface of bar i (none: the base) and
   * returns its ATM level, or NaN when no schedule applies at this bar (the
   * caller then sets the level as without one). Switching re-points at a
   * surface built up front, so a bar allocates nothing.
   */
  selectBar(i: number): number {
    const sch = this.schedule;
    if (sch === undefined) return NaN;
    const k = sch.inForce[i];
    this.use(k + 1);
    return k >= 0 ? sch.atmVol[k] : NaN;
  }

  /**
   * Puts surface j in force as it was built, so what it holds never depends
   * on when it was last in force (a bar tried and rolled back may have used
   * it already): only the surface in force is saved state.
   */
  private use(j: number): void {
    if (j === this.active) return;
    this.active = j;
    this.surface = this.surfaces[j];
    this.surface.loadState(this.builtState[j], 0);
    this.baseParams = this.builtParams[j];
    // A fit's strikes are quoted against the forward of its own snapshot: sticky strike holds them from the bar it takes over.
    if (j > 0) this.anchor = NaN;
  }

  /** ATM level in force after the last updateBar (stress multiplier and cap applied). */
  lastAtmVol = NaN;
  /** True when the last updateBar had to project the parameters back into the admissible region. */
  lastProjected = false;

  /**
   * The engine's per-bar form of {@link update}: the same rules, but no
   * report object, so a bar allocates nothing in the common case.
   * Returns the ATM level in force.
   */
  updateBar(spot: number, forward: number, atmVolIn: number, drawdown: number, stress: number, maxAtmVol: number): number {
    if (!(spot > 0) || !(forward > 0) || !(atmVolIn > 0) || !(drawdown >= 0 && drawdown <= 1) || !(stress >= 0) || !Number.isFinite(stress)) {
      this.update({ spot, forward, atmVol: atmVolIn, drawdown, stress }, maxAtmVol); // throws the located error
    }
    if (Number.isNaN(this.anchor)) this.anchor = forward;
    this.shift = this.mode === 'sticky-strike' ? Math.log(forward / this.anchor) : 0;
    const b = this.baseParams;
    let atmVol = atmVolIn;
    let rho = b.rho;
    if (this.mode === 'stress') {
      const c = this.coeffs as StressCoefficients;
      atmVol *= 1 + c.atmPerDrawdown * drawdown + c.atmPerStress * stress;
      rho = Math.max(Math.min(c.rhoMin, b.rho), b.rho - c.rhoPerDrawdown * drawdown - c.rhoPerStress * stress);
    }
    if (atmVol > maxAtmVol) atmVol = maxAtmVol;
    this.lastProjected = this.surface.updateBar(rho, b.eta, b.gamma, atmVol);
    this.lastAtmVol = atmVol;
    return atmVol;
  }

  /**
   * The anchor (NaN until the first update), the sticky-strike shift, the
   * last bar's ATM level and projection flag, then the surface in force.
   */
  protected describeState(): Saveable {
    if (this.schedule === undefined) return stateOf(ownScalars(this, ['anchor', 'shift', 'lastAtmVol', 'lastProjected']), this.surface);
    // With a schedule: which surface is in force, then that surface's state (all have the same size).
    const activeSurface: Saveable = {
      stateSize: this.surface.stateSize,
      saveState: (buf, o) => this.surface.saveState(buf, o),
      loadState: (buf, o) => this.surface.loadState(buf, o),
    };
    const which: Saveable = {
      stateSize: 1,
      saveState: (buf, o) => {
        buf[o] = this.active;
      },
      loadState: (buf, o) => this.use(buf[o]),
    };
    // `which` first: putting a surface in force resets the anchor, which the scalars then restore.
    return stateOf(which, ownScalars(this, ['anchor', 'shift', 'lastAtmVol', 'lastProjected']), activeSurface);
  }

  /** The forward the sticky-strike smile is anchored at (NaN before the first update). */
  get anchorForward(): number {
    return this.anchor;
  }

  totalVariance(k: number, years: number): number {
    return this.surface.totalVariance(k + this.shift, years);
  }

  ssviSlice(years: number, out: Float64Array): void {
    this.surface.ssviSlice(years, out);
    out[3] = this.shift;
  }

  totalVarianceSlope(k: number, years: number): number {
    return this.surface.totalVarianceSlope(k + this.shift, years);
  }

  impliedVol(strike: number, forward: number, years: number): number {
    if (this.shift === 0) return this.surface.impliedVol(strike, forward, years);
    return this.surface.impliedVol(strike * Math.exp(this.shift), forward, years);
  }

  impliedVolBatch(strikes: Float64Array, forwards: Float64Array | number, years: Float64Array, out: Float64Array): void {
    if (this.shift === 0) {
      this.surface.impliedVolBatch(strikes, forwards, years, out);
      return;
    }
    const n = strikes.length;
    if (years.length !== n || out.length < n || (typeof forwards !== 'number' && forwards.length !== n)) {
      this.surface.impliedVolBatch(strikes, forwards, years, out); // throws the length message
      return;
    }
    const m = Math.exp(this.shift);
    for (let i = 0; i < n; i++) {
      const f = typeof forwards === 'number' ? forwards : forwards[i];
      out[i] = this.surface.impliedVol(strikes[i] * m, f, years[i]);
    }
  }
}

function checkState(s: SurfaceMarketState): void {
  const bad = (field: string, reason: string): never => {
    throw new DataError(reason, { field: `marketState.${field}` });
  };
  if (!(s.spot > 0) || !Number.isFinite(s.spot)) bad('spot', `must be a finite number > 0, got ${s.spot}`);
  if (s.forward !== undefined && (!(s.forward > 0) || !Number.isFinite(s.forward))) bad('forward', `must be a finite number > 0, got ${s.forward}`);
  if (!(s.atmVol > 0) || !Number.isFinite(s.atmVol)) bad('atmVol', `must be a finite number > 0, got ${s.atmVol}`);
  if (!(s.drawdown >= 0 && s.drawdown <= 1)) bad('drawdown', `must be a fraction in [0, 1], got ${s.drawdown}`);
  if (!(s.stress >= 0) || !Number.isFinite(s.stress)) bad('stress', `must be a finite number >= 0, got ${s.stress}`);
}
