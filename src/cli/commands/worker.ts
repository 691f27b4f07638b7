import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../../core/errors.js';
import { startQueueWorker, WORKER_DEFAULTS } from '../../sweep/queue/worker.js';

interface WorkerOptions {
  queue: string;
  concurrency?: string;
  name?: string;
  lockMs?: string;
  stalledIntervalMs?: string;
  maxStalled?: string;
}

function positiveInt(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new ConfigError(`'${text}' is not an integer ≥ ${min}`, { field: flag });
  return Number(text);
}

/** `cascade worker --queue redis://host:port`: runs sweep trials from the queue until stopped (Ctrl-C finishes the trials under way). */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run sweep trials from a Redis queue (start any number, on any machines that reach the Redis) until stopped')
    .requiredOption('--queue <url>', 'the queue: redis://host:port')
    .option('--concurrency <n>', 'trials at once, each in its own process (default: the cores of this machine)')
    .option('--name <name>', 'name in the queue\'s worker list and event log (default: host:pid)')
    .option('--lock-ms <ms>', `how long a trial's lock lasts without renewal; a dead worker's trials wait this long (default ${WORKER_DEFAULTS.lockDurationMs})`)
    .option('--stalled-interval-ms <ms>', `how often this worker looks for trials of dead workers (default ${WORKER_DEFAULTS.stalledIntervalMs})`)
    .option('--max-stalled <n>', `times a trial may lose its worker before it is failed (default ${WORKER_DEFAULTS.maxStalledCount})`)
    .action(async (opts: WorkerOptions) => {
      const running = await startQueueWorker({
        url: opts.queue,
        concurrency: positiveInt(opts.concurrency, '--concurrency', 1) ?? availableParallelism(),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.lockMs !== undefined ? { lockDurationMs: positiveInt(opts.lockMs, '--lock-ms', 1) } : {}),
        ...(opts.stalledIntervalMs !== undefined ? { stalledIntervalMs: positiveInt(opts.stalledIntervalMs, '--stalled-interval-ms', 1) } : {}),
        ...(opts.maxStalled !== undefined ? { maxStalledCount: positiveInt(opts.maxStalled, '--max-stalled', 0) } : {}),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      await running.ready;
      process.stdout.write(`worker ${running.name} waiting for trials on ${opts.queue}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.stdout.write(`worker ${running.name} stopping after the trials under way\n`);
          running.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
