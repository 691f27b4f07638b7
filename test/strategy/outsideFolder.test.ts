import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/**
 * A researcher's strategy in a folder of their own, outside the checkout,
 * with no node_modules: it imports `cascade-lab/strategy` (and the zod it
 * re-exports), and `bin/cascade.mjs` is started from that folder. Spawned,
 * because only the real CLI goes through Node's module loader (vitest
 * resolves modules its own way).
 */
const STRATEGY = `import { defineStrategy, z } from 'cascade-lab/strategy';

export default defineStrategy({
  id: 'outside-buyer',
  description: 'Buys once at a chosen bar.',
  params: z.strictObject({
    atBar: z.number().int().min(0).default(5).describe('Bar of the order, index. Default 5.'),
  }),
  create(p) {
    return {
      start() {},
      onBar(ctx, orders) {
        if (ctx.bar === p.atBar) orders.market(1);
      },
      stop() {},
    };
  },
});
`;

const WINDOW = 'data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-12T12:00:00Z"}';

function cascade(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/cascade.mjs'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a strategy kept outside the project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'own-strategy-'));
  writeFileSync(join(dir, 'buyer.ts'), STRATEGY);

  it('runs with --strategy from its own folder', () => {
    const r = cascade(dir, ['run', 'default', '--no-band', '--strategy', 'buyer.ts', '--set', WINDOW, '--set', 'strategy.params.atBar=3', '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/strategy outside-buyer: +simulated +naive/);
    expect(r.stdout).toMatch(/ fills +1 +1\n/);
    expect(JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')).strategy.params).toEqual({ atBar: 3 });
  });

  it('runs in a sweep whose file names it relative to the sweep file (the trials run in child processes)', () => {
    const sweep = ['name: own', 'base: default', 'set:', '  strategy: { path: ./buyer.ts }', `  data.window: ${JSON.stringify(JSON.parse(WINDOW.slice('data.window='.length)))}`, 'parameters:', '  - path: strategy.params.atBar', '    values: [2, 4]', 'objective:', '  figure: strategy.simulated.returnFraction', '  goal: max', ''].join('\n');
    writeFileSync(join(dir, 'own.sweep.yaml'), sweep);
    const r = cascade(dir, ['sweep', 'own.sweep.yaml', '--workers', '1', '--out', join(dir, 'sweep')]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = readFileSync(join(dir, 'sweep', 'sweep.csv'), 'utf8').trimEnd().split('\n');
    expect(rows.map((row) => row.split(',')[2])).toEqual(['ok', 'ok']);
    // A sweep that runs a strategy tables its figures beside the model's, the naive twin's return too.
    expect(header).toContain(',strategy.simulated.returnFraction,badDebt,');
    expect(header).toContain(',strategy.naive.returnFraction,strategy.simulated.stats.sharpe,strategy.simulated.stats.maxDrawdown,');
  });

  it('`cascade strategy init` writes a module and a tsconfig.json that typecheck with the checkout\'s compiler, and the module runs', () => {
    const own = mkdtempSync(join(tmpdir(), 'init-strategy-'));
    const init = cascade(own, ['strategy', 'init', 'DipBuyer.ts']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(
      `wrote ${join(own, 'DipBuyer.ts')} and ${join(own, 'tsconfig.json')}\ntypecheck: ${join(ROOT, 'node_modules/.bin/tsc')} -p ${own}\nrun:       ${join(ROOT, 'bin/cascade.mjs')} run default --strategy ${join(own, 'DipBuyer.ts')}\n`,
    );
    const tsc = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', own], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout).toBe(0);
    const r = cascade(own, ['run', 'default', '--no-band', '--strategy', 'DipBuyer.ts', '--set', WINDOW, '--out', join(own, 'run')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/strategy dip-buyer: +simulated +naive/);
    // Written once: a second init of the same file is refused, and nothing is overwritten.
    const again = cascade(own, ['strategy', 'init', 'DipBuyer.ts']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/'DipBuyer\.ts' exists; init writes new files only/);
  });
});

