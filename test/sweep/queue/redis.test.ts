/**
 * The distributed runner against a real redis-server and real processes: a
 * `cascade sweep --queue` coordinator and three `cascade worker`s, one of them
 * SIGKILLed while it is certainly mid-trial (it sleeps in the test-only delay
 * before running it). The dead worker's lock lapses, a live worker's stalled
 * check puts the trial back, another worker runs it; the output folder must
 * be byte-identical to the same sweep run in one process.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { applyOverrides, validateScenario } from '../../../src/config/load.js';
import { absoluteRawPaths } from '../../../src/config/rebasePaths.js';
import { resolveTarget } from '../../../src/config/resolveTarget.js';
import { prepareRunData } from '../../../src/runner/prepareData.js';
import { readResults } from '../../../src/sweep/results.js';
import { runSweep } from '../../../src/sweep/sweep.js';
import { loadSweepFile } from '../../../src/sweep/sweepSchema.js';
import { codeVersion, runTrial, trialKey, type TrialSpec } from '../../../src/sweep/trial.js';
import { openRedis, QUEUE_NAME, QUEUE_PREFIX, RESULTS_KEY } from '../../../src/sweep/queue/connection.js';
import { runSweepOnQueue } from '../../../src/sweep/queue/coordinator.js';
import { enqueueTrials, trialJobOptions, type TrialJobData } from '../../../src/sweep/queue/enqueue.js';
import { fileChecksums } from '../../../src/sweep/fileChecksums.js';
import { readEvents } from '../../../src/sweep/queue/resultStore.js';
import { exitCode, findRedisServer, processAlive, spawnCli, spawnWorker, startRedis, stop, until, waitForLine, type Spawned } from './harness.js';

const REDIS = findRedisServer();
const SKIP = 'missing' in REDIS ? REDIS.missing : undefined;

/** 4 population sizes × 2 half-day windows: 8 short trials with different figures. */
const SWEEP_FILE = resolve('test/sweep/queue/fixtures/eight.yaml');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'queue-sweep-'));

// Single trials for the retry tests: a day of the bundled synthetic path.
const target = resolveTarget('default');
const DATA_SHA = prepareRunData(validateScenario(target.raw), target.baseDir).data.dataSha256;
function specFor(index: number, sets: string[], label: string): TrialSpec {
  const scenario = absoluteRawPaths(applyOverrides(target.raw, ['data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-13T00:00:00Z"}', ...sets]), target.baseDir);
  return { index, key: trialKey(validateScenario(scenario), DATA_SHA, codeVersion()), label, scenario };
}

/**
 * A worker boots node, tsx and the CLI (about 2 s on a quiet machine, 8 s and
 * more on a loaded two-core one), then forks its sandboxed child on the first
 * trial; the waits and test timeouts leave room for that.
 */
const BOOT_MS = 60_000;
const TEST_MS = 180_000;

/**
 * Lock and stalled check short enough for a test: a dead worker's trial is
 * back within 4 s + 2 × 1 s. Not shorter: a live worker on a loaded machine
 * must still renew its locks (every 2 s) in time.
 */
const FAST_STALL = ['--concurrency', '1', '--lock-ms', '4000', '--stalled-interval-ms', '1000'];

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

  it('three workers, one SIGKILLed mid-trial: every result exactly once, the killed trial rerun, the tables identical to one process', async () => {
    // Worker A sleeps 10 minutes before each trial: whatever it takes, it is mid-trial when killed.
    const a = spawnWorker(redis.url, 'A', FAST_STALL, { CASCADE_QUEUE_TEST_DELAY_MS: '600000' });
    workers.push(a);
    await waitForLine(a.proc, a.out, /waiting for trials/, BOOT_MS);
    // The coordinator as a user runs it; A, connected and waiting, takes the first trial long before B and C have booted.
    const onQueue = join(tmp(), 'queue');
    const coordinator = spawnCli(['sweep', SWEEP_FILE, '--queue', redis.url, '--out', onQueue]);
    const b = spawnWorker(redis.url, 'B', FAST_STALL);
    const c = spawnWorker(redis.url, 'C', FAST_STALL);
    workers.push(b, c);
    const taken = await until('worker A to start a trial', async () => (await readEvents(db)).find((e) => e.worker === 'A' && e.event === 'start'), BOOT_MS);
    await Promise.all([waitForLine(b.proc, b.out, /waiting for trials/, BOOT_MS), waitForLine(c.proc, c.out, /waiting for trials/, BOOT_MS)]);
    a.proc.kill('SIGKILL');

    const code = await exitCode(coordinator.proc, TEST_MS);
    const events = await readEvents(db);
    const say = `coordinator (exit ${code}):\n${coordinator.out.text}\nevents:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nA:\n${a.out.text}\nB:\n${b.out.text}\nC:\n${c.out.text}`;
    expect(code, say).toBe(0);
    expect(coordinator.out.text, say).toMatch(/8 trials \(8 ok, 0 invalid, 0 error\)/);
    const plan = JSON.parse(readFileSync(join(onQueue, 'plan.json'), 'utf8')) as { trials: Array<{ key: string }> };
    const keys = plan.trials.map((t) => t.key);
    expect(new Set(keys).size).toBe(8);

    // Every trial present exactly once: once in the store, once in results.jsonl, stored by exactly one worker.
    expect(await db.hlen(RESULTS_KEY)).toBe(keys.length);
    expect(readResults(join(onQueue, 'results.jsonl')).map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(readFileSync(join(onQueue, 'results.jsonl'), 'utf8').trimEnd().split('\n').length).toBe(keys.length);
    // (A live worker starved past its lock could see its trial rerun elsewhere: that rerun's write would be a
    // refused 'duplicate', which is the store doing its job, so duplicates are not counted against it.)
    for (const k of keys) expect(events.filter((e) => e.key === k && e.event === 'stored').length, `${k}\n${say}`).toBe(1);
    expect(events.filter((e) => e.event === 'orphaned'), say).toEqual([]);

    // The killed trial: started by A, never stored by A, started again and stored by B or C.
    const killed = events.filter((e) => e.key === taken.key);
    const starts = killed.filter((e) => e.event === 'start').map((e) => e.worker);
    expect(starts[0], say).toBe('A');
    expect(starts.length, say).toBeGreaterThanOrEqual(2);
    expect(['B', 'C'], say).toContain(killed.find((e) => e.event === 'stored')?.worker);
    expect(events.filter((e) => e.event === 'stored' && e.worker === 'A'), say).toEqual([]);
    // A's sandboxed child left with its worker (it would otherwise sleep on, then run the trial for nobody).
    await until(`A's child (pid ${taken.pid}) to exit`, async () => (processAlive(taken.pid) ? undefined : true), 10_000);

    // Byte-identical to the same sweep in one process (the local pool with one worker).
    const local = join(tmp(), 'local');
    await runSweep(loadSweepFile(SWEEP_FILE), { out: local, workers: 1 });
    for (const f of ['plan.json', 'sweep.csv', 'sweep.json', 'sweep.html']) expect(readFileSync(join(onQueue, f), 'utf8'), f).toBe(readFileSync(join(local, f), 'utf8'));
    // The figures differ from trial to trial, so the comparison is not of eight equal rows.
    const rows = readFileSync(join(local, 'sweep.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(new Set(rows.map((r) => r.split(',')[6])).size, 'liquidationCount column').toBe(8);

    // The same sweep submitted again (another folder): no job added, nothing run again, the same tables.
    const again = join(tmp(), 'again');
    await runSweep(loadSweepFile(SWEEP_FILE), { out: again, queue: { url: redis.url } });
    for (const f of ['plan.json', 'sweep.csv', 'sweep.json']) expect(readFileSync(join(again, f), 'utf8'), f).toBe(readFileSync(join(local, f), 'utf8'));
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
    expect(retried.records).toEqual([await runTrial(flaky)]);
  }, TEST_MS);

  it("a worker whose copy of a file differs from the submitter's, or lacks it, refuses the trial and stores nothing", async () => {
    const w = spawnWorker(redis.url, 'F', ['--concurrency', '1']);
    workers.push(w);
    await waitForLine(w.proc, w.out, /waiting for trials/, BOOT_MS);
    const queue = new Queue<TrialJobData>(QUEUE_NAME, { connection: db, prefix: QUEUE_PREFIX });
    try {
      const cases: Array<[string, string, RegExp]> = [
        ['1700', 'f'.repeat(64), /differs from the submitting machine's copy \(sha256 [0-9a-f]{12} here, ffffffffffff there\)/],
      ];
      for (const [count, theirs, why] of cases) {
        const spec = specFor(4, [`protocol.population.count=${count}`], 'elsewhere');
        const files = fileChecksums(validateScenario(spec.scenario));
        // The bar file, as another machine would have hashed it: submitted by hand, as that machine's coordinator would.
        expect(files[0][0]).toMatch(/synthetic\.csv$/);
        await queue.add('trial', { spec: { ...spec, files: [[files[0][0], theirs]] }, codeVersion: codeVersion() }, trialJobOptions(spec.key, { attempts: 3, backoffMs: 1500 }));
        const result = await runSweepOnQueue({ url: redis.url, specs: [spec], codeVersion: codeVersion(), pollMs: 100 });
        expect(result.failures).toHaveLength(1);
        expect(result.failures[0].message).toMatch(new RegExp(`^worker \\S+: ${files[0][0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
        expect(result.failures[0].message).toMatch(why);
        expect(result.failures[0].message).toMatch(/put the same files at the same paths on every machine/);
        expect(await db.hexists(RESULTS_KEY, spec.key)).toBe(0);
      }
      // A file the worker lacks.
      const spec = specFor(5, ['protocol.population.count=1900'], 'absent');
      await queue.add('trial', { spec: { ...spec, files: [['/nonexistent/bars.csv', 'a'.repeat(64)]] }, codeVersion: codeVersion() }, trialJobOptions(spec.key, { attempts: 3, backoffMs: 1500 }));
      const result = await runSweepOnQueue({ url: redis.url, specs: [spec], codeVersion: codeVersion(), pollMs: 100 });
      expect(result.failures[0]?.message).toMatch(/^worker \S+: \/nonexistent\/bars\.csv is missing here: /);
      expect(await db.hexists(RESULTS_KEY, spec.key)).toBe(0);
    } finally {
      await queue.close();
    }
  }, TEST_MS);
});
