/**
 * The coordinator of a distributed sweep (`cascade sweep <file> --queue`):
 * submits the trials not yet stored, waits until every key is done (a record
 * in the result store) or failed (a failed job), and returns one record per
 * trial in index order, for the sweep's results writer.
 *
 * It holds no state of its own: everything is in Redis. Stopping it and
 * submitting the same sweep again resubmits nothing already queued or done
 * and waits for the rest; workers never depend on it being up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { TrialRecord, TrialSpec } from '../trial.js';
import { sortByIndex } from '../results.js';
import { checkReachable, openRedis, parseQueueUrl, QUEUE_NAME, QUEUE_PREFIX } from './connection.js';
import { DEFAULT_RETRY, enqueueTrials, trialJobOptions, type RetryPolicy, type TrialJobData } from './enqueue.js';
import { fetchRecords } from './resultStore.js';

export interface QueueSweepInput {
  readonly url: string;
  readonly specs: readonly TrialSpec[];
  /** The submitting process' codeVersion(); workers refuse trials of other code. */
  readonly codeVersion: string;
  readonly retry?: RetryPolicy;
  /** How often the store and the failed jobs are read. Default 1000 ms. */
  readonly pollMs?: number;
  /** Each trial's record as it becomes final (stored or failed), with the running count. */
  readonly onRecord?: (record: TrialRecord, done: number, total: number) => void;
  /** Called after submitting: trials submitted, trials already stored, failed jobs put back in the queue. */
  readonly onSubmitted?: (submitted: number, alreadyStored: number, retried: number) => void;
  /**
   * Put the failed jobs of this sweep back in the queue (with fresh
   * attempts) instead of listing them: after the cause of a transient
   * failure is fixed. Without it a failed job stays failed, since a
   * resubmission adds nothing.
   */
  readonly retryFailed?: boolean;
}

export interface QueueSweepResult {
  /** One record per distinct key, index order. */
  readonly records: readonly TrialRecord[];
  /** The records whose status is not 'ok', index order. */
  readonly failures: readonly TrialRecord[];
}

/**
 * A failed job with no stored record: a transient error that outlived its
 * retries, a trial whose worker died more than maxStalledCount times, or a
 * worker of other code. Its record carries BullMQ's failure reason.
 */
function failedRecord(spec: TrialSpec, reason: string): TrialRecord {
  return { index: spec.index, key: spec.key, label: spec.label, status: 'error', figures: null, message: reason };
}

export async function runSweepOnQueue(input: QueueSweepInput): Promise<QueueSweepResult> {
  const url = parseQueueUrl(input.url);
  // Trials with one key are one trial (same scenario, data and code: a sweep
  // may plan a point twice); it runs once and its record carries the first
  // such trial's index and label.
  const byKey = new Map<string, TrialSpec>();
  for (const s of input.specs) if (!byKey.has(s.key)) byKey.set(s.key, s);
  const redis = openRedis(url);
  try {
    await checkReachable(redis, url);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const queue = new Queue<TrialJobData>(QUEUE_NAME, { connection: redis, prefix: QUEUE_PREFIX });
  const specs = [...byKey.values()];
  const retry = input.retry ?? DEFAULT_RETRY;
  const pollMs = input.pollMs ?? 1000;
  const total = byKey.size;
  const final = new Map<string, TrialRecord>();
  // Records come back as the stored JSON; a re-label keeps this sweep's index and label when another sweep stored the key first.
  const ownRecord = (r: TrialRecord): TrialRecord => {
    const s = byKey.get(r.key) as TrialSpec;
    return { ...r, index: s.index, label: s.label };
  };
  const settle = (r: TrialRecord): void => {
    final.set(r.key, r);
    input.onRecord?.(r, final.size, total);
  };
  /** Settles the keys whose job failed; resubmits those whose job vanished without a record. */
  const settleFinishedJobs = async (keys: readonly string[]): Promise<void> => {
    const states = await Promise.all(keys.map((k) => queue.getJobState(k)));
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const spec = byKey.get(key) as TrialSpec;
      if (states[i] !== 'failed' && states[i] !== 'unknown') continue;
      // An 'invalid' trial's job fails after its record is stored, and a
      // finished job is removed after it: read the store again first.
      const late = (await fetchRecords(redis, [key])).get(key);
      if (late !== undefined) settle(ownRecord(late));
      else if (states[i] === 'failed') settle(failedRecord(spec, (await queue.getJob(key))?.failedReason || 'failed without a reason'));
      else await queue.add('trial', { spec, codeVersion: input.codeVersion }, trialJobOptions(key, retry));
    }
  };
  try {
    const stored = await fetchRecords(redis, [...byKey.keys()]);
    for (const r of stored.values()) settle(ownRecord(r));
    let retried = 0;
    if (input.retryFailed === true) {
      for (const key of byKey.keys()) {
        if (final.has(key)) continue;
        const job = await queue.getJob(key);
        if (job !== undefined && (await job.getState()) === 'failed') {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          retried++;
        }
      }
    }
    const submitted = await enqueueTrials(queue, specs, input.codeVersion, new Set(stored.keys()), retry);
    input.onSubmitted?.(submitted, stored.size, retried);

    // Reading every pending job's state costs one command per trial, so it
    // is done on the first pass, whenever the queue's failed count moves,
    // and every STATE_SWEEP passes as a safety net (a job removed by hand);
    // the stored records, one HMGET per thousand trials, are read every pass.
    const STATE_SWEEP = 30;
    let lastFailed = -1;
    for (let pass = 0; final.size < total; pass++) {
      const pending = [...byKey.keys()].filter((k) => !final.has(k));
      const found = await fetchRecords(redis, pending);
      for (const r of found.values()) settle(ownRecord(r));
      const failedCount = await queue.getFailedCount();
      const still = pending.filter((k) => !final.has(k));
      if (still.length > 0 && (failedCount !== lastFailed || pass % STATE_SWEEP === 0)) {
        lastFailed = failedCount;
        await settleFinishedJobs(still);
      }
      if (final.size < total) await sleep(pollMs);
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
  const records = sortByIndex([...final.values()]);
  return { records, failures: records.filter((r) => r.status !== 'ok') };
}
