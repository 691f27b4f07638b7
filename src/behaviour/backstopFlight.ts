/**
 * Capital flight from the backstop pool (docs/model.md#backstop-flight):
 * the pool's depositors watch the public stress signals and ask for their
 * money back when any signal reaches their own threshold, which is exactly
 * when the pool is about to be needed.
 *
 * Model.
 * - The pool's capital belongs to `depositorCount` depositors through shares
 *   (fractions summing to 1 at the start; equal, Pareto rank-size "whales",
 *   or explicit weights). A depositor's claim is its shares over the shares
 *   outstanding, times the pool's value, so capital the pool spends absorbing
 *   liquidations lowers every claim pro rata, and fees left by leavers raise
 *   the claims of those who stay.
 * - The pool's value is, per `claimBasis`:
 *   'available' (default): its spendable quote only, as in Liquity's stability
 *     pool where a deposit shrinks by the debt it absorbs; the collateral the
 *     pool bought stays in the pool for those who remain, because
 *     `pool.withdraw` pays quote only.
 *   'committed': quote plus held collateral at the mid (a NAV vault such as
 *     Hyperliquid's HLP), still paid out of quote only, so a claim can exceed
 *     what the pool can pay in a bar (see the withdrawal queue below).
 * - Each depositor draws one threshold per signal (drawdown, vol ratio,
 *   liquidation velocity) from the configured distributions, from its own
 *   seeded stream. It requests when `stressScore(signals, thresholds) ≥ 1`
 *   and never comes back (no re-deposits: flight is one-way in a crash).
 * - A request made at bar r is paid at bar r + lockupBars (0: at once), at
 *   the claim's value then: while locked, the depositor's capital keeps
 *   absorbing liquidations, which is what a lock-up is for. The fee
 *   (`withdrawalFeePct` of the claim) stays in the pool.
 * - Withdrawal queue: all requests due in a bar are paid together at the same
 *   share value. If the pool's quote cannot cover them (only possible under
 *   'committed'), each due depositor gets the same fraction of its claim and
 *   the rest stays due for the next bar; a depositor is "gone" when fully
 *   paid.
 *
 * Cost per bar: O(1 + depositors who request, fall due or leave this bar),
 * allocation-free. Thresholds are sorted once per signal, and a pointer per
 * signal walks them: a depositor whose threshold the signal reached has
 * requested for good, so the pointer never moves back even when the signal
 * falls. Requests fall due in request order (same lock-up for all), so the
 * queue is an array with three cursors.
 *
 * Call order inside a bar: `beginBar` after the pool mechanism's own
 * `beginBar` (the pool receives its initial capital there on bar 0), before
 * the cascade rounds; `endBar` after the mechanism's `endBar`.
 */
import type { BackstopFlightConfig, FlightThresholdDistribution, ShareSplit } from '../config/behaviourSchema.js';
import { lognormalAt, uniformAt } from '../core/distributions.js';
import { ConfigError, NumericalError, invariant } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { BackstopCapitalFlight } from '../protocol/behaviourHooks.js';
import type { Ledger } from '../sim/ledger.js';
import type { Columns, Recorder } from '../sim/recorder.js';
import { normInv } from '../pricing/normal.js';
import type { StressSignals } from '../sim/stress.js';
import type { Saveable } from '../sim/saveable.js';
import { arrays, ownScalars, stateOf, Stateful } from '../sim/stateBlock.js';

/**
 * One threshold per depositor is drawn from this. Every kind consumes
 * exactly one uniform draw, so switching one signal off or changing its
 * distribution never shifts the draws of the other signals.
 */
/**
 * The config is the schema's `behaviour.backstopFlight`
 * (config/behaviourSchema.ts, where the defaults live). A threshold kind
 * 'values' gives depositor d values[d]; 'pareto' shares follow the rank-size
 * rule of a Pareto tail, depositor r (0-based) holding a weight
 * ∝ (r + 1)^(−1/tailIndex), so depositor 0 is the largest whale.
 */
export type { BackstopFlightConfig, ShareSplit };
export type ThresholdDistribution = FlightThresholdDistribution;

/** What the flight needs of the pool (BackstopPoolMechanism provides it). */
export interface BackstopPoolView {
  /** Quote the pool can spend now. */
  availableQuote(ledger: Ledger): number;
  /** Available quote plus held collateral at `mid`. */
  committedQuote(ledger: Ledger, mid: number): number;
  /** Pays out up to `quote` of available capital; returns what was paid. */
  withdraw(quote: number, ledger: Ledger): number;
}

const SIGNALS = ['drawdown', 'volRatio', 'liquidationQuotePerMin'] as const;
const NSIG = SIGNALS.length;

/** Recorded per bar; `_count` columns and `withdrawn_total` are cumulative. */
export const FLIGHT_COLUMNS = [
  /** Claims (at the bar-start share value) of the depositors who requested this bar, quote. */
  'backstop_flight_requested_quote',
  /** Paid out this bar, net of fees, quote. */
  'backstop_flight_paid_quote',
  /** Fees kept by the pool this bar, quote. */
  'backstop_flight_fee_quote',
  /** Paid out since the start, quote. */
  'backstop_flight_withdrawn_total_quote',
  /** Depositors' claims still in the pool at the bar end (including pending ones), quote. */
  'backstop_flight_committed_quote',
  /** Claims of depositors who asked to leave and are not yet fully paid, at the bar end, quote. */
  'backstop_flight_pending_quote',
  /** The pool's spendable quote at the bar end. */
  'backstop_flight_available_quote',
  /** Depositors who have requested, cumulative. */
  'backstop_flight_requested_count',
  /** Depositors fully paid, cumulative. */
  'backstop_flight_gone_count',
  /** 1 when some depositor's thresholds were crossed at this bar (left or not), else 0: the paradox's stress onset. */
  'backstop_flight_stress_flag',
] as const;
export type FlightColumn = (typeof FLIGHT_COLUMNS)[number];

/** Throws ConfigError naming the field for anything the zod schema should also refuse. */
export function checkBackstopFlightConfig(cfg: BackstopFlightConfig, path = 'behaviour.backstopFlight'): void {
  const bad = (field: string, reason: string): never => {
    throw new ConfigError(reason, { field: `${path}.${field}` });
  };
  if (!Number.isInteger(cfg.depositorCount) || cfg.depositorCount < 1) bad('depositorCount', `must be an integer >= 1, got ${cfg.depositorCount}`);
  if (!Number.isInteger(cfg.lockupBars) || cfg.lockupBars < 0) bad('lockupBars', `must be an integer >= 0, got ${cfg.lockupBars}`);
  if (!(cfg.withdrawalFeePct >= 0 && cfg.withdrawalFeePct <= 100)) bad('withdrawalFeePct', `must lie in [0, 100], got ${cfg.withdrawalFeePct}`);
  if (cfg.claimBasis !== 'available' && cfg.claimBasis !== 'committed') bad('claimBasis', `must be 'available' or 'committed', got ${String(cfg.claimBasis)}`);
  const s = cfg.shares;
  if (s.kind === 'pareto' && !(s.tailIndex > 0 && Number.isFinite(s.tailIndex))) bad('shares.tailIndex', `must be finite and > 0, got ${s.tailIndex}`);
  if (s.kind === 'weights') {
    if (s.weights.length !== cfg.depositorCount) bad('shares.weights', `needs ${cfg.depositorCount} weights (depositorCount), got ${s.weights.length}`);
    s.weights.forEach((w, i) => {
      if (!(w > 0 && Number.isFinite(w))) bad(`shares.weights.${i}`, `must be finite and > 0, got ${w}`);
    });
  }
  for (const name of SIGNALS) {
    const d = cfg.thresholds[name];
    const f = `thresholds.${name}`;
    if (d.kind === 'fixed' && !(d.value >= 0)) bad(`${f}.value`, `must be >= 0 (Infinity: never), got ${d.value}`);
    if (d.kind === 'uniform' && !(d.min >= 0 && d.max >= d.min && Number.isFinite(d.max))) bad(f, `needs finite 0 <= min <= max, got [${d.min}, ${d.max}]`);
    if (d.kind === 'lognormal') {
      if (!(d.median > 0 && Number.isFinite(d.median))) bad(`${f}.median`, `must be finite and > 0, got ${d.median}`);
      if (!(d.sigma >= 0 && Number.isFinite(d.sigma))) bad(`${f}.sigma`, `must be finite and >= 0, got ${d.sigma}`);
    }
    if (d.kind === 'values') {
      if (d.values.length !== cfg.depositorCount) bad(`${f}.values`, `needs ${cfg.depositorCount} values (depositorCount), got ${d.values.length}`);
      d.values.forEach((v, i) => {
        if (!(v >= 0)) bad(`${f}.values.${i}`, `must be >= 0 (Infinity: never), got ${v}`);
      });
    }
  }
}

/** Maps one uniform u in (0, 1) to depositor `depositor`'s threshold. */
export function drawThreshold(d: ThresholdDistribution, u: number, depositor = 0): number {
  switch (d.kind) {
    case 'off':
      return Infinity;
    case 'fixed':
      return d.value;
    case 'uniform':
      return uniformAt(d.min, d.max, u);
    case 'lognormal':
      return lognormalAt(d.median, d.sigma, normInv(u));
    case 'values':
      return d.values[depositor];
  }
}

/** Share fractions summing to 1. */
export function shareFractions(split: ShareSplit, count: number): Float64Array {
  const w = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    w[i] = split.kind === 'equal' ? 1 : split.kind === 'pareto' ? Math.pow(i + 1, -1 / split.tailIndex) : split.weights[i];
  }
  let sum = 0;
  for (let i = 0; i < count; i++) sum += w[i];
  for (let i = 0; i < count; i++) w[i] /= sum;
  return w;
}

/**
 * Same test as `stressScore(s, t) >= 1` for one signal: a threshold ≤ 0
 * always triggers, +Infinity never does. `s / t` rather than `s >= t`
 * because that is what stressScore rounds; division by a larger t never
 * gives a larger quotient, so the thresholds that trigger stay a prefix of
 * the sorted list.
 */
function crosses(s: number, t: number): boolean {
  return t <= 0 || s / t >= 1;
}

export class BackstopFlight extends Stateful implements BackstopCapitalFlight {
  readonly count: number;
  readonly lockupBars: number;
  /** Initial share fractions, constant for the run (sum 1). */
  readonly shares: Float64Array;
  /** Thresholds of depositor d for signal k at [d * 3 + k] (order of StressSignals: drawdown, volRatio, liquidationQuotePerMin). */
  readonly thresholds: Float64Array;
  /** Bar of each depositor's request (NaN: none yet). */
  readonly requestBar: Float64Array;
  /** Bar at which each depositor was fully paid (NaN: still in). */
  readonly goneBar: Float64Array;

  private readonly feeRate: number;
  private readonly committedBasis: boolean;
  /** Depositors sorted by threshold, per signal, at [k * count + j], with the thresholds alongside. */
  private readonly sortedBy: Int32Array;
  private readonly sortedThr: Float64Array;
  /** Depositors in request order: [0, qGone) gone, [qGone, qDue) due, [qDue, qTail) locked. */
  private readonly queue: Int32Array;
  private qTail = 0;
  private qDue = 0;
  private qGone = 0;
  private readonly ptr = new Float64Array(NSIG);
  private idleShares = 1;
  private lockedShares = 0;
  /** Remaining shares of the due, partly paid depositors (they are all paid the same fraction). */
  private dueShares = 0;
  private requestedTotal = 0;
  private paidTotal = 0;
  private feeTotal = 0;
  private barRequested = 0;
  private barPaid = 0;
  private barFee = 0;
  private barCrossed = 0;
  /** The recorded columns; null until `declareColumns` (nothing is recorded without them). */
  columns: Columns<FlightColumn> | null = null;

  /** `rng`: the behaviour's own stream (e.g. `seeds.rng('backstopFlight')`); thresholds are drawn here, once. */
  constructor(cfg: BackstopFlightConfig, rng: Rng) {
    super();
    checkBackstopFlightConfig(cfg);
    const n = cfg.depositorCount;
    this.count = n;
    this.lockupBars = cfg.lockupBars;
    this.feeRate = cfg.withdrawalFeePct / 100;
    this.committedBasis = cfg.claimBasis === 'committed';
    this.shares = shareFractions(cfg.shares, n);
    this.thresholds = new Float64Array(n * NSIG);
    for (let d = 0; d < n; d++) {
      for (let k = 0; k < NSIG; k++) this.thresholds[d * NSIG + k] = drawThreshold(cfg.thresholds[SIGNALS[k]], rng.uniformOpen(), d);
    }
    this.sortedBy = new Int32Array(n * NSIG);
    this.sortedThr = new Float64Array(n * NSIG);
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < NSIG; k++) {
      // Ties broken by index so the order, and hence the queue, is deterministic.
      idx.sort((a, b) => this.thresholds[a * NSIG + k] - this.thresholds[b * NSIG + k] || a - b);
      for (let j = 0; j < n; j++) {
        this.sortedBy[k * n + j] = idx[j];
        this.sortedThr[k * n + j] = this.thresholds[idx[j] * NSIG + k];
      }
    }
    this.requestBar = new Float64Array(n).fill(Number.NaN);
    this.goneBar = new Float64Array(n).fill(Number.NaN);
    this.queue = new Int32Array(n);
  }

  /** Depositors fully paid so far. */
  get goneCount(): number {
    return this.qGone;
  }
  /** Depositors who have asked to leave so far. */
  get requestedCount(): number {
    return this.qTail;
  }
  /** Claims at request time of every request so far, quote. */
  get requestedTotalQuote(): number {
    return this.requestedTotal;
  }
  /** Paid out since the start, net of fees, quote. */
  get withdrawnTotalQuote(): number {
    return this.paidTotal;
  }
  /** Fees kept by the pool since the start, quote. */
  get feeTotalQuote(): number {
    return this.feeTotal;
  }
  /** Shares outstanding (initially 1). */
  get sharesOutstanding(): number {
    return this.idleShares + this.lockedShares + this.dueShares;
  }

  /** Depositor d's claim at a pool value, quote: its remaining shares over those outstanding. */
  claimQuote(d: number, poolValueQuote: number): number {
    const out = this.sharesOutstanding;
    if (!(out > 0) || !Number.isNaN(this.goneBar[d])) return 0;
    const q = this.queue;
    let mine = this.shares[d];
    // A due depositor holds its original shares scaled like every other due one.
    if (this.isDue(d)) {
      let dueOriginal = 0;
      for (let j = this.qGone; j < this.qDue; j++) dueOriginal += this.shares[q[j]];
      mine *= this.dueShares / dueOriginal;
    }
    return (mine / out) * Math.max(0, poolValueQuote);
  }

  /** The pool's value that shares divide: available quote, or committed value at `mid`. */
  poolValueQuote(pool: BackstopPoolView, ledger: Ledger, mid: number): number {
    if (!this.committedBasis) return pool.availableQuote(ledger);
    if (!(mid > 0) || !Number.isFinite(mid)) throw new NumericalError(`claimBasis 'committed' needs a finite mid > 0, got ${mid}`, { field: 'mid' });
    return pool.committedQuote(ledger, mid);
  }

  declareColumns(rec: Recorder): void {
    this.columns = rec.columns(FLIGHT_COLUMNS);
  }

  /**
   * Start of bar `bar`: depositors whose thresholds the bar-start `signals`
   * reach request; requests made `lockupBars` ago (or now, with no lock-up)
   * are paid through `pool.withdraw`. `mid` is needed only for claimBasis
   * 'committed'. `_timeMs` is unused: the lock-up counts bars.
   */
  beginBar(bar: number, _timeMs: number, signals: StressSignals, pool: BackstopPoolView, ledger: Ledger, mid = Number.NaN): void {
    this.barRequested = 0;
    this.barPaid = 0;
    this.barFee = 0;
    this.barCrossed = 0;
    const n = this.count;
    const out = this.sharesOutstanding;
    const value = out > 0 ? Math.max(0, this.poolValueQuote(pool, ledger, mid)) : 0;
    const perShare = out > 0 ? value / out : 0;

    for (let k = 0; k < NSIG; k++) {
      const s = signalValue(signals, k);
      if (Number.isNaN(s)) throw new NumericalError(`stress signal is NaN at bar ${bar}`, { field: `stress.${SIGNALS[k]}` });
      const base = k * n;
      if (crosses(s, this.sortedThr[base])) this.barCrossed = 1;
      let p = this.ptr[k];
      while (p < n && crosses(s, this.sortedThr[base + p])) {
        const d = this.sortedBy[base + p];
        if (Number.isNaN(this.requestBar[d])) this.request(d, bar, perShare);
        p++;
      }
      this.ptr[k] = p;
    }

    const q = this.queue;
    while (this.qDue < this.qTail && this.requestBar[q[this.qDue]] + this.lockupBars <= bar) {
      const sh = this.shares[q[this.qDue]];
      this.lockedShares -= sh;
      this.dueShares += sh;
      this.qDue++;
    }
    if (this.qDue === this.qTail) this.lockedShares = 0;
    if (this.qDue > this.qGone) this.pay(bar, perShare, value, pool, ledger);
  }

  /** Records bar `bar` (after the rounds: claims reflect what the pool absorbed). */
  endBar(bar: number, _rec: Recorder, pool: BackstopPoolView, ledger: Ledger, mid = Number.NaN): void {
    const c = this.columns;
    if (c === null) return;
    const out = this.sharesOutstanding;
    const value = out > 0 ? Math.max(0, this.poolValueQuote(pool, ledger, mid)) : 0;
    c.backstop_flight_requested_quote[bar] = this.barRequested;
    c.backstop_flight_paid_quote[bar] = this.barPaid;
    c.backstop_flight_fee_quote[bar] = this.barFee;
    c.backstop_flight_withdrawn_total_quote[bar] = this.paidTotal;
    c.backstop_flight_committed_quote[bar] = value;
    c.backstop_flight_pending_quote[bar] = out > 0 ? ((this.lockedShares + this.dueShares) / out) * value : 0;
    c.backstop_flight_available_quote[bar] = pool.availableQuote(ledger);
    c.backstop_flight_requested_count[bar] = this.qTail;
    c.backstop_flight_gone_count[bar] = this.qGone;
    c.backstop_flight_stress_flag[bar] = this.barCrossed;
  }

  /** Whether depositor d asked to leave, its lock-up is over and it is not fully paid yet. */
  isDue(d: number): boolean {
    return !Number.isNaN(this.requestBar[d]) && Number.isNaN(this.goneBar[d]) && this.requestBar[d] + this.lockupBars <= this.lastDueBar();
  }

  private lastDueBar(): number {
    return this.qDue > 0 ? this.requestBar[this.queue[this.qDue - 1]] + this.lockupBars : -Infinity;
  }

  private request(d: number, bar: number, perShare: number): void {
    this.requestBar[d] = bar;
    this.queue[this.qTail++] = d;
    const sh = this.shares[d];
    this.idleShares -= sh;
    this.lockedShares += sh;
    // Exact zero once everyone asked: the running subtraction leaves rounding dust.
    if (this.qTail === this.count) this.idleShares = 0;
    this.barRequested += sh * perShare;
    this.requestedTotal += sh * perShare;
  }

  private pay(bar: number, perShare: number, value: number, pool: BackstopPoolView, ledger: Ledger): void {
    // The last ones out take the whole value, not shares × value / shares with its rounding dust.
    const gross = this.idleShares === 0 && this.lockedShares === 0 ? value : this.dueShares * perShare;
    const net = gross * (1 - this.feeRate);
    const paid = net > 0 ? pool.withdraw(net, ledger) : 0;
    invariant(paid <= net * (1 + 1e-12) + 1e-300, `pool paid ${paid} for a request of ${net}`);
    // Relative slack: the pool's min(quote, available) may round a hair below.
    const phi = net > 0 && paid < net * (1 - 1e-12) ? paid / net : 1;
    this.barPaid += paid;
    this.paidTotal += paid;
    const fee = phi * gross * this.feeRate;
    this.barFee += fee;
    this.feeTotal += fee;
    if (phi === 1) {
      const q = this.queue;
      for (let j = this.qGone; j < this.qDue; j++) this.goneBar[q[j]] = bar;
      this.qGone = this.qDue;
      this.dueShares = 0;
    } else {
      this.dueShares *= 1 - phi;
    }
  }

  protected describeState(): Saveable {
    return stateOf(
      arrays(this.requestBar, this.goneBar, this.queue, this.ptr),
      ownScalars(this, [
        'qTail', 'qDue', 'qGone', 'idleShares', 'lockedShares', 'dueShares', 'requestedTotal', 'paidTotal', 'feeTotal', 'barRequested', 'barPaid', 'barFee', 'barCrossed',
      ]),
    );
  }
}

function signalValue(s: StressSignals, k: number): number {
  return k === 0 ? s.drawdown : k === 1 ? s.volRatio : s.liquidationQuotePerMin;
}
