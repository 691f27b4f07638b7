import type { Saveable } from './saveable.js';
import { arrays, scalars, stateOf, Stateful, type ScalarKey } from './stateBlock.js';

/**
 * Cash (quote currency) and asset (base units) of every party that is not a
 * protocol account: the book's counterparties, the dealer, its option
 * customers, the strategy, and later the protocol's funds. Transfers only
 * move value between parties, so the column sums are constant: that is the
 * conservation check of docs/model.md#checks-that-pin-the-model.
 */
/**
 * - counterparties: the liquidity the simulated book stands for;
 * - accounts: the leveraged accounts together (their collateral; their debt
 *   is a claim of the lenders, kept in the protocol's account book);
 * - lenders: who lent to the accounts and is repaid from liquidations;
 * - protocol: holds seized collateral and proceeds while a liquidation runs;
 * - keepers: liquidators' rewards; insuranceFund, backstopPool,
 *   auctionBidders: as named;
 * - backstopDepositors: capital withdrawn from the backstop pool;
 * - holders: unlevered holders (the stylized herding behaviour);
 * - bondSellers: outside capital that sold the protocol a contagion bond
 *   (its escrowed notional, the coupons it earned).
 */
export const PARTY_NAMES = [
  'counterparties', 'dealer', 'optionCustomers', 'strategy', 'insuranceFund', 'backstopPool', 'auctionBidders', 'protocol',
  'accounts', 'lenders', 'keepers', 'backstopDepositors', 'holders', 'bondSellers',
] as const;
export type PartyName = (typeof PARTY_NAMES)[number];
export const PARTY: Readonly<Record<PartyName, number>> = Object.fromEntries(PARTY_NAMES.map((n, i) => [n, i])) as Record<PartyName, number>;

/** The ledger's saved scalars, after the cash and asset columns. */
const SCALARS = ['endowedCash', 'endowedAsset'] as const satisfies readonly ScalarKey<Ledger>[];

export class Ledger extends Stateful {
  readonly cash = new Float64Array(PARTY_NAMES.length);
  readonly asset = new Float64Array(PARTY_NAMES.length);
  /** What parties brought into the run (accounts' collateral, fund and pool capital): the conserved totals. */
  endowedCash = 0;
  endowedAsset = 0;

  /** Gives a party what it holds when the run starts; the only way value enters the ledger. */
  endow(party: number, cash: number, asset: number): void {
    this.cash[party] += cash;
    this.asset[party] += asset;
    this.endowedCash += cash;
    this.endowedAsset += asset;
  }

  /** Total cash minus what was endowed: zero up to rounding when nothing was created or destroyed. */
  cashImbalance(): number {
    return this.totalCash() - this.endowedCash;
  }

  /** Total asset minus what was endowed. */
  assetImbalance(): number {
    return this.totalAsset() - this.endowedAsset;
  }

  /** `buyer` pays `price * size` quote to `seller` for `size` base units. */
  trade(buyer: number, seller: number, size: number, price: number): void {
    const value = size * price;
    this.cash[buyer] -= value;
    this.cash[seller] += value;
    this.asset[buyer] += size;
    this.asset[seller] -= size;
  }

  payCash(from: number, to: number, amount: number): void {
    this.cash[from] -= amount;
    this.cash[to] += amount;
  }

  moveAsset(from: number, to: number, units: number): void {
    this.asset[from] -= units;
    this.asset[to] += units;
  }

  totalCash(): number {
    return kahanSum(this.cash);
  }

  totalAsset(): number {
    return kahanSum(this.asset);
  }

  /** Slots of the saved state: both columns and the endowed totals. */
  static readonly stateSize = PARTY_NAMES.length * 2 + SCALARS.length;
  protected describeState(): Saveable {
    return stateOf(arrays(this.cash, this.asset), scalars<Ledger>(this, SCALARS));
  }
}

/** Compensated sum: conservation is checked to ~1e-12 relative, so plain summation noise matters. */
export function kahanSum(values: ArrayLike<number>): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i] - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return sum;
}
