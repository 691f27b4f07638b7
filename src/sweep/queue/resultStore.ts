/**
 * The results of a distributed sweep: one Redis hash, trial key → record.
 *
 * Written with HSETNX, so the first record stored for a key is the one that
 * stays: a worker that lost its job to the stalled-job check (it paused,
 * its lock expired, another worker took the trial) and finishes anyway
 * cannot overwrite the record already there. runTrial is deterministic, so
 * the loser's record would have been the same bytes; first-write-wins makes
 * "exactly one record per key" a property of the store, not of timing.
 *
 * Only deterministic outcomes are stored: 'ok' and 'invalid'. A transient
 * 'error' is left to the job (retried, then failed), so a later resubmission
 * of the sweep may still succeed on it.
 */
import type { Redis } from 'ioredis';
import { parseResultLines } from '../results.js';
import type { TrialRecord } from '../trial.js';
import { EVENTS_KEY, RESULTS_KEY } from './connection.js';

/**
 * HSETNX and the matching event ('stored' or 'duplicate') in one script, so
 * a reader who sees the record also sees who stored it.
 */
const STORE = `
local first = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[2], first == 1 and ARGV[3] or ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
return first`;

/** Stores a record unless one is already stored under its key, logging which; true when this call wrote it. */
export async function storeRecord(redis: Redis, record: TrialRecord, by: Omit<WorkerEvent, 'event'>): Promise<boolean> {
  const stored = JSON.stringify({ event: 'stored', ...by } satisfies WorkerEvent);
  const duplicate = JSON.stringify({ event: 'duplicate', ...by } satisfies WorkerEvent);
  const first = await redis.eval(STORE, 2, RESULTS_KEY, EVENTS_KEY, record.key, JSON.stringify(record), stored, duplicate, String(EVENTS_KEPT));
  return first === 1;
}

/** HMGET batch size: keeps one reply well under Redis' and ioredis' comfortable sizes on a 100k-trial sweep. */
const BATCH = 1000;

/** The stored records of `keys` (absent keys are missing from the map). */
export async function fetchRecords(redis: Redis, keys: readonly string[]): Promise<Map<string, TrialRecord>> {
  const out = new Map<string, TrialRecord>();
  for (let i = 0; i < keys.length; i += BATCH) {
    const chunk = keys.slice(i, i + BATCH);
    const values = await redis.hmget(RESULTS_KEY, ...chunk);
    values.forEach((v, k) => {
      if (v === null) return;
      // The same reader as results.jsonl, so a damaged value is skipped (and the trial rerun), never trusted.
      const [record] = parseResultLines(v);
      if (record !== undefined && record.key === chunk[k]) out.set(chunk[k], record);
    });
  }
  return out;
}

/** What a worker did, one list entry each (see connection.ts). */
export interface WorkerEvent {
  readonly event: 'start' | 'stored' | 'duplicate' | 'orphaned';
  readonly key: string;
  /** `cascade worker --name`, default host:pid. */
  readonly worker: string;
  /** The sandboxed process that ran the trial. */
  readonly pid: number;
  /** 1 for the first run of the job, 2 after one retry or one stall, … */
  readonly attempt: number;
}

/** Newest entries kept: enough for any sweep an operator inspects by hand, bounded for the 24/7 queue. */
const EVENTS_KEPT = 100_000;

export async function logEvent(redis: Redis, e: WorkerEvent): Promise<void> {
  await redis.multi().rpush(EVENTS_KEY, JSON.stringify(e)).ltrim(EVENTS_KEY, -EVENTS_KEPT, -1).exec();
}

/** Every kept event, oldest first. */
export async function readEvents(redis: Redis): Promise<WorkerEvent[]> {
  return (await redis.lrange(EVENTS_KEY, 0, -1)).map((line) => JSON.parse(line) as WorkerEvent);
}
