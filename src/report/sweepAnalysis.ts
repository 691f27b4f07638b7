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
  /**
   * Points whose in-sample mean equals the chosen one's exactly, the chosen
   * included (the first of them in the fold's order is taken: among ties
   * the choice says nothing), and the range of their held-out objectives.
   * Absent in sweep.json files written before these fields.
   */
  readonly tiedInSample?: number;
  readonly tiedOutOfSample?: { readonly min: number; readonly max: number } | null;
  /** Points of the fold whose held-out objective equals the chosen one's exactly, the chosen included: its rank is shared by that many. */
  readonly outOfSampleTies?: number;
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

/** A fold whose choice was a tie says so, with what the tied points did on the held-out window; '' otherwise. */
export function tieText(f: FoldResult, num: (v: number) => string): string {
  const n = f.tiedInSample ?? 0;
  if (n < 2) return '';
  const range = f.tiedOutOfSample ? `; held out, the tied points range from ${num(f.tiedOutOfSample.min)} to ${num(f.tiedOutOfSample.max)}` : '';
  return `tied in-sample with ${n - 1} other point${n > 2 ? 's' : ''}: the first listed is taken, and the tie says nothing about which is better${range}`;
}

/**
 * "3 of 20", or "1-12 of 20" when the chosen point shares its held-out value
 * with others; '' when nothing else ran there to rank against (a TPE fold
 * runs only its chosen point on the held-out window).
 */
export function rankText(f: FoldResult, sep = ' of '): string {
  if (f.outOfSampleRank === null || f.ranked === null || f.ranked < 2) return '';
  const ties = f.outOfSampleTies ?? 1;
  return `${f.outOfSampleRank}${ties > 1 ? `-${f.outOfSampleRank + ties - 1}` : ''}${sep}${f.ranked}`;
}
