/**
 * The queue as a sweep runner, interchangeable with the local pool: same
 * input (the trials and the sweep's results.jsonl), same output (every
 * record of the file by key), same file discipline (records appended as
 * they become final, by this process only; trials whose key the file holds
 * are not submitted). So a sweep started locally can finish on the queue
 * and the reverse, and `sweep merge` reads a queue run's folder like any.
 */
import { appendResult, readResults } from '../results.js';
import { codeVersion, type TrialRecord, type TrialSpec } from '../trial.js';
import { runSweepOnQueue } from './coordinator.js';
import type { RetryPolicy } from './enqueue.js';

export interface QueueRunOptions {
  /** redis://host:port of the queue. */
  readonly url: string;
  readonly resultsFile: string;
  /** Called after every final record with the counts so far (those already in the file included). */
  readonly onRecord?: (record: TrialRecord, done: number, total: number) => void;
  /** Put this sweep's failed jobs back in the queue (see QueueSweepInput.retryFailed). */
  readonly retryFailed?: boolean;
  readonly retry?: RetryPolicy;
  readonly pollMs?: number;
}

/** Runs on the queue the trials not yet in the results file; returns every record of the file by key. */
export async function runTrialsOnQueue(trials: readonly TrialSpec[], options: QueueRunOptions): Promise<Map<string, TrialRecord>> {
  const records = new Map<string, TrialRecord>();
  for (const r of readResults(options.resultsFile)) records.set(r.key, r);
  const keys = new Set(trials.map((t) => t.key));
  const todo = trials.filter((t) => !records.has(t.key));
  if (todo.length === 0) return records;
  const already = keys.size - new Set(todo.map((t) => t.key)).size;
  await runSweepOnQueue({
    url: options.url,
    specs: todo,
    codeVersion: codeVersion(),
    ...(options.retryFailed !== undefined ? { retryFailed: options.retryFailed } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    onRecord: (rec, done) => {
      appendResult(options.resultsFile, rec);
      records.set(rec.key, rec);
      options.onRecord?.(rec, already + done, keys.size);
    },
  });
  return records;
}
