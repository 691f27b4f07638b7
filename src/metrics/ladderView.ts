/**
 * What the metrics read of a liquidation ladder. Metrics own this view; the
 * protocol's Ladder implements it, so metrics never import the protocol.
 */
/** Read-only view of the ladder for metrics, defences and the solvency test (all O(log n)). */
export interface LadderView {
  /** Accounts that are open (collateral > 0 and debt > 0). */
  readonly openCount: number;
  /** Σ collateral (base units) of open accounts whose liquidation key lies in [lo, hi). */
  collateralWithKeyIn(lo: number, hi: number): number;
  /** Σ debt (quote) of open accounts whose liquidation key lies in [lo, hi). */
  debtWithKeyIn(lo: number, hi: number): number;
  /** Largest key among open accounts (−Infinity when none). */
  topKey(): number;
}
