/**
 * The local runner: trials on a tinypool worker pool, one thread per
 * worker (default: every core, os.availableParallelism()). Each record is
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

/** Runs the trials not yet in the results file; returns every record of the file by key (resumed and new). */
export async function runTrials(trials: readonly TrialSpec[], options: RunTrialsOptions): Promise<Map<string, TrialRecord>> {
  const records = new Map<string, TrialRecord>();
  for (const r of readResults(options.resultsFile)) records.set(r.key, r);
  const unique = new Map<string, TrialSpec>();
  for (const t of trials) if (!unique.has(t.key)) unique.set(t.key, t);
  const todo = [...unique.values()].filter((t) => !records.has(t.key));
  const total = unique.size;
  let done = total - todo.length;
  if (todo.length === 0) return records;
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(), todo.length));
  const pool = new Tinypool({ filename: BOOT, minThreads: workers, maxThreads: workers, isolateWorkers: false });
  try {
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
  } finally {
    await pool.destroy();
  }
  return records;
}
