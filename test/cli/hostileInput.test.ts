import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cli } from './capture.js';
import { MAX_SCENARIO_DEPTH } from '../../src/config/load.js';

/**
 * Hostile and mistaken input (issue 16): every user mistake is one line on
 * stderr and exit code 1, refused before anything is simulated or written;
 * report folders are written whole or not at all. Every file is made here.
 */


/** Asserts exit 1 and exactly one stderr line matching `message`; returns the line. */
async function refused(args: string[], message: RegExp): Promise<string> {
  const r = await cli(args);
  expect(r.code, r.err).toBe(1);
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  return lines[0];
}

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), p));
const ROOT = resolve(import.meta.dirname, '../..');

/** Hourly bars with a fall; `price` scales every price and `edit` may rewrite rows (index 0 is the header). */
function writeBars(dir: string, opts: { price?: number; edit?: (rows: string[]) => void; name?: string } = {}): string {
  const scale = opts.price ?? 1;
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 8000;
  for (let h = 0; h < 72; h++) {
    const next = h > 40 && h < 50 ? p * 0.97 : p * 1.001;
    const t = new Date(Date.UTC(2020, 2, 10, h)).toISOString().replace('.000Z', 'Z');
    rows.push(`${t},${p * scale},${Math.max(p, next) * scale},${Math.min(p, next) * scale},${next * scale},${250 + (h % 7)}`);
    p = next;
  }
  opts.edit?.(rows);
  const path = join(dir, opts.name ?? 'bars.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

function writeIv(dir: string, dates: string[], name = 'iv.csv'): string {
  const path = join(dir, name);
  writeFileSync(path, `timestamp,value\n${dates.map((d, i) => `${d},${60 + i}`).join('\n')}\n`);
  return path;
}

describe('prices outside the supported range are refused at the data layer', () => {
  for (const [label, scale] of [['near 1e-298', 1e-302], ['near 1e302', 1e298]] as const) {
    it(`prices ${label}: file, line, field and reason`, async () => {
      const dir = tmp('hi-price-');
      const bars = writeBars(dir, { price: scale });
      await refused(['data', 'validate', bars], /bars\.csv:2: field 'open': price .* is outside the supported range 1e-12 \.\. 1e\+15$/);
      await refused(['run', 'default', '--no-band', '--data', bars, '--out', join(dir, 'o')], /bars\.csv:2: field 'open': price .* outside the supported range/);
    });
  }
});

describe('a scenario that does not fit its data stops with the bar and the sizes', () => {
  it('prices near 1e-9 with the default (BTC-sized) positions: the price leaves the positive numbers, one line', async () => {
    const dir = tmp('tiny-price-');
    const bars = writeBars(dir, { price: 1e-13 });
    await refused(['run', 'default', '--no-band', '--data', bars, '--out', join(dir, 'o')], /^error: bar \d+ \(.*\), cascade round \d+: the simulated price left the positive numbers .* do not fit this market's prices and volumes/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

describe('scenario files and overrides', () => {
  it('a deeply nested JSON scenario is refused before it is cloned', async () => {
    const dir = tmp('hi-deep-');
    const f = join(dir, 'deep.json');
    writeFileSync(f, `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    await refused(['run', f, '--no-band'], new RegExp(`deep\\.json:1: nested more than ${MAX_SCENARIO_DEPTH} levels deep$`));
  });

  it('a deeply nested YAML scenario, and a deep --set value, are refused', async () => {
    const dir = tmp('hi-deepy-');
    const f = join(dir, 'deep.yaml');
    writeFileSync(f, `name: x\ndata: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    await refused(['run', f, '--no-band'], /deep\.yaml:2: nested more than \d+ levels deep$/);
    await refused(['run', 'default', '--no-band', '--set', `name=${'['.repeat(10_000)}${']'.repeat(10_000)}`], /--set name: nested more than \d+ levels deep$/);
  });

  const protoCases: Array<[string, string[]]> = [
    ['--set __proto__.polluted=1', ['run', 'default', '--no-band', '--set', '__proto__.polluted=1']],
    ['--set engine.__proto__.maxCascadeRounds=3', ['run', 'default', '--no-band', '--set', 'engine.__proto__.maxCascadeRounds=3']],
    ['--set constructor.prototype.polluted=1', ['run', 'default', '--no-band', '--set', 'constructor.prototype.polluted=1']],
    ['compare --vary __proto__.polluted=1,2', ['compare', 'default', '--vary', '__proto__.polluted=1,2']],
  ];
  for (const [label, args] of protoCases) {
    it(`${label}: refused, and Object.prototype is untouched`, async () => {
      const flag = args.includes('--vary') ? '--vary' : '--set';
      await refused(args, new RegExp(`^error: ${flag} '.*': '(__proto__|constructor)' is not a scenario field`));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).maxCascadeRounds).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    });
  }

  it('YAML errors are one line with the line number, no code frame and no Node warning', async () => {
    const dir = tmp('hi-yaml-');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nseed: 1\nseed: 2\n');
    const warn = join(dir, 'warn.yaml');
    writeFileSync(warn, 'name: !nosuchtag x\n');
    const warned = vi.spyOn(process, 'emitWarning');
    try {
      await refused(['run', bad, '--no-band'], /bad\.yaml:3: not valid YAML: Map keys must be unique$/);
      await refused(['run', warn, '--no-band'], /warn\.yaml:1: not valid YAML: Unresolved tag: !nosuchtag$/);
      expect(warned).not.toHaveBeenCalled();
    } finally {
      warned.mockRestore();
    }
  });
});

describe('every file is checked before it is read', () => {
  it('run <a directory>: EISDIR in one line', async () => {
    const dir = tmp('hi-dir-');
    await refused(['run', dir, '--no-band'], /cannot read scenario file: EISDIR \(a directory, not a file\)$/);
  });

  it('a missing scenario file names the file', async () => {
    const dir = tmp('hi-miss-');
    await refused(['run', join(dir, 'nope.json'), '--no-band'], /nope\.json: cannot read scenario file: ENOENT \(no such file\)$/);
  });

  const DEV = '/dev/zero';
  const devCases: Array<[string, (dir: string) => string[]]> = [
    ['data validate /dev/zero', () => ['data', 'validate', DEV]],
    ['run /dev/zero (the scenario)', () => ['run', DEV, '--no-band']],
    ['--data /dev/zero', (d) => ['run', 'default', '--no-band', '--data', DEV, '--out', join(d, 'o')]],
    ['--iv /dev/zero', (d) => ['run', 'default', '--no-band', '--data', writeBars(d), '--iv', DEV, '--out', join(d, 'o')]],
    ['data.bars.path at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `data.bars={"source":"file","path":"${DEV}"}`, '--out', join(d, 'o')]],
    ['dealer.inventory csv at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `dealer.inventory={"kind":"csv","path":"${DEV}"}`, '--out', join(d, 'o')]],
    ['protocol.population csv at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `protocol.population={"kind":"csv","path":"${DEV}"}`, '--out', join(d, 'o')]],
    ['protocol.keepers.gas at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `protocol.keepers.gas={"path":"${DEV}"}`, '--out', join(d, 'o')]],
    ['market.liquidity.snapshot at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `market.liquidity.snapshot=${DEV}`, '--out', join(d, 'o')]],
    ['surface.chain at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `surface.chain={"path":"${DEV}","layout":"tardis"}`, '--out', join(d, 'o')]],
    ['dealer.inventory chain at /dev/zero', (d) => ['run', 'default', '--no-band', '--set', `dealer.inventory={"kind":"chain","path":"${DEV}","layout":"deribit"}`, '--out', join(d, 'o')]],
  ];
  for (const [label, args] of devCases) {
    it(`${label}: refused at once as not a regular file`, async () => {
      const started = Date.now();
      await refused(args(tmp('hi-dev-')), /\/dev\/zero: cannot read .*: not a regular file \(a device, pipe or socket\)$/);
      expect(Date.now() - started).toBeLessThan(20_000);
    });
  }

  it('a file above the size bound is refused without reading it', async () => {
    const { readInputText } = await import('../../src/core/files.js');
    const dir = tmp('hi-size-');
    const f = join(dir, 'big.csv');
    writeFileSync(f, 'x'.repeat(2048));
    expect(() => readInputText(f, { maxBytes: 1024 })).toThrow(/big\.csv: cannot read file: 2048 bytes is above the limit of 1024 bytes/);
  });
});

describe('calendar-exact dates', () => {
  it('2020-02-30T00:00Z in a bar file: its line and field', async () => {
    const dir = tmp('hi-feb30-');
    const bars = writeBars(dir, { edit: (rows) => void (rows[5] = `2020-02-30T00:00Z${rows[5].slice(rows[5].indexOf(','))}`) });
    await refused(['data', 'validate', bars], /bars\.csv:6: field 'timestamp': invalid date '2020-02-30T00:00Z': 2020-02 has 29 days, not 30$/);
  });

  it('2021-02-29 in an IV file: its line and field', async () => {
    const dir = tmp('hi-feb29-');
    const iv = writeIv(dir, ['2021-02-27', '2021-02-28', '2021-02-29']);
    await refused(['run', 'default', '--no-band', '--set', 'data.warmupBars=0', '--set', 'market.depth={"source":"fixed","depth1PctQuote":5000000}', '--data', writeBars(dir), '--iv', iv, '--out', join(dir, 'o')], /iv\.csv:4: field 'timestamp': invalid date '2021-02-29': 2021-02 has 28 days, not 29$/);
  });

  it('2021-02-29 in data.window.start: the field', async () => {
    await refused(['run', 'default', '--no-band', '--set', 'data.window.start=2021-02-29'], /'data\.window\.start': not a calendar date/);
  });

  it('a leap day that exists is accepted', async () => {
    const { parseIsoUtc } = await import('../../src/core/time.js');
    expect(parseIsoUtc('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseIsoUtc('2000-02-29T12:00Z')).toBe(Date.UTC(2000, 1, 29, 12));
    expect(() => parseIsoUtc('1900-02-29')).toThrow(/1900-02 has 28 days/);
  });
});

describe('an IV series that does not overlap the run', () => {
  // No warm-up (the depth is given), so the run starts at the file's first bar.
  for (const [label, dates] of [['after the bars', ['2023-01-01', '2023-01-02']], ['before the bars', ['2019-01-01', '2019-01-02']]] as const) {
    it(`${label}: an error naming both ranges`, async () => {
      const dir = tmp('hi-ivx-');
      const iv = writeIv(dir, [...dates]);
      await refused(
        ['run', 'default', '--no-band', '--set', 'data.warmupBars=0', '--set', 'market.depth={"source":"fixed","depth1PctQuote":5000000}', '--data', writeBars(dir), '--iv', iv, '--out', join(dir, 'o')],
        new RegExp(`iv\\.csv: the IV series \\(${dates[0]}T00:00:00Z \\.\\. ${dates[1]}T00:00:00Z\\) does not overlap the run's bars \\(2020-03-10T00:00:00Z \\.\\. 2020-03-12T23:00:00Z\\)$`),
      );
      expect(existsSync(join(dir, 'o'))).toBe(false);
    });
  }

  it('a daily IV stamped the day before the bars (known at their start) is accepted', async () => {
    const dir = tmp('hi-ivok-');
    const iv = writeIv(dir, ['2020-03-08', '2020-03-09']);
    const r = await cli(['run', 'default', '--no-band', '--set', 'data.warmupBars=0', '--set', 'market.depth={"source":"fixed","depth1PctQuote":5000000}', '--data', writeBars(dir), '--iv', iv, '--out', join(dir, 'o')]);
    expect(r.code, r.err).toBe(0);
  });
});

describe('--out is checked before the simulation', () => {
  // Each also names a --data file that does not exist: the --out error
  // coming first shows the check runs before any data is read or simulated.
  const outCases: Array<[string, (dir: string) => string, RegExp]> = [
    ['an existing file', (d) => (writeFileSync(join(d, 'f'), 'x'), join(d, 'f')), /--out '.*\/f': a file of that name exists; give a folder$/],
    ['below a file', (d) => (writeFileSync(join(d, 'f'), 'x'), join(d, 'f', 'sub')), /--out '.*\/f\/sub': '.*\/f' is a file, not a folder$/],
    ['a too-long name', (d) => join(d, 'x'.repeat(300)), /a folder name is too long \(300 bytes; the limit is 255\)$/],
    ['a too-long path', (d) => join(d, ...Array.from({ length: 40 }, () => 'y'.repeat(200))), /the path is too long \(\d+ bytes; the limit is 4095\)$/],
    ['an empty string', () => '', /^error: --out is empty; give a folder for the report$/],
    ['/proc/x', () => '/proc/x', /--out '\/proc\/x': cannot write a report under \/proc$/],
    ['/sys/x', () => '/sys/x', /cannot write a report under \/sys$/],
    ['/dev/x', () => '/dev/x', /cannot write a report under \/dev$/],
  ];
  for (const [label, out, message] of outCases) {
    it(`--out at ${label}`, async () => {
      const dir = tmp('hi-out-');
      const line = await refused(['run', 'default', '--no-band', '--data', join(dir, 'missing.csv'), '--out', out(dir)], message);
      expect(line.length).toBeLessThan(400);
    });
  }

  it('compare --out at a file is refused before the variants run', async () => {
    const dir = tmp('hi-cout-');
    writeFileSync(join(dir, 'f'), 'x');
    await refused(['compare', 'default', '--data', join(dir, 'missing.csv'), '--vary', 'seed=1', '--out', join(dir, 'f')], /a file of that name exists/);
  });
});

describe('messages stay one line', () => {
  it('a missing target prints the usage line, not the whole help', async () => {
    await refused(['run'], /^error: missing required argument 'target' \(usage: cascade run \[options\] <target>; see --help\)$/);
  });

  it('a command group without its subcommand, or with an unknown one, names the subcommands in one line', async () => {
    await refused(['data'], /^error: cascade data needs a subcommand: validate, info, fetch, chain \(usage: cascade data/);
    await refused(['data', 'frobnicate'], /^error: unknown command 'frobnicate' for cascade data: validate, info, fetch, chain/);
  });

  it('an unknown option prints the usage line', async () => {
    await refused(['run', 'default', '--bogus'], /^error: unknown option '--bogus' \(usage: cascade run \[options\] <target>; see --help\)$/);
    await refused(['data', 'validate'], /usage: cascade data validate \[options\] <file>/);
    const line = await refused(['run', 'default', `--${'x'.repeat(10_000)}`], /^error: unknown option '--x{70,}… \(\d+ characters\) \(usage: cascade run/);
    expect(line.length).toBeLessThan(400);
  });

  it('--help still prints the help', async () => {
    const r = await cli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: cascade run \[options\] <target>/);
    expect(r.out.split('\n').length).toBeGreaterThan(10);
  });

  it('a 10,000-character field is clipped with its length', async () => {
    const dir = tmp('hi-long-');
    const bars = writeBars(dir, { edit: (rows) => void (rows[7] = rows[7].replace(/,[^,]*$/, `,${'7'.repeat(10_000)}x`)) });
    const line = await refused(['data', 'validate', bars], /bars\.csv:8: field 'volume': not a number: '7{80}… \(10001 characters\)'$/);
    expect(line.length).toBeLessThan(300);
  });

  it('a 79 KB header is clipped with its length', async () => {
    const dir = tmp('hi-hdr-');
    const header = Array.from({ length: 10_200 }, (_, i) => `col${i}`).join(',');
    expect(header.length).toBeGreaterThan(79_000);
    const bars = writeBars(dir, { edit: (rows) => void (rows[0] = header) });
    const line = await refused(['data', 'validate', bars], /bars\.csv:1: unknown layout: first lines are 'col0,col1,.*… \(\d+ characters\)'/);
    expect(line.length).toBeLessThan(400);
  });
});

describe('report folders are written whole, by one writer, for one command', () => {
  const ok = async (args: string[]): Promise<void> => {
    const r = await cli(args);
    expect(r.code, r.err).toBe(0);
  };

  it('a second run into the same --out replaces the folder whole and leaves nothing beside it', async () => {
    const dir = tmp('hi-twice-');
    const bars = writeBars(dir);
    const out = join(dir, 'out');
    await ok(['run', 'default', '--no-band', '--data', bars, '--seed', '1', '--out', out]);
    await ok(['run', 'default', '--no-band', '--data', bars, '--seed', '2', '--out', out]);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).seed).toBe(2);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).seed).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['bars.csv', 'out']);
  });

  it('compare into a run folder, and run into a compare folder, are refused', async () => {
    const dir = tmp('hi-mix-');
    const bars = writeBars(dir);
    const runOut = join(dir, 'run');
    const cmpOut = join(dir, 'cmp');
    await ok(['run', 'default', '--no-band', '--data', bars, '--out', runOut]);
    await ok(['compare', 'default', '--data', bars, '--vary', 'dealer.hedge.kind=none,every-bar', '--out', cmpOut, '--quiet']);
    const before = readdirSync(runOut).sort();
    await refused(['compare', 'default', '--data', bars, '--vary', 'seed=1', '--out', runOut], /--out '.*run': the folder holds a `cascade run` output; choose another folder for `cascade compare`$/);
    await refused(['run', 'default', '--no-band', '--data', bars, '--out', cmpOut], /--out '.*cmp': the folder holds a `cascade compare` output; choose another folder for `cascade run`$/);
    expect(readdirSync(runOut).sort()).toEqual(before);
    expect(readdirSync(cmpOut).sort()).toEqual(['compare.csv', 'compare.html', 'compare.json']);
  });

  it('a folder holding other files is refused', async () => {
    const dir = tmp('hi-foreign-');
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await refused(['run', 'default', '--no-band', '--data', writeBars(dir), '--out', out], /the folder holds files cascade run did not write \(notes\.txt\); choose another folder or empty it$/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });

  it('a lock held by a live process refuses a second writer; a dead one is taken over', async () => {
    const dir = tmp('hi-lock-');
    const bars = writeBars(dir);
    const out = join(dir, 'out');
    writeFileSync(`${out}.lock`, `${process.ppid}\n`);
    await refused(['run', 'default', '--no-band', '--data', bars, '--out', out], new RegExp(`another cascade command \\(pid ${process.ppid}\\) is writing this folder`));
    expect(existsSync(out)).toBe(false);
    // A pid that has exited (our own short-lived child) leaves a stale lock.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(`${out}.lock`, `${pid}\n`);
    mkdirSync(join(dir, `.out.partial-${pid}`));
    await ok(['run', 'default', '--no-band', '--data', bars, '--out', out]);
    expect(readdirSync(dir).sort()).toEqual(['bars.csv', 'out']);
  });

  it('a lock with no pid in it yet is held while fresh (its writer is between creating and writing it), and taken over once old', async () => {
    // Found as a flaky failure of the test of two runs into one folder: a lock created empty and written
    // after was read empty by the second run, taken for a dead writer's, and both ran.
    const dir = tmp('hi-lock-empty-');
    const bars = writeBars(dir);
    const out = join(dir, 'out');
    writeFileSync(`${out}.lock`, '');
    await refused(['run', 'default', '--no-band', '--data', bars, '--out', out], /another cascade command is taking the lock of this folder; try again/);
    expect(existsSync(out)).toBe(false);
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${out}.lock`, minuteAgo, minuteAgo);
    await ok(['run', 'default', '--no-band', '--data', bars, '--out', out]);
    expect(readdirSync(dir).sort()).toEqual(['bars.csv', 'out']);
  });

  it('a failed run leaves no folder, no partial folder and no lock', async () => {
    const dir = tmp('hi-fail-');
    const out = join(dir, 'out');
    await refused(['run', 'default', '--no-band', '--data', join(dir, 'missing.csv'), '--out', out], /missing\.csv: cannot read file: ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('timing.json times the whole command, split into load, simulate, band and write', async () => {
    const dir = tmp('hi-time-');
    const out = join(dir, 'out');
    await ok(['run', 'default', '--no-band', '--data', writeBars(dir), '--out', out]);
    const t = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8'));
    const { load, simulate, band, write } = t.phasesMs;
    for (const v of [load, simulate, band, write]) expect(v).toBeGreaterThanOrEqual(0);
    expect(load + simulate + band + write).toBeCloseTo(t.wallTimeMs, 3);
  });
});

/** Spawns the real CLI (tsx) and resolves with its exit code or signal. */
function spawnRun(args: string[]): { pid: number; done: Promise<{ code: number | null; signal: string | null }>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: 'ignore' });
  const done = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { pid: child.pid as number, done, kill: () => void child.kill('SIGKILL') };
}

function snapshot(dir: string): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a run killed mid-write', () => {
  it('leaves the previous folder untouched or no folder, never a partial one', { timeout: 600_000 }, async () => {
    const dir = tmp('hi-kill-');
    const out = join(dir, 'out');
    const gbm = (seed: number): string[] => [
      'run', 'default', '--no-band', '--quiet', '--set', `data.bars={"source":"gbm","bars":20000,"seed":${seed}}`, '--out', out,
    ];
    // Killed with no previous folder: nothing appears at --out.
    const first = spawnRun(gbm(1));
    await waitForPartialFiles(dir, first.pid);
    first.kill();
    await first.done;
    expect(existsSync(out)).toBe(false);

    const started = Date.now();
    const whole = spawnRun(gbm(1));
    expect((await whole.done).code).toBe(0);
    const duration = Date.now() - started;
    const previous = snapshot(out);
    expect(Object.keys(previous ?? {}).sort()).toEqual(['config.json', 'profiles.json', 'report.html', 'summary.json', 'timeseries.csv', 'timing.json', 'trades.csv']);

    // Killed while its files are being written, and at fixed fractions of a whole run.
    const kills: Array<(pid: number) => Promise<void>> = [
      (pid) => waitForPartialFiles(dir, pid),
      () => sleep(duration * 0.3),
      () => sleep(duration * 0.7),
      () => sleep(duration * 0.9),
    ];
    const outcomes: string[] = [];
    for (const wait of kills) {
      const run = spawnRun(gbm(2));
      await Promise.race([wait(run.pid), run.done]);
      run.kill();
      await run.done;
      const now = snapshot(out);
      // No folder: killed between moving the previous one aside and renaming the new one in.
      if (now === null) {
        outcomes.push('none');
        continue;
      }
      // Either the previous folder byte for byte, or (the run finished before the kill) the new one whole.
      if (now['summary.json'] === previous!['summary.json']) {
        expect(now).toEqual(previous);
        outcomes.push('previous');
      } else {
        expect(Object.keys(now).sort()).toEqual(Object.keys(previous!).sort());
        outcomes.push('new');
      }
    }
    // At least one kill landed before the new folder was complete.
    expect(outcomes, `duration ${duration} ms`).toContain('previous');
  });
});

describe('two runs into one --out at the same time', () => {
  it('one writes, the other is refused or writes after it: the folder is never mixed', { timeout: 300_000 }, async () => {
    const dir = tmp('hi-two-');
    const out = join(dir, 'out');
    const args = (seed: number, bars: number): string[] => [
      'run', 'default', '--no-band', '--quiet', '--set', 'data.warmupBars=0', '--set', 'market.depth={"source":"fixed","depth1PctQuote":5000000}', '--set', `data.bars={"source":"gbm","bars":${bars},"seed":${seed}}`, '--out', out,
    ];
    const a = spawnRun(args(1, 3000));
    const b = spawnRun(args(2, 5000));
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toContain(0);
    for (const r of [ra, rb]) expect([0, 1]).toContain(r.code);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const rows = readFileSync(join(out, 'timeseries.csv'), 'utf8').trimEnd().split('\n').length - 1;
    // Summary, config and CSV all come from the same run.
    expect(config.data.bars.bars).toBe(summary.bars);
    expect(config.data.bars.seed).toBe(summary.bars === 3000 ? 1 : 2);
    expect(rows).toBe(summary.bars);
    expect(readdirSync(dir)).toEqual(['out']);
  });
});

/** Resolves once the child's partial folder holds a file (it is writing), or after 5 minutes. */
async function waitForPartialFiles(dir: string, pid: number): Promise<void> {
  const partial = join(dir, `.out.partial-${pid}`);
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (existsSync(partial) && readdirSync(partial).length > 0) return;
    await sleep(5);
  }
}
