/**
 * The market orders of one cascade round, in submission order. Agents push;
 * the engine executes them one by one against the liquidity model in that
 * (stable) order, so a round's outcome never depends on hash or object order.
 */
export class OrderQueue {
  length = 0;
  readonly size: Float64Array;
  readonly party: Int32Array;
  readonly cause: Uint8Array;
  /** Free slot for the submitter's own reference (e.g. an account index). */
  readonly tag: Float64Array;

  constructor(capacity = 256) {
    this.size = new Float64Array(capacity);
    this.party = new Int32Array(capacity);
    this.cause = new Uint8Array(capacity);
    this.tag = new Float64Array(capacity);
  }

  push(party: number, cause: number, size: number, tag = 0): void {
    if (size === 0) return;
    if (this.length === this.size.length) throw new Error(`order queue full (${this.size.length}); raise its capacity`);
    const k = this.length++;
    this.size[k] = size;
    this.party[k] = party;
    this.cause[k] = cause;
    this.tag[k] = tag;
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
