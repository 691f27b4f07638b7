import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '../../src/core/hash.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { crashWindowMs, listCrashes } from '../../src/data/catalog.js';
import type { BarSeries } from '../../src/data/bars.js';
import { generateGbm } from '../../src/data/synthetic/gbm.js';
import { generateMerton } from '../../src/data/synthetic/jumpDiffusion.js';
import { hawkesExpectedCount, simulateHawkesExp } from '../../src/data/synthetic/hawkes.js';
import { generateCrash } from '../../src/data/synthetic/crash.js';
import { gridForWindow } from '../../src/data/synthetic/path.js';
import { measureCrash } from '../../src/data/synthetic/measure.js';
import { median } from '../../src/data/synthetic/calibrate.js';
import { syntheticPathForCrash } from '../../src/data/synthetic/forCrash.js';
import { DEFAULT_PATH_CSV, DEFAULT_PATH_SIDECAR, defaultPathArtifacts } from '../../src/data/synthetic/defaultPath.js';

// fileURLToPath rather than import.meta.dirname, which needs Node 20.11 (package.json allows 20.10).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DAY_MIN = 1440;
const YEAR_DAYS = 365.25;
const T0 = Date.UTC(2020, 0, 1);

function logReturns(series: readonly BarSeries[]): Float64Array {
  const out: number[] = [];
  for (const s of series) for (let i = 1; i < s.length; i++) out.push(Math.log(s.close[i] / s.close[i - 1]));
  return Float64Array.from(out);
}
function meanVar(x: Float64Array): { mean: number; variance: number } {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let q = 0;
  for (const v of x) q += (v - m) ** 2;
  return { mean: m, variance: q / (x.length - 1) };
}

/** Asserts the OHLC invariants of every bar; the message names the bar and its values. */
function expectConsistentBars(s: BarSeries, label: string): void {
  for (let i = 0; i < s.length; i++) {
    const o = s.open[i], h = s.high[i], l = s.low[i], c = s.close[i], v = s.volume[i];
    const ok = l > 0 && l <= Math.min(o, c) && h >= Math.max(o, c) && v >= 0 && Number.isFinite(h) && (i === 0 || s.time[i] > s.time[i - 1]);
    if (!ok) throw new Error(`${label}: bar ${i} inconsistent: t=${s.time[i]} O=${o} H=${h} L=${l} C=${c} V=${v}`);
    // The path is continuous: each bar opens where the previous closed.
    if (i > 0 && s.open[i] !== s.close[i - 1]) throw new Error(`${label}: bar ${i} opens at ${o}, previous close ${s.close[i - 1]}`);
  }
  expect(s.synthetic).toBe(true);
  expect(s.source.startsWith('synthetic:')).toBe(true);
}

const GBM = { startPrice: 100, driftPerYear: 0.1, volPerYear: 0.6, volume: { baseVolumePerHour: 50, volumeNoiseLogStd: 0.3 } };
const MERTON = { ...GBM, jumpIntensityPerYear: 100, jumpLogSizeMean: -0.03, jumpLogSizeStd: 0.02 };
const CRASH = {
  startPrice: 10_000, volPerYearCalm: 0.5, crashOnsetHours: 48, crashRegimeHours: 72, jumpIntensityPerDay: 2,
  excitationBranchingRatio: 0.5, excitationHalfLifeHours: 6, jumpLogSizeMean: -0.04, jumpLogSizeStd: 0.02,
  volKickPerJump: 0.5, volHalfLifeHours: 12, recoveryFraction: 0.4, recoveryHalfLifeHours: 12,
};
const GRID = { startMs: T0, barMinutes: 60, bars: 240, stepsPerBar: 6 };

describe('determinism: a pure function of (params, seed)', () => {
  const gens = [
    ['gbm', (seed: number) => generateGbm(GBM, GRID, seed)],
    ['merton', (seed: number) => generateMerton(MERTON, GRID, seed)],
    ['crash', (seed: number) => generateCrash(CRASH, GRID, seed)],
  ] as const;
  for (const [name, gen] of gens) {
    it(`${name}: same seed gives bit-identical columns, another seed differs`, () => {
      const a = gen(7).series, b = gen(7).series, c = gen(8).series;
      for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
        expect(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer)), `${name} column ${k}, seed 7 twice`).toBe(true);
      }
      expect(Buffer.from(a.close.buffer).equals(Buffer.from(c.close.buffer)), `${name} seeds 7 and 8`).toBe(false);
    });
  }
});

describe('GBM log-return moments (exact log-space simulation)', () => {
  // 50 paths x 1000 daily bars = 49,950 returns. Reference: ln(S_t+dt/S_t) ~ N((mu - sigma^2/2) dt, sigma^2 dt).
  const mu = 2, sigma = 0.2, dt = 1 / YEAR_DAYS, paths = 50, bars = 1000;
  const grid = { startMs: T0, barMinutes: DAY_MIN, bars, stepsPerBar: 2 };
  const run = (drift: number, vol: number) =>
    logReturns(Array.from({ length: paths }, (_, s) => generateGbm({ startPrice: 100, driftPerYear: drift, volPerYear: vol }, grid, s).series));
  const n = paths * (bars - 1);
  const seMean = (sigma * Math.sqrt(dt)) / Math.sqrt(n);
  const tolMean = 4 * seMean; // 4 standard errors
  const seVarRel = Math.sqrt(2 / (n - 1)); // Var of a normal sample variance: 2 sigma^4 / (n - 1)
  const tolVarRel = 4 * seVarRel;
  const expectMean = (d: number) => (d - (sigma * sigma) / 2) * dt;

  it('design has power: a 10% error in drift or vol moves the statistic by more than twice the tolerance', () => {
    expect(0.1 * mu * dt).toBeGreaterThan(2 * tolMean);
    expect(1 - 0.9 ** 2).toBeGreaterThan(2 * tolVarRel);
  });

  it('sample mean and variance match theory within 4 standard errors', () => {
    const { mean, variance } = meanVar(run(mu, sigma));
    const info = { mu, sigma, n, mean, expected: expectMean(mu), tolMean, variance, expectedVar: sigma * sigma * dt, tolVarRel };
    expect(Math.abs(mean - expectMean(mu)), JSON.stringify(info)).toBeLessThan(tolMean);
    expect(Math.abs(variance / (sigma * sigma * dt) - 1), JSON.stringify(info)).toBeLessThan(tolVarRel);
  });

  it('the same checks reject a path whose drift or vol is 10% off', () => {
    const off = meanVar(run(mu * 1.1, sigma));
    expect(Math.abs(off.mean - expectMean(mu))).toBeGreaterThan(tolMean);
    const offVol = meanVar(run(mu, sigma * 1.1));
    expect(Math.abs(offVol.variance / (sigma * sigma * dt) - 1)).toBeGreaterThan(tolVarRel);
  });

  it('volume: calm bars average baseVolumePerHour per hour (E[TV]/E[TV_calm] = 1, mean-one noise)', () => {
    const s = generateGbm({ startPrice: 100, volPerYear: 0.5, volume: { baseVolumePerHour: 40, volumeNoiseLogStd: 0.3 } }, { startMs: T0, barMinutes: 60, bars: 20_000, stepsPerBar: 12 }, 3).series;
    const { mean, variance } = meanVar(s.volume);
    const se = Math.sqrt(variance / s.length);
    expect(Math.abs(mean - 40), `mean ${mean}, se ${se}`).toBeLessThan(4 * se);
  });
});

describe('Merton jump diffusion', () => {
  // 20 paths x 4 years of daily bars, hourly sub-steps; lambda = 100/yr: 400 expected jumps per path.
  const lambda = 100, m = -0.03, s = 0.02, sigma = 0.4, mu = 0.05;
  const days = 1461, paths = 20, dt = 1 / YEAR_DAYS;
  const grid = { startMs: T0, barMinutes: DAY_MIN, bars: days, stepsPerBar: 24 };
  const runs = Array.from({ length: paths }, (_, k) => generateMerton({ startPrice: 100, driftPerYear: mu, volPerYear: sigma, jumpIntensityPerYear: lambda, jumpLogSizeMean: m, jumpLogSizeStd: s }, grid, 100 + k));

  it('jump count matches the Poisson mean lambda*T within 4 sqrt(lambda*T), per-day counts have dispersion 1', () => {
    const T = (days * DAY_MIN) / (YEAR_DAYS * DAY_MIN);
    const total = runs.reduce((a, r) => a + r.jumps.time.length, 0);
    const expected = lambda * T * paths;
    expect(Math.abs(total - expected), `total ${total}, expected ${expected}`).toBeLessThan(4 * Math.sqrt(expected));
    // Poisson: variance of per-day counts equals their mean; the sample ratio has se about sqrt(2/n).
    const counts = new Float64Array(days * paths);
    runs.forEach((r, k) => r.jumps.time.forEach((t) => counts[k * days + Math.floor((t - T0) / 86_400_000)]++));
    const { mean, variance } = meanVar(counts);
    expect(Math.abs(variance / mean - 1), `dispersion ${variance / mean}`).toBeLessThan(4 * Math.sqrt(2 / counts.length) + 0.02);
  });

  it('log-return mean and variance match the compensated closed form (Merton 1976)', () => {
    const kappa = Math.exp(m + (s * s) / 2) - 1;
    const expMean = (mu - (sigma * sigma) / 2 - lambda * kappa + lambda * m) * dt;
    const expVar = (sigma * sigma + lambda * (m * m + s * s)) * dt;
    const r = logReturns(runs.map((x) => x.series));
    const { mean, variance } = meanVar(r);
    let q = 0;
    for (const v of r) q += ((v - mean) ** 2 - variance) ** 2;
    const seVar = Math.sqrt(q / (r.length - 1) / r.length); // uses the sample fourth moment: jumps make returns fat-tailed
    const info = JSON.stringify({ mean, expMean, variance, expVar, seVar });
    expect(Math.abs(mean - expMean), info).toBeLessThan(4 * Math.sqrt(expVar / r.length));
    expect(Math.abs(variance - expVar), info).toBeLessThan(4 * seVar);
  });
});

describe('Hawkes process with exponential kernel', () => {
  // baseline 2/day, branching ratio 0.5, half-life 6 h, horizon 50 days, 400 independent runs.
  const p = { baselineRate: 2, branchingRatio: 0.5, decayRate: (Math.LN2 * 24) / 6 };
  const T = 50, runs = 400;
  const counts = new Float64Array(runs);
  const rng = new Rng(42);
  for (let i = 0; i < runs; i++) counts[i] = simulateHawkesExp(p, T, rng).length;
  const { mean, variance } = meanVar(counts);

  it('mean count matches lambda0*T/(1-n) (stationary) and its finite-T closed form within 4 standard errors', () => {
    const stationary = (p.baselineRate * T) / (1 - p.branchingRatio); // 200
    const exact = hawkesExpectedCount(p, T); // 200 minus the start-up deficit lambda0 n / (beta (1-n)^2)
    const se = Math.sqrt(variance / runs);
    const info = JSON.stringify({ mean, stationary, exact, se });
    expect(Math.abs(mean - exact), info).toBeLessThan(4 * se);
    expect(Math.abs(mean - stationary), info).toBeLessThan(4 * se + (stationary - exact));
    // A Poisson process with the same baseline would average lambda0*T = 100: far outside.
    expect(mean - p.baselineRate * T).toBeGreaterThan(20 * se);
  });

  it('counts are clustered: Var/mean near 1/(1-n)^2 = 4 (Poisson gives 1)', () => {
    // Asymptotic Var N(T) = lambda0 T/(1-n)^3 for T >> 1/(beta(1-n)) = 0.36 days; the sample ratio has se ~ sqrt(2/runs) relative.
    const ratio = variance / mean;
    expect(Math.abs(ratio / 4 - 1), `dispersion ${ratio}`).toBeLessThan(4 * Math.sqrt(2 / runs));
  });

  it('with n = 0 it is a Poisson process of rate lambda0', () => {
    const r = new Rng(5);
    let total = 0;
    for (let i = 0; i < 200; i++) total += simulateHawkesExp({ ...p, branchingRatio: 0 }, T, r).length;
    const expected = 200 * p.baselineRate * T;
    expect(Math.abs(total - expected), `total ${total} vs ${expected}`).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('refuses a supercritical branching ratio', () => {
    expect(() => simulateHawkesExp({ ...p, branchingRatio: 1 }, T, new Rng(1))).toThrow(/branchingRatio=1/);
  });
});

describe('crash generator against the catalog', () => {
  // Calibration used seeds 0..127; these 100 are out of sample, so this checks the fit, not the bisection.
  const SEEDS = Array.from({ length: 100 }, (_, i) => 1000 + i);
  for (const c of listCrashes()) {
    it(`${c.name}: median peak-to-trough over ${SEEDS.length} seeds reproduces the measured drawdown`, () => {
      const { startMs, endMs } = crashWindowMs(c);
      const cal = c.synthetic.calibration;
      const grid = gridForWindow(startMs, endMs, { barMinutes: cal.barMinutes, stepsPerBar: cal.stepsPerBar });
      const dd = Float64Array.from(SEEDS, (s) => measureCrash(generateCrash(c.synthetic.params, grid, s).series).drawdown);
      const med = median(dd);
      const sd = Math.sqrt(meanVar(dd).variance);
      // Standard error of a median is about 1.2533 sd/sqrt(k); the catalog's median (128 seeds) has its own. Tolerance: 3 combined se.
      const se = 1.2533 * sd * Math.sqrt(1 / SEEDS.length + 1 / cal.seedCount);
      const tol = 3 * se;
      const info = JSON.stringify({ crash: c.name, measured: c.measured.drawdown, median: med, sd, tol });
      expect(tol, `tolerance too loose to mean anything: ${info}`).toBeLessThan(0.12);
      expect(Math.abs(med - c.measured.drawdown), info).toBeLessThan(tol);
      expectConsistentBars(generateCrash(c.synthetic.params, grid, SEEDS[0]).series, c.name);
    });
  }

  it('the 15-minute path is the 60-minute path cut finer (same sub-path when the sub-step length is kept)', () => {
    const a = syntheticPathForCrash('ftx-2022-11', { seed: 9, barMinutes: 60, priceDecimals: null, volumeDecimals: null }).series;
    const b = syntheticPathForCrash('ftx-2022-11', { seed: 9, barMinutes: 15, priceDecimals: null, volumeDecimals: null }).series;
    expect(b.length).toBe(4 * a.length);
    for (let i = 0; i < a.length; i++) {
      const hi = Math.max(b.high[4 * i], b.high[4 * i + 1], b.high[4 * i + 2], b.high[4 * i + 3]);
      const lo = Math.min(b.low[4 * i], b.low[4 * i + 1], b.low[4 * i + 2], b.low[4 * i + 3]);
      const ok = a.open[i] === b.open[4 * i] && a.close[i] === b.close[4 * i + 3] && a.high[i] === hi && a.low[i] === lo;
      if (!ok) throw new Error(`hour ${i}: 60m ${a.open[i]}/${a.high[i]}/${a.low[i]}/${a.close[i]} vs 15m ${b.open[4 * i]}/${hi}/${lo}/${b.close[4 * i + 3]}`);
    }
  });

  it('crashes carry volume spikes: bars holding a jump trade more than calm bars', () => {
    const p = generateCrash(CRASH, { ...GRID, bars: 24 * 20 }, 11);
    const jumpBars = new Set(Array.from(p.jumps.time, (t) => Math.floor((t - T0) / 3_600_000)));
    const withJump: number[] = [], calm: number[] = [];
    for (let i = 0; i < 48; i++) calm.push(p.series.volume[i]); // before the onset at 48 h
    jumpBars.forEach((i) => withJump.push(p.series.volume[i]));
    expect(withJump.length).toBeGreaterThan(3);
    const ratio = median(Float64Array.from(withJump)) / median(Float64Array.from(calm));
    // A 4% jump is ~ 4%/(0.5*sqrt(1/8766)*sqrt(2/pi)*...) many calm bars of variation: expect at least 3x.
    expect(ratio, `volume ratio ${ratio}`).toBeGreaterThan(3);
  });
});

describe('OHLC consistency of every generated bar', () => {
  it('holds for random parameters of all three generators (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(1, 15, 60, 1440),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        (seed, vol, steps, barMinutes, priceDecimals) => {
          const grid = { startMs: T0, barMinutes, bars: 60, stepsPerBar: steps, ...(priceDecimals === undefined ? {} : { priceDecimals }) };
          const label = JSON.stringify({ seed, vol, steps, barMinutes, priceDecimals });
          expectConsistentBars(generateGbm({ ...GBM, volPerYear: vol }, grid, seed).series, `gbm ${label}`);
          expectConsistentBars(generateMerton({ ...MERTON, volPerYear: vol }, grid, seed).series, `merton ${label}`);
          expectConsistentBars(generateCrash({ ...CRASH, volPerYearCalm: vol, crashOnsetHours: 2 }, grid, seed).series, `crash ${label}`);
        },
      ),
      { numRuns: 40, seed: 20240805 },
    );
  });

  it('holds for every catalog crash at 15-minute bars', () => {
    for (const c of listCrashes()) expectConsistentBars(syntheticPathForCrash(c.name, { seed: 1, barMinutes: 15 }).series, c.name);
  });
});

describe('parameter validation', () => {
  it('unknown keys and out-of-range values are ConfigErrors naming the field', () => {
    expect(() => generateGbm({ ...GBM, volPerYr: 1 } as never, GRID, 1)).toThrow(ConfigError);
    expect(() => generateCrash({ ...CRASH, excitationBranchingRatio: 0.99 }, GRID, 1)).toThrow(/crash\.excitationBranchingRatio/);
    expect(() => generateCrash({ ...CRASH, jumpLogSizeMean: 0.1 }, GRID, 1)).toThrow(/crash\.jumpLogSizeMean/);
    expect(() => generateGbm(GBM, { ...GRID, stepsPerBar: 0 }, 1)).toThrow(/grid\.stepsPerBar/);
  });
});

describe('measureCrash on a hand-made series', () => {
  it('finds peak, trough and returns as worked out by hand', () => {
    // Bar 1 high 110 is the peak; bar 3 low 55 the trough: drawdown 1 - 55/110 = 0.5, 2 hours apart.
    const H = 3_600_000;
    const s = {
      length: 5,
      time: Float64Array.from([0, H, 2 * H, 3 * H, 4 * H]),
      open: Float64Array.from([100, 100, 105, 80, 60]),
      high: Float64Array.from([101, 110, 106, 81, 70]),
      low: Float64Array.from([99, 99, 79, 55, 59]),
      close: Float64Array.from([100, 105, 80, 60, 66]),
    };
    const st = measureCrash(s);
    expect(st.peakIndex).toBe(1);
    expect(st.troughIndex).toBe(3);
    expect(st.drawdown).toBeCloseTo(0.5, 12);
    expect(st.peakToTroughHours).toBe(2);
    expect(st.worstBarReturn).toBeCloseTo(60 / 80 - 1, 12); // bar 3: 80 -> 60, worse than bar 2 (105 -> 80)
    expect(st.crashVolPerBar).toBeCloseTo(Math.sqrt((Math.log(80 / 105) ** 2 + Math.log(60 / 80) ** 2) / 2), 12);
    expect(st.recoveredFractionAtEnd).toBeCloseTo(Math.log(66 / 55) / Math.log(110 / 55), 12);
  });
});

describe('the bundled default path', () => {
  const csvText = readFileSync(resolve(ROOT, DEFAULT_PATH_CSV), 'utf8');
  const sidecarText = readFileSync(resolve(ROOT, DEFAULT_PATH_SIDECAR), 'utf8');

  it('equals what the generator gives today, byte for byte (regenerate: npx tsx scripts/generate-default-path.ts)', () => {
    const now = defaultPathArtifacts();
    expect(csvText === now.csv, 'stored CSV differs from the generator output').toBe(true);
    expect(sidecarText).toBe(now.sidecar);
  });

  it('says it is synthetic, and its sha256 matches the CSV', () => {
    const meta = JSON.parse(sidecarText) as Record<string, unknown>;
    expect(meta.synthetic).toBe(true);
    expect(meta.sha256).toBe(sha256(csvText));
    expect(String(meta.symbol)).toMatch(/SYNTHETIC/);
    expect(DEFAULT_PATH_CSV).toMatch(/\.synthetic\.csv$/);
    expect(Buffer.byteLength(csvText)).toBeLessThan(150 * 1024);
  });
});
