/**
 * Option orders, option margin and backstop deposits for a strategy: the
 * host the order desk hands `option`, `depositBackstop` and
 * `withdrawBackstop` to (docs/strategies.md#option-orders-and-margin). The
 * strategy agent and the naive twin each own one; it keeps the options
 * account (account.ts) and the backstop stake (../backstop/stake.ts), writes
 * their rows into the strategy's orders log, and tells its owner the
 * account's equity beyond cash and spot, its margin, and when it must be
 * liquidated.
 */
import type { OptionFillConfig, OptionMarginConfig } from '../../config/strategyOptionsSchema.js';
import type { MarketView } from '../../sim/agent.js';
import type { Ledger } from '../../sim/ledger.js';
import type { PnlTotals } from '../../dealer/pnlAttribution.js';
import type { VolSurface } from '../../sim/volSurface.js';
import type { OptionOrder, StrategyOrders } from '../api.js';
import type { MutableAccount } from '../context.js';
import type { OrderKind, OrdersLog } from '../ordersLog.js';
import { BackstopStake, type PoolAccess } from '../backstop/stake.js';
import { OptionAccount, type OptionTrade } from './account.js';

export interface OptionsHostConfig {
  readonly fill: OptionFillConfig;
  readonly margin: OptionMarginConfig;
  /** Most option contracts held at once. */
  readonly capacity: number;
  /** The year times to expiry are counted in, ms (dealer.tenorDayCount). */
  readonly yearMs: number;
  /** The backstop pool, or null when the scenario has none. */
  readonly pool: PoolAccess | null;
  /** Why deposits are refused although a pool exists ('' when they are allowed). */
  readonly depositsRefused: string;
  /** Lock-up and fee of the behaviour layer's depositors. */
  readonly lockupBars: number;
  readonly withdrawalFeePct: number;
}

/** Totals of the options and the backstop stake in summary.json (present only when the strategy used them). */
export interface OptionsFigures {
  options?: {
    /** Option orders filled and refused. */
    filled: number;
    rejected: number;
    /** Σ |qty|, base units. */
    volumeBase: number;
    /** Σ price · qty: premium paid (> 0) or received (< 0), quote. */
    premiumNetQuote: number;
    /** Spread or impact paid over the surface price, quote. */
    executionCostQuote: number;
    /** Cash from expiries, quote. */
    settlementQuote: number;
    /** Bars in which the options were bought back under maintenance. */
    liquidations: number;
    /** P&L by greek, quote (dealer attribution). */
    pnl: PnlTotals;
  };
  backstop?: {
    depositedQuote: number;
    withdrawnQuote: number;
    feeQuote: number;
    /** The stake at the last bar's share price, quote. */
    finalStakeQuote: number;
  };
}

/** Stands in until the first bar hands over the market's surface. */
const NO_SURFACE: VolSurface = {
  impliedVol() {
    throw new Error('no surface before the first bar');
  },
  impliedVolBatch() {
    throw new Error('no surface before the first bar');
  },
  totalVariance() {
    throw new Error('no surface before the first bar');
  },
};

export class StrategyOptionsHost {
  readonly account: OptionAccount;
  readonly stake: BackstopStake | null;
  /** What the order desk hands on: option orders, deposits and withdrawals. */
  readonly orders: Pick<StrategyOrders, 'option' | 'depositBackstop' | 'withdrawBackstop'>;
  private readonly cfg: OptionsHostConfig;
  private readonly log: OrdersLog;
  private readonly newId: (kind: OrderKind) => number;
  private bar = 0;
  private round = -1;
  private ledger: Ledger | null = null;
  private lastId = -1;
  private used = false;

  constructor(cfg: OptionsHostConfig, party: number, log: OrdersLog, newId: (kind: OrderKind) => number) {
    this.cfg = cfg;
    this.log = log;
    this.newId = newId;
    this.account = new OptionAccount(cfg.capacity, cfg.fill, cfg.margin, NO_SURFACE, party);
    this.account.market.yearMs = cfg.yearMs;
    this.account.onTrade = (t) => this.record(t);
    this.stake = cfg.pool !== null ? new BackstopStake(cfg.lockupBars, cfg.withdrawalFeePct, party) : null;
    this.orders = {
      option: (o) => this.option(o),
      depositBackstop: (q) => this.depositBackstop(q),
      withdrawBackstop: (q) => this.withdrawBackstop(q),
    };
  }

  /**
   * Where the owner is now: bar, round, ledger and the live market (the
   * options are quoted at the view's mid and bar-start time, on its surface,
   * with its public stress signals). Call before anything reads the market.
   */
  place(bar: number, round: number, ledger: Ledger, m: MarketView): void {
    this.bar = bar;
    this.round = round;
    this.ledger = ledger;
    const mk = this.account.market;
    mk.spot = m.mid();
    mk.nowMs = m.time;
    mk.rate = m.rate;
    mk.dividend = m.dividend;
    mk.surface = m.surface;
    mk.volRatio = m.stress.volRatio;
    mk.drawdown = m.drawdown;
    mk.depthPerLogPrice = m.depthPerLogPrice();
  }

  /** Maintenance margin of the short options at the current market, quote (re-marks them; 0 without options). */
  maintenance(ledger: Ledger): number {
    if (this.account.options.book.length === 0) return 0;
    this.account.underMaintenance(ledger);
    return this.account.options.margin.maintenance;
  }

  /** Buys back (sells) every option at the fill model's price; true when there was any. */
  liquidate(ledger: Ledger): boolean {
    return this.account.liquidate(ledger) > 0;
  }

  /** Bar end at the closing mid (after place): settles expiries, attributes the bar's P&L. */
  endBar(ledger: Ledger, dtYears: number): void {
    this.account.endBar(ledger, dtYears);
  }

  /** Writes the options and stake fields of the strategy's account view. */
  describe(a: MutableAccount, ledger: Ledger): void {
    const opts = this.account.options;
    a.optionsValueQuote = opts.book.length > 0 ? this.account.optionsValue : 0;
    a.optionsHeldBase = opts.grossQty();
    if (opts.book.length > 0) opts.requirement(this.account.market.spot, this.cfg.margin);
    a.initialMarginQuote = opts.book.length > 0 ? opts.margin.initial : 0;
    a.maintenanceMarginQuote = opts.book.length > 0 ? opts.margin.maintenance : 0;
    a.backstopQuote = this.stakeValue(ledger);
  }

  /** The run's option and backstop totals; empty when the strategy used neither. */
  figures(): OptionsFigures {
    if (!this.used) return {};
    const t = this.account.totals;
    const out: OptionsFigures = {};
    if (t.filled + t.rejected > 0) {
      out.options = {
        filled: t.filled, rejected: t.rejected, volumeBase: t.volumeBase, premiumNetQuote: t.premiumNet, executionCostQuote: t.executionCost,
        settlementQuote: t.settlementCash, liquidations: t.liquidations, pnl: { ...t.pnl },
      };
    }
    const st = this.stake;
    if (st !== null && st.totals.depositedQuote > 0) {
      out.backstop = {
        depositedQuote: st.totals.depositedQuote,
        withdrawnQuote: st.totals.withdrawnQuote,
        feeQuote: st.totals.feeQuote,
        finalStakeQuote: this.ledger ? this.stakeValue(this.ledger) : 0,
      };
    }
    return out;
  }

  /** Holdings beyond cash and spot: options at their marks plus the backstop stake, quote. */
  otherEquity(ledger: Ledger): number {
    return this.account.optionsValue + this.stakeValue(ledger);
  }

  stakeValue(ledger: Ledger): number {
    const pool = this.cfg.pool;
    return this.stake !== null && pool !== null ? this.stake.valueQuote(pool, ledger, this.account.market.spot) : 0;
  }

  option(order: OptionOrder): number {
    this.used = true;
    const ledger = this.ledger;
    const kind = order.kind === 'call' ? 1 : order.kind === 'put' ? -1 : 0;
    if (ledger === null) return this.refuse('option', order.qtyBase, `option orders need the market: none before the first bar`);
    this.lastId = this.newId('option');
    const px = this.account.orderOption(kind, order.strike, order.expiryMs, order.qtyBase, ledger, this.stakeValue(ledger));
    return Number.isNaN(px) ? -1 : this.lastId;
  }

  depositBackstop(quote: number): number {
    this.used = true;
    const ledger = this.ledger;
    const pool = this.cfg.pool;
    const id = this.newId('depositBackstop');
    const why =
      pool === null || this.stake === null
        ? 'the scenario has no backstop pool (protocol.liquidation.mechanism.kind backstop)'
        : this.cfg.depositsRefused !== ''
          ? this.cfg.depositsRefused
          : ledger === null
            ? 'no deposits before the first bar'
            : this.stake.deposit(quote, pool, ledger, this.account.market.spot);
    this.log.add(this.bar, this.round, id, 'depositBackstop', quote, Number.NaN, why === '' ? 'filled' : 'rejected', why);
    return why === '' ? id : -1;
  }

  withdrawBackstop(quote: number): number {
    this.used = true;
    const ledger = this.ledger;
    const pool = this.cfg.pool;
    const id = this.newId('withdrawBackstop');
    const why =
      pool === null || this.stake === null
        ? 'the scenario has no backstop pool'
        : ledger === null
          ? 'no withdrawals before the first bar'
          : this.stake.requestWithdrawal(quote, this.bar, pool, ledger, this.account.market.spot);
    this.log.add(this.bar, this.round, id, 'withdrawBackstop', quote, Number.NaN, why === '' ? 'accepted' : 'rejected', why);
    return why === '' ? id : -1;
  }

  /** Bar start, after {@link place}: pays due withdrawals, re-marks the options. */
  beginBar(ledger: Ledger): void {
    const pool = this.cfg.pool;
    if (this.stake !== null && pool !== null) {
      const paid = this.stake.payDue(this.bar, pool, ledger, this.account.market.spot);
      if (paid > 0) this.log.add(this.bar, -1, -1, 'withdrawBackstop', paid, Number.NaN, 'filled', 'paid after the lock-up, net of the fee');
    }
    this.account.beginBar(ledger);
  }

  private refuse(kind: 'option', size: number, why: string): number {
    this.log.add(this.bar, this.round, this.newId(kind), kind, size, Number.NaN, 'rejected', why);
    return -1;
  }

  private record(t: Readonly<OptionTrade>): void {
    const contract = `${t.kind === 1 ? 'call' : 'put'} K=${t.strike} exp=${new Date(t.expiryMs).toISOString()}`;
    if (t.liquidation) {
      this.log.add(this.bar, this.round, this.newId('liquidation'), 'liquidation', t.qty, t.price, 'filled', `${contract}: options bought back under maintenance margin`);
      return;
    }
    const ok = t.reason === '';
    const why = ok ? contract : `${contract}: ${REASONS[t.reason]}`;
    this.log.add(this.bar, this.round, this.lastId, 'option', t.qty, t.price, ok ? 'filled' : 'rejected', why);
  }
}

const REASONS: Record<Exclude<OptionTrade['reason'], ''>, string> = {
  cash: 'not enough cash for the premium',
  'initial-margin': 'equity would not cover the initial margin of the short options',
  capacity: 'too many option contracts held at once',
  invalid: 'invalid order (kind, strike, quantity or expiry in the past)',
};
