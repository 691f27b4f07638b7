import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/config/load.js';
import type { ScenarioInput } from '../../src/config/scenario.js';
import { MS_PER_YEAR } from '../../src/core/time.js';
import { DEFAULT_PATH_CSV } from '../../src/data/synthetic/defaultPath.js';
import { blackScholes } from '../../src/pricing/blackScholes.js';
import { runBacktest } from '../../src/runner/backtest.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import { logReturnStd } from '../engine/helpers.js';

/**
 * The checks researchers run, reachable from a scenario file: parametric
 * paths (GBM, jump diffusion, a step), a flat surface, several inventory
 * blocks in one dealer.
 */

function scenario(over: Partial<ScenarioInput>): ReturnType<typeof validateScenario> {
  return validateScenario({ name: 'tools', ...over } as ScenarioInput);
}

describe('parametric synthetic sources', () => {
  it('gbm: the realised vol of 20,000 one-minute bars is σ within 2%, and the path is labelled synthetic', () => {
    const s = scenario({ seed: 3, data: { bars: { source: 'gbm', volPerYear: 0.6, bars: 20_000, startPrice: 250 }, warmupBars: 0 } });
    const p = prepareRunData(s, process.cwd());
    const b = p.data.bars;
    expect(b.length).toBe(20_000);
    expect(b.close[0]).toBeGreaterThan(0);
    const perYear = logReturnStd(b.close) * Math.sqrt(MS_PER_YEAR / 60_000);
    // Standard error of a vol estimate from n returns: σ/√(2n) = 0.5%: 2% is four of them.
    expect(Math.abs(perYear / 0.6 - 1)).toBeLessThan(0.02);
    expect(p.identity.synthetic).toBe(true);
    expect(p.identity.dataSource).toMatch(/^synthetic:gbm\(σ=0\.6, 20000 x 1m bars from 250, seed 3\)$/);
  });

  it('the path comes from the scenario seed unless the source names its own', () => {
    const bars = (seed: number, own?: number): Float64Array =>
      prepareRunData(scenario({ seed, data: { bars: { source: 'gbm', bars: 50, ...(own !== undefined ? { seed: own } : {}) } } }), '.').data.bars.close;
    expect(bars(1)).toEqual(bars(1));
    expect(bars(1)).not.toEqual(bars(2));
    expect(bars(9, 4)).toEqual(bars(4));
  });

  it('step-shock: flat, then the whole log step on the chosen bar\'s close, then flat', () => {
    const s = scenario({ data: { bars: { source: 'step-shock', bars: 100, stepAtBar: 40, stepLogSize: -0.07, startPrice: 1000 }, warmupBars: 0 } });
    const c = prepareRunData(s, '.').data.bars.close;
    for (let i = 1; i < 100; i++) {
      const r = Math.log(c[i] / c[i - 1]);
      if (i === 40) expect(r).toBeCloseTo(-0.07, 12);
      else expect(Math.abs(r)).toBeLessThan(1e-12);
    }
  });

  it('step-shock past the last bar is refused with its field', () => {
    const s = scenario({ data: { bars: { source: 'step-shock', bars: 10, stepAtBar: 10 } } });
    expect(() => prepareRunData(s, '.')).toThrow(/stepAtBar|past the last bar/);
  });

  it('jump-diffusion: jumps show as large returns, and the mean jump count is λT', () => {
    // λ = 2000/yr over 20,000 minutes (0.038 yr): about 76 jumps of −5% ± 1%, against a 1-minute diffusion sd of 0.08%.
    const s = scenario({ seed: 5, data: { bars: { source: 'jump-diffusion', bars: 20_000, volPerYear: 0.6, jumpIntensityPerYear: 2000, jumpLogSizeMean: -0.05, jumpLogSizeStd: 0.01 } } });
    const c = prepareRunData(s, '.').data.bars.close;
    let big = 0;
    for (let i = 1; i < c.length; i++) if (Math.log(c[i] / c[i - 1]) < -0.02) big++;
    const expected = 2000 * ((20_000 * 60_000) / MS_PER_YEAR);
    // Poisson sd √76 ≈ 8.7: within 4 sd.
    expect(Math.abs(big - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });
});

describe('a stored synthetic path', () => {
  const stored = (path: string): string =>
    prepareRunData(scenario({ seed: 1, data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12', path }, warmupBars: 0 } }), process.cwd()).identity.dataSource;

  it('names its file and the seed its sidecar says generated it, beside the scenario seed that drives the run', () => {
    const sidecarSeed = (JSON.parse(readFileSync(DEFAULT_PATH_CSV.replace(/\.csv$/, '.json'), 'utf8')) as { seed: number }).seed;
    expect(sidecarSeed).not.toBe(1);
    expect(stored(DEFAULT_PATH_CSV)).toBe(`synthetic:btc-2020-03-12 (${DEFAULT_PATH_CSV}, generated with seed ${sidecarSeed})`);
  });

  it('a sidecar without a seed: the file alone, no seed made up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stored-path-'));
    const csv = join(dir, 'path.csv');
    copyFileSync(DEFAULT_PATH_CSV, csv);
    writeFileSync(join(dir, 'path.json'), JSON.stringify({ synthetic: true, crash: 'btc-2020-03-12' }));
    const source = stored(csv);
    expect(source).toMatch(/^synthetic:btc-2020-03-12 \(.*path\.csv\)$/);
    expect(source).not.toContain('seed');
  });
});

describe('flat surface and inventory blocks', () => {
  const bars = { source: 'step-shock' as const, bars: 30, stepAtBar: 20, stepLogSize: -0.03, startPrice: 100 };
  const market = { liquidity: { kind: 'linear' as const }, depth: { source: 'fixed' as const, depth1PctQuote: 1e6 } };

  it('flatVol: one vol at every strike and expiry, so the book is worth its Black-Scholes price', () => {
    const s = scenario({
      data: { bars },
      market,
      surface: { flatVol: 0.55 },
      dealer: { inventory: { kind: 'log-uniform-strip', qtyPerStrike: 1, strikeMinRel: 0.8, strikeMaxRel: 1.2, count: 5, tenorDays: 30, side: 'long' }, hedge: { kind: 'none' } },
    });
    const p = prepareRunData(s, '.');
    const r = runBacktest(s, p.data, '.');
    const value = r.recorder.get('dealer_book_value')[0];
    const atm = r.recorder.get('atm_vol');
    for (let i = 0; i < atm.length; i++) expect(atm[i]).toBe(0.55);
    // Strikes 80..120 log-uniform, 30 days, r = q = 0 by default.
    const S = p.data.bars.close[0];
    const T = (30 * 86_400_000) / MS_PER_YEAR;
    let bs = 0;
    for (let k = 0; k < 5; k++) {
      const K = S * 0.8 * Math.pow(1.2 / 0.8, k / 4);
      bs += blackScholes('put', S, K, T, 0.55, s.market.rate, s.market.dividend).price;
    }
    expect(value / bs - 1).toBeCloseTo(0, 9);
    expect(r.recorder.get('rr25')[0]).toBeCloseTo(0, 12);
  });

  it('several inventory blocks: a put strip and a call strip in one dealer; a second block leaves the first one\'s options alone', () => {
    const puts = { kind: 'customer-crash-puts' as const, totalQtyBase: 10, weighting: 'random' as const };
    const calls = { kind: 'log-uniform-strip' as const, qtyPerStrike: 2, strikeMinRel: 1.05, strikeMaxRel: 1.3, count: 4, tenorDays: 14, optionType: 'call' as const };
    const one = scenario({ data: { bars }, market, dealer: { inventory: puts } });
    const two = scenario({ data: { bars }, market, dealer: { inventory: [puts, calls] } });
    const data = prepareRunData(one, '.').data;
    const a = runBacktest(one, data, '.');
    const b = runBacktest(two, data, '.');
    expect(b.figures.dealerOptions).toBe((a.figures.dealerOptions as number) + 4);
    expect(b.figures.dealerNetQtyBase).toBeCloseTo((a.figures.dealerNetQtyBase as number) - 8, 9);
    // The calls add short gamma: the book's gamma is more negative with both blocks.
    expect(b.recorder.get('dealer_gamma')[0]).toBeLessThan(a.recorder.get('dealer_gamma')[0]);
  });
});

describe('depth held in base or in quote', () => {
  // A 12% step with a linear book and no withdrawal: what the 1% depth is worth in dollars afterwards.
  const run = (heldIn: 'base' | 'quote'): { before: number; after: number } => {
    const s = scenario({
      data: { bars: { source: 'step-shock', bars: 40, stepAtBar: 20, stepLogSize: Math.log(0.88), startPrice: 1000 } },
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 1e6 }, withdrawal: { elasticity: 0 }, depthHeldIn: heldIn },
    });
    const r = runBacktest(s, prepareRunData(s, '.').data, '.');
    const d = r.recorder.get('depth_per_log_price');
    const c = r.recorder.get('simulated_close');
    // Dollar depth of a 1% move: D · 0.01 · S, with D and S as the bar's cascade saw them (bar start).
    const dollars = (i: number): number => d[i] * 0.01 * c[i - 1];
    return { before: dollars(10), after: dollars(30) };
  };

  it('base (default): the book keeps its coins, so after a 12% fall the 1% depth is 12% fewer dollars', () => {
    const b = run('base');
    expect(b.before).toBeCloseTo(1e6, 3);
    expect(b.after / b.before).toBeCloseTo(0.88, 9);
  });

  it('quote: the dollar depth stays at its calibrated figure', () => {
    const q = run('quote');
    expect(q.before).toBeCloseTo(1e6, 3);
    expect(q.after / q.before).toBeCloseTo(1, 9);
  });
});

describe('the option day count', () => {
  // One 30-day put on a flat 50% surface: its value under each convention
  // is the Black-Scholes price at T = 30/365.25 or 30/365.
  const value = (dayCount: 'ACT/365.25' | 'ACT/365'): { value: number; S: number } => {
    const s = scenario({
      data: { bars: { source: 'step-shock', bars: 30, stepAtBar: 20, stepLogSize: -0.01, startPrice: 100 } },
      market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 1e6 } },
      surface: { flatVol: 0.5 },
      dealer: {
        inventory: { kind: 'log-uniform-strip', qtyPerStrike: 1, strikeMinRel: 0.9, strikeMaxRel: 0.95, count: 2, tenorDays: 30, side: 'long' },
        hedge: { kind: 'none' },
        tenorDayCount: dayCount,
      },
    });
    const p = prepareRunData(s, '.');
    return { value: runBacktest(s, p.data, '.').recorder.get('dealer_book_value')[0], S: p.data.bars.close[0] };
  };

  for (const [dayCount, days] of [['ACT/365.25', 365.25], ['ACT/365', 365]] as const) {
    it(`${dayCount}: T = 30/${days}`, () => {
      const { value: v, S } = value(dayCount);
      const T = 30 / days;
      const bs = [0.9, 0.95].reduce((a, m) => a + blackScholes('put', S, S * m, T, 0.5).price, 0);
      expect(v / bs - 1).toBeCloseTo(0, 10);
    });
  }

  it('the two conventions differ by the 0.07% longer expiry of ACT/365', () => {
    expect(value('ACT/365').value).toBeGreaterThan(value('ACT/365.25').value);
  });
});
