import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * No look-ahead in any calibrated input: rewrite every bar after t and every
 * column of timeseries.csv and every trade before t stays as it was. The
 * calibrated inputs covered: the base depth from volume (its warm-up), depth
 * following volume bar by bar, the square-root model's daily volume, the
 * realised vols seeded from the warm-up, the 24h volume behind MLR, the
 * protocol's put strip and the dealer's book.
 */

/** Hourly-scale GBM-like bars with volume, written as a normalized CSV. */
function writeBars(dir: string, name: string, opts: { bars: number; barMinutes: number; seed: number }): string {
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 30_000;
  let s = opts.seed;
  const rand = (): number => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) - 0.5;
  for (let i = 0; i < opts.bars; i++) {
    const t = new Date(Date.UTC(2021, 4, 18) + i * opts.barMinutes * 60_000).toISOString().replace('.000Z', 'Z');
    const crash = i > opts.bars * 0.6 && i < opts.bars * 0.7 ? -0.004 : 0;
    const next = p * Math.exp(crash + 0.002 * rand());
    const vol = (crash < 0 ? 400 : 100) * (1 + rand()) * (opts.barMinutes / 60);
    rows.push(`${t},${p.toFixed(2)},${Math.max(p, next).toFixed(2)},${Math.min(p, next).toFixed(2)},${next.toFixed(2)},${vol.toFixed(4)}`);
    p = next;
  }
  const path = join(dir, name);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

/** The same file with every bar from `t` on replaced: prices 30% lower and volume 10x (a different future). */
function rewriteAfter(src: string, dst: string, t: number): void {
  const lines = readFileSync(src, 'utf8').trim().split('\n');
  const out = lines.map((l, k) => {
    if (k === 0 || k - 1 < t) return l;
    const [ts, o, h, lo, c, v] = l.split(',');
    const f = (x: string): string => (Number(x) * 0.7).toFixed(2);
    return [ts, f(o), f(h), f(lo), f(c), (Number(v) * 10).toFixed(4)].join(',');
  });
  writeFileSync(dst, `${out.join('\n')}\n`);
}

async function run(scenarioPath: string, out: string): Promise<void> {
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(['run', scenarioPath, '--no-band', '--quiet', '--out', out]);
    if (code !== 0) throw new Error(`run ${scenarioPath} exited ${code}`);
  } finally {
    o.mockRestore();
  }
}

interface Case {
  readonly name: string;
  readonly bars: number;
  readonly barMinutes: number;
  readonly scenario: Record<string, unknown>;
}

const DEFAULT = JSON.parse(readFileSync(join(import.meta.dirname, '../../data/scenarios/default.json'), 'utf8')) as Record<string, any>;
const model = { dealer: DEFAULT.dealer, protocol: { ...DEFAULT.protocol, population: { ...DEFAULT.protocol.population, count: 2000 } } };

const CASES: Case[] = [
  { name: '12-hour 1-minute file (shorter than the 24h window), depth from volume, L2 book', bars: 720, barMinutes: 1, scenario: { ...model, market: { liquidity: { kind: 'book' } } } },
  { name: '3-day 15-minute file (longer than the window), depth following volume, linear', bars: 288, barMinutes: 15, scenario: { ...model, market: { liquidity: { kind: 'linear' }, depth: { source: 'volume', followVolume: true } } } },
  { name: '3-day 15-minute file, square-root model with its daily volume from the data', bars: 288, barMinutes: 15, scenario: { ...model, market: { liquidity: { kind: 'sqrt' } } } },
  { name: '12-hour 1-minute file, an explicit warm-up of 60 bars', bars: 720, barMinutes: 1, scenario: { ...model, data: { warmupBars: 60 }, market: { liquidity: { kind: 'linear' } } } },
];

describe('no look-ahead: rewriting the bars after t leaves everything before t alone', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nla-'));
      const original = writeBars(dir, 'a.csv', { bars: c.bars, barMinutes: c.barMinutes, seed: 7 });
      // t in the run, after the warm-up and before the crash.
      const t = Math.floor(c.bars * 0.5);
      const changed = join(dir, 'b.csv');
      rewriteAfter(original, changed, t);
      const outs: string[] = [];
      for (const file of [original, changed]) {
        const { data, ...rest } = c.scenario as { data?: Record<string, unknown> };
        const scenario = { name: 'nla', seed: 3, ...rest, data: { bars: { source: 'file', path: file }, ...(data ?? {}) } };
        const path = join(dir, `${file.endsWith('a.csv') ? 'a' : 'b'}.json`);
        writeFileSync(path, JSON.stringify(scenario));
        const out = join(dir, `out-${outs.length}`);
        await run(path, out);
        outs.push(out);
      }
      const summary = JSON.parse(readFileSync(join(outs[0], 'summary.json'), 'utf8'));
      const warmup = summary.calibrationWindow.warmupBars as number;
      expect(warmup).toBeGreaterThan(0);
      // Run bar index of the first rewritten bar.
      const cut = t - warmup;
      expect(cut).toBeGreaterThan(10);
      const ts = outs.map((o) => readFileSync(join(o, 'timeseries.csv'), 'utf8').split('\n'));
      // Header + rows 0..cut-1 identical; row cut differs (the future did change).
      expect(ts[1].slice(0, cut + 1)).toEqual(ts[0].slice(0, cut + 1));
      expect(ts[1][cut + 1]).not.toEqual(ts[0][cut + 1]);
      const trades = outs.map((o) => readFileSync(join(o, 'trades.csv'), 'utf8').split('\n').filter((l) => l !== ''));
      const before = (rows: string[]): string[] => rows.filter((l, k) => k === 0 || Number(l.split(',')[1]) < cut);
      expect(before(trades[0]).length).toBeGreaterThan(1);
      expect(before(trades[1])).toEqual(before(trades[0]));
      // The depth figure is the warm-up's, the same in both.
      expect(JSON.parse(readFileSync(join(outs[1], 'summary.json'), 'utf8')).depth1PctQuote).toBe(summary.depth1PctQuote);
    });
  }
});

describe('the calibration window is named, and a run with none refuses what needs one', () => {
  it('summary.json names the warm-up bars and times; a short file says the window was shortened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nla-cw-'));
    const file = writeBars(dir, 'a.csv', { bars: 720, barMinutes: 1, seed: 1 });
    const path = join(dir, 's.json');
    writeFileSync(path, JSON.stringify({ name: 'cw', data: { bars: { source: 'file', path: file } }, market: { liquidity: { kind: 'linear' } } }));
    await run(path, join(dir, 'out'));
    const cw = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')).calibrationWindow;
    expect(cw).toMatchObject({ warmupBars: 180, firstBar: '2021-05-18T00:00:00Z', lastBar: '2021-05-18T02:59:00Z', hours: 3 });
    expect(cw.note).toMatch(/shortened to 3\.00h/);
  });

  it('depth from volume with data.warmupBars 0 is refused, naming what to set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nla-0-'));
    const file = writeBars(dir, 'a.csv', { bars: 100, barMinutes: 60, seed: 1 });
    const path = join(dir, 's.json');
    writeFileSync(path, JSON.stringify({ name: 'zero', data: { bars: { source: 'file', path: file }, warmupBars: 0 } }));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['run', path, '--no-band', '--out', join(dir, 'o')])).toBe(1);
      expect(String(e.mock.calls[0][0])).toMatch(/data\.warmupBars.*depth from volume needs bars before the run/);
    } finally {
      e.mockRestore();
    }
  });
});
