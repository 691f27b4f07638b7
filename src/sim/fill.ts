/**
 * One executed order as its owner is told of it. The venue reuses a single
 * record for every fill, so an agent reads what it needs inside `onFill` and
 * never keeps the object.
 */
export interface OrderFill {
  /** Signed base units executed (+ buy, − sell). */
  readonly size: number;
  /** Average fill price, quote per base. */
  readonly price: number;
  /** Simulated mid just before and just after the order. */
  readonly midBefore: number;
  readonly midAfter: number;
  /** Execution cost in quote versus `midBefore`, ≥ 0. */
  readonly cost: number;
  /** The part of `cost` due to price impact (without the half-spread or the book's touch), quote. */
  readonly impactCost: number;
  /** Trade cause code (`CAUSE_CODE`) the order was sent with. */
  readonly cause: number;
  /** What the submitter put on the order (e.g. a lot id). */
  readonly tag: number;
  /** Ledger party that sent the order (the agent's own or one of its `extraParties`). */
  readonly party: number;
  /** Bar index and cascade round of the fill. */
  readonly bar: number;
  readonly round: number;
}
