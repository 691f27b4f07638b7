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
    expect(readdirSync(out).sort()).toEqual(['config.json', 'report.html', 'strategy_orders.csv', 'summary.json', 'timeseries.csv', 'timing.json', 'trades.csv']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ incomplete: true, error: 'strategy thrower failed at bar 37: boom', barsCompleted: 37, bars: 1344 });
    expect(summary.amplification).toBeUndefined();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('INCOMPLETE RUN: strategy thrower failed at bar 37: boom. Shown: the 37 bars before the failure, of 1344.');
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

  it('compare --strategy runs the strategy in every variant and tables its return beside its naive twin', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'strategy-compare-')), 'cmp');
    const r = await run(['compare', 'default', '--strategy', join(FIXTURES, 'market-once.ts'), '--vary', 'strategy.params.sizeBase=1,-1', '--set', 'data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-12T12:00:00Z"}', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = readFileSync(join(out, 'compare.csv'), 'utf8').trimEnd().split('\n');
    const cols = header.split(',');
    const ret = cols.indexOf('strategy.simulated.returnFraction');
    const naive = cols.indexOf('strategy.naive.returnFraction');
    expect(ret).toBeGreaterThan(0);
    expect(naive).toBeGreaterThan(0);
    // A buy and a sale of the same size on a falling day: opposite signs in the naive twin.
    const naiveReturns = rows.map((row) => Number(row.split(',')[naive]));
    expect(Math.sign(naiveReturns[0])).toBe(-Math.sign(naiveReturns[1]));
  });

  it('strategy list: every bundled strategy with its parameters and their descriptions', async () => {
    const r = await run(['strategy', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const ids = readdirSync(join(FIXTURES, '../../../strategies')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
    expect(r.stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(':')[0])).toEqual(ids);
    expect(r.stdout).toMatch(/^buy-the-fear: Buys forced selling/m);
    expect(r.stdout).toContain('  tranches: Most tranches it scales in by (market entries and filled bids together), count. Default 4.\n');
  });

  it('strategy init refuses a file that is not .ts, and one inside the checkout', async () => {
    const notTs = await run(['strategy', 'init', join(tmpdir(), 'x.js')]);
    expect(notTs.code).toBe(1);
    expect(notTs.stderr).toMatch(/a strategy module is a \.ts file/);
    const inside = await run(['strategy', 'init', join(FIXTURES, 'new-one.ts')]);
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/is inside the checkout/);
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

describe('the console says why the strategy’s orders were refused', () => {
  it('each reason once, with its count and first bar, most frequent first', async () => {
    const { rejectionLines } = await import('../../src/cli/commands/run.js');
    const { OrdersLog } = await import('../../src/strategy/ordersLog.js');
    const log = new OrdersLog();
    log.add(0, 0, 0, 'depositBackstop', 900_000, Number.NaN, 'rejected', 'the scenario has no backstop pool');
    log.add(3, 0, 1, 'market', 5, Number.NaN, 'accepted');
    log.add(7, 1, 2, 'market', 50, Number.NaN, 'rejected', 'needs more cash than the strategy has');
    log.add(9, 0, 3, 'market', 60, Number.NaN, 'rejected', 'needs more cash than the strategy has');
    expect(rejectionLines(log)).toEqual([
      '  rejected (simulated): 2 × market: needs more cash than the strategy has (first at bar 7)',
      '  rejected (simulated): 1 × depositBackstop: the scenario has no backstop pool (first at bar 0)',
    ]);
    expect(rejectionLines(new OrdersLog())).toEqual([]);
    expect(rejectionLines(undefined)).toEqual([]);
  });
});
