/**
 * Circuit breaker on liquidation velocity (docs/model.md#defences).
 *
 * Rate: an EWMA of liquidated quote volume per minute, folded once per bar
 *   rate ← λ·rate + (1 − λ)·V_bar / barMinutes,  λ = 2^(−barMs / halfLifeMs).
 * Within a bar the provisional rate (the same formula with the volume so far)
 * is checked after every liquidation, so the breaker can trip mid-bar and
 * hold the remaining cascade rounds.
 *
 * Tripped (rate > limit): for `cooldownMs` either `pause` (no liquidations)
 * or `throttle` (at most `throttleQuotePerBar` of liquidated debt per bar;
 * the protocol takes the most under-water accounts first). At the first bar
 * start at or after the cool-down's end it resets; liquidations that then
 * push the rate over the limit trip it again.
 *
 * "Margin moves to a safer level" while cooling down: in this model accounts
 * neither open positions nor add collateral, so an initial-margin change has
 * nothing to act on. The only margin parameter left is the maintenance
 * threshold, so `marginMultiplier` multiplies the protocol-wide threshold
 * multiplier m during the cool-down (< 1: stricter). Its effect is to queue
 * more accounts for when liquidations resume (under `throttle`, during the
 * cool-down too); with `pause` it has no effect unless the run later relies
 * on the queue. The default 1 leaves margin unchanged; the lead may prefer
 * to apply it to pre-emptive deleveraging thresholds instead (see report).
 */
import type { CircuitBreakerSchemaConfig } from '../../config/protocolSchema.js';
import { ConfigError } from '../../core/errors.js';
import { MS_PER_MINUTE } from '../../core/time.js';
import type { Saveable } from '../../sim/saveable.js';
import { ownScalars, Stateful } from '../../sim/stateBlock.js';


/**
 * The schema's `protocol.defences.circuitBreaker` (config/protocolSchema.ts,
 * where the defaults live): `action` what a trip does, `halfLifeMs` of the
 * liquidation-rate EWMA, trip above `limitQuotePerMin`, a trip lasts
 * `cooldownMs`, `throttleQuotePerBar` of liquidated debt allowed per bar
 * under 'throttle', `marginMultiplier` on m while cooling down.
 */
export type CircuitBreakerConfig = CircuitBreakerSchemaConfig;

export class CircuitBreaker extends Stateful {
  private rate = 0;
  private barVolume = 0;
  private tripped = 0;
  private cooldownUntil = Number.NEGATIVE_INFINITY;
  private usedThisBar = 0;
  private trips = 0;
  /** 1 between beginBar and endBar. */
  private inBar = 0;
  private readonly decay: number;
  private readonly barMinutes: number;

  constructor(private readonly cfg: CircuitBreakerConfig, barMs: number) {
    super();
    if (!(barMs > 0)) throw new ConfigError(`bar interval must be > 0 ms, got ${barMs}`, { field: 'barMs' });
    this.barMinutes = barMs / MS_PER_MINUTE;
    if (cfg.kind === 'off') {
      this.decay = 0;
      return;
    }
    const f = (name: string) => `defences.circuitBreaker.${name}`;
    if (!(cfg.halfLifeMs > 0)) throw new ConfigError(`must be > 0 ms, got ${cfg.halfLifeMs}`, { field: f('halfLifeMs') });
    if (!(cfg.limitQuotePerMin > 0)) throw new ConfigError(`must be > 0 quote/min, got ${cfg.limitQuotePerMin}`, { field: f('limitQuotePerMin') });
    if (!(cfg.cooldownMs >= 0)) throw new ConfigError(`must be ≥ 0 ms, got ${cfg.cooldownMs}`, { field: f('cooldownMs') });
    if (cfg.action === 'throttle' && !((cfg.throttleQuotePerBar ?? -1) >= 0)) {
      throw new ConfigError(`throttle needs throttleQuotePerBar ≥ 0, got ${cfg.throttleQuotePerBar}`, { field: f('throttleQuotePerBar') });
    }
    const mm = cfg.marginMultiplier;
    if (!(mm > 0)) throw new ConfigError(`must be > 0, got ${mm}`, { field: f('marginMultiplier') });
    this.decay = Math.pow(0.5, barMs / cfg.halfLifeMs);
  }

  /** Once per bar before round 0: ends an expired cool-down, resets the bar's counters. */
  beginBar(timeMs: number): void {
    this.barVolume = 0;
    this.usedThisBar = 0;
    this.inBar = 1;
    if (this.tripped === 1 && timeMs >= this.cooldownUntil) this.tripped = 0;
  }

  /** Quote of debt that may still be liquidated in this bar (Infinity when not tripped). */
  allowanceQuote(): number {
    const c = this.cfg;
    if (c.kind === 'off' || this.tripped === 0) return Number.POSITIVE_INFINITY;
    if (c.action === 'pause') return 0;
    const left = (c.throttleQuotePerBar as number) - this.usedThisBar;
    return left > 0 ? left : 0;
  }

  /** A liquidation of `quote` (debt repaid) happened at `timeMs`; may trip the breaker. */
  record(timeMs: number, quote: number): void {
    const c = this.cfg;
    this.barVolume += quote;
    if (this.tripped === 1) this.usedThisBar += quote;
    if (c.kind === 'off') return;
    if (this.tripped === 0 && this.provisionalRate() > c.limitQuotePerMin) this.trip(timeMs);
  }

  /** After the last round: folds the bar's volume into the rate. */
  endBar(): void {
    this.rate = this.provisionalRate();
    this.barVolume = 0;
    this.inBar = 0;
  }

  private provisionalRate(): number {
    return this.decay * this.rate + ((1 - this.decay) * this.barVolume) / this.barMinutes;
  }

  private trip(timeMs: number): void {
    const c = this.cfg;
    if (c.kind === 'off') return;
    this.tripped = 1;
    this.trips++;
    this.cooldownUntil = timeMs + c.cooldownMs;
  }

  isTripped(): boolean {
    return this.tripped === 1;
  }
  /** Liquidation rate (EWMA, quote per minute): within a bar including its volume so far; after endBar, the folded rate. */
  ratePerMin(): number {
    return this.inBar === 1 ? this.provisionalRate() : this.rate;
  }
  tripCount(): number {
    return this.trips;
  }
  /** Multiplier on m: the configured one while cooling down, else 1. */
  marginMultiplier(): number {
    const c = this.cfg;
    return c.kind === 'velocity' && this.tripped === 1 ? c.marginMultiplier : 1;
  }
  cooldownEndsMs(): number {
    return this.tripped === 1 ? this.cooldownUntil : Number.NaN;
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['rate', 'barVolume', 'tripped', 'cooldownUntil', 'usedThisBar', 'trips', 'inBar']);
  }
}

