/**
 * `cascade worker`: takes trials off the queue until stopped. Run as many as
 * you like, on as many machines as reach the Redis; each forks `concurrency`
 * sandboxed children (processor.mjs) that run one trial at a time.
 *
 * Stalled jobs. A worker holds a lock on each job it runs and renews it
 * every lockDurationMs / 2 from its main process (free, since the trial runs
 * in a child). A worker that dies stops renewing; every stalledIntervalMs
 * each live worker looks for active jobs whose lock has expired and puts
 * them back in the queue, so a dead worker's trial reruns elsewhere after at
 * most lockDurationMs + 2 · stalledIntervalMs (BullMQ marks a job on one
 * check and moves it on the next). The defaults:
 * - lockDurationMs 30 s: long enough that a worker whose main process is
 *   briefly starved (a machine swapping, a GC pause, a Redis failover) keeps
 *   its jobs; short enough that a lost machine costs half a minute.
 * - stalledIntervalMs 30 s: one cheap Lua script per worker per interval;
 *   a dead worker's trial restarts within about 1.5 minutes, small against
 *   trials that run for minutes.
 * - maxStalledCount 2: a trial may lose its worker twice (two machines lost
 *   mid-trial) and still run; the third time it is failed and listed. A
 *   trial that takes its whole worker down every time (memory) thus stops
 *   after three tries instead of walking through the fleet.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { checkReachable, openRedis, parseQueueUrl, QUEUE_NAME, QUEUE_PREFIX } from './connection.js';
import type { TrialJobData } from './enqueue.js';

export interface QueueWorkerOptions {
  /** redis://host:port of the queue. */
  readonly url: string;
  /** Trials run at once (sandboxed child processes). */
  readonly concurrency: number;
  /** Shown in the event log and the queue's worker list; default host:pid. */
  readonly name?: string;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly maxStalledCount?: number;
  /** One line per finished or failed trial. */
  readonly log?: (line: string) => void;
}

export const WORKER_DEFAULTS = { lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 2 } as const;

const PROCESSOR = fileURLToPath(new URL('./processor.mjs', import.meta.url));

/**
 * The flags the children inherit from this process, less tsx's: the boot
 * file registers tsx itself, and a second global registration would compile
 * every module twice. Memory flags (--max-old-space-size) pass through.
 */
function childExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/tsx/.test(a)) continue;
    if ((a === '--import' || a === '--loader' || a === '--experimental-loader' || a === '--require' || a === '-r') && /tsx/.test(argv[i + 1] ?? '')) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export interface RunningWorker {
  readonly name: string;
  /** Resolves when the worker is connected and waiting for trials. */
  readonly ready: Promise<void>;
  /** Finishes the trials under way, then disconnects. */
  close(): Promise<void>;
}

function shortKey(job: Job<TrialJobData> | undefined): string {
  return job === undefined ? '?' : `trial ${job.data.spec.index} (${String(job.id).slice(0, 12)})`;
}

/** Starts a worker once its Redis answers (a ConfigError if nothing does within 5 s); from then on it rides out Redis outages. */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<RunningWorker> {
  const url = parseQueueUrl(opts.url);
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => {});
  const redis: Redis = openRedis(url);
  try {
    await checkReachable(redis, url);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const worker = new Worker<TrialJobData>(QUEUE_NAME, PROCESSOR, {
    connection: redis,
    prefix: QUEUE_PREFIX,
    name,
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
    maxStalledCount: opts.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount,
    workerForkOptions: {
      env: { ...process.env, CASCADE_QUEUE_URL: url, CASCADE_WORKER_NAME: name },
      execArgv: childExecArgv(),
    },
  });
  worker.on('completed', (job) => log(`${shortKey(job)} ok`));
  worker.on('failed', (job, err) => {
    const retrying = job !== undefined && err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    log(`${shortKey(job)} ${retrying ? `failed, will retry (attempt ${job.attemptsMade} of ${job.opts.attempts})` : 'failed'}: ${err.message}`);
  });
  worker.on('stalled', (jobId) => log(`trial ${jobId.slice(0, 12)} had lost its worker; back in the queue`));
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  return {
    name,
    ready: worker.waitUntilReady().then(() => undefined),
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}
