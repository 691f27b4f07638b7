/**
 * The local runner: trials on a tinypool pool of child processes, one per
 * worker (default: every core, os.availableParallelism()), each with V8's
 * single-threaded garbage collector. Worker threads would share one
 * process, whose parallel GC helper threads take the other cores: on two
 * cores one thread already used both, and two threads gained 1.43x where
 * two single-GC processes gain 1.64-1.89x, and run 20-45% more trials per
 * second (npm run bench -- sweep). Each record is
 * appended to results.jsonl as it arrives, by this thread only (one writer,
 * whole lines), so a kill loses at most the trials in flight. Trials whose
 * key is already in the file are skipped: that is the resume. Several trials
 * with one key run once.
 */
import { availableParallelism } from 'node:os';
import { Tinypool } from 'tinypool';
import { appendResult, readResults } from './results.js';
import type { TrialRecord, TrialSpec } from './trial.js';

const BOOT = new URL('./worker/boot.mjs', import.meta.url).href;

export interface RunTrialsOptions {
  /** Worker threads; default every core. */
  readonly workers?: number;
  readonly resultsFile: string;
  /** Called after every finished trial with the record and the counts so far (resumed ones included). */
  readonly onRecord?: (record: TrialRecord, done: number, total: number) => void;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * A pool kept across calls: a TPE sweep runs round after round, and booting
 * workers (tsx compiling the engine in each) costs seconds.
 */
export class LocalPool {
  private pool: Tinypool | undefined;
  private size = 0;

  constructor(private readonly workers: number = defaultWorkers()) {}

  /** Runs the trials not yet in the results file; returns every record of the file by key (resumed and new). */
  async run(trials: readonly TrialSpec[], options: RunTrialsOptions): Promise<Map<string, TrialRecord>> {
    const records = new Map<string, TrialRecord>();
    for (const r of readResults(options.resultsFile)) records.set(r.key, r);
    const unique = new Map<string, TrialSpec>();
    for (const t of trials) if (!unique.has(t.key)) unique.set(t.key, t);
    const todo = [...unique.values()].filter((t) => !records.has(t.key));
    const total = unique.size;
    let done = total - todo.length;
    if (todo.length === 0) return records;
    const pool = this.ensure(Math.max(1, Math.min(this.workers, todo.length)));
    await Promise.all(
      todo.map(async (spec) => {
        let rec: TrialRecord;
        try {
          rec = (await pool.run(spec)) as TrialRecord;
        } catch (err) {
          // runTrial catches everything it can; this is a worker that died (out of memory, a native fault).
          rec = { index: spec.index, key: spec.key, label: spec.label, status: 'error', figures: null, message: `worker failed: ${err instanceof Error ? err.message : String(err)}` };
        }
        appendResult(options.resultsFile, rec);
        records.set(rec.key, rec);
        done++;
        options.onRecord?.(rec, done, total);
      }),
    );
    return records;
  }

  /** The pool, grown (never shrunk) to `threads`: a first round smaller than the worker count does not cap later ones. */
  private ensure(threads: number): Tinypool {
    if (this.pool === undefined || threads > this.size) {
      // Processes, not threads, so that each worker's GC flag is its own (see the module comment).
      const old = this.pool;
      this.size = threads;
      this.pool = new Tinypool({ filename: BOOT, minThreads: threads, maxThreads: threads, isolateWorkers: false, runtime: 'child_process', execArgv: ['--single-threaded-gc'] });
      if (old) void old.destroy();
    }
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}

/** Runs the trials on a pool of its own (see LocalPool.run). */
export async function runTrials(trials: readonly TrialSpec[], options: RunTrialsOptions): Promise<Map<string, TrialRecord>> {
  const pool = new LocalPool(options.workers ?? defaultWorkers());
  try {
    return await pool.run(trials, options);
  } finally {
    await pool.close();
  }
}
