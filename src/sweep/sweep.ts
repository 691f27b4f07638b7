/**
 * `cascade sweep`: plan the trials of a sweep file, run them (local pool,
 * resumable), and write what was found. The output folder holds
 *
 * - results.jsonl: one record per finished trial, appended as they finish
 *   (its line order is the finishing order; nothing reads that order);
 * - plan.json: every trial (index, key, point, window), the folds and the
 *   objective: with results.jsonl, all a merge needs;
 * - sweep.csv and sweep.json (the compare.json shape: `vary`, `metrics`,
 *   `rows` with `values` and `figures`, plus `analysis`), sorted by trial
 *   index, so byte-identical whatever the workers and finishing order.
 *
 * Random, Latin hypercube and grid plan every point up front; index =
 * point · windows + window. TPE runs one study per fold (its training
 * windows only, so the held-out window never steers the search), in rounds;
 * index = (study · trials + point) · windows + window.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateScenario } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { SeedTree } from '../core/rng.js';
import { buildSweepReport } from '../report/html/sweepPage.js';
import { stableStringify } from '../core/hash.js';
import { COMPARE_METRICS, compareFigurePath, STRATEGY_COMPARE_FIGURES } from './compare.js';
import { analyse, foldsFor, type Analysis, type Fold, type Plan, type PlanTrial } from './analysis.js';
import { defaultWorkers, LocalPool } from './localRunner.js';
import { runTrialsOnQueue } from './queue/runner.js';
import { readResults, resultsToCsv, resultsToJsonRows, figureAt, type SweepColumns } from './results.js';
import { CubeSearch } from './search.js';
import { decode, gridPoints } from './space.js';
import { buildContext, makeTrial, sweepHash, type SweepContext } from './plan.js';
import { sweepParameters, type LoadedSweep } from './sweepSchema.js';
import type { TrialRecord, TrialSpec } from './trial.js';
import type { Observation } from './tpe.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface SweepOptions {
  readonly out?: string;
  readonly workers?: number;
  readonly shard?: Shard;
  /** Called with the number of trials about to be considered (a TPE sweep calls it once per round). */
  readonly onPlanned?: (total: number) => void;
  readonly onRecord?: (record: TrialRecord, done: number, total: number) => void;
  /** Run the trials on a Redis queue (`cascade worker` processes) instead of the local pool. */
  readonly queue?: { readonly url: string; readonly retryFailed?: boolean };
}

export interface SweepOutcome {
  readonly dir: string;
  readonly plan: Plan;
  readonly records: ReadonlyMap<string, TrialRecord>;
  /** Null for a shard: it ran only part of the trials. */
  readonly analysis: Analysis | null;
  readonly files: readonly string[];
}

/** `i/N` → a shard; i in 0..N−1. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new ConfigError(`--shard expects i/N with 0 ≤ i < N (e.g. 0/4), got '${text}'`);
  return { index, count };
}

function defaultDir(ctx: SweepContext, hash: string): string {
  let outDir = 'reports';
  try {
    outDir = validateScenario(ctx.baseRaw).output.dir;
  } catch {
    // An invalid base still gets a folder: every trial will say why it is invalid.
  }
  return join(outDir, `sweep-${ctx.loaded.sweep.name}-${hash.slice(0, 10)}`);
}

/** Loss of a point on some windows for TPE: the mean objective (negated for max), +Infinity when any window is infeasible. */
function pointLoss(plan: Pick<Plan, 'objective' | 'constraints'>, recs: Array<TrialRecord | undefined>): number {
  let sum = 0;
  for (const r of recs) {
    if (r === undefined || r.status !== 'ok') return Infinity;
    const v = figureAt(r.figures, plan.objective.figure);
    if (v === null || !Number.isFinite(v)) return Infinity;
    for (const c of plan.constraints) {
      const x = figureAt(r.figures, c.figure);
      if (x === null || (c.min !== undefined && !(x >= c.min)) || (c.max !== undefined && !(x <= c.max))) return Infinity;
    }
    sum += v;
  }
  const mean = sum / recs.length;
  return plan.objective.goal === 'min' ? mean : -mean;
}

export async function runSweep(loaded: LoadedSweep, options: SweepOptions = {}): Promise<SweepOutcome> {
  const sweep = loaded.sweep;
  const ctx = buildContext(loaded);
  const params = sweepParameters(sweep);
  const paths = params.map((p) => p.path);
  const hash = sweepHash(ctx);
  const dir = options.out ?? defaultDir(ctx, hash);
  mkdirSync(dir, { recursive: true });
  checkPlanFolder(dir, hash);
  const resultsFile = join(dir, 'results.jsonl');
  const W = ctx.windows.length;
  const seeds = new SeedTree(sweep.seed).child('search');
  const objective = { figure: sweep.objective.figure, goal: sweep.objective.goal };
  const constraints = sweep.constraints.map((c) => ({ figure: c.figure, ...(c.min !== undefined ? { min: c.min } : {}), ...(c.max !== undefined ? { max: c.max } : {}) }));
  const points: unknown[][] = [];
  const trials: TrialSpec[] = [];
  const planTrials: PlanTrial[] = [];
  const folds: Fold[] = [];
  const baseFolds = foldsFor(sweep.validation, ctx.windows);
  const add = (index: number, point: number, w: number): TrialSpec => {
    const t = makeTrial(ctx, index, paths, points[point], w);
    trials.push(t);
    planTrials.push({ index, key: t.key, label: t.label, point, window: w });
    return t;
  };
  let records: Map<string, TrialRecord>;
  const pool = new LocalPool(options.workers ?? defaultWorkers());
  const run = async (specs: readonly TrialSpec[]): Promise<Map<string, TrialRecord>> => {
    options.onPlanned?.(new Set(specs.map((s) => s.key)).size);
    const onRecord = options.onRecord ? { onRecord: options.onRecord } : {};
    if (options.queue !== undefined) return runTrialsOnQueue(specs, { url: options.queue.url, retryFailed: options.queue.retryFailed === true, resultsFile, ...onRecord });
    return pool.run(specs, { resultsFile, ...onRecord });
  };
  try {

    if (sweep.method !== 'tpe') {
      if (sweep.method === 'grid') points.push(...gridPoints(params, Math.floor(sweep.maxTrials / W)));
      else {
        const search = new CubeSearch({ method: sweep.method, seed: seeds.seed, dims: params.length, trials: sweep.trials ?? 0, batch: sweep.batch });
        for (const u of search.next([]) ?? []) points.push(decode(params, u));
      }
      if (points.length * W > sweep.maxTrials) throw new ConfigError(`${points.length} points × ${W} windows = ${points.length * W} trials; maxTrials is ${sweep.maxTrials}`, { file: loaded.file, field: 'maxTrials' });
      points.forEach((_, p) => {
        for (let w = 0; w < W; w++) add(p * W + w, p, w);
      });
      const all = points.map((_, p) => p);
      for (const f of baseFolds) folds.push({ ...f, points: all });
      const mine = options.shard ? trials.filter((t) => t.index % (options.shard as Shard).count === (options.shard as Shard).index) : trials;
      records = await run(mine);
    } else {
      if (options.shard) throw new ConfigError('TPE proposes each round from the results of the last, so it cannot be split into shards; shard a grid, random or lhs sweep, or run TPE on a queue', { field: 'method' });
      const T = sweep.trials ?? 0;
      if (T * baseFolds.length * W > sweep.maxTrials) throw new ConfigError(`TPE: ${T} points × ${baseFolds.length} folds × ${W} windows exceeds maxTrials ${sweep.maxTrials}`, { file: loaded.file, field: 'maxTrials' });
      records = new Map();
      for (let s = 0; s < baseFolds.length; s++) {
        const fold = baseFolds[s];
        const search = new CubeSearch({ method: 'tpe', seed: seeds.child(fold.name).seed, dims: params.length, trials: T, batch: sweep.batch });
        const history: Observation[] = [];
        const studyPoints: number[] = [];
        for (let round = search.next(history); round !== null; round = search.next(history)) {
          const fresh: Array<{ u: number[]; point: number; specs: TrialSpec[] }> = [];
          for (const u of round) {
            const point = points.length;
            points.push(decode(params, u));
            const local = studyPoints.length;
            studyPoints.push(point);
            fresh.push({ u, point, specs: fold.train.map((w) => add((s * T + local) * W + w, point, w)) });
          }
          records = await run(trials);
          for (const f of fresh) history.push({ u: f.u, loss: pointLoss({ objective, constraints }, f.specs.map((t) => records.get(t.key))) });
        }
        if (fold.test !== null) {
          // The chosen point (least loss, first in trial order) on the held-out window.
          let best = -1;
          history.forEach((o, i) => {
            if (Number.isFinite(o.loss) && (best < 0 || o.loss < history[best].loss)) best = i;
          });
          if (best >= 0) {
            add((s * T + best) * W + fold.test, studyPoints[best], fold.test);
            records = await run(trials);
          }
        }
        folds.push({ ...fold, points: studyPoints });
      }
    }
  } finally {
    await pool.close();
  }

  // A sweep that runs a strategy shows its figures too, as compare does.
  const strategyRuns = ctx.baseRaw.strategy !== undefined || paths.some((p) => p === 'strategy' || p.startsWith('strategy.'));
  const standard = [...COMPARE_METRICS.map(compareFigurePath), ...(strategyRuns ? STRATEGY_COMPARE_FIGURES : [])];
  const figures = sweep.figures ?? uniqueFigures([objective.figure, ...constraints.map((c) => c.figure), ...standard]);
  const plan: Plan = {
    kind: 'cascade-sweep-plan',
    sweepHash: hash,
    name: sweep.name,
    method: sweep.method,
    validation: sweep.validation,
    seed: sweep.seed,
    parameters: paths,
    windows: ctx.windows,
    points,
    objective,
    constraints,
    figures,
    folds,
    trials: planTrials.sort((a, b) => a.index - b.index),
  };
  writeAtomic(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 1)}\n`);
  if (options.shard) return { dir, plan, records, analysis: null, files: ['plan.json', 'results.jsonl'] };
  const analysis = writeTables(dir, plan, records);
  return { dir, plan, records, analysis, files: ['plan.json', 'results.jsonl', 'sweep.csv', 'sweep.json', 'sweep.html'] };
}

function uniqueFigures(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
}

/** A folder holding another sweep's plan is refused: its results would be mixed with this one's. */
function checkPlanFolder(dir: string, hash: string): void {
  const file = join(dir, 'plan.json');
  if (!existsSync(file)) return;
  let other: unknown;
  try {
    other = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError(`${file} is not a sweep plan; choose another --out`);
  }
  const h = (other as { sweepHash?: unknown }).sweepHash;
  if (h !== hash) throw new ConfigError(`${dir} holds another sweep (plan ${String(h).slice(0, 10)}, this one ${hash.slice(0, 10)}: the sweep file, base scenario or code changed); choose another --out`);
}

/** The table columns of a plan: the window, the parameters, then the figures. */
export function planColumns(plan: Plan): SweepColumns {
  const byIndex = new Map(plan.trials.map((t) => [t.index, t]));
  return {
    parameters: ['window', ...plan.parameters],
    values: (i) => {
      const t = byIndex.get(i);
      return t === undefined ? [] : [plan.windows[t.window], ...plan.points[t.point]];
    },
    figures: plan.figures,
  };
}

/** One record per planned trial that has one (a key shared by several trials fills each of them). */
function recordsByTrial(plan: Plan, records: ReadonlyMap<string, TrialRecord>): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (const t of plan.trials) {
    const r = records.get(t.key);
    if (r !== undefined) out.push({ ...r, index: t.index, label: t.label });
  }
  return out;
}

/** Writes sweep.csv and sweep.json from the plan and records; returns the analysis. */
export function writeTables(dir: string, plan: Plan, records: ReadonlyMap<string, TrialRecord>): Analysis {
  const analysis = analyse(plan, records);
  const rows = recordsByTrial(plan, records);
  const columns = planColumns(plan);
  writeAtomic(join(dir, 'sweep.csv'), resultsToCsv(rows, columns));
  const doc = {
    cascadeLab: 1,
    kind: 'sweep',
    // compare.json's name field, so the comparison page (report/html) reads a sweep as it reads a compare.
    scenarioName: plan.name,
    name: plan.name,
    sweepHash: plan.sweepHash,
    method: plan.method,
    validation: plan.validation,
    seed: plan.seed,
    objective: plan.objective,
    constraints: plan.constraints,
    windows: plan.windows,
    vary: [
      { path: 'window', values: plan.windows },
      ...plan.parameters.map((p, k) => ({ path: p, values: distinct(plan.points.map((pt) => pt[k])) })),
    ],
    metrics: plan.figures,
    rows: resultsToJsonRows(rows, columns),
    analysis,
  };
  const jsonText = `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
  writeAtomic(join(dir, 'sweep.json'), jsonText);
  // From the JSON just written, so `cascade report` rebuilds the same page.
  writeAtomic(join(dir, 'sweep.html'), buildSweepReport(JSON.parse(jsonText)));
  return analysis;
}

function distinct(xs: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const x of xs) {
    const k = stableStringify(x);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

/**
 * `cascade sweep merge <dirs…>`: the shards' results joined, first record of
 * each key kept (in the order the folders are given), the tables written
 * into `out`. Every folder must hold the same plan.
 */
export function mergeShards(dirs: readonly string[], out: string): { plan: Plan; analysis: Analysis; records: Map<string, TrialRecord> } {
  if (dirs.length === 0) throw new ConfigError('sweep merge needs at least one shard folder');
  let plan: Plan | undefined;
  const records = new Map<string, TrialRecord>();
  for (const d of dirs) {
    const file = join(d, 'plan.json');
    if (!existsSync(file)) throw new ConfigError(`${d} has no plan.json: not a sweep folder`);
    const p = JSON.parse(readFileSync(file, 'utf8')) as Plan;
    if (p.kind !== 'cascade-sweep-plan') throw new ConfigError(`${file} is not a sweep plan`);
    if (plan !== undefined && p.sweepHash !== plan.sweepHash) throw new ConfigError(`${d} holds another sweep (plan ${p.sweepHash.slice(0, 10)}, the first folder's ${plan.sweepHash.slice(0, 10)})`);
    plan ??= p;
    for (const r of readResults(join(d, 'results.jsonl'))) if (!records.has(r.key)) records.set(r.key, r);
  }
  const merged = plan as Plan;
  mkdirSync(out, { recursive: true });
  checkPlanFolder(out, merged.sweepHash);
  writeAtomic(join(out, 'plan.json'), `${JSON.stringify(merged, null, 1)}\n`);
  // Key order of the merged file: trial index, so two merges of the same shards give the same bytes.
  const written = new Set<string>();
  const lines: string[] = [];
  for (const t of merged.trials) {
    const r = records.get(t.key);
    if (r === undefined || written.has(t.key)) continue;
    written.add(t.key);
    lines.push(`${JSON.stringify(r)}\n`);
  }
  writeAtomic(join(out, 'results.jsonl'), lines.join(''));
  const analysis = writeTables(out, merged, records);
  return { plan: merged, analysis, records };
}
