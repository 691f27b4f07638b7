/**
 * What a sweep found (src/sweep/analysis.ts computes it), as sweep.json
 * carries it and the sweep page (html/sweepPage.ts) reads it: the shape is
 * the document's, so both sides take it from here.
 */

export interface FoldResult {
  readonly name: string;
  readonly train: readonly string[];
  readonly test: string | null;
  /** Chosen point, or null when no point was feasible on every training window. */
  readonly bestPoint: number | null;
  readonly values: Record<string, unknown> | null;
  readonly inSample: number | null;
  readonly outOfSample: number | null;
  readonly outOfSampleFeasible: boolean | null;
  /** Rank of the chosen point's held-out objective among every point of the fold (1 = best), and their count. */
  readonly outOfSampleRank: number | null;
  readonly ranked: number | null;
}

export interface Overfitting {
  readonly deflatedSharpe: { readonly probability: number; readonly expectedMaxSharpe: number; readonly sharpe: number; readonly trials: number; readonly observations: number } | null;
  readonly pbo: { readonly pbo: number; readonly combinations: number; readonly partitions: number; readonly probabilityOfLoss: number } | null;
  /** Why a figure is null. */
  readonly notes: readonly string[];
}

export interface Analysis {
  readonly folds: readonly FoldResult[];
  readonly overfitting: Overfitting;
  readonly counts: { readonly trials: number; readonly ok: number; readonly invalid: number; readonly error: number; readonly missing: number };
}
