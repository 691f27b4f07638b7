import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
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
});
