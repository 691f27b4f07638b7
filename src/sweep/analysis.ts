/**
 * What a sweep found, from its plan and records alone (so a merge of shards
 * reaches the same answer as one machine):
 *
 * - per fold, the best feasible point on its training windows (the mean of
 *   the objective over them; every training window must satisfy every
 *   constraint) and, with a held-out window, the same point's objective
 *   there: in-sample and out-of-sample side by side;
 * - overfitting figures over the whole sweep. The sweep's "periods" are its
 *   windows: the performance of point p in period w is its objective on
 *   window w, signed so that higher is better. PBO by CSCV (metrics/
 *   overfitting.ts) ranks points by their mean over half the windows and
 *   asks how often the in-sample best falls to or below the median on the
 *   other half. The deflated Sharpe ratio takes the best point's objective
 *   across the windows as its return series (its "Sharpe" is mean over sd:
 *   how consistently it wins across crashes) and deflates it by the number
 *   of points tried. Both need at least two windows and two points whose
 *   every window ran; otherwise they are null with the reason.
 */
import { deflatedSharpeOfReturns, pbo, returnMoments } from '../metrics/overfitting.js';
import { CascadeError } from '../core/errors.js';
import { figureAt } from './results.js';
import type { Analysis, FoldResult, Overfitting } from '../report/sweepAnalysis.js';
import type { TrialRecord } from './trial.js';

export interface PlanTrial {
  readonly index: number;
  readonly key: string;
  readonly label: string;
  /** Point number within the plan's `points`. */
  readonly point: number;
  readonly window: number;
}

export interface Fold {
  readonly name: string;
  readonly train: readonly number[];
  /** The held-out window, or null (no validation). */
  readonly test: number | null;
  /** The points this fold chooses among (TPE: its own study; else every point). */
  readonly points: readonly number[];
}

/** Everything the tables and the analysis need: written to plan.json. */
export interface Plan {
  readonly kind: 'cascade-sweep-plan';
  readonly sweepHash: string;
  readonly name: string;
  readonly method: string;
  readonly validation: string;
  readonly seed: number;
  readonly parameters: readonly string[];
  readonly windows: readonly string[];
  /** Parameter values of each point. */
  readonly points: ReadonlyArray<readonly unknown[]>;
  readonly objective: { readonly figure: string; readonly goal: 'min' | 'max' };
  readonly constraints: ReadonlyArray<{ readonly figure: string; readonly min?: number | undefined; readonly max?: number | undefined }>;
  readonly figures: readonly string[];
  readonly folds: readonly Fold[];
  readonly trials: readonly PlanTrial[];
}

// The result's shape is the sweep.json document's, which the sweep page reads too: it lives with the page, below this layer.
export type { Analysis, FoldResult, Overfitting } from '../report/sweepAnalysis.js';

/** Objective and feasibility of one trial; null objective when it did not run or the figure is absent. */
function score(plan: Plan, rec: TrialRecord | undefined): { value: number | null; feasible: boolean } {
  if (rec === undefined || rec.status !== 'ok') return { value: null, feasible: false };
  const value = figureAt(rec.figures, plan.objective.figure);
  let feasible = value !== null && Number.isFinite(value);
  for (const c of plan.constraints) {
    const v = figureAt(rec.figures, c.figure);
    if (v === null || (c.min !== undefined && !(v >= c.min)) || (c.max !== undefined && !(v <= c.max))) feasible = false;
  }
  return { value, feasible };
}

export function analyse(plan: Plan, records: ReadonlyMap<string, TrialRecord>): Analysis {
  // cell[point][window] → trial (the first trial of that point and window).
  const cell = new Map<string, PlanTrial>();
  for (const t of plan.trials) if (!cell.has(`${t.point}/${t.window}`)) cell.set(`${t.point}/${t.window}`, t);
  const at = (p: number, w: number): { value: number | null; feasible: boolean } => {
    const t = cell.get(`${p}/${w}`);
    return score(plan, t === undefined ? undefined : records.get(t.key));
  };
  const better = plan.objective.goal === 'min' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;

  const folds = plan.folds.map((fold): FoldResult => {
    let best: number | null = null;
    let bestMean = 0;
    const means = new Map<number, number>();
    for (const p of fold.points) {
      let sum = 0;
      let ok = true;
      for (const w of fold.train) {
        const s = at(p, w);
        if (!s.feasible || s.value === null) ok = false;
        else sum += s.value;
      }
      if (!ok || fold.train.length === 0) continue;
      const mean = sum / fold.train.length;
      means.set(p, mean);
      if (best === null || better(mean, bestMean)) {
        best = p;
        bestMean = mean;
      }
    }
    let outOfSample: number | null = null;
    let oosFeasible: boolean | null = null;
    let rank: number | null = null;
    let ranked: number | null = null;
    let oosTies = 0;
    if (best !== null && fold.test !== null) {
      const s = at(best, fold.test);
      outOfSample = s.value;
      oosFeasible = s.feasible;
      if (s.value !== null) {
        const others = fold.points.map((p) => at(p, fold.test as number).value).filter((v): v is number => v !== null);
        ranked = others.length;
        rank = 1 + others.filter((v) => better(v, s.value as number)).length;
        oosTies = others.filter((v) => v === s.value).length;
      }
    }
    const tied = best === null ? [] : fold.points.filter((p) => means.get(p) === bestMean);
    const tiedHeldOut = fold.test === null || tied.length < 2 ? [] : tied.map((p) => at(p, fold.test as number).value).filter((v): v is number => v !== null);
    return {
      name: fold.name,
      train: fold.train.map((w) => plan.windows[w]),
      test: fold.test === null ? null : plan.windows[fold.test],
      bestPoint: best,
      values: best === null ? null : Object.fromEntries(plan.parameters.map((p, k) => [p, plan.points[best as number][k]])),
      inSample: best === null ? null : bestMean,
      outOfSample,
      outOfSampleFeasible: oosFeasible,
      outOfSampleRank: rank,
      ranked,
      tiedInSample: tied.length,
      outOfSampleTies: oosTies,
      tiedOutOfSample: tiedHeldOut.length > 0 ? { min: Math.min(...tiedHeldOut), max: Math.max(...tiedHeldOut) } : null,
    };
  });

  const counts = { trials: plan.trials.length, ok: 0, invalid: 0, error: 0, missing: 0 };
  for (const t of plan.trials) {
    const r = records.get(t.key);
    if (r === undefined) counts.missing++;
    else counts[r.status]++;
  }
  return { folds, overfitting: overfitting(plan, at), counts };
}

function overfitting(plan: Plan, at: (p: number, w: number) => { value: number | null; feasible: boolean }): Overfitting {
  const notes: string[] = [];
  const W = plan.windows.length;
  const sign = plan.objective.goal === 'min' ? -1 : 1;
  // Points whose every window gave a finite objective (constraints aside: PBO asks about ranking, not feasibility).
  const complete: number[] = [];
  for (let p = 0; p < plan.points.length; p++) {
    let ok = true;
    for (let w = 0; w < W; w++) {
      const v = at(p, w).value;
      if (v === null || !Number.isFinite(v)) ok = false;
    }
    if (ok) complete.push(p);
  }
  const N = complete.length;
  let pboOut: Overfitting['pbo'] = null;
  let dsrOut: Overfitting['deflatedSharpe'] = null;
  if (W < 2) notes.push('one window: PBO and the deflated Sharpe ratio need the objective on at least two windows');
  else if (N < 2) notes.push(`${N} point(s) ran on every window: PBO and the deflated Sharpe ratio need two`);
  else {
    const perf = new Float64Array(W * N);
    for (let w = 0; w < W; w++) for (let j = 0; j < N; j++) perf[w * N + j] = sign * (at(complete[j], w).value as number);
    const S = W % 2 === 0 ? W : W - 1;
    // Every point scoring the same on every window leaves nothing to select: the
    // in-sample "best" is an arbitrary tie, its out-of-sample rank the middle one,
    // and CSCV would count that as overfitting (PBO 1). Undefined, said so.
    if (allTied(perf, W, N)) notes.push('PBO: every point has the same objective on every window, so no point is selected over another');
    else try {
      const r = pbo(perf, N, { partitions: S, metric: 'mean' });
      pboOut = { pbo: r.pbo, combinations: r.combinations, partitions: S, probabilityOfLoss: r.probabilityOfLoss };
    } catch (err) {
      if (!(err instanceof CascadeError)) throw err;
      notes.push(`PBO: ${err.reason}`);
    }
    // The deflated Sharpe ratio of the point with the best mean over all windows.
    const series = complete.map((p) => {
      const xs = new Float64Array(W);
      for (let w = 0; w < W; w++) xs[w] = sign * (at(p, w).value as number);
      return xs;
    });
    const sharpes = series.map((xs) => returnMoments(xs).sharpe);
    let bestJ = 0;
    for (let j = 1; j < N; j++) if (mean(series[j]) > mean(series[bestJ])) bestJ = j;
    if (sharpes.some((s) => !Number.isFinite(s))) notes.push('deflated Sharpe ratio: a point has the same objective on every window (zero spread), so its Sharpe ratio is undefined');
    else {
      try {
        const d = deflatedSharpeOfReturns(series[bestJ], Float64Array.from(sharpes));
        dsrOut = { probability: d.probability, expectedMaxSharpe: d.expectedMaxSharpe, sharpe: sharpes[bestJ], trials: N, observations: W };
      } catch (err) {
        if (!(err instanceof CascadeError)) throw err;
        notes.push(`deflated Sharpe ratio: ${err.reason}`);
      }
    }
  }
  return { deflatedSharpe: dsrOut, pbo: pboOut, notes };
}

function mean(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** The folds of a validation scheme over W windows (points filled in by the caller). */
export function foldsFor(validation: string, windows: readonly string[]): Array<{ name: string; train: number[]; test: number | null }> {
  const W = windows.length;
  const all = windows.map((_, i) => i);
  if (validation === 'leave-one-out') return all.map((t) => ({ name: `hold-out ${windows[t]}`, train: all.filter((w) => w !== t), test: t }));
  if (validation === 'walk-forward') return all.slice(1).map((t) => ({ name: `forward ${windows[t]}`, train: all.slice(0, t), test: t }));
  return [{ name: W > 1 ? 'all windows' : windows[0], train: all, test: null }];
}

/** True when, on every window, all points score the same. */
function allTied(perf: Float64Array, windows: number, points: number): boolean {
  for (let w = 0; w < windows; w++) for (let j = 1; j < points; j++) if (perf[w * points + j] !== perf[w * points]) return false;
  return true;
}
