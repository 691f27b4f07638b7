import { depthScale as withdrawalScale, type DepthWithdrawalParams } from './depthWithdrawal.js';
import type { SurfaceDynamics } from '../surface/dynamics.js';
import { SkewTracker } from '../surface/skew.js';
import { RealisedVol } from './realisedVol.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, scalars, stateOf, Stateful } from '../sim/stateBlock.js';

export interface MarketStateConfig {
  readonly surface: SurfaceDynamics;
  /** Risk-free rate and dividend/carry yield, continuously compounded per year. */
  readonly rate: number;
  readonly dividend: number;
  /** ATM vol = IV index when known, else slow realised vol × premium, within [minAtmVol, maxAtmVol]. */
  readonly atmPremium: number;
  readonly minAtmVol: number;
  readonly maxAtmVol: number;
  /** Half-life of the slow realised vol behind the ATM level, ms. */
  readonly atmRealisedHalfLifeMs: number;
  /** Prior of the slow realised vol, annualised. */
  readonly initialVol: number;
  /** Use the IV index when the data has one (else realised × premium always). */
  readonly useIvIndex: boolean;
  /**
   * 'quote': the depth scale also carries firstPrice / (the mid at the bar
   * start), so the dollar depth of a 1% move stays at its calibrated figure.
   */
  readonly depthHeldIn?: 'base' | 'quote';
  /** The first bar's price, where the base depth was calibrated. */
  readonly firstPrice?: number;
  /** A fixed ATM vol (the flat surface): the IV index, realised vol and premium are then unused. */
  readonly fixedAtmVol?: number;
  readonly withdrawal: DepthWithdrawalParams;
  /** Calm realised vol σ_ref of the withdrawal factor (σ_ref/σ)^e, per sqrt(year). */
  readonly calmVol: number;
  /** Calibrated depth ratio per bar (depth_i / depth_0, from past volume only), or null for constant depth. */
  readonly depthRatio: Float64Array | null;
  /**
   * True for the square-root model, whose impact Yσ·sqrt(Q/V) already grows
   * with σ (that is its withdrawal, elasticity 1): the vol term of the
   * withdrawal factor is then not applied a second time.
   */
  readonly impactCarriesVol: boolean;
  /** Expiry, years, at which the skew measures are read; 0 switches them off. */
  readonly skewYears: number;
}

// Declared in this order: the state, the skew (with a skew tenor), whether the surface was projected.
const STATE_COLUMNS = ['depth_scale', 'drawdown', 'atm_vol'] as const;
const SKEW_COLUMNS = ['rr25', 'put_wing_slope'] as const;
const PROJECTED_COLUMNS = ['surface_projected'] as const;

/**
 * Step 2 of the bar: the market state every agent sees at the bar start,
 * computed only from what is known then (realised vol through the previous
 * bar, the IV index as-of, the drawdown of the simulated mid).
 */
export class MarketStateModel extends Stateful {
  readonly surface: SurfaceDynamics;
  readonly rate: number;
  readonly dividend: number;
  private readonly cfg: MarketStateConfig;
  private cols!: Columns<(typeof STATE_COLUMNS)[number] | (typeof PROJECTED_COLUMNS)[number]>;
  /** With a skew tenor only. */
  private skewCols: Columns<(typeof SKEW_COLUMNS)[number]> | null = null;
  private lastScale = 1;
  private lastAtm = Number.NaN;
  private lastRr = Number.NaN;
  private lastWing = Number.NaN;
  private lastDd = 0;
  private lastProjected = 0;
  private slowVol: RealisedVol | null = null;
  /** Bar interval given to start(), ms (NaN before): saved so a fresh model can be restored into. */
  private barMs = Number.NaN;
  private readonly skewOpts: { dividendYield: number };
  private readonly skew = { rr25: 0, putWingSlope: 0 };
  /** Delta-strike roots carried from bar to bar (saved state: a replayed bar starts from the same roots). */
  readonly skewTracker = new SkewTracker();

  constructor(cfg: MarketStateConfig) {
    super();
    this.cfg = cfg;
    this.surface = cfg.surface;
    this.rate = cfg.rate;
    this.dividend = cfg.dividend;
    this.skewOpts = { dividendYield: cfg.dividend };
  }

  /** Called once before the first bar with the bar interval. */
  start(barMs: number): void {
    this.slowVol = new RealisedVol(this.cfg.atmRealisedHalfLifeMs, barMs, this.cfg.initialVol);
    this.barMs = barMs;
  }

  /** The bar's simulated log return, after the bar (feeds the slow realised vol). */
  observeReturn(logReturn: number): void {
    this.slowVol?.update(logReturn);
  }

  declareColumns(rec: Recorder): void {
    const state = rec.columns(STATE_COLUMNS);
    this.skewCols = this.cfg.skewYears > 0 ? rec.columns(SKEW_COLUMNS) : null;
    this.cols = { ...state, ...rec.columns(PROJECTED_COLUMNS) };
  }

  /**
   * Depth multiplier for bar i: withdrawal with realised vol times the
   * calibrated depth ratio, times firstPrice / midAtStart when depth is held
   * in quote (`midAtStart`: the simulated mid before the bar's move, known then).
   */
  depthScale(i: number, realisedVol: number, midAtStart = Number.NaN): number {
    const w = this.cfg.impactCarriesVol ? 1 : withdrawalScale(realisedVol, this.cfg.calmVol, 0, this.cfg.withdrawal);
    const ratio = this.cfg.depthRatio ? this.cfg.depthRatio[i] : 1;
    const c = this.cfg;
    const quote = c.depthHeldIn === 'quote' && c.firstPrice !== undefined && midAtStart > 0 ? c.firstPrice / midAtStart : 1;
    this.lastScale = w * ratio * quote;
    return this.lastScale;
  }

  /** Updates the surface for the bar and returns the ATM vol in force. */
  beginBar(i: number, spot: number, _realisedVol: number, drawdown: number, ivPoints: number): number {
    const c = this.cfg;
    const slow = this.slowVol ? this.slowVol.value() : c.initialVol;
    // A surface calibrated to the option chain as known at this bar sets its own ATM level.
    const chainAtm = this.surface.selectBar(i);
    let atm = !Number.isNaN(chainAtm) ? chainAtm
      : c.fixedAtmVol !== undefined ? c.fixedAtmVol : c.useIvIndex && !Number.isNaN(ivPoints) && ivPoints > 0 ? ivPoints / 100 : slow * c.atmPremium;
    if (!(atm >= c.minAtmVol)) atm = c.minAtmVol;
    // The cap bounds levels the model infers, not a quoted one (a fit's level is its shortest expiry's vol, which a crash can put past it).
    const cap = Number.isNaN(chainAtm) ? c.maxAtmVol : Math.max(c.maxAtmVol, chainAtm);
    this.lastAtm = this.surface.updateBar(spot, spot, atm, drawdown, 0, cap);
    this.lastProjected = this.surface.lastProjected ? 1 : 0;
    this.lastDd = drawdown;
    if (c.skewYears > 0) {
      this.skewTracker.measure(this.surface, c.skewYears, this.skewOpts, this.skew);
      this.lastRr = this.skew.rr25;
      this.lastWing = this.skew.putWingSlope;
    }
    // Agents see the ATM level the surface uses (after the stress multiplier and cap).
    return this.lastAtm;
  }

  /**
   * The last bar's readings (endBar records them), whether start() ran and
   * with which bar interval, the slow realised vol and the surface in force.
   * A model that was not started is started on load with the saved bar
   * interval (the only allocation, once per fresh model).
   */
  protected describeState(): Saveable {
    const slow: Saveable = {
      stateSize: 1 + RealisedVol.stateSize,
      saveState: (buf, o) => {
        buf[o] = this.slowVol === null ? Number.NaN : this.barMs;
        if (this.slowVol !== null) this.slowVol.saveState(buf, o + 1);
        else buf.fill(0, o + 1, o + 1 + RealisedVol.stateSize);
      },
      loadState: (buf, o) => {
        const barMs = buf[o];
        if (Number.isNaN(barMs)) {
          this.slowVol = null;
          this.barMs = Number.NaN;
        } else {
          if (this.slowVol === null || barMs !== this.barMs) this.start(barMs);
          (this.slowVol as RealisedVol).loadState(buf, o + 1);
        }
      },
    };
    return stateOf(ownScalars(this, ['lastScale', 'lastAtm', 'lastRr', 'lastWing', 'lastDd', 'lastProjected']), scalars(this.skewTracker, ['kc', 'kp']), slow, this.surface);
  }

  endBar(i: number, _rec: Recorder): void {
    const c = this.cols;
    c.depth_scale[i] = this.lastScale;
    c.drawdown[i] = this.lastDd;
    c.atm_vol[i] = this.lastAtm;
    c.surface_projected[i] = this.lastProjected;
    const skew = this.skewCols;
    if (skew) {
      skew.rr25[i] = this.lastRr;
      skew.put_wing_slope[i] = this.lastWing;
    }
  }
}
