/**
 * Margin of a strategy's options in the style of the crypto options venues'
 * standard (per-position, not portfolio) margin (docs/strategies.md#margin).
 * The venues write it per contract in units of the underlying; here it is
 * in quote currency per unit of the underlying, S the underlying price:
 *
 * - a long option needs no margin: its premium is paid in cash up front;
 * - a short option's initial margin is the larger of a·S less the amount
 *   by which the option is out of the money, and the floor b·S, plus the
 *   option's mark; its maintenance margin is m·S (or m·mark when the mark
 *   is larger, which only a deep in-the-money put can reach) plus the mark.
 *   Initial margin is never below maintenance.
 *
 * With the venues' a = 15%, b = 10% and m = 7.5%: selling a put 10% out of
 * the money ties up 10% of spot plus the premium, and the account is
 * liquidated once its equity falls below 7.5% of spot plus the put's mark.
 * The mark is added because the premium the seller received sits in its
 * cash while the short option is marked against its equity: the premium
 * may not also serve as margin.
 */
import type { OptionMarginConfig } from '../../config/strategyOptionsSchema.js';

/** Out-of-the-money amount of one option, quote per unit: (K − S)⁺ for a call, (S − K)⁺ for a put. */
export function otmAmount(kind: number, spot: number, strike: number): number {
  const m = kind * (strike - spot);
  return m > 0 ? m : 0;
}

/** Initial margin of one unit of a SHORT option, quote. */
export function shortInitialMargin(kind: number, spot: number, strike: number, mark: number, p: OptionMarginConfig): number {
  const base = Math.max(p.initialFraction * spot - otmAmount(kind, spot, strike), p.floorFraction * spot) + mark;
  return Math.max(base, shortMaintenanceMargin(spot, mark, p));
}

/** Maintenance margin of one unit of a SHORT option, quote. */
export function shortMaintenanceMargin(spot: number, mark: number, p: OptionMarginConfig): number {
  return Math.max(p.maintenanceFraction * spot, p.maintenanceFraction * mark) + mark;
}

/** Option columns the margin reads: an OptionBook fits (mark = its last valuation's price). */
export interface MarginColumns {
  readonly length: number;
  readonly kind: Int8Array;
  readonly strike: Float64Array;
  readonly qty: Float64Array;
  readonly price: Float64Array;
}

/** Initial and maintenance margin of a set of options, quote; caller-owned. */
export interface MarginRequirement {
  initial: number;
  maintenance: number;
}

export function makeMarginRequirement(): MarginRequirement {
  return { initial: 0, maintenance: 0 };
}

/** Sums the short options' margins at `spot` with the book's marks into `out` (returned). No allocation. */
export function bookMargin(book: MarginColumns, spot: number, p: OptionMarginConfig, out: MarginRequirement): MarginRequirement {
  let im = 0;
  let mm = 0;
  for (let i = 0; i < book.length; i++) {
    const q = book.qty[i];
    if (!(q < 0)) continue;
    const mark = book.price[i];
    im -= q * shortInitialMargin(book.kind[i], spot, book.strike[i], mark, p);
    mm -= q * shortMaintenanceMargin(spot, mark, p);
  }
  out.initial = im;
  out.maintenance = mm;
  return out;
}

/**
 * Equity of a strategy account, quote: cash + spot holding at the mid +
 * the options' mark-to-market value (long positive, short negative).
 */
export function accountEquity(cash: number, assetBase: number, spot: number, optionsValue: number): number {
  return cash + assetBase * spot + optionsValue;
}

/** Why an order was refused, or '' when it can be funded. */
export type FundingVerdict = '' | 'cash' | 'initial-margin';

/**
 * Whether the account AFTER an order can carry it: cash may not go negative
 * (long options and spot are paid in cash, nothing is lent) and equity must
 * cover the initial margin of the short options.
 */
export function fundingVerdict(cashAfter: number, equityAfter: number, initialAfter: number): FundingVerdict {
  if (cashAfter < 0) return 'cash';
  if (equityAfter < initialAfter) return 'initial-margin';
  return '';
}

/** An account whose equity is below its maintenance margin is liquidated. */
export function underMaintenance(equity: number, maintenance: number): boolean {
  return maintenance > 0 && equity < maintenance;
}
