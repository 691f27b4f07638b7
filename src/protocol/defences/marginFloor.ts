/**
 * Volatility-triggered margin floor, the wick-protection idea
 * (docs/model.md#defences): no liquidation while the oracle is below
 *
 *   floor = reference · (1 − k · σ_implied · sqrt(horizon_years)),
 *
 * i.e. while the move over the horizon is larger than k implied standard
 * deviations: such a drop is more likely a wick (a thin book swept for a
 * moment) than information, and liquidating into it locks the wick in.
 *
 * Reference: the oracle as of `horizonMs` ago (the last value stamped at or
 * before then; before that much history, the earliest value). A running
 * peak was rejected: after a real decline larger than k σ √h it would block
 * liquidations for the rest of the run while bad debt piles up. With the
 * trailing reference the block lifts once the low has persisted for the
 * horizon (the floor follows the price down), so a sustained fall is still
 * liquidated, one horizon late, and all at once: the tests and the report
 * should show that release. Rising implied vol lowers the floor, so a crash
 * the options market prices as likely is not blocked. When k σ √h ≥ 1 the
 * floor is 0 (never blocks).
 */
import type { MarginFloorSchemaConfig } from '../../config/protocolSchema.js';
import { ConfigError } from '../../core/errors.js';
import { MS_PER_YEAR } from '../../core/time.js';
import { AsOfRing } from '../oracle.js';
import type { Saveable } from '../../sim/saveable.js';
import { ownScalars, stateOf, Stateful } from '../../sim/stateBlock.js';

/** The schema's `protocol.defences.marginFloor` (config/protocolSchema.ts, where the defaults live): `k` implied sigmas over `horizonMs`. */
export type MarginFloorConfig = MarginFloorSchemaConfig;

/** The header formula; `impliedVolPerYear` annualised decimal. */
export function marginFloorPrice(referencePrice: number, k: number, impliedVolPerYear: number, horizonMs: number): number {
  const f = 1 - k * impliedVolPerYear * Math.sqrt(horizonMs / MS_PER_YEAR);
  return f > 0 ? referencePrice * f : 0;
}

export class MarginFloor extends Stateful {
  private readonly ring: AsOfRing | null;
  private iv = Number.NaN;

  constructor(private readonly cfg: MarginFloorConfig, barMs: number) {
    super();
    if (cfg.kind === 'off') {
      this.ring = null;
      return;
    }
    if (!(cfg.k > 0)) throw new ConfigError(`must be > 0, got ${cfg.k}`, { field: 'defences.marginFloor.k' });
    if (!(cfg.horizonMs > 0) || !Number.isFinite(cfg.horizonMs)) throw new ConfigError(`must be a finite number > 0 ms, got ${cfg.horizonMs}`, { field: 'defences.marginFloor.horizonMs' });
    if (!(barMs > 0)) throw new ConfigError(`bar interval must be > 0 ms, got ${barMs}`, { field: 'barMs' });
    this.ring = new AsOfRing(cfg.horizonMs, barMs);
  }

  /** Implied vol (annualised ATM) for this bar. */
  setImpliedVol(volPerYear: number): void {
    this.iv = volPerYear;
  }

  /** Feeds the protocol's oracle (every bar and round; same time replaces). */
  observe(timeMs: number, oracle: number): void {
    this.ring?.record(timeMs, oracle);
  }

  /** Oracle as of one horizon ago (NaN when off or before any observation). */
  reference(): number {
    return this.ring ? this.ring.headValue() : Number.NaN;
  }

  /** Current floor (0 when off, or before implied vol is known). */
  floor(): number {
    const c = this.cfg;
    if (c.kind === 'off' || !this.ring || this.ring.size === 0 || !(this.iv >= 0)) return 0;
    return marginFloorPrice(this.ring.headValue(), c.k, this.iv, c.horizonMs);
  }

  /** True when liquidations must wait: the oracle is below the floor. */
  blocks(oracle: number): boolean {
    return oracle < this.floor();
  }

  protected describeState(): Saveable {
    return stateOf(ownScalars(this, ['iv']), this.ring);
  }

}
