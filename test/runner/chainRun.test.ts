import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MS_PER_DAY } from '../../src/core/time.js';
import { bookFromChain } from '../../src/dealer/bookFromChain.js';
import { chainCsv, TARDIS_HEADER, type KnownSnapshot } from '../surface/chainHelpers.js';
import { flatKeys, MODEL_DOC, summaryDefinitions } from '../docs/summaryTable.js';

/**
 * An option chain in a run: the surface re-fitted per snapshot and the
 * dealer's book from the open interest known at the first bar. Rewriting
 * the chain after a time t must leave every bar before the first snapshot
 * after t as it was (no look-ahead), and rewriting the open interest after
 * the first bar must change nothing at all (the book is set once, from what
 * was known then).
 */

const HOUR = 3_600_000;
const START = Date.UTC(2021, 4, 18);
const BAR_MINUTES = 15;
const BARS = 288; // three days, the warm-up first
const YEAR_MS = 365.25 * MS_PER_DAY; // the dealer's default day count, ACT/365.25

function writeBars(path: string): void {
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 40_000;
  let s = 11;
  const rand = (): number => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) - 0.5;
  for (let i = 0; i < BARS; i++) {
    const t = new Date(START + i * BAR_MINUTES * 60_000).toISOString().replace('.000Z', 'Z');
    const crash = i > BARS * 0.6 && i < BARS * 0.7 ? -0.004 : 0;
    const next = p * Math.exp(crash + 0.002 * rand());
    rows.push(`${t},${p.toFixed(2)},${Math.max(p, next).toFixed(2)},${Math.min(p, next).toFixed(2)},${next.toFixed(2)},${((1 + rand()) * 40).toFixed(4)}`);
    p = next;
  }
  writeFileSync(path, `${rows.join('\n')}\n`);
}

/** Quotes every six hours from the start of the file: the skew steepens and the level rises as the days go. */
function snapshots(over: (s: KnownSnapshot, k: number) => KnownSnapshot = (s) => s): KnownSnapshot[] {
  const out: KnownSnapshot[] = [];
  for (let k = 0; k < 12; k++) {
    out.push(over({ timeMs: START + k * 6 * HOUR, params: { rho: -0.3 - 0.03 * k, eta: 1, gamma: 0.45 }, atmVol: 0.6 + 0.03 * k, spot: 40_000, openInterest: 20 + k }, k));
  }
  return out;
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

function scenario(bars: string, chain: string): Record<string, unknown> {
  return {
    name: 'chain',
    seed: 5,
    data: { bars: { source: 'file', path: bars } },
    market: { liquidity: { kind: 'linear' } },
    surface: { dynamics: 'sticky-moneyness', chain: { path: chain, layout: 'tardis' } },
    dealer: { inventory: { kind: 'chain', path: chain, layout: 'tardis', side: 'short', fraction: 0.5 } },
  };
}

/** Runs each chain file on the same bars; returns timeseries.csv rows and summary per run. */
async function runChains(chains: Record<string, string>): Promise<Record<string, { ts: string[]; summary: Record<string, any> }>> {
  const dir = mkdtempSync(join(tmpdir(), 'chainrun-'));
  const bars = join(dir, 'bars.csv');
  writeBars(bars);
  const out: Record<string, { ts: string[]; summary: Record<string, any> }> = {};
  for (const [name, text] of Object.entries(chains)) {
    const chain = join(dir, `${name}.csv`);
    writeFileSync(chain, text);
    const sc = join(dir, `${name}.json`);
    writeFileSync(sc, JSON.stringify(scenario(bars, chain)));
    await run(sc, join(dir, `out-${name}`));
    out[name] = {
      ts: readFileSync(join(dir, `out-${name}`, 'timeseries.csv'), 'utf8').split('\n'),
      summary: JSON.parse(readFileSync(join(dir, `out-${name}`, 'summary.json'), 'utf8')),
    };
  }
  return out;
}

describe('an option chain in a run', () => {
  it('no look-ahead: quotes rewritten after t change no bar before the first snapshot after t; open interest rewritten after the first bar changes nothing', async () => {
    const CUT = 8; // snapshots 8.. (from START + 48h) rewritten
    const base = chainCsv(snapshots(), YEAR_MS);
    // 260 vol: past surface.atm.maxVol (2), which bounds inferred levels, not quoted ones.
    const laterQuotes = chainCsv(snapshots((s, k) => (k >= CUT ? { ...s, params: { rho: 0.1, eta: 0.5, gamma: 0.3 }, atmVol: 2.6 } : s)), YEAR_MS);
    const laterOi = chainCsv(snapshots((s, k) => (k >= 5 ? { ...s, openInterest: 1000 } : s)), YEAR_MS);
    const r = await runChains({ base, laterQuotes, laterOi });
    const warmup = r.base.summary.calibrationWindow.warmupBars as number;
    expect(warmup).toBeGreaterThan(0);
    const barMs = BAR_MINUTES * 60_000;
    // The first bar whose time is at or after snapshot CUT's time (grid = the snapshot time; rows 30 s before it).
    const cutBar = (CUT * 6 * HOUR) / barMs - warmup;
    expect(cutBar).toBeGreaterThan(10);
    const header = r.base.ts[0].split(',');
    const atm = header.indexOf('atm_vol');
    expect(atm).toBeGreaterThan(0);
    // Rows 1..cutBar (bars 0..cutBar-1) identical, the bar at the cut differs: the surface there is the rewritten one.
    expect(r.laterQuotes.ts.slice(0, cutBar + 1)).toEqual(r.base.ts.slice(0, cutBar + 1));
    expect(Number(r.laterQuotes.ts[cutBar + 1].split(',')[atm])).toBeCloseTo(2.6, 6);
    expect(Number(r.base.ts[cutBar + 1].split(',')[atm])).toBeCloseTo(0.6 + 0.03 * CUT, 6);
    // The ATM level at a bar is the fit in force then: the last snapshot at or before bar 0's time.
    const k0 = Math.floor((warmup * barMs) / (6 * HOUR));
    expect(Number(r.base.ts[1].split(',')[atm])).toBeCloseTo(0.6 + 0.03 * k0, 6);
    // summary.json says what the surface was fitted to, each field documented with its unit.
    const sc = r.base.summary.surfaceChain;
    expect(sc).toMatchObject({ fits: 12, skipped: 0, firstFit: '2021-05-18T00:00:00.000Z', lastFit: '2021-05-20T18:00:00.000Z', barsBeforeFirstFit: 0 });
    expect(sc.rmseVolPointsMax).toBeLessThan(1e-4); // exact marks (8 decimals of vol points)
    expect(sc.quotesExcluded.stale).toBeGreaterThan(0); // each earlier snapshot's strikes, six hours old
    const defs = summaryDefinitions(readFileSync(MODEL_DOC, 'utf8'));
    const keys = flatKeys(r.base.summary).filter((k) => k.startsWith('surfaceChain.'));
    expect(keys.length).toBe(11);
    expect(keys.filter((k) => !defs.has(k))).toEqual([]);
    // Open interest after the first bar: not one figure moves.
    expect(r.laterOi.ts).toEqual(r.base.ts);
    expect(r.laterOi.summary.dealerNetQtyBase).toBe(r.base.summary.dealerNetQtyBase);
  }, 120_000);
});

describe('a run folder with a chain reruns as it was', () => {
  it('config.json names the chain relative to the folder (surface and dealer), and rerunning it gives the same timeseries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chainrerun-'));
    writeBars(join(dir, 'bars.csv'));
    writeFileSync(join(dir, 'chain.csv'), chainCsv(snapshots(), YEAR_MS));
    writeFileSync(join(dir, 's.json'), JSON.stringify(scenario('bars.csv', 'chain.csv')));
    await run(join(dir, 's.json'), join(dir, 'out'));
    const config = JSON.parse(readFileSync(join(dir, 'out', 'config.json'), 'utf8'));
    expect(config.surface.chain.path).toBe('../chain.csv');
    expect(config.dealer.inventory.path).toBe('../chain.csv');
    await run(join(dir, 'out', 'config.json'), join(dir, 'again'));
    expect(readFileSync(join(dir, 'again', 'timeseries.csv'), 'utf8')).toBe(readFileSync(join(dir, 'out', 'timeseries.csv'), 'utf8'));
  }, 120_000);
});

describe('inferred mode over a chain (every bar tried and rolled back, the fits switching inside)', () => {
  it('ends every unflagged bar at the historical close within 1e-10, with the dealer trading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaininf-'));
    writeBars(join(dir, 'bars.csv'));
    writeFileSync(join(dir, 'chain.csv'), chainCsv(snapshots(), YEAR_MS));
    const sc = { ...scenario('bars.csv', 'chain.csv'), history: { mode: 'inferred' } } as Record<string, any>;
    sc.dealer.inventory.fraction = 0.05;
    writeFileSync(join(dir, 's.json'), JSON.stringify(sc));
    await run(join(dir, 's.json'), join(dir, 'out'));
    const [head, ...rows] = readFileSync(join(dir, 'out', 'timeseries.csv'), 'utf8').trim().split('\n');
    const col = (name: string): number => head.split(',').indexOf(name);
    const [hist, sim, unsolved, endo] = ['historical_close', 'simulated_close', 'inferred_unsolved', 'endogenous_return'].map(col);
    expect(Math.min(hist, sim, unsolved, endo)).toBeGreaterThanOrEqual(0);
    let solved = 0;
    let endogenous = 0;
    for (const r of rows) {
      const f = r.split(',').map(Number);
      endogenous += Math.abs(f[endo]);
      if (f[unsolved] !== 0) continue;
      solved++;
      expect(Math.abs(f[sim] / f[hist] - 1)).toBeLessThanOrEqual(1e-10);
    }
    expect(solved).toBeGreaterThan(rows.length * 0.9);
    expect(endogenous).toBeGreaterThan(1e-3);
  }, 120_000);
});

describe('a chain the run cannot use is refused in one line', () => {
  async function refused(setup: (dir: string) => Record<string, unknown>, message: RegExp): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'chainbad-'));
    writeBars(join(dir, 'bars.csv'));
    writeFileSync(join(dir, 's.json'), JSON.stringify(setup(dir)));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['run', join(dir, 's.json'), '--no-band', '--quiet', '--out', join(dir, 'o')])).toBe(1);
      expect(String(e.mock.calls[0][0])).toMatch(message);
    } finally {
      e.mockRestore();
    }
  }

  it('with surface.flatVol (one vol everywhere) beside it', async () => {
    await refused((dir) => {
      writeFileSync(join(dir, 'c.csv'), chainCsv(snapshots(), YEAR_MS));
      const sc = scenario('bars.csv', 'c.csv') as { surface: Record<string, unknown> };
      return { ...sc, surface: { ...sc.surface, flatVol: 0.5 } };
    }, /field 'surface.chain': surface.flatVol fixes one vol everywhere/);
  });

  it('with no snapshot that can be fitted, giving the first reason', async () => {
    await refused((dir) => {
      writeFileSync(join(dir, 'c.csv'), chainCsv(snapshots(), YEAR_MS).split('\n').slice(0, 4).join('\n') + '\n');
      return { ...scenario('bars.csv', 'c.csv'), dealer: {} };
    }, /field 'surface.chain.path': no snapshot of the option chain could be calibrated: 3 usable quotes over 1 expiries/);
  });

  it('a bad row, with its file, line and field', async () => {
    await refused((dir) => {
      writeFileSync(join(dir, 'c.csv'), chainCsv(snapshots(), YEAR_MS).replace(/,put,/, ',PUT?,'));
      return scenario('bars.csv', 'c.csv');
    }, /c\.csv:2: field 'type': type must be 'call' or 'put', got 'PUT\?'/);
  });
});

describe('the dealer book from open interest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chainbook-'));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const snaps = snapshots().slice(0, 6);

  it("is each live option's open interest at its last row at or before the first bar, times fraction, on the dealer's side", () => {
    const path = write('a.csv', chainCsv(snaps, YEAR_MS));
    const at = START + 24 * HOUR; // snapshot 4's rows (30 s before) are known; snapshot 5's are not
    const specs = bookFromChain(path, 'tardis', at, { side: 'short', fraction: 0.25 });
    // Snapshot 4's strikes at OI 24, plus earlier snapshots' strikes of the same names carry their own last OI.
    const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    const known = new Map<string, number>();
    for (const l of lines) {
      const f = l.split(',');
      const t = Number(f[2]) / 1000;
      if (t <= at && Number(f[6]) / 1000 > at) known.set(f[1], Number(f[7]));
    }
    expect(specs).toHaveLength(known.size);
    const total = [...known.values()].reduce((a, b) => a + b, 0);
    expect(specs.reduce((a, s) => a + s.qty, 0)).toBeCloseTo(-0.25 * total, 9);
    expect(specs.every((s) => Number.isNaN(s.tenorMs as number))).toBe(true); // not rolled
  });

  it('refuses a chain with nothing known at the first bar', () => {
    const path = write('late.csv', chainCsv(snaps.slice(3), YEAR_MS));
    expect(() => bookFromChain(path, 'tardis', START, { side: 'long', fraction: 1 })).toThrow(/late\.csv: no row at or before the first bar \(2021-05-18T00:00:00.000Z\)/);
    const empty = write('zero.csv', `${TARDIS_HEADER}\n`);
    expect(() => bookFromChain(empty, 'tardis', START, { side: 'long', fraction: 1 })).toThrow(/no row at or before the first bar/);
  });
});
