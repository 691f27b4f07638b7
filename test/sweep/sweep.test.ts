import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse, foldsFor, type Plan } from '../../src/sweep/analysis.js';
import { readResults } from '../../src/sweep/results.js';
import { mergeShards, runSweep } from '../../src/sweep/sweep.js';
import { loadSweepFile } from '../../src/sweep/sweepSchema.js';
import type { TrialRecord } from '../../src/sweep/trial.js';
import { rankText, tieText } from '../../src/report/sweepAnalysis.js';

// 3 fund sizes × 2 penalties on two 8-hour windows: 12 trials of about half a second each.
const FILE = resolve('test/fixtures/sweep/small.yaml');
const TABLES = ['plan.json', 'sweep.csv', 'sweep.json', 'sweep.html'];
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sweep-'));
const same = (a: string, b: string): void => {
  for (const f of TABLES) expect(readFileSync(join(a, f), 'utf8'), f).toBe(readFileSync(join(b, f), 'utf8'));
};

describe('local sweeps: the same files whatever the workers, shards or interruptions', () => {
  const one = join(tmp(), 'one');
  const two = join(tmp(), 'two');

  it('1 worker and 2 workers write identical tables', async () => {
    const a = await runSweep(loadSweepFile(FILE), { out: one, workers: 1 });
    await runSweep(loadSweepFile(FILE), { out: two, workers: 2 });
    same(one, two);
    expect(a.analysis?.counts).toEqual({ trials: 12, ok: 12, invalid: 0, error: 0, missing: 0 });
    expect(readFileSync(join(one, 'sweep.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(13);
    // `cascade report` rebuilds the sweep's page from sweep.json, byte for byte.
    const page = readFileSync(join(one, 'sweep.html'), 'utf8');
    expect(page).toContain('<h1>Sweep: ');
    const { cli } = await import('../cli/capture.js');
    expect((await cli(['report', one])).code).toBe(0);
    expect(readFileSync(join(one, 'sweep.html'), 'utf8')).toBe(page);
  }, 240_000);

  it('two shards merged equal the single run', async () => {
    const s0 = join(tmp(), 's0');
    const s1 = join(tmp(), 's1');
    const r0 = await runSweep(loadSweepFile(FILE), { out: s0, workers: 1, shard: { index: 0, count: 2 } });
    await runSweep(loadSweepFile(FILE), { out: s1, workers: 1, shard: { index: 1, count: 2 } });
    expect(r0.analysis).toBeNull();
    // Shard 0 ran the even indices only.
    expect(readResults(join(s0, 'results.jsonl')).map((r) => r.index % 2)).toEqual(new Array(6).fill(0));
    const merged = join(tmp(), 'merged');
    mergeShards([s0, s1], merged);
    same(one, merged);
  }, 240_000);

  it('a sweep killed mid-way resumes to the same tables, without rerunning finished trials', async () => {
    const dir = join(tmp(), 'killed');
    const results = join(dir, 'results.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sweep', FILE, '--out', dir, '--workers', '1', '--quiet'], { stdio: 'ignore' });
    const lines = (): number => (existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter((l) => l.trim() !== '').length : 0);
    await new Promise<void>((done, fail) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (lines() >= 3) {
          clearInterval(poll);
          child.kill('SIGKILL');
          done();
        } else if (Date.now() - started > 180_000 || child.exitCode !== null) {
          clearInterval(poll);
          fail(new Error(`the sweep ${child.exitCode !== null ? 'ended' : 'did not write 3 results'} before it could be killed`));
        }
      }, 50);
    });
    await new Promise((r) => child.once('exit', r));
    const before = readResults(results);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(12);
    expect(existsSync(join(dir, 'sweep.csv'))).toBe(false);
    let ran = 0;
    await runSweep(loadSweepFile(FILE), { out: dir, workers: 2, onRecord: () => void ran++ });
    expect(ran).toBe(12 - before.length);
    same(one, dir);
    const keys = readResults(results).map((r) => r.key);
    expect(new Set(keys).size).toBe(12);
  }, 240_000);
});

describe('TPE sweeps', () => {
  it('1 and 2 workers propose the same points and write identical tables', async () => {
    const tpe = resolve('test/fixtures/sweep/tpe.yaml');
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    const ra = await runSweep(loadSweepFile(tpe), { out: a, workers: 1 });
    await runSweep(loadSweepFile(tpe), { out: b, workers: 2 });
    same(a, b);
    expect(ra.plan.points).toHaveLength(12);
    expect(ra.analysis?.counts.ok).toBe(12);
  }, 240_000);
});

describe('folds', () => {
  it('leave-one-out holds out each window; walk-forward trains on the windows before', () => {
    expect(foldsFor('leave-one-out', ['a', 'b', 'c']).map((f) => [f.train, f.test])).toEqual([[[1, 2], 0], [[0, 2], 1], [[0, 1], 2]]);
    expect(foldsFor('walk-forward', ['a', 'b', 'c']).map((f) => [f.train, f.test])).toEqual([[[0], 1], [[0, 1], 2]]);
    expect(foldsFor('none', ['a', 'b']).map((f) => [f.train, f.test])).toEqual([[[0, 1], null]]);
  });
});

describe('analysis (hand-computed)', () => {
  // Two points on two windows, objective minimised: p0 = (1, 5), p1 = (2, 3).
  const values = [[1, 5], [2, 3]];
  const trials = [0, 1].flatMap((p) => [0, 1].map((w) => ({ index: p * 2 + w, key: `k${p}${w}`, label: '', point: p, window: w })));
  const plan: Plan = {
    kind: 'cascade-sweep-plan', sweepHash: 'h', name: 't', method: 'grid', validation: 'leave-one-out', seed: 1,
    parameters: ['x'], windows: ['a', 'b'], points: [[10], [20]], objective: { figure: 'loss', goal: 'min' }, constraints: [], figures: ['loss'],
    folds: [
      { name: 'hold-out a', train: [1], test: 0, points: [0, 1] },
      { name: 'hold-out b', train: [0], test: 1, points: [0, 1] },
    ],
    trials,
  };
  const records = new Map<string, TrialRecord>(trials.map((t) => [t.key, { index: t.index, key: t.key, label: '', status: 'ok', figures: { loss: values[t.point][t.window] } }]));

  it('leave-one-out: the in-sample best is the worse one held out (rank 2 of 2)', () => {
    const a = analyse(plan, records);
    // Hold out a: trained on b, p1 (3 < 5) is chosen; on a it scores 2 against p0's 1.
    expect(a.folds[0]).toMatchObject({ bestPoint: 1, inSample: 3, outOfSample: 2, outOfSampleRank: 2, ranked: 2 });
    // Hold out b: trained on a, p0 (1 < 2); on b it scores 5 against p1's 3.
    expect(a.folds[1]).toMatchObject({ bestPoint: 0, inSample: 1, outOfSample: 5, outOfSampleRank: 2, ranked: 2 });
  });

  it('PBO = 1: in both halves the in-sample best ranks last out of sample; DSR on the best mean', () => {
    const o = analyse(plan, records).overfitting;
    expect(o.pbo).toMatchObject({ pbo: 1, combinations: 2, partitions: 2 });
    // Signed (higher is better): p0 = (−1, −5), p1 = (−2, −3); best mean is p1 (−2.5), Sharpe −2.5 / sd(−2, −3) = −2.5 / 0.70711.
    expect(o.deflatedSharpe?.sharpe).toBeCloseTo(-2.5 / Math.SQRT1_2, 12);
    expect(o.deflatedSharpe).toMatchObject({ trials: 2, observations: 2 });
  });

  it('every point tied on every window: PBO is undefined and says why (not 1)', () => {
    const tied = new Map<string, TrialRecord>(trials.map((t) => [t.key, { index: t.index, key: t.key, label: '', status: 'ok', figures: { loss: 0 } }]));
    const o = analyse(plan, tied).overfitting;
    expect(o.pbo).toBeNull();
    expect(o.notes.join(' ')).toMatch(/every point has the same objective on every window/);
  });

  it('ties: a choice among equal in-sample means says how many tied and what they did held out; a shared held-out value gives a rank range', () => {
    // Three points on two windows: p0 = (0, 7), p1 = (0, 4), p2 = (1, 4). Hold out b: trained on a, p0 and p1 tie at 0.
    const three: Plan = { ...plan, points: [[10], [20], [30]], folds: [{ name: 'hold-out b', train: [0], test: 1, points: [0, 1, 2] }], trials: [0, 1, 2].flatMap((p) => [0, 1].map((w) => ({ index: p * 2 + w, key: `k${p}${w}`, label: '', point: p, window: w }))) };
    const v = [[0, 7], [0, 4], [1, 4]];
    const recs = new Map<string, TrialRecord>(three.trials.map((t) => [t.key, { index: t.index, key: t.key, label: '', status: 'ok', figures: { loss: v[t.point][t.window] } }]));
    const f = analyse(three, recs).folds[0];
    // The first of the tie is taken: p0, which is the worst held out (7 against 4 and 4).
    expect(f).toMatchObject({ bestPoint: 0, inSample: 0, outOfSample: 7, outOfSampleRank: 3, ranked: 3, tiedInSample: 2, tiedOutOfSample: { min: 4, max: 7 }, outOfSampleTies: 1 });
    expect(tieText(f, String)).toBe('tied in-sample with 1 other point: the first listed is taken, and the tie says nothing about which is better; held out, the tied points range from 4 to 7');
    expect(rankText(f)).toBe('3 of 3');
    // Hold out a instead (trained on b): p1 and p2 tie at 4, p1 is taken; held out it scores 0, as p0 does: rank 1-2.
    const g = analyse({ ...three, folds: [{ name: 'hold-out a', train: [1], test: 0, points: [0, 1, 2] }] }, recs).folds[0];
    expect(g).toMatchObject({ bestPoint: 1, outOfSample: 0, outOfSampleRank: 1, outOfSampleTies: 2, tiedInSample: 2, tiedOutOfSample: { min: 0, max: 1 } });
    expect(rankText(g, '/')).toBe('1-2/3');
    // No tie: no text.
    expect(tieText(analyse(plan, records).folds[0], String)).toBe('');
    // Nothing else ran on the held-out window (a TPE fold runs only its chosen point there): no rank to give.
    expect(rankText({ ...f, outOfSampleRank: 1, ranked: 1, outOfSampleTies: 1 })).toBe('');
  });

  it('the trial count adds up on the console: a product when every point ran on every window, else says why not', async () => {
    const { trialCountText } = await import('../../src/cli/commands/sweep.js');
    expect(trialCountText(20, 4, 80)).toBe('20 points × 4 windows = 80 trials');
    // TPE, walk-forward over 3 windows: 24 points per fold, each on its fold's training windows, plus the chosen point held out.
    expect(trialCountText(48, 3, 74)).toBe("48 points over 3 windows, each point on its own fold's windows: 74 trials");
  });

  it('a constraint makes a point infeasible in-sample; a missing record counts as missing', () => {
    const constrained: Plan = { ...plan, constraints: [{ figure: 'loss', max: 2.5 }] };
    const a = analyse(constrained, records);
    // Hold out a: trained on b, where both points break loss ≤ 2.5: nothing is chosen.
    expect(a.folds[0].bestPoint).toBeNull();
    const partial = new Map(records);
    partial.delete('k11');
    expect(analyse(plan, partial).counts).toEqual({ trials: 4, ok: 3, invalid: 0, error: 0, missing: 1 });
  });
});
