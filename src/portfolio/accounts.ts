import { ConfigError } from '../core/errors.js';
import { lognormalAt, uniformAt } from '../core/distributions.js';
import type { SeedTree } from '../core/rng.js';
import { MS_PER_DAY } from '../core/time.js';
import type { HandAccount, MarginParams, PortfolioScenario } from '../config/portfolioSchema.js';
import { perpLegDue, portfolioRequirement, spotLegDue, type ScanGrid } from './margin.js';

/** What an account holds, for reports: hand-written, a basis trade, a cross hedge, a long perp. */
export const ACCOUNT_KINDS = ['hand', 'basis', 'cross', 'long-perp'] as const;

/**
 * Accounts holding legs in several assets, struct-of-arrays: slot k·A + a is
 * account k's leg in asset a. Every leg keeps its own collateral (the quote
 * loan behind its spot, the margin behind its perp) so the isolated rule can
 * margin it alone; the portfolio rule pools the same numbers into one cash
 * balance, so both rules start from the same equity.
 */
export class MultiAccounts {
  readonly spot: Float64Array;
  readonly debt: Float64Array;
  readonly perp: Float64Array;
  readonly entry: Float64Array;
  readonly perpMargin: Float64Array;
  /** Option leg per slot: quantity in base units of underlying (+ long), strike, expiry (epoch ms), 1 for a call, isolated margin. */
  readonly optQty: Float64Array;
  readonly optStrike: Float64Array;
  readonly optExpiryMs: Float64Array;
  readonly optCall: Uint8Array;
  readonly optMargin: Float64Array;
  /** Quote not tied to a leg: under the portfolio rule, the pooled balance. */
  readonly cash: Float64Array;
  readonly kind: Uint8Array;

  constructor(readonly count: number, readonly assets: number) {
    const m = count * assets;
    this.spot = new Float64Array(m);
    this.debt = new Float64Array(m);
    this.perp = new Float64Array(m);
    this.entry = new Float64Array(m);
    this.perpMargin = new Float64Array(m);
    this.optQty = new Float64Array(m);
    this.optStrike = new Float64Array(m);
    this.optExpiryMs = new Float64Array(m);
    this.optCall = new Uint8Array(m);
    this.optMargin = new Float64Array(m);
    this.cash = new Float64Array(count);
    this.kind = new Uint8Array(count);
  }

  clone(): MultiAccounts {
    const c = new MultiAccounts(this.count, this.assets);
    c.spot.set(this.spot);
    c.debt.set(this.debt);
    c.perp.set(this.perp);
    c.entry.set(this.entry);
    c.perpMargin.set(this.perpMargin);
    c.optQty.set(this.optQty);
    c.optStrike.set(this.optStrike);
    c.optExpiryMs.set(this.optExpiryMs);
    c.optCall.set(this.optCall);
    c.optMargin.set(this.optMargin);
    c.cash.set(this.cash);
    c.kind.set(this.kind);
    return c;
  }

  /** Pools every leg's collateral into the account's cash (the portfolio rule's view). */
  poolCollateral(): void {
    const A = this.assets;
    for (let k = 0; k < this.count; k++) {
      let c = this.cash[k];
      for (let a = 0, s = k * A; a < A; a++, s++) {
        c += this.perpMargin[s] - this.debt[s] + this.optMargin[s];
        this.perpMargin[s] = 0;
        this.optMargin[s] = 0;
        this.debt[s] = 0;
      }
      this.cash[k] = c;
    }
  }

  /**
   * Pooled equity at prices `price`: cash + Σ (spot − debt + margins +
   * q(S − E) + option qty · its unit value), `optUnit` holding each slot's
   * option value per unit (omit when no account holds options).
   */
  equity(k: number, price: ArrayLike<number>, optUnit?: Float64Array): number {
    const A = this.assets;
    let e = this.cash[k];
    for (let a = 0, s = k * A; a < A; a++, s++) {
      e += this.spot[s] * price[a] - this.debt[s] + this.perpMargin[s] + this.perp[s] * (price[a] - this.entry[s]) + this.optMargin[s];
      if (this.optQty[s] !== 0 && optUnit !== undefined) e += this.optQty[s] * optUnit[s];
    }
    return e;
  }
}

/**
 * The scenario's accounts: hand-written ones first (in order), then the
 * generated population. Every leg opens at the first bar's price.
 */
export function buildAccounts(s: PortfolioScenario, firstPrice: ArrayLike<number>, firstMs: number, grid: ScanGrid, seeds: SeedTree): MultiAccounts {
  const hand = s.accounts ?? [];
  const pop = s.population;
  const A = s.assets.length;
  const acc = new MultiAccounts(hand.length + (pop ? pop.count : 0), A);
  const index = new Map(s.assets.map((a, i) => [a.name, i]));
  hand.forEach((h, k) => writeHand(acc, k, h, index, firstPrice, firstMs));
  if (pop) {
    const rng = seeds.rng('portfolio.population');
    let drawn = 0;
    for (let j = 0; j < pop.count; j++) {
      const k = hand.length + j;
      const u = rng.uniform();
      const kind = u < pop.hedgedShare ? 1 : u < pop.hedgedShare + pop.crossShare ? 2 : 3;
      const notional = lognormalAt(pop.notionalQuote, pop.notionalLogSd, rng.normal());
      drawn += notional;
      const a = rng.int(A);
      const b = kind === 2 ? (a + 1 + rng.int(A - 1)) % A : a;
      acc.kind[k] = kind;
      // Accounts are drawn healthy under both rules at the start (open positions
      // are the surviving ones): leverage is redrawn in its band until they are.
      let tries = 0;
      for (;;) {
        const ls = uniformAt(pop.spotLeverage[0], pop.spotLeverage[1], rng.uniform());
        const lp = uniformAt(pop.perpLeverage[0], pop.perpLeverage[1], rng.uniform());
        const last = ++tries >= 50;
        writeDrawn(acc, k, kind, a, b, notional, last ? pop.spotLeverage[0] : ls, last ? pop.perpLeverage[0] : lp, firstPrice);
        if (!dueAtStart(acc, k, firstPrice, s.margin, grid)) break;
        if (last) {
          throw new ConfigError(
            `a ${ACCOUNT_KINDS[kind]} account is due at the start even at the lowest leverage of its band: lower population.spotLeverage/perpLeverage or the margin's scanRangePct`,
            { field: 'population' },
          );
        }
      }
    }
    if (pop.totalNotionalQuote !== undefined) scaleAccounts(acc, hand.length, acc.count, pop.totalNotionalQuote / drawn);
  }
  return acc;
}

/**
 * Σ over accounts of the notional of each one's largest leg (spot, perp or
 * an option's underlying) at `price`: what population.totalNotionalQuote
 * fixes, and what the reports print beside the account count.
 */
export function largestLegNotional(acc: MultiAccounts, price: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < acc.count; k++) {
    let largest = 0;
    for (let a = 0, s = k * acc.assets; a < acc.assets; a++, s++) {
      const n = Math.max(Math.abs(acc.spot[s]), Math.abs(acc.perp[s]), Math.abs(acc.optQty[s])) * price[a];
      if (n > largest) largest = n;
    }
    total += largest;
  }
  return total;
}

/**
 * Multiplies accounts [from, to) by f: every position and its loan or
 * margin alike. Both rules' conditions are homogeneous of degree one in
 * these (equity, requirement, each leg's test), so an account healthy at
 * the start stays healthy, at the same leverage.
 */
function scaleAccounts(acc: MultiAccounts, from: number, to: number, f: number): void {
  for (let s = from * acc.assets; s < to * acc.assets; s++) {
    acc.spot[s] *= f;
    acc.debt[s] *= f;
    acc.perp[s] *= f;
    acc.perpMargin[s] *= f;
  }
}

function writeHand(acc: MultiAccounts, k: number, h: HandAccount, index: Map<string, number>, price: ArrayLike<number>, firstMs: number): void {
  const A = acc.assets;
  const at = (name: string): number => k * A + (index.get(name) as number);
  acc.cash[k] = h.cashQuote;
  for (const [n, o] of Object.entries(h.options)) {
    const s = at(n);
    acc.optQty[s] = o.qty;
    acc.optStrike[s] = o.strike;
    acc.optExpiryMs[s] = firstMs + o.expiryDays * MS_PER_DAY;
    acc.optCall[s] = o.type === 'call' ? 1 : 0;
    acc.optMargin[s] = o.marginQuote;
  }
  for (const [n, v] of Object.entries(h.spot)) acc.spot[at(n)] = v;
  for (const [n, v] of Object.entries(h.debtQuote)) acc.debt[at(n)] = v;
  for (const [n, v] of Object.entries(h.perpMarginQuote)) acc.perpMargin[at(n)] = v;
  for (const [n, v] of Object.entries(h.perp)) {
    acc.perp[at(n)] = v;
    acc.entry[at(n)] = price[index.get(n) as number];
  }
}

function writeDrawn(acc: MultiAccounts, k: number, kind: number, a: number, b: number, notional: number, ls: number, lp: number, price: ArrayLike<number>): void {
  const A = acc.assets;
  for (let x = 0; x < A; x++) {
    const s = k * A + x;
    acc.spot[s] = 0;
    acc.debt[s] = 0;
    acc.perp[s] = 0;
    acc.perpMargin[s] = 0;
    acc.entry[s] = 0;
  }
  if (kind === 3) {
    acc.perp[k * A + a] = notional / price[a];
    acc.entry[k * A + a] = price[a];
    acc.perpMargin[k * A + a] = notional / lp;
    return;
  }
  // Basis and cross: long spot on a loan in asset a, short perp of equal notional in b.
  acc.spot[k * A + a] = notional / price[a];
  acc.debt[k * A + a] = notional * (1 - 1 / ls);
  acc.perp[k * A + b] = -notional / price[b];
  acc.entry[k * A + b] = price[b];
  acc.perpMargin[k * A + b] = notional / lp;
}

function dueAtStart(acc: MultiAccounts, k: number, price: ArrayLike<number>, m: MarginParams, grid: ScanGrid): boolean {
  const A = acc.assets;
  const delta = new Float64Array(A);
  let gross = 0;
  for (let a = 0, s = k * A; a < A; a++, s++) {
    if (spotLegDue(acc.spot[s], acc.debt[s], price[a], m.spotLiquidationThreshold)) return true;
    if (perpLegDue(acc.perp[s], acc.entry[s], acc.perpMargin[s], price[a], m.perpMaintenancePct)) return true;
    delta[a] = acc.spot[s] + acc.perp[s];
    gross += (Math.abs(acc.spot[s]) + Math.abs(acc.perp[s])) * price[a];
  }
  return acc.equity(k, price) < portfolioRequirement(grid, m.floorPct, delta, gross, price);
}
