import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', cwd: process.cwd() });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const DETERMINISTIC = ['summary.json', 'config.json', 'timeseries.csv', 'trades.csv', 'profiles.json'];

describe('cascade run', () => {
  it('gives byte-identical outputs for the same scenario and seed (dealer hedging, book liquidity)', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'cl-a-')), mkdtempSync(join(tmpdir(), 'cl-b-'))];
    const args = ['run', 'default', '--quiet', '--seed', '9', '--set', 'market.liquidity={"kind":"book"}', '--set', 'dealer.inventory={"kind":"customer-crash-puts","totalQtyBase":2000,"weighting":"random"}'];
    for (const d of dirs) expect(await main([...args, '--out', d])).toBe(0);
    for (const f of DETERMINISTIC) {
      const a = readFileSync(join(dirs[0], f));
      const b = readFileSync(join(dirs[1], f));
      expect(a.equals(b), f).toBe(true);
    }
    const trades = readFileSync(join(dirs[0], 'trades.csv'), 'utf8').split('\n');
    expect(trades[0]).toBe('timestamp,bar,round,cause,side,size,price,mid_before,mid_after,cost');
    expect(trades.length).toBeGreaterThan(100);
    expect(trades.some((t) => /,hedge,(buy|sell),/.test(t))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dirs[0], 'summary.json'), 'utf8'));
    expect(summary.synthetic).toBe(true);
    expect(summary.dataLabel).toMatch(/SYNTHETIC/);
    expect(summary.seed).toBe(9);
    expect(summary.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dirs[0]).sort()).toEqual([...DETERMINISTIC, 'timing.json', 'report.html'].sort());
  });

  it('the config.json a run writes can be run again from its report folder, with the same result', async () => {
    const a = mkdtempSync(join(tmpdir(), 'cl-re-'));
    const b = mkdtempSync(join(tmpdir(), 'cl-re-'));
    expect(await main(['run', 'default', '--quiet', '--set', 'protocol.enabled=false', '--out', a])).toBe(0);
    expect(await main(['run', join(a, 'config.json'), '--quiet', '--out', b])).toBe(0);
    expect(readFileSync(join(b, 'timeseries.csv')).equals(readFileSync(join(a, 'timeseries.csv')))).toBe(true);
    expect(readFileSync(join(b, 'trades.csv')).equals(readFileSync(join(a, 'trades.csv')))).toBe(true);
  });

  it('a different seed gives a different path for an in-memory synthetic crash', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'cl-c-')), mkdtempSync(join(tmpdir(), 'cl-d-'))];
    expect(await main(['run', 'ftx-2022-11', '--quiet', '--seed', '1', '--out', dirs[0]])).toBe(0);
    expect(await main(['run', 'ftx-2022-11', '--quiet', '--seed', '2', '--out', dirs[1]])).toBe(0);
    const a = JSON.parse(readFileSync(join(dirs[0], 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dirs[1], 'summary.json'), 'utf8'));
    expect(a.dataSha256).not.toBe(b.dataSha256);
  });
});

describe('user errors: one line on stderr, exit code 1, no stack trace', () => {
  const cases: Array<{ name: string; args: string[]; message: RegExp; setup?: (dir: string) => string[] }> = [
    { name: 'unknown scenario key', args: ['run', 'default', '--set', 'engine.maxRounds=3'], message: /unknown key 'engine\.maxRounds'/ },
    { name: 'bad value', args: ['run', 'default', '--set', 'seed=-1'], message: /'seed'/ },
    { name: 'unknown target', args: ['run', 'no-such-crash'], message: /neither a scenario file nor a catalog crash/ },
    { name: 'missing data file', args: ['data', 'info', 'nope.csv'], message: /nope\.csv/ },
    {
      name: 'bad CSV row',
      args: [],
      setup: (dir) => {
        const f = join(dir, 'bad.csv');
        writeFileSync(f, 'timestamp,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,2,0.5,1.5,3\n2020-01-01T00:01:00Z,1,0.9,0.5,1.5,3\n');
        return ['data', 'validate', f];
      },
      message: /bad\.csv:3: .*high/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const args = c.setup ? c.setup(mkdtempSync(join(tmpdir(), 'cl-e-'))) : c.args;
      const r = cli(args);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(c.message);
    });
  }
});

describe('other commands', () => {
  it('crashes lists the seven catalog crashes; schema prints a JSON Schema', () => {
    const r = cli(['crashes']);
    expect(r.code).toBe(0);
    for (const n of ['black-monday-1987', 'btc-2020-03-12', 'btc-2021-05-19', 'luna-2022-05', 'ftx-2022-11', 'yen-carry-2024-08-05', 'btc-2025-10-10']) {
      expect(r.stdout).toContain(n);
    }
    const s = cli(['schema']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).properties.dealer).toBeDefined();
  });

  it('data info describes the stored synthetic path and flags it', () => {
    const r = cli(['data', 'info', 'data/synthetic/btc-2020-03-12.synthetic.csv']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.bars).toBe(1440);
    expect(info.synthetic).toBe(true);
    expect(info.warning).toMatch(/SYNTHETIC/);
  });
});

describe('a closed pipe', () => {
  /** Spawns the CLI with its stdout's read end closed before it prints anything (`cascade … | true`, or a `head` that has read enough). */
  async function intoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((done) => child.on('close', done));
    return { code, stderr };
  }

  it('ends the output quietly: exit 0, no stack trace; a run still writes its folder', async () => {
    expect(await intoClosedPipe(['crashes'])).toEqual({ code: 0, stderr: '' });
    const out = join(mkdtempSync(join(tmpdir(), 'cl-pipe-')), 'run');
    expect(await intoClosedPipe(['run', 'default', '--no-band', '--set', 'data.window={"start":"2020-03-12T00:00:00Z","end":"2020-03-13T00:00:00Z"}', '--out', out])).toEqual({ code: 0, stderr: '' });
    expect(readdirSync(out)).toContain('summary.json');
  });
});
