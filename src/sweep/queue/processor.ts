/**
 * The sandboxed processor: BullMQ forks a child process per concurrent job
 * slot and runs this there (booted by processor.mjs), so a long backtest
 * blocks the child's event loop, never the worker's, which keeps renewing
 * the job's lock; a busy worker is never mistaken for a dead one.
 *
 * One job: check that this machine runs the submitter's code and holds the
 * submitter's files (a missing or different file refuses the trial before it
 * runs, so a worker without the data mount files no 'invalid' result under
 * the trial's key), run the trial, store its record first-write-wins, then
 * tell BullMQ how it went:
 * - 'ok': completes;
 * - 'invalid' (a user or config error, the same on every rerun): stored, then
 *   failed with UnrecoverableError, which BullMQ never retries;
 * - 'error' (anything else): thrown as a plain error, so BullMQ retries it
 *   with the job's exponential backoff; not stored, see resultStore.ts.
 *
 * The worker passes its Redis address and name in the environment
 * (CASCADE_QUEUE_URL, CASCADE_WORKER_NAME); the child opens its own
 * connection to store results.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { fileChecksum } from '../fileChecksums.js';
import { codeVersion, runTrial } from '../trial.js';
import { openRedis, parseQueueUrl } from './connection.js';
import type { TrialJobData } from './enqueue.js';
import { logEvent, storeRecord } from './resultStore.js';

// A forked child whose worker died (SIGKILL, a machine lost) would otherwise
// run its trial to the end and store it, racing the worker that the stalled
// check handed the trial to. Harmless for the figures (deterministic, first
// write wins) but it is work nobody waits for; the IPC channel closing is
// the only notice a child gets, so leave with it.
process.once('disconnect', () => process.exit(1));

let redis: Redis | undefined;
function connection(): Redis {
  if (redis === undefined) {
    const url = process.env.CASCADE_QUEUE_URL;
    if (url === undefined) throw new Error('CASCADE_QUEUE_URL is not set: the sandboxed processor runs under `cascade worker` only');
    redis = openRedis(parseQueueUrl(url, 'CASCADE_QUEUE_URL'));
  }
  return redis;
}

/**
 * TEST-ONLY hooks, read from the environment of `cascade worker` and
 * documented as such in the README; they change no figure:
 * - CASCADE_QUEUE_TEST_DELAY_MS: sleep this long before each trial, so a
 *   test can kill a worker while it is certainly mid-trial;
 * - CASCADE_QUEUE_TEST_FAIL_FIRST: throw a transient error on each job's
 *   first n attempts, so a test can watch the retries and their backoff.
 */
function testHooks(): { delayMs: number; failFirst: number } {
  const n = (name: string): number => {
    const v = Number(process.env[name] ?? '0');
    return Number.isFinite(v) && v > 0 ? v : 0;
  };
  return { delayMs: n('CASCADE_QUEUE_TEST_DELAY_MS'), failFirst: n('CASCADE_QUEUE_TEST_FAIL_FIRST') };
}

/** Yields to the event loop, then reports whether the worker is still there (the IPC channel open). */
async function workerAlive(): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return process.send === undefined || process.connected;
}

/** The first file whose copy here is missing or differs from the submitting machine's, said as such; undefined when all agree. */
function fileDifference(files: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (const [path, theirs] of files) {
    const ours = fileChecksum(path);
    if (ours === 'missing' && theirs !== 'missing') return `${path} is missing here`;
    if (ours !== theirs) return `${path} differs from the submitting machine's copy (sha256 ${ours.slice(0, 12)} here, ${theirs.slice(0, 12)} there)`;
  }
  return undefined;
}

export default async function processTrial(job: SandboxedJob<TrialJobData>): Promise<{ stored: boolean }> {
  const { spec } = job.data;
  const db = connection();
  const worker = process.env.CASCADE_WORKER_NAME ?? `${hostname()}:${process.ppid}`;
  const by = { key: spec.key, worker, pid: process.pid, attempt: job.attemptsMade + 1 };
  await logEvent(db, { event: 'start', ...by });

  if (job.data.codeVersion !== codeVersion()) {
    throw new UnrecoverableError(
      `worker ${worker} runs code version ${codeVersion().slice(0, 12)}, the sweep was submitted with ${job.data.codeVersion.slice(0, 12)}: run the same cascade-lab, with the same CASCADE_KERNEL, on every machine`,
    );
  }
  const differs = fileDifference(spec.files ?? []);
  if (differs !== undefined) throw new UnrecoverableError(`worker ${worker}: ${differs}: put the same files at the same paths on every machine (\`--retry-failed\` resubmits the trial once they are)`);
  const hooks = testHooks();
  if (hooks.delayMs > 0) await sleep(hooks.delayMs);
  if (by.attempt <= hooks.failFirst) throw new Error(`test-only transient failure (attempt ${by.attempt} of the first ${hooks.failFirst})`);

  const record = await runTrial(spec);
  if (record.status === 'error') throw new Error(record.message ?? 'trial failed');
  if (!(await workerAlive())) {
    await logEvent(db, { event: 'orphaned', ...by });
    process.exit(1);
  }
  const stored = await storeRecord(db, record, by);
  if (record.status === 'invalid') throw new UnrecoverableError(record.message ?? 'invalid trial');
  return { stored };
}
