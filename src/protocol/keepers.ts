/**
 * Keepers: how long an account that has become liquidatable waits before it
 * is liquidated (docs/model.md#keepers: keeper
 * latency, gas and competition; docs/model.md#defences: grace period).
 *
 * Delay form
 *   delay = gracePeriodMs + baseLatencyMs / keepers^α · g(gas)
 * Competition: if each of k keepers spots a liquidatable account after an
 * independent exponential time with mean L, the first one does after L/k
 * (the minimum of k i.i.d. exponentials is exponential with rate k/L), hence
 * α = 1 by default; α < 1 stands for keepers sharing infrastructure and
 * reacting together. Gas, with a gas series (as-of, never from the future):
 *   g = ∞                              when gas > gasCeilingGwei (keepers stop),
 *   g = min(maxScale, max(1, gas/median)^γ) otherwise (γ = 0: no effect),
 * where `median` is the trailing median of the same gas field. With no gas
 * known (no series, or stale) g = 1.
 *
 * Willingness: a keeper liquidates a lot only if its reward beats its gas
 * cost, gasUnits · gwei · 1e−9 · ETH price (quote).
 *
 * The ladder needs a single price to compare keys with, so the delay is
 * turned into a trigger price: an account is due at t when it was
 * liquidatable at every oracle observation stamped in [t − delay, t], i.e.
 * when its liquidation price exceeds the maximum oracle over that window
 * (liquidatable means oracle < liquidation price). The protocol liquidates
 * accounts with key > m · triggerPrice(). A recovery within the window
 * resets the clock, as a keeper's transaction would revert once the account
 * is healthy again. The window maximum uses a monotone deque (O(1)
 * amortised per observation, O(log n) per query) over one value per bar:
 * the last oracle value given for that bar's time.
 */
import type { KeeperGasSchemaConfig, KeepersConfig } from '../config/protocolSchema.js';
import { ConfigError } from '../core/errors.js';
import { gasGweiAsOf, gasMedianGweiAsOf, type GasField, type GasSeries } from './gasSeries.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * The schema's gas block (config/protocolSchema.ts, where the defaults live)
 * without its file: the runner loads the series. Willingness is set from
 * code only: gas used by one liquidation transaction (absent: willingness not
 * checked) and the ETH price in quote for its cost (absent: the caller passes it).
 */
export type KeeperGasConfig = Omit<KeeperGasSchemaConfig, 'path'> & { gasUnitsPerLiquidation?: number; ethPriceQuote?: number };

/** The schema's `protocol.keepers`; without a gas block gas never slows or stops keepers. */
export type KeeperConfig = Omit<KeepersConfig, 'gas'> & { gas?: KeeperGasConfig };

export interface ResolvedKeeperConfig {
  readonly baseLatencyMs: number;
  readonly keepers: number;
  readonly competitionExponent: number;
  readonly gracePeriodMs: number;
  readonly field: GasField;
  readonly gasCeilingGwei: number;
  readonly gasScaleExponent: number;
  readonly maxGasScale: number;
  readonly gasUnitsPerLiquidation: number;
  readonly ethPriceQuote: number;
}

/** No gas block: no series is read, no ceiling, no slowdown, no cost check (each value the neutral one, not a default). */
const NO_GAS = {
  field: 'p90',
  gasCeilingGwei: Number.POSITIVE_INFINITY,
  gasScaleExponent: 0,
  maxGasScale: 1,
  gasUnitsPerLiquidation: 0,
  ethPriceQuote: Number.NaN,
} as const satisfies Partial<ResolvedKeeperConfig>;

export function resolveKeeperConfig(cfg: KeeperConfig): ResolvedKeeperConfig {
  const g = cfg.gas;
  const r: ResolvedKeeperConfig = {
    baseLatencyMs: cfg.baseLatencyMs,
    keepers: cfg.keepers,
    competitionExponent: cfg.competitionExponent,
    gracePeriodMs: cfg.gracePeriodMs,
    ...(g
      ? {
          field: g.field,
          gasCeilingGwei: g.gasCeilingGwei,
          gasScaleExponent: g.gasScaleExponent,
          maxGasScale: g.maxGasScale,
          gasUnitsPerLiquidation: g.gasUnitsPerLiquidation ?? 0,
          ethPriceQuote: g.ethPriceQuote ?? Number.NaN,
        }
      : NO_GAS),
  };
  const bad = (field: string, why: string): never => {
    throw new ConfigError(why, { field: `keepers.${field}` });
  };
  if (!(r.baseLatencyMs >= 0) || !Number.isFinite(r.baseLatencyMs)) bad('baseLatencyMs', `must be a finite number ≥ 0 ms, got ${r.baseLatencyMs}`);
  if (!(r.keepers >= 1)) bad('keepers', `need at least 1 keeper, got ${r.keepers}`);
  if (!(r.competitionExponent >= 0)) bad('competitionExponent', `must be ≥ 0, got ${r.competitionExponent}`);
  if (!(r.gracePeriodMs >= 0) || !Number.isFinite(r.gracePeriodMs)) bad('gracePeriodMs', `must be a finite number ≥ 0 ms, got ${r.gracePeriodMs}`);
  if (!(r.gasCeilingGwei > 0)) bad('gas.gasCeilingGwei', `must be > 0 gwei, got ${r.gasCeilingGwei}`);
  if (!(r.gasScaleExponent >= 0)) bad('gas.gasScaleExponent', `must be ≥ 0, got ${r.gasScaleExponent}`);
  if (!(r.maxGasScale >= 1) || !Number.isFinite(r.maxGasScale)) bad('gas.maxGasScale', `must be a finite number ≥ 1, got ${r.maxGasScale}`);
  if (!(r.gasUnitsPerLiquidation >= 0)) bad('gas.gasUnitsPerLiquidation', `must be ≥ 0, got ${r.gasUnitsPerLiquidation}`);
  return r;
}

/**
 * Keeper delay (ms) for a gas price and its trailing median (NaN: unknown,
 * no gas effect). Infinity when keepers stop.
 */
export function keeperDelayMs(c: ResolvedKeeperConfig, gasGwei: number, medianGwei: number): number {
  let g = 1;
  if (gasGwei === gasGwei) {
    if (gasGwei > c.gasCeilingGwei) return Number.POSITIVE_INFINITY;
    if (c.gasScaleExponent > 0 && medianGwei > 0) {
      const ratio = gasGwei / medianGwei;
      if (ratio > 1) g = Math.min(c.maxGasScale, Math.pow(ratio, c.gasScaleExponent));
    }
  }
  return c.gracePeriodMs + (c.baseLatencyMs / Math.pow(c.keepers, c.competitionExponent)) * g;
}

/** Quote cost of one liquidation's gas. 0 when gas or the unit count is unknown/zero. */
export function liquidationGasCostQuote(c: ResolvedKeeperConfig, gasGwei: number, ethPriceQuote: number): number {
  if (c.gasUnitsPerLiquidation === 0 || !(gasGwei >= 0)) return 0;
  return c.gasUnitsPerLiquidation * gasGwei * 1e-9 * ethPriceQuote;
}

/** Longest finite delay the configuration can produce: how much oracle history the trigger keeps. */
export function maxFiniteDelayMs(c: ResolvedKeeperConfig): number {
  const scale = c.gasScaleExponent > 0 ? c.maxGasScale : 1;
  return c.gracePeriodMs + (c.baseLatencyMs / Math.pow(c.keepers, c.competitionExponent)) * scale;
}

export class Keepers extends Stateful {
  readonly cfg: ResolvedKeeperConfig;
  private readonly horizonMs: number;
  private readonly cap: number;
  // Monotone deque over past bars' oracle values: times increasing, values
  // strictly decreasing from the front.
  private readonly dqT: Float64Array;
  private readonly dqV: Float64Array;
  private dqHead = 0;
  private dqLen = 0;
  // The current instant's oracle value (replaced by same-time observations).
  private hasPending = 0;
  private pT = 0;
  private pV = 0;
  private firstT = Number.NaN;
  private delay = 0;
  private gas = Number.NaN;

  constructor(cfg: KeeperConfig, barMs: number, private readonly gasSeries?: GasSeries) {
    super();
    if (!(barMs > 0)) throw new ConfigError(`bar interval must be > 0 ms, got ${barMs}`, { field: 'barMs' });
    this.cfg = resolveKeeperConfig(cfg);
    this.horizonMs = maxFiniteDelayMs(this.cfg);
    this.cap = Math.ceil(this.horizonMs / barMs) + 2;
    this.dqT = new Float64Array(this.cap);
    this.dqV = new Float64Array(this.cap);
    this.delay = keeperDelayMs(this.cfg, Number.NaN, Number.NaN);
  }

  /** Once per bar: reads gas as of the bar time and sets this bar's delay. */
  beginBar(timeMs: number): void {
    if (this.gasSeries) {
      this.gas = gasGweiAsOf(this.gasSeries, this.cfg.field, timeMs);
      this.delay = keeperDelayMs(this.cfg, this.gas, gasMedianGweiAsOf(this.gasSeries, this.cfg.field, timeMs));
    }
  }

  /** Delay this bar, ms (Infinity: keepers stopped). */
  delayMs(): number {
    return this.delay;
  }

  /** Gas price used this bar, gwei (NaN: none known). */
  gasGwei(): number {
    return this.gas;
  }

  /** Feeds the protocol's oracle price (every round and bar; same time replaces). */
  observe(timeMs: number, oracle: number): void {
    if (this.hasPending === 1 && timeMs !== this.pT) {
      if (timeMs < this.pT) throw new ConfigError(`keeper clock went backwards: ${timeMs} after ${this.pT}`, { field: 'timeMs' });
      this.commit(this.pT, this.pV);
      const cutoff = timeMs - this.horizonMs;
      while (this.dqLen > 0 && this.dqT[this.dqHead] < cutoff) {
        this.dqHead = (this.dqHead + 1) % this.cap;
        this.dqLen--;
      }
    }
    if (this.hasPending === 0) this.firstT = timeMs;
    this.hasPending = 1;
    this.pT = timeMs;
    this.pV = oracle;
  }

  private commit(t: number, v: number): void {
    while (this.dqLen > 0 && this.dqV[(this.dqHead + this.dqLen - 1) % this.cap] <= v) this.dqLen--;
    if (this.dqLen === this.cap) throw new ConfigError(`keeper history full (${this.cap} bars): observations at distinct times closer than the bar interval`, { field: 'timeMs' });
    const s = (this.dqHead + this.dqLen) % this.cap;
    this.dqT[s] = t;
    this.dqV[s] = v;
    this.dqLen++;
  }

  /**
   * Accounts whose liquidation price is above this are due now. +Infinity
   * (nothing due) when keepers are stopped or the history does not reach
   * back one delay; the current oracle with no delay.
   */
  triggerPrice(): number {
    if (this.hasPending === 0) return Number.POSITIVE_INFINITY;
    const d = this.delay;
    if (!(d <= this.horizonMs)) return Number.POSITIVE_INFINITY;
    const start = this.pT - d;
    if (start < this.firstT) return Number.POSITIVE_INFINITY;
    // First deque entry with time ≥ start holds the maximum from there on.
    let lo = 0;
    let hi = this.dqLen;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.dqT[(this.dqHead + mid) % this.cap] < start) lo = mid + 1;
      else hi = mid;
    }
    const past = lo < this.dqLen ? this.dqV[(this.dqHead + lo) % this.cap] : Number.NEGATIVE_INFINITY;
    return past > this.pV ? past : this.pV;
  }

  /** Whether a keeper takes a liquidation paying `rewardQuote` (ethPriceQuote: NaN uses the configured price). */
  willing(rewardQuote: number, ethPriceQuote = Number.NaN): boolean {
    const eth = ethPriceQuote === ethPriceQuote ? ethPriceQuote : this.cfg.ethPriceQuote;
    const cost = liquidationGasCostQuote(this.cfg, this.gas, eth);
    if (cost !== cost) {
      throw new ConfigError('keepers check gas cost but no ETH price is configured or passed', { field: 'keepers.gas.ethPriceQuote' });
    }
    return cost === 0 || rewardQuote > cost;
  }

  protected describeState(): Saveable {
    return stateOf(ownScalars(this, ['dqHead', 'dqLen', 'hasPending', 'pT', 'pV', 'firstT', 'delay', 'gas']), arrays(this.dqT, this.dqV));
  }
}

