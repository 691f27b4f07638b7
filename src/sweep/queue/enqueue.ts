/**
 * Submitting trials: one BullMQ job per trial, its id the trial key.
 *
 * BullMQ adds nothing when a job with that id already exists (waiting,
 * active, delayed or failed), and trials whose record is already in the
 * result store are not submitted at all, so resubmitting a sweep, or
 * submitting one that shares trials with another, adds no work.
 */
import type { Queue } from 'bullmq';
import { validateScenario } from '../../config/load.js';
import { CascadeError } from '../../core/errors.js';
import { fileChecksums } from '../fileChecksums.js';
import type { TrialSpec } from '../trial.js';

/** What a job carries: the trial, and the code version and file checksums of the process that submitted it. */
export interface TrialJobData {
  readonly spec: TrialSpec;
  /** A worker running other code refuses the trial: its figures would be filed under a key that says otherwise. */
  readonly codeVersion: string;
  /**
   * Per file the trial reads, its sha256 on the submitting machine (absent
   * for a trial whose scenario is invalid, and in jobs of older versions).
   * A worker whose copy differs, or lacks the file, refuses the trial for
   * the same reason, and stores nothing.
   */
  readonly files?: ReadonlyArray<readonly [string, string]>;
}

/** The checksums a job carries for `spec` (fileChecksums.ts); none for a scenario that does not validate (its trial is invalid wherever it runs). */
export function specFiles(spec: TrialSpec): Array<[string, string]> | undefined {
  try {
    return fileChecksums(validateScenario(spec.scenario));
  } catch (err) {
    if (err instanceof CascadeError) return undefined;
    throw err;
  }
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
    await queue.addBulk(
      todo.slice(i, i + BULK).map((spec) => {
        const files = specFiles(spec);
        return { name: 'trial', data: { spec, codeVersion, ...(files !== undefined ? { files } : {}) }, opts: trialJobOptions(spec.key, retry) };
      }),
    );
  }
  return todo.length;
}
