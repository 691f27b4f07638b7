/**
 * Where a distributed sweep lives in Redis. One BullMQ queue holds every
 * trial of every sweep: a job's id is its trial key, and the key already
 * names the scenario, the data checksum and the code version, so two sweeps
 * that share a trial share its job and its result instead of running it
 * twice. Beside the queue, two plain keys of our own:
 *
 * - `RESULTS_KEY`, a hash trial key → TrialRecord JSON, written with HSETNX
 *   (first write wins), the store the coordinator merges from;
 * - `EVENTS_KEY`, a capped list of what workers did (started, stored, lost
 *   the race), for an operator asking "who ran this trial, how often".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ConfigError } from '../../core/errors.js';

export const QUEUE_PREFIX = 'cascade';
export const QUEUE_NAME = 'trials';
// Outside BullMQ's own key space (`cascade:trials:*`, where `events` is its event stream).
export const RESULTS_KEY = 'cascade-sweep:results';
export const EVENTS_KEY = 'cascade-sweep:worker-events';

/**
 * Validates a `--queue` address: `redis://[user:password@]host:port[/db]`
 * (or `rediss://` for TLS). The port is required: a worker on another
 * machine silently talking to a default port is a worse failure than an
 * error here.
 */
export function parseQueueUrl(text: string, field = '--queue'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`'${text}' is not a URL; expected redis://host:port`, { field });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`'${text}' uses ${url.protocol}; expected redis://host:port (or rediss:// for TLS)`, { field });
  }
  if (url.hostname === '') throw new ConfigError(`'${text}' has no host; expected redis://host:port`, { field });
  if (url.port === '') throw new ConfigError(`'${text}' has no port; expected redis://host:port (Redis listens on 6379 by default)`, { field });
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new ConfigError(`'${text}': the path must be a database number (/0 … /15), got '/${db}'`, { field });
  if (url.search !== '' || url.hash !== '') throw new ConfigError(`'${text}': query and fragment are not supported`, { field });
  return url.toString();
}

/**
 * A client for the queue's Redis. `maxRetriesPerRequest: null` is what
 * BullMQ requires of the connections its workers block on: a command waits
 * for Redis to come back instead of failing after 20 retries, so a Redis
 * restart pauses the sweep rather than failing its trials.
 */
export function openRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/**
 * Fails fast when nothing answers at `url`: the client would otherwise
 * retry forever (as a long-running worker should once it has started), and
 * a mistyped address would look like an idle queue.
 */
export async function checkReachable(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let last = '';
  const onError = (err: Error): void => {
    last = err.message;
  };
  redis.on('error', onError);
  try {
    const ok = await Promise.race([redis.ping().then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!ok) throw new ConfigError(`no Redis answered at ${url} within ${timeoutMs / 1000} s${last !== '' ? ` (${last})` : ''}: is redis-server running there and reachable from this machine?`, { field: '--queue' });
  } finally {
    redis.off('error', onError);
  }
}
