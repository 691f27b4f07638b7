import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './capture.js';
import { crashNames } from '../../src/data/catalog.js';

/**
 * A researcher's first hour: named crashes run the whole model, command-line
 * overrides compose in the order a user expects, an implausible volume unit
 * is named, and every run prints its band.
 */

const SHARED = process.env.CASCADE_DATA_DIR;


const tmp = (p: string): string => mkdtempSync(join(tmpdir(), p));
const json = (dir: string, f: string): Record<string, any> => JSON.parse(readFileSync(join(dir, f), 'utf8'));

/** Hourly bars with a fall, volume in quote units (as Bitstamp's 2020 files count it). */
function writeBars(dir: string): string {
  const rows = ['timestamp,open,high,low,close,volume'];
  let p = 8000;
  for (let h = 0; h < 72; h++) {
    const next = h > 40 && h < 50 ? p * 0.97 : p * 1.001;
    const t = new Date(Date.UTC(2020, 2, 10, h)).toISOString().replace('.000Z', 'Z');
    rows.push(`${t},${p},${Math.max(p, next)},${Math.min(p, next)},${next},${(2e6 + 1e5 * (h % 7)).toFixed(2)}`);
    p = next;
  }
  const path = join(dir, 'bars.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

function writeIv(dir: string): string {
  const rows = ['timestamp,value'];
  for (let d = 8; d < 14; d++) rows.push(`2020-03-${String(d).padStart(2, '0')}T00:00:00Z,${60 + d}`);
  const path = join(dir, 'iv.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe('a crash name runs the whole model', () => {
  for (const name of crashNames()) {
    it(`cascade run ${name}: dealer and protocol act, amplification is not 1`, async () => {
      const out = tmp(`fh-${name}-`);
      const r = await cli(['run', name, '--no-band', '--out', out]);
      expect(r.code, r.err).toBe(0);
      const s = json(out, 'summary.json');
      expect(s.synthetic).toBe(true);
      expect(s.dealerOptions).toBeGreaterThan(0);
      expect(s.liquidationCount).toBeGreaterThan(0);
      expect(s.amplification).not.toBe(1);
      expect(s.amplification).toBeGreaterThan(1);
      expect(r.out).toMatch(/\[SYNTHETIC path\]/);
    });
  }
});

describe('--set composes with --data, --iv and --seed', () => {
  it('--data sets the source and path only; a --set on data.bars survives it', async () => {
    const dir = tmp('fh-data-');
    const bars = writeBars(dir);
    const out = join(dir, 'out');
    const r = await cli(['run', 'default', '--no-band', '--data', bars, '--set', 'data.bars.volumeUnit=quote', '--set', 'data.bars.layout=normalized', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const cfg = json(out, 'config.json');
    expect(cfg.data.bars.source).toBe('file');
    expect(cfg.data.bars.volumeUnit).toBe('quote');
    expect(cfg.data.bars.layout).toBe('normalized');
    expect(cfg.data.bars.crash).toBeUndefined();
  });

  it('--iv keeps a --set on data.iv, and --set seed wins over --seed (it comes last)', async () => {
    const dir = tmp('fh-iv-');
    const bars = writeBars(dir);
    const iv = writeIv(dir);
    const out = join(dir, 'out');
    const r = await cli(['run', 'default', '--no-band', '--data', bars, '--iv', iv, '--set', 'data.iv.availableAfter=1d', '--seed', '5', '--set', 'seed=7', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const cfg = json(out, 'config.json');
    expect(cfg.data.iv.availableAfter).toBe('1d');
    expect(cfg.data.iv.path).toMatch(/iv\.csv$/);
    expect(cfg.seed).toBe(7);
    expect(json(out, 'summary.json').seed).toBe(7);
  });

  it('--seed alone sets the seed', async () => {
    const out = tmp('fh-seed-');
    const r = await cli(['run', 'btc-2025-10-10', '--no-band', '--seed', '11', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(json(out, 'config.json').seed).toBe(11);
  });

  it('an unknown --set key is refused with its path', async () => {
    const r = await cli(['run', 'default', '--no-band', '--set', 'engine.maxCascadeRoundz=3', '--out', tmp('fh-bad-')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/engine\.maxCascadeRoundz/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('a --set that a later override would have dropped is refused, naming it', async () => {
    const dir = tmp('fh-drop-');
    const bars = writeBars(dir);
    const r = await cli(['run', 'default', '--no-band', '--data', bars, '--set', 'data.bars.barMinutes=5', '--out', join(dir, 'o')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/data\.bars\.barMinutes/);
  });
});

describe.skipIf(!SHARED)(`the volume unit is named when it is implausible${SHARED ? '' : ' (skipped: CASCADE_DATA_DIR is unset)'}`, () => {
  const file = (): string => join(SHARED as string, 'crypto_ohlc/btcusd_bitstamp_1h_2020-03-12.csv');

  it('Bitstamp 2020 hourly with its default unit: prints the depth and a warning', async () => {
    const out = tmp('fh-bs-');
    const r = await cli(['run', 'default', '--no-band', '--data', file(), '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^depth: 6\.59B moves the price 1% at the first close \(0\.3 x hourly quote volume over the 24\.0h warm-up before the run\); held in base units/m);
    expect(r.out).toMatch(/^WARNING depth: the bars imply up to 327B of quote volume per hour/m);
    expect(json(out, 'summary.json').warnings).toHaveLength(1);
  });

  it('with volumeUnit quote: the depth, and no warning', async () => {
    const out = tmp('fh-bsq-');
    const r = await cli(['run', 'default', '--no-band', '--data', file(), '--set', 'data.bars.volumeUnit=quote', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^depth: 728\.3k moves the price 1%/m);
    expect(r.out).not.toMatch(/WARNING/);
    expect(json(out, 'summary.json').warnings).toBeUndefined();
  });

  it('data info prints the implied hourly quote volume', async () => {
    const r = await cli(['data', 'info', file()]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.impliedHourlyQuoteVolume.max).toBeGreaterThan(3e11);
    expect(info.warnings.join(' ')).toMatch(/probably in quote units/);
  });
});

describe('the band of the result', () => {
  it('npm start prints and writes the band, naming the input that moves amplification most', async () => {
    const out = tmp('fh-band-');
    const r = await cli(['run', 'default', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const s = json(out, 'summary.json');
    const b = s.band;
    expect(b.runs).toBe(10);
    expect(b.strategyReturn).toBeUndefined();
    expect(Object.keys(b.inputs).sort()).toEqual(['dealer inventory', 'depth', 'liquidity withdrawal', 'open interest', 'resilience']);
    // The band holds the central run and every variation.
    expect(b.amplification.low).toBeLessThanOrEqual(s.amplification);
    expect(b.amplification.high).toBeGreaterThanOrEqual(s.amplification);
    for (const v of Object.values(b.inputs) as Array<{ low: { amplification: number }; high: { amplification: number }; amplificationSwing: number }>) {
      expect(b.amplification.low).toBeLessThanOrEqual(Math.min(v.low.amplification, v.high.amplification));
      expect(b.amplification.high).toBeGreaterThanOrEqual(Math.max(v.low.amplification, v.high.amplification));
      expect(v.amplificationSwing).toBeCloseTo(Math.abs(v.high.amplification - v.low.amplification), 12);
      expect(v.amplificationSwing).toBeLessThanOrEqual(b.inputs[b.movedMostBy].amplificationSwing);
    }
    // A thinner book amplifies more: depth x0.5 above depth x2.
    expect(b.inputs.depth.low.amplification).toBeGreaterThan(b.inputs.depth.high.amplification);
    const line = new RegExp(`amplification ${s.amplification.toFixed(3)} \\(band ${b.amplification.low.toFixed(2)}–${b.amplification.high.toFixed(2)}; ${b.movedMostBy} moves it most\\)`);
    expect(r.out).toMatch(line);
  });

  it('--no-band skips it', async () => {
    const out = tmp('fh-noband-');
    expect((await cli(['run', 'btc-2021-05-19', '--no-band', '--out', out])).code).toBe(0);
    expect(json(out, 'summary.json').band).toBeUndefined();
  });
});
