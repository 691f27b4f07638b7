/**
 * Submitting trials: one BullMQ job per trial, its id the trial key.
 *
 * BullMQ adds nothing when a job with that id already exists (waiting,
 * active, delayed or failed), and trials whose record is already in the
 * result store are not submitted at all, so resubmitting a sweep, or
 * submitting one that shares trials with another, adds no work.
 */
import type { Queue } from 'bullmq';
import type { TrialSpec } from '../trial.js';

/** What a job carries: the trial (with its files' checksums), and the code version of the process that submitted it. */
export interface TrialJobData {
  readonly spec: TrialSpec;
  /** A worker running other code refuses the trial: its figures would be filed under a key that says otherwise. */
  readonly codeVersion: string;
}

export interface RetryPolicy {
  /** Runs of a trial that fails with a transient error before it is failed for good. */
  readonly attempts: number;
  /** First backoff; the n-th retry waits backoffMs · 2^(n−1). */
  readonly backoffMs: number;
}

/**
 * 4 runs, waiting 5 s, 10 s, 20 s between them: the transient failures of a
 * fleet (a worker process killed for memory, a dropped Redis connection
 * while storing, a machine rebooting) clear within tens of seconds, and a
 * trial that fails four times over 35 s is more likely a bug, which the
 * coordinator then lists instead of retrying forever.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, backoffMs: 5000 };

/** The BullMQ options of one trial's job. */
export function trialJobOptions(key: string, retry: RetryPolicy) {
  return {
    jobId: key,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    // A finished job's record is in the result store, which is what the
    // coordinator reads; keeping the job too would double Redis' memory.
    removeOnComplete: true,
    // A failed job is kept: it holds the reason the coordinator lists, and
    // its id keeps a resubmission from silently running it again.
    removeOnFail: false,
  } as const;
}

/** bullmq's addBulk sends one round trip per call; this many jobs each keeps a call's payload to a few MB. */
const BULK = 500;

/** Adds the jobs of `specs` not in `skip` (keys already stored); returns how many were submitted. */
export async function enqueueTrials(
  queue: Queue<TrialJobData>,
  specs: readonly TrialSpec[],
  codeVersion: string,
  skip: ReadonlySet<string>,
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<number> {
  const todo = specs.filter((s) => !skip.has(s.key));
  for (let i = 0; i < todo.length; i += BULK) {
    await queue.addBulk(todo.slice(i, i + BULK).map((spec) => ({ name: 'trial', data: { spec, codeVersion }, opts: trialJobOptions(spec.key, retry) })));
  }
  return todo.length;
}
