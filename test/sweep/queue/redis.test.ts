/**
 * The distributed runner against a real redis-server and real worker
 * processes: three `cascade worker`s, one SIGKILLed while it is certainly
 * mid-trial (it sleeps in the test-only delay before running it). The dead
 * worker's lock expires, a live worker's stalled check puts the trial back,
 * another worker runs it; the merged table must be byte-identical to the
 * same trials run one after another in this process.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { applyOverrides, validateScenario } from '../../../src/config/load.js';
import { absoluteRawPaths } from '../../../src/config/rebasePaths.js';
import { resolveTarget } from '../../../src/config/resolveTarget.js';
import { prepareRunData } from '../../../src/runner/prepareData.js';
import { appendResult, readResults, resultsToCsv } from '../../../src/sweep/results.js';
import { codeVersion, runTrial, trialKey, type TrialSpec } from '../../../src/sweep/trial.js';
import { openRedis, QUEUE_NAME, QUEUE_PREFIX, RESULTS_KEY } from '../../../src/sweep/queue/connection.js';
import { runSweepOnQueue } from '../../../src/sweep/queue/coordinator.js';
import { enqueueTrials } from '../../../src/sweep/queue/enqueue.js';
import { readEvents, type WorkerEvent } from '../../../src/sweep/queue/resultStore.js';
import { runTrialsOnQueue } from '../../../src/sweep/queue/runner.js';
import { findRedisServer, processAlive, spawnWorker, startRedis, stop, until, waitForLine, type Spawned } from './harness.js';

const REDIS = findRedisServer();
const SKIP = 'missing' in REDIS ? REDIS.missing : undefined;

// Short trials (a one-day window of the bundled synthetic path, 1,000 to
// 8,000 accounts: tens of milliseconds each once the bars are cached) whose
// figures differ from trial to trial, so the byte comparison means something.
const COUNTS = [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000];
const target = resolveTarget('default');
function specFor(index: number, sets: string[], label: string): TrialSpec {
  const scenario = absoluteRawPaths(applyOverrides(target.raw, ['data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-13T00:00:00Z"}', ...sets]), target.baseDir);
  const canonical = validateScenario(scenario);
  return { index, key: trialKey(canonical, DATA_SHA, codeVersion()), label, scenario };
}
const DATA_SHA = prepareRunData(validateScenario(target.raw), target.baseDir).data.dataSha256;
const COLUMNS = {
  parameters: ['protocol.population.count'],
  values: (i: number) => [COUNTS[i]],
  figures: ['badDebt', 'liquidationCount', 'liquidationVolume', 'amplification', 'simulatedMaxDrawdown', 'insuranceFundUsed', 'dealerPnl.total'],
};

/** Lock and stalled check short enough for a test: a dead worker's trial is back within ~2 s + 2 × 0.5 s. */
/**
 * A worker boots node, tsx and the CLI (about 2 s on a quiet machine, 8 s and
 * more on a loaded two-core one), then forks its sandboxed child on the first
 * trial; the waits and test timeouts below leave room for that.
 */
const BOOT_MS = 60_000;
const TEST_MS = 180_000;

const FAST_STALL = ['--concurrency', '1', '--lock-ms', '2000', '--stalled-interval-ms', '500'];

describe.skipIf(SKIP !== undefined)(`BullMQ on a real redis-server${SKIP !== undefined ? ` (skipped: ${SKIP})` : ''}`, () => {
  let redis: { url: string; stop(): Promise<void> };
  let db: Redis;
  const workers: Spawned[] = [];

  beforeAll(async () => {
    redis = await startRedis((REDIS as { path: string }).path);
    db = openRedis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stop(w.proc)));
    db?.disconnect();
    await redis?.stop();
  });

  it('three workers, one SIGKILLed mid-trial: every result exactly once, the killed trial rerun, the CSV identical to one process', async () => {
    const specs = COUNTS.map((n, i) => specFor(i, [`protocol.population.count=${n}`], `count=${n}`));

    // Worker A sleeps 10 minutes before each trial: whatever it takes, it is mid-trial when killed.
    const a = spawnWorker(redis.url, 'A', FAST_STALL, { CASCADE_QUEUE_TEST_DELAY_MS: '600000' });
    workers.push(a);
    await waitForLine(a.proc, a.out, /waiting for trials/, BOOT_MS);
    const sweep = runSweepOnQueue({ url: redis.url, specs, codeVersion: codeVersion(), pollMs: 200 });
    // A is connected and waiting: it takes the first trial within milliseconds, long before B and C have booted.
    const b = spawnWorker(redis.url, 'B', FAST_STALL);
    const c = spawnWorker(redis.url, 'C', FAST_STALL);
    workers.push(b, c);
    const taken = await until('worker A to start a trial', async () => (await readEvents(db)).find((e) => e.worker === 'A' && e.event === 'start'), BOOT_MS);
    await Promise.all([waitForLine(b.proc, b.out, /waiting for trials/, BOOT_MS), waitForLine(c.proc, c.out, /waiting for trials/, BOOT_MS)]);
    a.proc.kill('SIGKILL');

    const result = await sweep;
    const events = await readEvents(db);
    const say = `events:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nA:\n${a.out.text}\nB:\n${b.out.text}\nC:\n${c.out.text}`;

    // Every trial present exactly once: one record per key in the store and in the result, one successful write each.
    expect(result.failures, say).toEqual([]);
    expect(result.records.map((r) => r.index)).toEqual(COUNTS.map((_, i) => i));
    expect(result.records.map((r) => r.key)).toEqual(specs.map((s) => s.key));
    expect(await db.hlen(RESULTS_KEY)).toBe(specs.length);
    for (const s of specs) expect(events.filter((e) => e.key === s.key && e.event === 'stored').length, `${s.label}\n${say}`).toBe(1);
    expect(events.filter((e) => e.event === 'duplicate' || e.event === 'orphaned'), say).toEqual([]);

    // The killed trial: started by A, never stored by A, started again and stored by B or C.
    const killed = events.filter((e) => e.key === taken.key);
    const starts = killed.filter((e) => e.event === 'start').map((e) => e.worker);
    expect(starts[0], say).toBe('A');
    expect(starts.length, say).toBeGreaterThanOrEqual(2);
    expect(['B', 'C'], say).toContain(killed.find((e) => e.event === 'stored')?.worker);
    // A's sandboxed child left with its worker (it would otherwise sleep on, then run the trial for nobody).
    await until(`A's child (pid ${taken.pid}) to exit`, async () => (processAlive(taken.pid) ? undefined : true), 10_000);
    // Both live workers ran trials (the queue spread the work).
    const storedBy = new Set(events.filter((e) => e.event === 'stored').map((e: WorkerEvent) => e.worker));
    expect(storedBy.has('A'), say).toBe(false);

    // Byte-identical to the same sweep in one process, one trial after another.
    const single = specs.map((s) => runTrial(s));
    const csv = resultsToCsv(result.records, COLUMNS);
    expect(csv).toBe(resultsToCsv(single, COLUMNS));
    // And the figures really differ between trials, so the comparison is not of eight equal rows.
    expect(new Set(single.map((r) => r.figures?.liquidationCount)).size).toBe(COUNTS.length);

    // Resubmitting the finished sweep adds no job and returns the same records at once.
    const again = await runSweepOnQueue({ url: redis.url, specs, codeVersion: codeVersion(), pollMs: 200 });
    expect(resultsToCsv(again.records, COLUMNS)).toBe(csv);
    expect((await readEvents(db)).length).toBe(events.length);

    // As the sweep's runner: a results.jsonl already holding three trials keeps them and gains the other five
    // (a trial listed twice counted once), in the same bytes once tabulated; no worker ran anything again.
    const file = join(mkdtempSync(join(tmpdir(), 'queue-results-')), 'results.jsonl');
    for (const r of single.slice(0, 3)) appendResult(file, r);
    const progress: string[] = [];
    const byKey = await runTrialsOnQueue([...specs, specs[5]], { url: redis.url, resultsFile: file, pollMs: 200, onRecord: (_r, done, total) => progress.push(`${done}/${total}`) });
    expect(byKey.size).toBe(specs.length);
    expect(progress).toEqual(['4/8', '5/8', '6/8', '7/8', '8/8']);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(specs.length);
    expect(resultsToCsv(readResults(file), COLUMNS)).toBe(csv);
    expect((await readEvents(db)).length).toBe(events.length);
  }, TEST_MS);

  it('resubmitting queued trials adds no job', async () => {
    const queue = new Queue(`${QUEUE_NAME}`, { connection: db, prefix: QUEUE_PREFIX });
    try {
      // No worker is running now (the first test stops them before this one only if it failed; stop them for sure).
      await Promise.all(workers.map((w) => stop(w.proc)));
      const specs = [specFor(0, ['protocol.population.count=1500'], 'x'), specFor(1, ['protocol.population.count=2500'], 'y')];
      const before = await queue.getJobCounts('waiting');
      expect(await enqueueTrials(queue, specs, codeVersion(), new Set())).toBe(2);
      expect(await enqueueTrials(queue, specs, codeVersion(), new Set())).toBe(2);
      expect(await enqueueTrials(queue, [...specs, ...specs], codeVersion(), new Set())).toBe(4);
      const after = await queue.getJobCounts('waiting');
      expect(after.waiting - before.waiting).toBe(2);
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }, TEST_MS);

  it('an invalid trial fails at once and is not retried; a transient error is retried with backoff, then listed when it outlives its attempts', async () => {
    // This worker throws a transient error on each job's first attempt (test-only hook).
    const w = spawnWorker(redis.url, 'R', ['--concurrency', '1'], { CASCADE_QUEUE_TEST_FAIL_FIRST: '1' });
    workers.push(w);
    await waitForLine(w.proc, w.out, /waiting for trials/, BOOT_MS);
    const good = specFor(0, ['protocol.population.count=1200'], 'good');
    const bad = { ...specFor(1, ['protocol.population.count=1300'], 'bad'), scenario: { ...(good.scenario as object), dealer: { hedge: { kind: 'bogus' } } } };
    const t0 = performance.now();
    const result = await runSweepOnQueue({ url: redis.url, specs: [good, bad], codeVersion: codeVersion(), pollMs: 100, retry: { attempts: 3, backoffMs: 1500 } });
    const elapsed = performance.now() - t0;
    const events = await readEvents(db);
    const say = `events:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nworker:\n${w.out.text}`;
    const startsOf = (key: string): number[] => events.filter((e) => e.key === key && e.event === 'start').map((e) => e.attempt);

    expect(result.records.map((r) => r.status), say).toEqual(['ok', 'invalid']);
    expect(result.failures.map((r) => r.label)).toEqual(['bad']);
    expect(result.failures[0].message).toMatch(/dealer\.hedge\.kind/);
    // good: failed once (the hook), ran again after the backoff, stored.
    expect(startsOf(good.key), say).toEqual([1, 2]);
    // bad: failed once (the hook), then invalid on attempt 2 of 3: no attempt 3.
    expect(startsOf(bad.key), say).toEqual([1, 2]);
    const queue = new Queue(QUEUE_NAME, { connection: db, prefix: QUEUE_PREFIX });
    try {
      // The record is stored just before the job is failed: wait for the job to catch up.
      const job = await until('the invalid job to fail', async () => {
        const j = await queue.getJob(bad.key);
        return (await j?.getState()) === 'failed' ? j : undefined;
      }, 10_000);
      expect(job?.attemptsMade).toBe(2);
      expect(job?.failedReason).toMatch(/dealer\.hedge\.kind/);
    } finally {
      await queue.close();
    }
    // Both retries waited the first backoff (1.5 s) before running again.
    expect(elapsed).toBeGreaterThan(1500);

    // One attempt only: the transient error is final and the coordinator lists it with its reason.
    const flaky = specFor(2, ['protocol.population.count=1400'], 'flaky');
    const once = await runSweepOnQueue({ url: redis.url, specs: [flaky], codeVersion: codeVersion(), pollMs: 100, retry: { attempts: 1, backoffMs: 1500 } });
    expect(once.failures.length).toBe(1);
    expect(once.failures[0]).toMatchObject({ index: 2, status: 'error', figures: null });
    expect(once.failures[0].message).toMatch(/test-only transient failure/);
    expect(await db.hexists(RESULTS_KEY, flaky.key)).toBe(0);

    // Submitting it again adds nothing: still the same failure...
    await stop(w.proc);
    const s = spawnWorker(redis.url, 'S', ['--concurrency', '1']);
    workers.push(s);
    await waitForLine(s.proc, s.out, /waiting for trials/, BOOT_MS);
    const resubmitted = await runSweepOnQueue({ url: redis.url, specs: [flaky], codeVersion: codeVersion(), pollMs: 100 });
    expect(resubmitted.failures[0]?.message).toMatch(/test-only transient failure/);
    // ...until asked to retry the failed jobs (the cause gone: worker S has no failure hook).
    const retried = await runSweepOnQueue({ url: redis.url, specs: [flaky], codeVersion: codeVersion(), pollMs: 100, retryFailed: true });
    expect(retried.failures).toEqual([]);
    expect(retried.records).toEqual([runTrial(flaky)]);
  }, TEST_MS);
});
