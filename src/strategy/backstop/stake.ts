/**
 * A strategy's stake in the protocol's backstop pool
 * (docs/strategies.md#backstop-deposits). The pool (protocol/mechanisms/
 * backstopPool.ts) buys liquidated collateral at a discount with its quote;
 * the stake is a number of pool shares whose value moves with the pool's.
 *
 * - Shares: the capital in the pool when the strategy first deposits
 *   belongs to the other depositors, who hold one share per quote of it; a
 *   deposit of d buys d / price shares, price = pool value / shares
 *   outstanding. The pool value is its committed value, available quote
 *   plus collateral held at the mid (a NAV vault's share price): what the
 *   pool bought at a discount counts for the stake at what it is worth now.
 *   That is how the provider earns the discount and how it pays for
 *   catching the falling knife.
 * - Withdrawals: as for the behaviour layer's depositors
 *   (behaviour/backstopFlight.ts), a request made at bar r is paid at bar
 *   r + lockupBars at the share price then (while locked the capital keeps
 *   absorbing liquidations), less the withdrawal fee, which stays in the
 *   pool. Payment comes out of the pool's available quote; when that falls
 *   short, the rest stays due and is paid at the next bars.
 * - The behaviour layer's depositors keep their own share registry over the
 *   whole pool, so a deposit while they are modelled would be counted twice:
 *   the agent refuses deposits then (docs/strategies.md).
 *
 * Cash moves between the strategy's ledger party and the pool's; nothing
 * else is touched. Per-bar cost O(1), no allocation. Not a Saveable: a run
 * with a strategy is never rolled back (strategy/agent.ts), so the stake's
 * few scalars are plain fields.
 */
import type { Ledger } from '../../sim/ledger.js';

/** What the stake reads of the pool: BackstopPoolMechanism fits. */
export interface PoolAccess {
  /** The pool's ledger party. */
  readonly party: number;
  /** Quote the pool can spend now. */
  availableQuote(ledger: Ledger): number;
  /** Available quote plus held collateral at `mid`. */
  committedQuote(ledger: Ledger, mid: number): number;
}

export interface StakeTotals {
  /** Σ deposits, quote. */
  depositedQuote: number;
  /** Σ paid out to the strategy, net of fees, quote. */
  withdrawnQuote: number;
  /** Σ fees left in the pool, quote. */
  feeQuote: number;
}

export class BackstopStake {
  readonly lockupBars: number;
  readonly feeRate: number;
  readonly party: number;
  readonly totals: StakeTotals = { depositedQuote: 0, withdrawnQuote: 0, feeQuote: 0 };
  /** The strategy's shares, including those asked back and not yet paid. */
  shares = 0;
  /** Shares of everyone else (NaN until the first deposit fixes them). */
  otherShares = Number.NaN;
  /** Shares asked back, not yet paid. */
  pendingShares = 0;
  /** Bar from which the pending shares are paid (NaN: none pending). */
  dueBar = Number.NaN;

  /**
   * @param lockupBars bars between a request and its payment (behaviour.backstopFlight.lockupBars)
   * @param withdrawalFeePct fee on each withdrawal, percent, kept by the pool (behaviour.backstopFlight.withdrawalFeePct)
   */
  constructor(lockupBars: number, withdrawalFeePct: number, party: number) {
    if (!Number.isInteger(lockupBars) || lockupBars < 0) throw new RangeError(`lockupBars must be an integer >= 0, got ${lockupBars}`);
    if (!(withdrawalFeePct >= 0 && withdrawalFeePct <= 100)) throw new RangeError(`withdrawalFeePct must lie in [0, 100], got ${withdrawalFeePct}`);
    this.lockupBars = lockupBars;
    this.feeRate = withdrawalFeePct / 100;
    this.party = party;
  }

  /** Quote per share now (1 before the first deposit). */
  price(pool: PoolAccess, ledger: Ledger, mid: number): number {
    const total = this.shares + (Number.isNaN(this.otherShares) ? 0 : this.otherShares);
    if (!(total > 0)) return 1;
    return Math.max(0, pool.committedQuote(ledger, mid)) / total;
  }

  /** The stake at the current share price, quote (what the strategy's equity counts). */
  valueQuote(pool: PoolAccess, ledger: Ledger, mid: number): number {
    return this.shares > 0 ? this.shares * this.price(pool, ledger, mid) : 0;
  }

  /** Deposits `quote` from the strategy's cash; returns '' or why it was refused. */
  deposit(quote: number, pool: PoolAccess, ledger: Ledger, mid: number): string {
    if (!(quote > 0) || !Number.isFinite(quote)) return `deposit must be finite and > 0, got ${quote}`;
    const cash = ledger.cash[this.party];
    if (quote > cash) return `needs ${quote.toFixed(2)} quote of cash, has ${cash.toFixed(2)}`;
    if (Number.isNaN(this.otherShares)) this.otherShares = Math.max(0, pool.committedQuote(ledger, mid));
    const price = this.price(pool, ledger, mid);
    if (!(price > 0)) return 'the pool is worth nothing: its shares have no price';
    this.shares += quote / price;
    ledger.payCash(this.party, pool.party, quote);
    this.totals.depositedQuote += quote;
    return '';
  }

  /**
   * Asks for `quote` (at the current share price) back at bar `bar`, paid
   * from bar + lockupBars; a new request adds to one still pending and
   * restarts its lock-up. Returns '' or why it was refused.
   */
  requestWithdrawal(quote: number, bar: number, pool: PoolAccess, ledger: Ledger, mid: number): string {
    if (!(quote > 0) || !Number.isFinite(quote)) return `withdrawal must be finite and > 0, got ${quote}`;
    const free = this.shares - this.pendingShares;
    if (!(free > 0)) return 'no stake left to withdraw';
    const price = this.price(pool, ledger, mid);
    const wanted = price > 0 ? quote / price : free;
    // Asking for a hair more than the stake (its value moved since it was read) takes the whole stake.
    this.pendingShares += Math.min(free, wanted * (1 + 1e-12) >= free ? free : wanted);
    this.dueBar = bar + this.lockupBars;
    return '';
  }

  /**
   * Pays what is due at bar `bar` (call at the bar start, after the pool's
   * own beginBar); returns the quote paid to the strategy.
   */
  payDue(bar: number, pool: PoolAccess, ledger: Ledger, mid: number): number {
    if (!(this.pendingShares > 0) || !(bar >= this.dueBar)) return 0;
    const price = this.price(pool, ledger, mid);
    const gross = this.pendingShares * price;
    const net = gross * (1 - this.feeRate);
    const paid = Math.min(net, Math.max(0, pool.availableQuote(ledger)));
    const phi = net > 0 ? paid / net : 1;
    const retired = phi >= 1 - 1e-12 ? this.pendingShares : this.pendingShares * phi;
    if (paid > 0) ledger.payCash(pool.party, this.party, paid);
    this.shares -= retired;
    this.pendingShares -= retired;
    if (!(this.pendingShares > 0)) {
      this.pendingShares = 0;
      this.dueBar = Number.NaN;
    }
    if (this.shares < 1e-12 * (this.otherShares || 1)) this.shares = 0;
    this.totals.withdrawnQuote += paid;
    this.totals.feeQuote += phi * gross * this.feeRate;
    return paid;
  }
}
