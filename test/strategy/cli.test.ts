import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FIXTURES } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, stderr: err.mock.calls.map((c) => String(c[0])).join(''), stdout: out.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

describe('cascade run --strategy', () => {
  it('a strategy that throws stops the run with its id, bar and message, and leaves the folder readable, marked incomplete', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'strategy-throw-')), 'report');
    const r = await run(['run', 'default', '--no-band', '--out', out, '--strategy', join(FIXTURES, 'thrower.ts'), '--set', 'strategy.params.atBar=37']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: strategy thrower failed at bar 37: boom\n');
    expect(readdirSync(out).sort()).toEqual(['config.json', 'strategy_orders.csv', 'summary.json', 'timeseries.csv', 'timing.json', 'trades.csv']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ incomplete: true, error: 'strategy thrower failed at bar 37: boom', barsCompleted: 37, bars: 1344 });
    expect(summary.amplification).toBeUndefined();
    // Header plus bars 0..36.
    expect(readFileSync(join(out, 'timeseries.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(38);
  });

  it('loads a bundled strategy by id, takes --set strategy.params, and prints it beside its naive twin', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'strategy-id-')), 'report');
    const r = await run(['run', 'default', '--no-band', '--out', out, '--strategy', 'buy-the-fear', '--set', 'strategy.params.tranches=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/strategy buy-the-fear: +simulated +naive/);
    expect(r.stdout).toMatch(/final equity +\S+ +\S+/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.strategy).toMatchObject({ path: 'buy-the-fear', params: { tranches: 2 }, capitalQuote: 1_000_000, maxLeverage: 1 });
    const header = readFileSync(join(out, 'timeseries.csv'), 'utf8').split('\n')[0];
    expect(header).toMatch(/,strategy_equity,strategy_position_base,strategy_cash,strategy_naive_equity/);
  });

  it('a bad parameter is a one-line error naming the field', async () => {
    const r = await run(['run', 'default', '--no-band', '--out', join(tmpdir(), 'never'), '--strategy', 'buy-the-fear', '--set', 'strategy.params.tranches=0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: field 'strategy\.params\.tranches': strategy buy-the-fear: .*>=1/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an unknown strategy id is a one-line error', async () => {
    const r = await run(['run', 'default', '--no-band', '--out', join(tmpdir(), 'never'), '--strategy', 'no-such-strategy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: field 'strategy\.path': no bundled strategy 'no-such-strategy'/);
  });
});
