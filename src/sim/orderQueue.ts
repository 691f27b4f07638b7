/**
 * The market orders of one cascade round, in submission order. Agents push;
 * the engine executes them one by one against the liquidity model in that
 * (stable) order, so a round's outcome never depends on hash or object order.
 */
export class OrderQueue {
  length = 0;
  size: Float64Array<ArrayBuffer>;
  party: Int32Array<ArrayBuffer>;
  cause: Uint8Array<ArrayBuffer>;
  /** Free slot for the submitter's own reference (e.g. a lot id). */
  tag: Float64Array<ArrayBuffer>;

  constructor(capacity = 256) {
    this.size = new Float64Array(capacity);
    this.party = new Int32Array(capacity);
    this.cause = new Uint8Array(capacity);
    this.tag = new Float64Array(capacity);
  }

  push(party: number, cause: number, size: number, tag = 0): void {
    if (size === 0) return;
    if (this.length === this.size.length) this.grow();
    const k = this.length++;
    this.size[k] = size;
    this.party[k] = party;
    this.cause[k] = cause;
    this.tag[k] = tag;
  }

  /** Doubles the capacity: a liquidation wave can put thousands of orders in one round. */
  private grow(): void {
    const cap = this.size.length * 2;
    const size = new Float64Array(cap);
    size.set(this.size);
    const party = new Int32Array(cap);
    party.set(this.party);
    const cause = new Uint8Array(cap);
    cause.set(this.cause);
    const tag = new Float64Array(cap);
    tag.set(this.tag);
    this.size = size;
    this.party = party;
    this.cause = cause;
    this.tag = tag;
  }

  clear(): void {
    this.length = 0;
  }

  totalAbs(): number {
    let s = 0;
    for (let k = 0; k < this.length; k++) s += Math.abs(this.size[k]);
    return s;
  }
}
