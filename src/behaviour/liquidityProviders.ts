import type { LiquidityProvidersConfig, LpThresholdDistribution } from '../config/behaviourSchema.js';
import { lognormalAt, normalQuantile } from '../core/distributions.js';
import { ConfigError, NumericalError, invariant } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { stressScore, type StressSignals, type StressThresholds } from '../sim/stress.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * Liquidity providers who leave (docs/model.md#liquidity-providers): the
 * book's depth is supplied by K groups of market makers, each holding an
 * equal slice of the mobile share of base depth. A group compares the public
 * stress signals with its own thresholds (drawn once, from the scenario's
 * seed) and pulls part or all of its slice when it is past them; when its
 * score falls back, the slice returns with a recovery half-life.
 *
 * Per group j, with score s_j = stressScore(signals, thresholds_j):
 *   target_j = 0                          if s_j ≤ 1
 *            = min(1, (s_j − 1) · e)      otherwise   (e = withdrawalElasticity)
 *   out_j    = target_j                                  if target_j ≥ out_j
 *            = target_j + (out_j − target_j) · 2^(−dt/h)  otherwise
 *   factor   = 1 − (mobileDepthShare / K) · Σ_j out_j
 * Quotes are cancelled in milliseconds, so withdrawal is immediate; coming
 * back takes time (h = recoveryHalfLifeMs). out_new = max(target, target +
 * (out − target)·decay) is non-decreasing in both target and out, so on any
 * two signal paths ordered bar by bar the factors are ordered too.
 *
 * The factor is in [1 − mobileDepthShare, 1]: the immobile rest of the book
 * never leaves. It multiplies the engine's depth scale; see
 * docs/lp-withdrawal.md for how it combines with the vol-based withdrawal.
 */

/**
 * The config is the schema's `behaviour.liquidityProviders`
 * (config/behaviourSchema.ts, where the defaults live); a threshold is
 * lognormal across groups, median Infinity making every group ignore the signal.
 */
export type { LiquidityProvidersConfig };
export type ThresholdDistribution = LpThresholdDistribution;

export { normalQuantile };

/** The threshold at quantile u in (0, 1) of a distribution. */
export function thresholdAt(d: ThresholdDistribution, u: number): number {
  if (d.median === Infinity) return Infinity;
  return d.logSd === 0 ? d.median : lognormalAt(d.median, d.logSd, normalQuantile(u));
}

/** The share of its slice a group wants out at a given stress score. */
export function withdrawalTarget(score: number, elasticity: number): number {
  if (!(score > 1)) return 0;
  const t = (score - 1) * elasticity;
  return t >= 1 ? 1 : t;
}

function checkDist(d: ThresholdDistribution, field: string): void {
  if (!(d.median > 0)) throw new ConfigError(`median must be > 0 (Infinity to ignore the signal), got ${d.median}`, { field: `${field}.median` });
  if (!(d.logSd >= 0) || !Number.isFinite(d.logSd)) throw new ConfigError(`logSd must be finite and >= 0, got ${d.logSd}`, { field: `${field}.logSd` });
}

/** Validates a config; `path` is the dotted config path for error locations. */
export function checkLiquidityProvidersConfig(c: LiquidityProvidersConfig, path = 'behaviour.liquidityProviders'): void {
  if (!Number.isInteger(c.groupCount) || c.groupCount < 1 || c.groupCount > 4096) {
    throw new ConfigError(`groupCount must be an integer in [1, 4096], got ${c.groupCount}`, { field: `${path}.groupCount` });
  }
  if (!(c.mobileDepthShare >= 0 && c.mobileDepthShare < 1)) {
    throw new ConfigError(`mobileDepthShare must be in [0, 1) so the factor stays > 0, got ${c.mobileDepthShare}`, { field: `${path}.mobileDepthShare` });
  }
  checkDist(c.drawdownThreshold, `${path}.drawdownThreshold`);
  checkDist(c.volRatioExcessThreshold, `${path}.volRatioExcessThreshold`);
  checkDist(c.liquidationQuotePerMinThreshold, `${path}.liquidationQuotePerMinThreshold`);
  if (!(c.withdrawalElasticity > 0)) throw new ConfigError(`withdrawalElasticity must be > 0, got ${c.withdrawalElasticity}`, { field: `${path}.withdrawalElasticity` });
  if (!(c.recoveryHalfLifeMs > 0) || !Number.isFinite(c.recoveryHalfLifeMs)) {
    throw new ConfigError(`recoveryHalfLifeMs must be finite and > 0, got ${c.recoveryHalfLifeMs}`, { field: `${path}.recoveryHalfLifeMs` });
  }
}

/** In-place Fisher–Yates shuffle of 0..n−1 (construction only). */
function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export class LiquidityProviders extends Stateful {
  readonly groupCount: number;
  /** Whole mutable state: out_j for each group, then the last bar and the last factor. */
  private readonly thresholds: StressThresholds[];
  private readonly out: Float64Array;
  private readonly slice: number;
  private readonly elasticity: number;
  private readonly halfLifeMs: number;
  private lastBar = -1;
  private lastFactor = 1;
  private decayDtMs = Number.NaN;
  private decay = 1;

  /**
   * Thresholds are drawn once here. Each signal's quantiles are stratified
   * ((π(j) + U_j) / K, one per group, π a random permutation per signal) so
   * that a small K still spans the distribution and the signals stay
   * independent across groups. `rng` should be the scenario's
   * `SeedTree.rng('behaviour.liquidityProviders')`.
   */
  constructor(cfg: LiquidityProvidersConfig, rng: Rng, path = 'behaviour.liquidityProviders') {
    super();
    checkLiquidityProvidersConfig(cfg, path);
    const k = cfg.groupCount;
    this.groupCount = k;
    this.out = new Float64Array(k);
    this.slice = cfg.mobileDepthShare / k;
    this.elasticity = cfg.withdrawalElasticity;
    this.halfLifeMs = cfg.recoveryHalfLifeMs;
    const pd = permutation(k, rng);
    const pv = permutation(k, rng);
    const pl = permutation(k, rng);
    this.thresholds = [];
    for (let j = 0; j < k; j++) {
      this.thresholds.push({
        drawdown: thresholdAt(cfg.drawdownThreshold, (pd[j] + rng.uniformOpen()) / k),
        volRatio: 1 + thresholdAt(cfg.volRatioExcessThreshold, (pv[j] + rng.uniformOpen()) / k),
        liquidationQuotePerMin: thresholdAt(cfg.liquidationQuotePerMinThreshold, (pl[j] + rng.uniformOpen()) / k),
      });
    }
  }

  /**
   * Depth multiplier in (0, 1] for bar `bar`, from the signals known at its
   * start; `dtMs` is the time since the previous call's bar (0 on the first
   * bar). Advances the state once: bars must increase between calls (restore
   * with loadState to retry a bar). Allocation-free.
   */
  depthFactor(bar: number, dtMs: number, signals: StressSignals): number {
    invariant(bar > this.lastBar, `LiquidityProviders.depthFactor: bar ${bar} after bar ${this.lastBar}`);
    if (!(dtMs >= 0)) throw new NumericalError(`dtMs must be >= 0, got ${dtMs}`, { field: 'dtMs' });
    if (dtMs !== this.decayDtMs) {
      this.decayDtMs = dtMs;
      this.decay = Math.pow(0.5, dtMs / this.halfLifeMs);
    }
    const d = this.decay;
    const e = this.elasticity;
    const out = this.out;
    let sum = 0;
    for (let j = 0; j < out.length; j++) {
      const s = stressScore(signals, this.thresholds[j]);
      if (!(s >= 0)) throw new NumericalError(`stress score is ${s} (signals drawdown ${signals.drawdown}, volRatio ${signals.volRatio}, liquidationQuotePerMin ${signals.liquidationQuotePerMin})`, { field: 'stress' });
      const t = withdrawalTarget(s, e);
      const o = out[j];
      const next = t >= o ? t : t + (o - t) * d;
      out[j] = next;
      sum += next;
    }
    this.lastBar = bar;
    this.lastFactor = 1 - this.slice * sum;
    return this.lastFactor;
  }

  /** The factor returned by the last depthFactor call (1 before any). */
  factor(): number {
    return this.lastFactor;
  }

  /** Share of base depth currently withdrawn by the groups: 1 − factor (for the paradox index). */
  withdrawnShare(): number {
    return 1 - this.lastFactor;
  }

  /** Withdrawn fraction of group j's slice, in [0, 1]. */
  groupWithdrawn(j: number): number {
    return this.out[j];
  }

  /** Group j's thresholds (read-only; for reports and tests). */
  groupThresholds(j: number): Readonly<StressThresholds> {
    return this.thresholds[j];
  }

  protected describeState(): Saveable {
    return stateOf(arrays(this.out), ownScalars(this, ['lastBar', 'lastFactor']));
  }
}
