/**
 * The protocol's price oracle (docs/model.md#oracle): spot,
 * TWAP or a volatility-adjusted index, each optionally seen with a latency.
 *
 * Clock convention: the engine calls `update` once per bar and once per
 * cascade round, every call of a bar stamped with the bar start time. Calls
 * with the same time replace each other (the latest mid of that instant
 * wins); history therefore keeps one value per distinct time, namely the
 * last one given for it (the end-of-bar value for past bars). Time never
 * goes backwards except through `loadState`.
 *
 * Every per-call path is O(1) amortised and allocation-free: history lives
 * in fixed rings sized at construction from the bar interval.
 */
import type { OracleSchemaConfig } from '../config/protocolSchema.js';
import { ConfigError, invariant } from '../core/errors.js';
import { MS_PER_YEAR } from '../core/time.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

export interface Oracle {
  readonly kind: OracleConfig['kind'];
  /** Feeds the live mid at `timeMs` (same time as the previous call: replaces it). */
  update(timeMs: number, mid: number): void;
  /** The price the protocol sees now (NaN before the first update). */
  price(): number;
  readonly stateSize: number;
  saveState(buf: Float64Array, offset: number): void;
  loadState(buf: Float64Array, offset: number): void;
}

/**
 * The schema's `protocol.oracle` (config/protocolSchema.ts, where the
 * defaults live). `latencyMs`: the protocol sees the oracle's value as of
 * `latencyMs` ago; before that much history exists, the earliest value.
 * 'twap': time-weighted average of the mid over the trailing `windowMs`.
 * 'vol-adjusted': EWMA of the mid whose half-life lengthens as realised vol
 * rises: halfLife_eff = halfLifeMs · max(1, σ/calmVolPerYear)^volExponent,
 * σ the EWMA of squared log returns between distinct update times, half-life
 * `volHalfLifeMs`, annualised, starting at `calmVolPerYear`.
 */
export type OracleConfig = OracleSchemaConfig;

/**
 * Builds an oracle. `barMs` is the smallest spacing between distinct update
 * times; it sizes the history rings (updates closer than that overflow them
 * and raise an error).
 */
export function createOracle(cfg: OracleConfig, barMs: number): Oracle {
  if (!(barMs > 0)) throw new ConfigError(`bar interval must be > 0 ms, got ${barMs}`, { field: 'barMs' });
  const latencyMs = cfg.latencyMs;
  if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new ConfigError(`latency must be a finite number ≥ 0 ms, got ${latencyMs}`, { field: 'oracle.latencyMs' });
  let inner: Oracle;
  switch (cfg.kind) {
    case 'spot':
      inner = new SpotOracle();
      break;
    case 'twap':
      inner = new TwapOracle(cfg.windowMs, barMs);
      break;
    case 'vol-adjusted':
      inner = new VolAdjustedOracle(cfg.halfLifeMs, cfg.calmVolPerYear, cfg.volHalfLifeMs, cfg.volExponent);
      break;
    default: {
      const never: never = cfg;
      throw new ConfigError(`unknown oracle kind '${(never as { kind: string }).kind}'`, { field: 'oracle.kind' });
    }
  }
  return latencyMs > 0 ? new LaggedOracle(inner, latencyMs, barMs) : inner;
}

/**
 * History of (time, value, aux) with strictly increasing times, keeping only
 * what an as-of query `lookbackMs` before the latest time can still need:
 * the last entry at or before that instant and everything after it.
 * Capacity: at most floor(lookback / minStep) + 2 entries are ever live.
 */
export class AsOfRing extends Stateful {
  readonly capacity: number;
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private readonly a: Float64Array;
  private head = 0;
  private count = 0;

  constructor(readonly lookbackMs: number, minStepMs: number) {
    super();
    invariant(lookbackMs >= 0 && minStepMs > 0, 'AsOfRing needs lookback ≥ 0 and a positive step');
    this.capacity = Math.ceil(lookbackMs / minStepMs) + 2;
    this.t = new Float64Array(this.capacity);
    this.v = new Float64Array(this.capacity);
    this.a = new Float64Array(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  private slot(k: number): number {
    return (this.head + k) % this.capacity;
  }

  lastTime(): number {
    return this.count > 0 ? this.t[this.slot(this.count - 1)] : Number.NaN;
  }
  lastValue(): number {
    return this.count > 0 ? this.v[this.slot(this.count - 1)] : Number.NaN;
  }
  lastAux(): number {
    return this.count > 0 ? this.a[this.slot(this.count - 1)] : Number.NaN;
  }
  /** Oldest kept entry: after pruning, the last one at or before (latest time − lookback), or the earliest ever. */
  headTime(): number {
    return this.count > 0 ? this.t[this.head] : Number.NaN;
  }
  headValue(): number {
    return this.count > 0 ? this.v[this.head] : Number.NaN;
  }
  headAux(): number {
    return this.count > 0 ? this.a[this.head] : Number.NaN;
  }

  /** Records a value; the same time as the last entry overwrites it. */
  record(timeMs: number, value: number, aux = 0): void {
    if (this.count > 0) {
      const last = this.slot(this.count - 1);
      const lt = this.t[last];
      if (timeMs === lt) {
        this.v[last] = value;
        this.a[last] = aux;
        return;
      }
      if (timeMs < lt) throw new ConfigError(`oracle time went backwards: ${timeMs} after ${lt}`, { field: 'timeMs' });
    }
    // Prune before pushing so a full ring can take the new entry if its
    // head has become unnecessary.
    const cutoff = timeMs - this.lookbackMs;
    while (this.count >= 2 && this.t[this.slot(1)] <= cutoff) {
      this.head = this.slot(1);
      this.count--;
    }
    if (this.count === this.capacity) {
      throw new ConfigError(
        `history ring full (${this.capacity} entries for a ${this.lookbackMs} ms lookback): updates at distinct times closer than the bar interval`,
        { field: 'timeMs' },
      );
    }
    const s = this.slot(this.count);
    this.t[s] = timeMs;
    this.v[s] = value;
    this.a[s] = aux;
    this.count++;
  }

  protected describeState(): Saveable {
    return stateOf(ownScalars(this, ['head', 'count']), arrays(this.t, this.v, this.a));
  }
}

/** The mid itself. */
class SpotOracle extends Stateful implements Oracle {
  readonly kind = 'spot' as const;
  private value = Number.NaN;
  update(_timeMs: number, mid: number): void {
    this.value = mid;
  }
  price(): number {
    return this.value;
  }
  protected describeState(): Saveable {
    return ownScalars(this, ['value']);
  }
}

/**
 * TWAP over [t − W, t] of the mid held piecewise constant from each update
 * time to the next. The value given at the current instant has held for no
 * time yet, so it does not count until time moves on: a step reaches the
 * TWAP linearly over the window starting one bar later, as in the Uniswap V2
 * price accumulator, which uses the price at the start of each block
 * (Adams et al., Uniswap v2 Core whitepaper, 2020, §2.2), and which cannot be
 * moved within one instant. Before W of history, the average over what
 * exists; with none (first instant), the mid. The ring stores the running
 * integral at each update time, so each call is O(1) amortised.
 */
class TwapOracle extends Stateful implements Oracle {
  readonly kind = 'twap' as const;
  private readonly ring: AsOfRing;

  constructor(private readonly windowMs: number, barMs: number) {
    super();
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new ConfigError(`TWAP window must be a finite number > 0 ms, got ${windowMs}`, { field: 'oracle.windowMs' });
    this.ring = new AsOfRing(windowMs, barMs);
  }

  update(timeMs: number, mid: number): void {
    const r = this.ring;
    if (r.size === 0) {
      r.record(timeMs, mid, 0);
      return;
    }
    const lt = r.lastTime();
    // The integral up to a new time adds the previous value over the gap;
    // at the same instant it is unchanged.
    const cum = timeMs === lt ? r.lastAux() : r.lastAux() + r.lastValue() * (timeMs - lt);
    r.record(timeMs, mid, cum);
  }

  price(): number {
    const r = this.ring;
    if (r.size === 0) return Number.NaN;
    const now = r.lastTime();
    const start = now - this.windowMs;
    const h0 = r.headTime();
    if (h0 >= now) return r.lastValue();
    if (h0 > start) return (r.lastAux() - r.headAux()) / (now - h0);
    // The head is the last entry at or before the window start: the mid it
    // holds covers [start, next entry).
    const cumStart = r.headAux() + r.headValue() * (start - h0);
    return (r.lastAux() - cumStart) / this.windowMs;
  }

  protected describeState(): Saveable {
    return this.ring;
  }
}

/**
 * Volatility-adjusted index (a stylization: no protocol publishes this exact
 * form). Between distinct times t_c < t:
 *   σ²(t) = λ σ²(t_c) + (1 − λ) r² / Δ_years, λ = 2^(−Δ/volHalfLife), r = ln(mid_t / mid_c)
 *   h_eff = halfLife · max(1, σ(t_c)/σ_calm)^β
 *   I(t)  = I(t_c) + (1 − 2^(−Δ/h_eff)) (mid_t − I(t_c)).
 * The speed uses the vol known before this instant, so the index is
 * increasing in the current mid (a bigger drop never lowers the index less)
 * and a vol spike slows it from the next bar on: it moves less than spot
 * while realised vol is high. Updates at the same instant are re-evaluated
 * from the committed state (t_c), so within-bar impact reaches the index by
 * the same fraction as a bar's move.
 */
class VolAdjustedOracle extends Stateful implements Oracle {
  readonly kind = 'vol-adjusted' as const;
  // Committed state at the previous distinct time.
  private hasCommitted = 0;
  private cTime = 0;
  private cIndex = 0;
  private cVar = 0;
  private cMid = 0;
  // State at the current instant (recomputed on each same-time update).
  private hasPending = 0;
  private pTime = 0;
  private pIndex = Number.NaN;
  private pVar = 0;
  private pMid = 0;
  private readonly calmVar: number;

  constructor(
    private readonly halfLifeMs: number,
    private readonly calmVolPerYear: number,
    private readonly volHalfLifeMs: number,
    private readonly volExponent: number,
  ) {
    super();
    if (!(halfLifeMs > 0)) throw new ConfigError(`half-life must be > 0 ms, got ${halfLifeMs}`, { field: 'oracle.halfLifeMs' });
    if (!(calmVolPerYear > 0)) throw new ConfigError(`calm vol must be > 0, got ${calmVolPerYear}`, { field: 'oracle.calmVolPerYear' });
    if (!(volHalfLifeMs > 0)) throw new ConfigError(`vol half-life must be > 0 ms, got ${volHalfLifeMs}`, { field: 'oracle.volHalfLifeMs' });
    if (!(volExponent >= 0)) throw new ConfigError(`vol exponent must be ≥ 0, got ${volExponent}`, { field: 'oracle.volExponent' });
    this.calmVar = calmVolPerYear * calmVolPerYear;
  }

  update(timeMs: number, mid: number): void {
    if (this.hasPending === 1 && timeMs !== this.pTime) {
      if (timeMs < this.pTime) throw new ConfigError(`oracle time went backwards: ${timeMs} after ${this.pTime}`, { field: 'timeMs' });
      this.hasCommitted = 1;
      this.cTime = this.pTime;
      this.cIndex = this.pIndex;
      this.cVar = this.pVar;
      this.cMid = this.pMid;
    }
    this.hasPending = 1;
    this.pTime = timeMs;
    this.pMid = mid;
    if (this.hasCommitted === 0) {
      this.pIndex = mid;
      this.pVar = this.calmVar;
      return;
    }
    const dt = timeMs - this.cTime;
    const r = Math.log(mid / this.cMid);
    const lambda = Math.pow(0.5, dt / this.volHalfLifeMs);
    this.pVar = lambda * this.cVar + ((1 - lambda) * r * r * MS_PER_YEAR) / dt;
    const ratio = Math.sqrt(this.cVar) / this.calmVolPerYear;
    const hEff = this.halfLifeMs * Math.pow(ratio > 1 ? ratio : 1, this.volExponent);
    const alpha = 1 - Math.pow(0.5, dt / hEff);
    this.pIndex = this.cIndex + alpha * (mid - this.cIndex);
  }

  price(): number {
    return this.pIndex;
  }

  /** Realised vol (annualised) the index uses for its next step. */
  vol(): number {
    return Math.sqrt(this.pVar);
  }

  protected describeState(): Saveable {
    return ownScalars(this, ['hasCommitted', 'cTime', 'cIndex', 'cVar', 'cMid', 'hasPending', 'pTime', 'pIndex', 'pVar', 'pMid']);
  }
}

/**
 * Any oracle seen `latencyMs` late: the inner value recorded at the last
 * time at or before (now − latency); the earliest value before that much
 * history exists. With bar-stamped updates a latency of k bars shows, at
 * bar i, the inner value as it stood at the end of bar i − k.
 */
class LaggedOracle extends Stateful implements Oracle {
  private readonly ring: AsOfRing;
  constructor(private readonly inner: Oracle, latencyMs: number, barMs: number) {
    super();
    this.ring = new AsOfRing(latencyMs, barMs);
  }
  get kind(): OracleConfig['kind'] {
    return this.inner.kind;
  }
  update(timeMs: number, mid: number): void {
    this.inner.update(timeMs, mid);
    this.ring.record(timeMs, this.inner.price());
  }
  price(): number {
    return this.ring.headValue();
  }
  protected describeState(): Saveable {
    return stateOf(this.inner, this.ring);
  }
}

