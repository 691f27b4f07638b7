import { MS_PER_YEAR } from '../core/time.js';
import type { Saveable } from '../sim/saveable.js';
import { ownScalars, Stateful } from '../sim/stateBlock.js';

/** The EWMA's two sums; decay and annualisation are config, not state. */
const SAVED = ['sum', 'weight'] as const;

/**
 * Realised volatility as an EWMA of squared log returns (RiskMetrics form),
 * annualised with the bar interval. Before any return is seen it stands at
 * a prior (a scenario parameter, not a figure taken from the data), which
 * then decays with the half-life: no warm-up window read from the future.
 * The half-life is in time, not bars, so 1-minute and 1-hour data react
 * alike.
 */
export class RealisedVol extends Stateful {
  private readonly decay: number;
  private readonly annualise: number;
  private sum = 0;
  private weight = 0;

  constructor(halfLifeMs: number, barMs: number, priorVolPerYear = 0) {
    super();
    this.decay = Math.pow(0.5, barMs / halfLifeMs);
    this.annualise = MS_PER_YEAR / barMs;
    if (priorVolPerYear > 0) {
      this.sum = (priorVolPerYear * priorVolPerYear) / this.annualise;
      this.weight = 1;
    }
  }

  /** Adds one bar's log return and returns the current annualised vol (0 before any return). */
  update(logReturn: number): number {
    this.sum = this.decay * this.sum + (1 - this.decay) * logReturn * logReturn;
    this.weight = this.decay * this.weight + (1 - this.decay);
    return this.value();
  }

  value(): number {
    return this.weight > 0 ? Math.sqrt((this.sum / this.weight) * this.annualise) : 0;
  }

  /** Slots of the saved state, for a holder that saves room for a vol not yet built. */
  static readonly stateSize = SAVED.length;
  protected describeState(): Saveable {
    return ownScalars(this, SAVED);
  }
}
