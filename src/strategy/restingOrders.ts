/**
 * The strategy's resting limit orders, struct-of-arrays. The strategy agent
 * adds and cancels; the venue fills them against other parties' flow
 * (docs/strategies.md#resting-orders). Slots are compacted on removal, so
 * iteration is over `[0, count)` and allocates nothing.
 */
export class RestingOrders {
  /** Ledger party that owns every order here. */
  readonly party: number;
  count = 0;
  id: Float64Array<ArrayBuffer>;
  /** Signed base units still open (+ bid, − ask). */
  size: Float64Array<ArrayBuffer>;
  /** Limit price, quote per base. */
  price: Float64Array<ArrayBuffer>;

  constructor(party: number, capacity = 16) {
    this.party = party;
    this.id = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
  }

  add(id: number, size: number, price: number): void {
    if (this.count === this.id.length) this.grow();
    const k = this.count++;
    this.id[k] = id;
    this.size[k] = size;
    this.price[k] = price;
  }

  indexOf(id: number): number {
    for (let k = 0; k < this.count; k++) if (this.id[k] === id) return k;
    return -1;
  }

  /** Removes slot `k`, keeping the others in placement order (earlier orders fill first at equal prices). */
  removeAt(k: number): void {
    for (let j = k + 1; j < this.count; j++) {
      this.id[j - 1] = this.id[j];
      this.size[j - 1] = this.size[j];
      this.price[j - 1] = this.price[j];
    }
    this.count--;
  }

  clear(): void {
    this.count = 0;
  }

  /**
   * The order a taker of sign `takerSide` meets first: for a seller (−1) the
   * highest bid, for a buyer (+1) the lowest ask; earliest placed among
   * equals. −1 when none.
   */
  best(takerSide: number): number {
    let best = -1;
    for (let k = 0; k < this.count; k++) {
      const s = this.size[k];
      if (takerSide < 0 ? s <= 0 : s >= 0) continue;
      if (best < 0 || (takerSide < 0 ? this.price[k] > this.price[best] : this.price[k] < this.price[best])) best = k;
    }
    return best;
  }

  /** Open bid size (base, ≥ 0) and open ask size (base, ≤ 0) summed. */
  openBids(): number {
    let s = 0;
    for (let k = 0; k < this.count; k++) if (this.size[k] > 0) s += this.size[k];
    return s;
  }

  openAsks(): number {
    let s = 0;
    for (let k = 0; k < this.count; k++) if (this.size[k] < 0) s += this.size[k];
    return s;
  }

  private grow(): void {
    const cap = this.id.length * 2;
    const g = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.id = g(this.id);
    this.size = g(this.size);
    this.price = g(this.price);
  }
}
