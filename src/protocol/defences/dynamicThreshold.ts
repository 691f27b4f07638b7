/**
 * Volatility-adjusted liquidation thresholds (docs/model.md#defences), as the
 * protocol-wide multiplier m on every account's LT (types.ts: an account is
 * liquidatable when collateral · oracle · LT · m < debt):
 *
 *   m*(σ) = clamp(1 − slope · max(σ/σ_calm − 1, 0), minMultiplier, 1)
 *
 * Higher volatility → smaller m → higher liquidation prices: the protocol
 * asks for more margin when a given price move is more likely. m* is
 * non-increasing in σ, equal to 1 up to σ_calm and never below the floor.
 * This is a stylization of the idea (no protocol publishes this exact form).
 *
 * A sudden tightening would liquidate every account between the old and new
 * liquidation prices at once, which is itself a cascade trigger; so the
 * tightening can be rate-limited (`maxTightenPerBar`), while loosening takes
 * effect at once (it can only delay liquidations).
 */
import type { DynamicThresholdSchemaConfig } from '../../config/protocolSchema.js';
import { ConfigError } from '../../core/errors.js';
import type { Saveable } from '../../sim/saveable.js';
import { ownScalars, Stateful } from '../../sim/stateBlock.js';

/**
 * The schema's `protocol.defences.dynamicThreshold` (config/protocolSchema.ts,
 * where the defaults live): m = 1 at and below `calmVolPerYear`, falling by
 * `slope` per unit of σ/σ_calm above 1, down to `minMultiplier`; without
 * `maxTightenPerBar` the fall in one bar is not limited.
 */
export type DynamicThresholdConfig = DynamicThresholdSchemaConfig;

/** m*(σ) of the header formula. */
export function volThresholdMultiplier(volPerYear: number, calmVolPerYear: number, slope: number, minMultiplier: number): number {
  const excess = volPerYear / calmVolPerYear - 1;
  const m = 1 - slope * (excess > 0 ? excess : 0);
  return m < minMultiplier ? minMultiplier : m > 1 ? 1 : m;
}

export class DynamicThreshold extends Stateful {
  private m = 1;
  private readonly maxStep: number;

  constructor(private readonly cfg: DynamicThresholdConfig) {
    super();
    if (cfg.kind === 'vol-scaled') {
      if (!(cfg.calmVolPerYear > 0)) throw new ConfigError(`must be > 0, got ${cfg.calmVolPerYear}`, { field: 'defences.dynamicThreshold.calmVolPerYear' });
      if (!(cfg.slope >= 0)) throw new ConfigError(`must be ≥ 0, got ${cfg.slope}`, { field: 'defences.dynamicThreshold.slope' });
      if (!(cfg.minMultiplier > 0 && cfg.minMultiplier <= 1)) throw new ConfigError(`must be in (0, 1], got ${cfg.minMultiplier}`, { field: 'defences.dynamicThreshold.minMultiplier' });
      const step = cfg.maxTightenPerBar ?? Number.POSITIVE_INFINITY;
      if (!(step > 0)) throw new ConfigError(`must be > 0, got ${step}`, { field: 'defences.dynamicThreshold.maxTightenPerBar' });
      this.maxStep = step;
    } else {
      this.maxStep = Number.POSITIVE_INFINITY;
    }
  }

  /** Once per bar with the vol known at the bar start; returns the new m. */
  update(volPerYear: number): number {
    const c = this.cfg;
    if (c.kind === 'off') return this.m;
    const target = volThresholdMultiplier(volPerYear, c.calmVolPerYear, c.slope, c.minMultiplier);
    const lowest = this.m - this.maxStep;
    this.m = target < lowest ? lowest : target;
    return this.m;
  }

  multiplier(): number {
    return this.m;
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['m']);
  }

}
