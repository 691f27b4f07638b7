import type { LadderView } from '../../src/metrics/ladderView.js';

/**
 * A LadderView over literal accounts, kept sorted by key with prefix sums and
 * answered by binary search: O(log n) like the real ladder, and simple
 * enough to check by eye.
 */
export class SortedLadder implements LadderView {
  readonly openCount: number;
  private readonly keys: Float64Array;
  private readonly collPrefix: Float64Array;
  private readonly debtPrefix: Float64Array;

  constructor(accounts: ReadonlyArray<{ key: number; collateral: number; debt?: number }>) {
    const sorted = [...accounts].sort((a, b) => a.key - b.key);
    this.openCount = sorted.length;
    this.keys = Float64Array.from(sorted, (a) => a.key);
    this.collPrefix = new Float64Array(sorted.length + 1);
    this.debtPrefix = new Float64Array(sorted.length + 1);
    sorted.forEach((a, i) => {
      this.collPrefix[i + 1] = this.collPrefix[i] + a.collateral;
      this.debtPrefix[i + 1] = this.debtPrefix[i] + (a.debt ?? 0);
    });
  }

  /** Index of the first key ≥ x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  collateralWithKeyIn(lo: number, hi: number): number {
    if (!(hi > lo)) return 0;
    return this.collPrefix[this.lowerBound(hi)] - this.collPrefix[this.lowerBound(lo)];
  }

  debtWithKeyIn(lo: number, hi: number): number {
    if (!(hi > lo)) return 0;
    return this.debtPrefix[this.lowerBound(hi)] - this.debtPrefix[this.lowerBound(lo)];
  }

  topKey(): number {
    return this.keys.length > 0 ? this.keys[this.keys.length - 1] : -Infinity;
  }
}

/** A continuum ladder: collateral density `rho` (base per unit key) on keys [a, b]. */
export class UniformLadder implements LadderView {
  readonly openCount = 1;
  constructor(
    readonly rho: number,
    readonly a: number,
    readonly b: number,
  ) {}

  collateralWithKeyIn(lo: number, hi: number): number {
    return this.rho * Math.max(0, Math.min(hi, this.b) - Math.max(lo, this.a));
  }

  debtWithKeyIn(): number {
    return Number.NaN;
  }

  topKey(): number {
    return this.b;
  }
}
