import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { readScenarioFile, validateScenario } from '../../src/config/load.js';
import { crashScenario } from '../../src/runner/crashScenario.js';
import { DEFAULT_SCENARIO_PATH } from '../../src/config/resolveTarget.js';
import { scenarioFiles } from '../../src/sweep/fileChecksums.js';
import { buildContext, makeTrial } from '../../src/sweep/plan.js';
import { parseShard } from '../../src/sweep/sweep.js';
import { loadSweepFile } from '../../src/sweep/sweepSchema.js';

function file(text: string, name = 's.yaml'): string {
  const p = join(mkdtempSync(join(tmpdir(), 'sweepfile-')), name);
  writeFileSync(p, text);
  return p;
}

const GOOD = `parameters:\n  - path: protocol.insuranceFundQuote\n    values: [0, 1]\nobjective:\n  figure: badDebt\n  goal: min\n`;

describe('sweep file errors name the file, the line and the field', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown key', `${GOOD}bogus: 1\n`, /s\.yaml:7: field '\(root\)': unknown key 'bogus'/],
    ['bad goal', GOOD.replace('goal: min', 'goal: lowest'), /s\.yaml:6: field 'objective\.goal'/],
    ['log range from 0', `parameters:\n  - path: a.b\n    min: 0\n    max: 5\n    scale: log\nobjective:\n  figure: x\n  goal: max\n`, /field 'parameters\.0\.min': a log scale needs min above 0/],
    ['random without trials', `${GOOD}method: random\n`, /the random method needs 'trials'/],
    ['overlapping parameters', `parameters:\n  - path: a\n    values: [1]\n  - path: a.b\n    values: [2]\nobjective:\n  figure: x\n  goal: max\n`, /parameters a and a\.b set the same field/],
    ['validation with one window', `${GOOD}validation: leave-one-out\n`, /leave-one-out needs at least two windows/],
    ['a __proto__ path', `parameters:\n  - path: __proto__.x\n    values: [1]\nobjective:\n  figure: x\n  goal: max\n`, /__proto__/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      expect(() => loadSweepFile(file(text))).toThrow(ConfigError);
      expect(() => loadSweepFile(file(text))).toThrow(re);
    });
  }

  it('a figure that is not in summary.json stops the sweep before its first trial, at its line, naming what was likely meant', () => {
    const objective = GOOD.replace('figure: badDebt', 'figure: strategy.simulated.totalReturn');
    expect(() => loadSweepFile(file(objective))).toThrow(
      /s\.yaml:5: field 'objective\.figure': 'strategy\.simulated\.totalReturn' is not a summary figure; under strategy\.simulated: strategy\.simulated\.stats\.totalReturn, /,
    );
    const constraint = `${GOOD}constraints:\n  - figure: badDebt\n    max: 1\n  - figure: liquidationCounts\n    max: 5\n`;
    expect(() => loadSweepFile(file(constraint))).toThrow(/s\.yaml:10: field 'constraints\.1\.figure': 'liquidationCounts' is not a summary figure; fields named like it: liquidationCount, /);
    const column = `${GOOD}figures: [amplification, zzz]\n`;
    expect(() => loadSweepFile(file(column))).toThrow(/s\.yaml:7: field 'figures\.1': 'zzz' is not a summary figure \(docs\/model\.md, "Summary figures", lists them\)$/);
    expect(() => loadSweepFile(file(GOOD.replace('figure: badDebt', 'figure: band.amplification.high')))).toThrow(/'band\.amplification\.high' is a figure of `cascade run`'s band, which a sweep's trials do not compute/);
    const text = GOOD.replace('figure: badDebt', 'figure: dataSource');
    expect(() => loadSweepFile(file(text))).toThrow(/'dataSource' is a summary field of unit 'text', not a number/);
    // Every figure the bundled example and the fixtures name passes, booleans too (read as 1 and 0).
    expect(() => loadSweepFile(file(`${GOOD}figures: [dealerPnl.total, paradox.depthLeftQuote, strategy.naive.stats.sharpe, synthetic]\n`))).not.toThrow();
  });

  it('a missing sweep file is called a sweep file', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'sweepfile-')), 'nope.yaml');
    expect(() => loadSweepFile(missing)).toThrow(/nope\.yaml: cannot read sweep file: ENOENT \(no such file\)$/);
  });

  it('an unset ${VAR} in a window path names the variable', () => {
    const text = `${GOOD}windows:\n  - name: a\n    data: \${NO_SUCH_VAR_FOR_TEST}/x.csv\n`;
    expect(() => buildContext(loadSweepFile(file(text)))).toThrow(/NO_SUCH_VAR_FOR_TEST is not set/);
  });

  it('--shard i/N', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    for (const bad of ['4/4', '1', '-1/2', 'a/b', '0/0']) expect(() => parseShard(bad)).toThrow(/--shard expects i\/N/);
  });
});

describe('trial keys', () => {
  const ctx = buildContext(loadSweepFile(file(GOOD)));
  it('same point, same key; another value or window, another key; an invalid value still gets a trial', () => {
    const a = makeTrial(ctx, 0, ['protocol.insuranceFundQuote'], [5], 0);
    expect(makeTrial(ctx, 7, ['protocol.insuranceFundQuote'], [5], 0).key).toBe(a.key);
    expect(makeTrial(ctx, 0, ['protocol.insuranceFundQuote'], [6], 0).key).not.toBe(a.key);
    const bad = makeTrial(ctx, 1, ['protocol.insuranceFundQuote'], ['lots'], 0);
    expect(bad.key).toMatch(/^[0-9a-f]{64}$/);
    // The scenario's data paths are absolute, so any process can run it.
    expect((a.scenario as { data: { bars: { path: string } } }).data.bars.path).toMatch(/^\//);
  });
});

describe('file paths in a sweep', () => {
  it("paths the sweep file writes resolve against it, the base's own against the base; a strategy module by path is among the files its key hashes", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-paths-'));
    mkdirSync(join(dir, 'strategies'));
    for (const f of ['a.ts', 'b.ts', 'w.ts']) writeFileSync(join(dir, 'strategies', f), '');
    const base = join(dir, 'base.json');
    writeFileSync(base, JSON.stringify({ ...JSON.parse(readFileSync(DEFAULT_SCENARIO_PATH, 'utf8')), data: { bars: { source: 'file', path: 'bars.csv' } } }));
    const text = [
      'base: ../base.json',
      'set:',
      '  strategy: { path: strategies/a.ts }',
      'windows:',
      '  - name: one',
      '  - name: two',
      '    set:',
      '      strategy.path: ./strategies/w.ts',
      'parameters:',
      '  - path: strategy.capitalQuote',
      '    values: [1000, 2000]',
      'objective:',
      '  figure: badDebt',
      '  goal: min',
      '',
    ].join('\n');
    const sweepFile = join(dir, 'sub', 's.yaml');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(sweepFile, text.replaceAll('strategies/', '../strategies/'));
    const ctx = buildContext(loadSweepFile(sweepFile));
    type Paths = { data: { bars: { path: string } }; strategy: { path: string } };
    const one = makeTrial(ctx, 0, ['strategy.capitalQuote'], [1000], 0).scenario as Paths;
    const two = makeTrial(ctx, 1, ['strategy.capitalQuote'], [1000], 1).scenario as Paths;
    expect(one.data.bars.path).toBe(join(dir, 'bars.csv'));
    expect(one.strategy.path).toBe(join(dir, 'strategies', 'a.ts'));
    expect(two.strategy.path).toBe(join(dir, 'strategies', 'w.ts'));
    const swept = makeTrial(ctx, 0, ['strategy.path'], ['../strategies/b.ts'], 0).scenario as Paths;
    expect(swept.strategy.path).toBe(join(dir, 'strategies', 'b.ts'));
    // A bundled strategy's id stays an id.
    expect((makeTrial(ctx, 0, ['strategy.path'], ['buy-the-fear'], 0).scenario as Paths).strategy.path).toBe('buy-the-fear');
    expect(scenarioFiles(validateScenario(one))).toEqual([join(dir, 'bars.csv'), join(dir, 'strategies', 'a.ts')]);
  });
});

describe('crash windows', () => {
  it("a window naming a catalog crash runs on that crash's representative seed, unless its set gives one", () => {
    const text = `${GOOD}windows:\n  - name: bm\n    crash: black-monday-1987\n  - name: bm1\n    crash: black-monday-1987\n    set:\n      seed: 1\n`;
    const ctx = buildContext(loadSweepFile(file(text)));
    const seedOf = (w: number): number => (makeTrial(ctx, w, ['protocol.insuranceFundQuote'], [0], w).scenario as { seed: number }).seed;
    expect(seedOf(0)).toBe(92);
    expect(seedOf(1)).toBe(1);
  });
});

describe('cascade sweep on the command line', () => {
  it('a bad sweep file: one line, exit 1', async () => {
    const { cli } = await import('../cli/capture.js');
    const r = await cli(['sweep', file(`${GOOD}method: annealing\n`)]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/s\.yaml:7: field 'method'/);
    const w = await cli(['sweep', file(GOOD), '--workers', '0']);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/--workers expects a whole number/);
  });

  it('trials that fail are summed up by reason on the console, most frequent first, with the first trial of each', async () => {
    const { cli } = await import('../cli/capture.js');
    const text = GOOD.replace('values: [0, 1]', 'values: [lots, -1, many]');
    const out = join(mkdtempSync(join(tmpdir(), 'sweep-fail-')), 'out');
    const r = await cli(['sweep', file(text), '--workers', '1', '--out', out]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('3 trials failed'));
    expect(lines[at]).toBe("3 trials failed (sweep.csv's message column has each one's reason):");
    expect(lines[at + 1]).toMatch(/^  2 × invalid: .*protocol\.insuranceFundQuote.* \(first: trial 0, base protocol\.insuranceFundQuote=lots\)$/);
    expect(lines[at + 2]).toMatch(/^  1 × invalid: .*protocol\.insuranceFundQuote.* \(first: trial 1, base protocol\.insuranceFundQuote=-1\)$/);
    expect(lines).toHaveLength(at + 3);
  });
});

describe('a crash window runs the base at the crash\'s size, as `cascade run <crash>` does', () => {
  const sizes = (raw: unknown) => {
    const v = validateScenario(raw);
    const inv = v.dealer.inventory as { totalQtyBase?: number };
    return { qty: inv.totalQtyBase, oi: (v.protocol.population as { totalNotionalQuote?: number }).totalNotionalQuote, fund: v.protocol.insuranceFundQuote };
  };
  const windows = `windows:\n  - { name: covid, crash: btc-2020-03-12 }\n  - { name: luna, crash: luna-2022-05 }\n  - { name: raw, crash: luna-2022-05, scaleSizes: false }\n  - { name: ftx, crash: ftx-2022-11 }\n`;

  it('base default: each crash window carries the sizes of that crash\'s own scenario; scaleSizes: false keeps the base\'s', () => {
    const ctx = buildContext(loadSweepFile(file(`${windows}${GOOD}`)));
    const trial = (w: number) => sizes(makeTrial(ctx, w, ['engine.maxCascadeRounds'], [100], w).scenario);
    const own = (name: string) => sizes(crashScenario(name));
    expect(trial(0)).toEqual(own('btc-2020-03-12'));
    expect(trial(1)).toEqual(own('luna-2022-05'));
    expect(trial(3)).toEqual(own('ftx-2022-11'));
    // The reference crash is the default's own size; luna's book is about a tenth of it, ftx's sixteen times.
    expect(trial(0)).toEqual(sizes(readScenarioFile(DEFAULT_SCENARIO_PATH)));
    expect(trial(2)).toEqual(trial(0));
    expect(trial(1).oi! / trial(0).oi!).toBeCloseTo(0.0990, 3);
    expect(trial(3).oi! / trial(0).oi!).toBeCloseTo(16.83, 2);
  });

  it('a size the sweep sets (or a parameter) is read at the base crash\'s scale and scaled with the rest', () => {
    const ctx = buildContext(loadSweepFile(file(`${windows}${GOOD}`)));
    const at = (w: number) => sizes(makeTrial(ctx, w, ['protocol.insuranceFundQuote'], [1_000_000], w).scenario).fund!;
    expect(at(1) / at(0)).toBeCloseTo(sizes(crashScenario('luna-2022-05')).fund! / sizes(readScenarioFile(DEFAULT_SCENARIO_PATH)).fund!, 12);
  });

  it('a window with crash and data runs the file, sized and seeded as the crash (cascade run <crash> --data FILE)', () => {
    const bars = resolve('test/fixtures/csv/good/cdd_binance_btcusdt_1h_ms.csv');
    const ctx = buildContext(loadSweepFile(file(`windows:\n  - { name: may, crash: btc-2021-05-19, data: ${JSON.stringify(bars)} }\n${GOOD}`)));
    const t = makeTrial(ctx, 0, ['engine.maxCascadeRounds'], [100], 0);
    const v = validateScenario(t.scenario);
    expect(v.data.bars).toMatchObject({ source: 'file', path: bars });
    expect(v.seed).toBe(crashScenario('btc-2021-05-19').seed);
    expect(sizes(t.scenario)).toEqual(sizes(crashScenario('btc-2021-05-19')));
  });

  it('base a catalog crash: windows scale from that crash; scaleSizes on a data window is refused', () => {
    const ctx = buildContext(loadSweepFile(file(`base: ftx-2022-11\n${windows}${GOOD}`)));
    expect(sizes(makeTrial(ctx, 1, ['engine.maxCascadeRounds'], [100], 1).scenario).oi).toBeCloseTo(sizes(crashScenario('luna-2022-05')).oi!, 6);
    expect(() => loadSweepFile(file(`windows:\n  - { name: a, data: x.csv, scaleSizes: true }\n${GOOD}`))).toThrow(/scaleSizes applies to a crash window only/);
  });
});

describe('failure reasons that differ only in their numbers', () => {
  it('count as one reason, shown by the first trial, saying the others differ in their numbers', async () => {
    const { failureReasons, reasonShape } = await import('../../src/cli/commands/sweep.js');
    const msg = (bar: number, size: string) => `bar ${bar} (2022-05-03T02:45:00.000Z), cascade round 0: the price left the positive numbers after orders of ${size} base units`;
    const trials = [0, 1, 2, 3].map((i) => ({ index: i, key: `k${i}`, label: `t${i}`, point: i, window: 0 }));
    const records = new Map([
      ['k0', { index: 0, key: 'k0', label: 't0', status: 'invalid' as const, message: msg(11, '1.71e+6') }],
      ['k1', { index: 1, key: 'k1', label: 't1', status: 'ok' as const, figures: {} }],
      ['k2', { index: 2, key: 'k2', label: 't2', status: 'invalid' as const, message: msg(12, '8.12e+5') }],
      ['k3', { index: 3, key: 'k3', label: 't3', status: 'error' as const, message: 'out of memory' }],
    ]);
    expect(reasonShape(msg(11, '1.71e+6'))).toBe(reasonShape(msg(12, '8.12e+5')));
    const text = failureReasons({ plan: { trials } as never, records: records as never }, false);
    expect(text.split('\n')).toEqual([
      "3 trials failed (sweep.csv's message column has each one's reason):",
      `  2 × invalid: ${msg(11, '1.71e+6')} (first: trial 0, t0; the others read the same with other numbers)`,
      '  1 × error: out of memory (first: trial 3, t3)',
      '',
    ]);
  });
});

describe('cascade sweep merge on the command line', () => {
  it('joins two shard folders, first record per key, and writes the tables in index order', async () => {
    const { cli } = await import('../cli/capture.js');
    const trials = [0, 1].map((w) => ({ index: w, key: `k${w}`, label: `w${w}`, point: 0, window: w }));
    const plan = {
      kind: 'cascade-sweep-plan', sweepHash: 'abc', name: 'lit', method: 'grid', validation: 'none', seed: 1,
      parameters: ['x'], windows: ['a', 'b'], points: [[7]], objective: { figure: 'loss', goal: 'min' }, constraints: [], figures: ['loss'],
      folds: [{ name: 'all windows', train: [0, 1], test: null, points: [0] }], trials,
    };
    const rec = (w: number, loss: number): string => `${JSON.stringify({ index: w, key: `k${w}`, label: `w${w}`, status: 'ok', figures: { loss } })}\n`;
    const s0 = mkdtempSync(join(tmpdir(), 'shard0-'));
    const s1 = mkdtempSync(join(tmpdir(), 'shard1-'));
    writeFileSync(join(s0, 'plan.json'), JSON.stringify(plan));
    writeFileSync(join(s1, 'plan.json'), JSON.stringify(plan));
    writeFileSync(join(s0, 'results.jsonl'), rec(1, 3));
    // Shard 1 holds window 0 and a second (later) record of key k1: the first folder's wins.
    writeFileSync(join(s1, 'results.jsonl'), rec(0, 2) + rec(1, 99));
    const out = join(mkdtempSync(join(tmpdir(), 'merged-')), 'm');
    const r = await cli(['sweep', 'merge', s0, s1, '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe('index,key,status,window,x,loss,message\n0,k0,ok,a,7,2,\n1,k1,ok,b,7,3,\n');
    expect(r.out).toMatch(/all windows: x=7; in-sample 2\.5/);
    writeFileSync(join(s1, 'plan.json'), JSON.stringify({ ...plan, sweepHash: 'other' }));
    const bad = await cli(['sweep', 'merge', s0, s1, '--out', join(out, '..', 'm2')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/holds another sweep/);
  });
});
