import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario, applyOverrides } from '../../src/config/load.js';
import { absoluteRawPaths } from '../../src/config/rebasePaths.js';
import { resolveTarget } from '../../src/config/resolveTarget.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { appendResult, figureAt, readResults, resultsToCsv } from '../../src/sweep/results.js';
import { codeVersion, runTrial, trialKey, type TrialRecord } from '../../src/sweep/trial.js';

const target = resolveTarget('default');
// A short, small run: 2,000 accounts, a 12-hour window.
const raw = applyOverrides(target.raw, ['protocol.population.count=2000', 'data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-12T12:00:00Z"}']);
const scenario = absoluteRawPaths(raw, target.baseDir) as Record<string, unknown>;
const validated = validateScenario(scenario);

describe('runTrial', () => {
  it('ok: the figures are the run summary figures, as JSON', async () => {
    const rec = await runTrial({ index: 3, key: 'k', label: 'l', scenario });
    expect(rec.status).toBe('ok');
    expect((scenario.data as { bars: { path: string } }).bars.path).toMatch(/^\/.*btc-2020-03-12\.synthetic\.csv$/);
    const prepared = prepareRunData(validated, '/');
    const direct = runBacktest(validated, prepared.data, '/');
    expect(rec.figures?.badDebt).toBe(direct.figures.badDebt);
    expect(rec.figures?.amplification).toBe(direct.figures.amplification);
    expect(rec.figures?.liquidationCount).toBe(direct.figures.liquidationCount);
    // Deterministic, and the data cache does not change the answer.
    expect(await runTrial({ index: 3, key: 'k', label: 'l', scenario })).toEqual(rec);
  });

  it('a scenario with a strategy: the module is loaded, its parameters vary the trial, and the figures hold both runs', async () => {
    const withStrategy = (entryMlr: number): Record<string, unknown> => ({ ...scenario, strategy: { path: 'buy-the-fear', params: { entryMlr } } });
    const a = await runTrial({ index: 0, key: 'a', label: 'a', scenario: withStrategy(0.3) });
    expect(a.status, a.message).toBe('ok');
    const s = a.figures?.strategy as { id: string; simulated: { stats: { sharpe: unknown } }; naive: unknown };
    expect(s.id).toBe('buy-the-fear');
    expect(s.naive).not.toBeNull();
    expect(s.simulated.stats).toHaveProperty('sharpe');
    const bad = await runTrial({ index: 1, key: 'b', label: 'b', scenario: withStrategy(-1) });
    expect(bad.status).toBe('invalid');
    expect(bad.message).toMatch(/entryMlr/);
  });

  it('invalid: a schema error, no figures; error: a non-cascade failure', async () => {
    const bad = await runTrial({ index: 0, key: 'k', label: 'l', scenario: { ...scenario, dealer: { hedge: { kind: 'bogus' } } } });
    expect(bad.status).toBe('invalid');
    expect(bad.figures).toBeNull();
    expect(bad.message).toMatch(/dealer/);
    const missing = await runTrial({ index: 0, key: 'k', label: 'l', scenario: { ...scenario, data: { bars: { source: 'file', path: '/nonexistent/x.csv' } } } });
    expect(missing.status).toBe('invalid');
  });
});

describe('trialKey and codeVersion', () => {
  it('depends on the scenario content (not key order), the data checksum and the code version', () => {
    const k = trialKey({ a: 1, b: 2 }, 'd', 'v');
    expect(trialKey({ b: 2, a: 1 }, 'd', 'v')).toBe(k);
    expect(trialKey({ a: 1, b: 3 }, 'd', 'v')).not.toBe(k);
    expect(trialKey({ a: 1, b: 2 }, 'e', 'v')).not.toBe(k);
    expect(trialKey({ a: 1, b: 2 }, 'd', 'w')).not.toBe(k);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(codeVersion()).toMatch(/^[0-9a-f]{64}$/);
    expect(codeVersion()).toBe(codeVersion());
  });
});

describe('results.jsonl', () => {
  const rec = (index: number, key: string, extra: Partial<TrialRecord> = {}): TrialRecord => ({ index, key, label: `t${index}`, status: 'ok', figures: { x: index, y: { z: 'Infinity' } }, ...extra });

  it('first record per key wins; a torn last line is skipped', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'results-')), 'results.jsonl');
    appendResult(file, rec(1, 'a'));
    appendResult(file, rec(0, 'b'));
    appendResult(file, rec(1, 'a', { figures: { x: 99 } }));
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"index":2,"key":"c","lab`);
    const got = readResults(file);
    expect(got.map((r) => r.key)).toEqual(['a', 'b']);
    expect(got[0].figures).toEqual({ x: 1, y: { z: 'Infinity' } });
    expect(readResults(join(tmpdir(), 'no-such-results.jsonl'))).toEqual([]);
  });

  it('the CSV is sorted by index whatever the order of the records', () => {
    const cols = { parameters: ['p'], values: (i: number) => [i * 10], figures: ['x', 'y.z', 'missing'] };
    const a = resultsToCsv([rec(2, 'c'), rec(0, 'a'), rec(1, 'b', { status: 'invalid', figures: null, message: 'bad, "x"' })], cols);
    const b = resultsToCsv([rec(1, 'b', { status: 'invalid', figures: null, message: 'bad, "x"' }), rec(0, 'a'), rec(2, 'c')], cols);
    expect(a).toBe(b);
    expect(a).toBe('index,key,status,p,x,y.z,missing,message\n0,a,ok,0,0,Infinity,,\n1,b,invalid,10,,,,"bad, ""x"""\n2,c,ok,20,2,Infinity,,\n');
    expect(figureAt({ a: { b: true } }, 'a.b')).toBe(1);
    expect(figureAt({ a: 1 }, 'a.b')).toBeNull();
  });
});
