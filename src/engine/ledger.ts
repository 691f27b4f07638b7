/**
 * Cash (quote currency) and asset (base units) of every party that is not a
 * protocol account: the book's counterparties, the dealer, its option
 * customers, the strategy, and later the protocol's funds. Transfers only
 * move value between parties, so the column sums are constant: that is the
 * conservation check of MODEL.md.
 */
export const PARTY_NAMES = ['counterparties', 'dealer', 'optionCustomers', 'strategy', 'insuranceFund', 'backstopPool', 'auctionBidders', 'protocol'] as const;
export type PartyName = (typeof PARTY_NAMES)[number];
export const PARTY: Readonly<Record<PartyName, number>> = Object.fromEntries(PARTY_NAMES.map((n, i) => [n, i])) as Record<PartyName, number>;

export class Ledger {
  readonly cash = new Float64Array(PARTY_NAMES.length);
  readonly asset = new Float64Array(PARTY_NAMES.length);

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

  static readonly stateSize = PARTY_NAMES.length * 2;
  saveState(buf: Float64Array, offset: number): void {
    buf.set(this.cash, offset);
    buf.set(this.asset, offset + PARTY_NAMES.length);
  }
  loadState(buf: Float64Array, offset: number): void {
    this.cash.set(buf.subarray(offset, offset + PARTY_NAMES.length));
    this.asset.set(buf.subarray(offset + PARTY_NAMES.length, offset + 2 * PARTY_NAMES.length));
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
