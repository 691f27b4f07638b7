import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { MS_PER_MINUTE, MS_PER_YEAR } from '../../src/core/time.js';
import { makeBarSeries, type BarSeries } from '../../src/data/bars.js';
import { fairCouponFromOutcomes, priceBond, type PathSampler } from '../../src/runner/bondPricing.js';
import { testScenario } from '../engine/helpers.js';

/**
 * The fair coupon by simulation (docs/model.md#pricing-the-bond) against a
 * closed form. A Bernoulli trigger: on each path the bond pays with
 * probability p at time τ, else it bears coupon for the whole horizon T.
 * Then E[X] = p, E[Y] = pτ + (1 − p)T, and
 *   c* = p / (pτ + (1 − p)T);
 * the estimator's asymptotic standard error is sqrt(V/n)/E[Y] with
 *   V = Var(X − c*Y) = p(1 − c*τ)² + (1 − p)(c*T)²   (its mean is 0).
 */
const P = 0.3;
const TAU = 0.01;
const T = 0.04;
const C_STAR = P / (P * TAU + (1 - P) * T);
const V = P * (1 - C_STAR * TAU) ** 2 + (1 - P) * (C_STAR * T) ** 2;

function bernoulli(n: number, seed: number) {
  const rng = new Rng(seed);
  const paid = new Float64Array(n);
  const years = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    paid[k] = rng.uniform() < P ? 1 : 0;
    years[k] = paid[k] === 1 ? TAU : T;
  }
  return fairCouponFromOutcomes(1, paid, years, 1_000);
}

describe('fair coupon estimator against the Bernoulli closed form', () => {
  it('lies within its reported 95% interval of c*, and its standard error matches the closed form', () => {
    for (const n of [400, 1_600, 6_400]) {
      const f = bernoulli(n, 7);
      const info = `n=${n} ĉ=${f.fairCouponPerYear} se=${f.fairCouponSe} c*=${C_STAR}`;
      expect(f.fairCouponCi95[0], info).toBeLessThanOrEqual(C_STAR);
      expect(f.fairCouponCi95[1], info).toBeGreaterThanOrEqual(C_STAR);
      // The sample se estimates sqrt(V/n)/E[Y]; 10% covers its own sampling error at n ≥ 400.
      const seClosed = Math.sqrt(V / n) / (P * TAU + (1 - P) * T);
      expect(Math.abs(f.fairCouponSe / seClosed - 1), info).toBeLessThan(0.1);
      expect(f.expectedPayoutQuote, info).toBeCloseTo(1_000 * f.triggerProbability, 9);
    }
  });

  it('its interval narrows like 1/√n: four times the paths, half the width (within 10%)', () => {
    const w = (n: number) => {
      const f = bernoulli(n, 11);
      return f.fairCouponCi95[1] - f.fairCouponCi95[0];
    };
    for (const n of [500, 2_000]) {
      const ratio = w(n) / w(4 * n);
      expect(Math.abs(ratio - 2), `n=${n} width ratio ${ratio}`).toBeLessThan(0.2);
    }
  });

  it('covers c* about 95% of the time over 400 independent estimates of 300 paths each (binomial band 0.92-0.98)', () => {
    let covered = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++) {
      const f = bernoulli(300, 1_000 + r);
      if (f.fairCouponCi95[0] <= C_STAR && C_STAR <= f.fairCouponCi95[1]) covered++;
    }
    // ±3 binomial sd of 0.95 at 400 reps is ±0.033.
    expect(covered / reps).toBeGreaterThan(0.917);
    expect(covered / reps).toBeLessThan(0.983);
  });
});

/**
 * The same closed form through the whole engine: a path generator stub that
 * draws, per path, a gap of 30% at bar SHOCK_BAR with probability P (else a
 * flat path). A drawdown trigger at 0.25 then fires at SHOCK_BAR exactly on
 * the gap paths (the bar-start drawdown is the gap) and never on the flat
 * ones, so the bond's trigger probability is P by construction.
 */
const SHOCK_BAR = 10;
const BARS = 30;
const T0 = Date.UTC(2020, 2, 12);

function stubPath(crash: boolean): BarSeries {
  const close = Float64Array.from({ length: BARS }, (_, i) => (crash && i >= SHOCK_BAR ? 70 : 100));
  const time = Float64Array.from({ length: BARS }, (_, i) => T0 + i * MS_PER_MINUTE);
  return makeBarSeries(
    { symbol: 'STUB', source: 'test', synthetic: true, volumeUnit: 'base' },
    { time, open: close.slice(), high: close.slice(), low: close.slice(), close, volume: new Float64Array(BARS).fill(5000) },
  );
}

function stubSampler(seed: number, crashes: boolean[]): PathSampler {
  const rng = new Rng(seed);
  return () => {
    const crash = rng.uniform() < P;
    crashes.push(crash);
    return { bars: stubPath(crash), dataSha256: 'stub' };
  };
}

function stubScenario(levels: number) {
  return testScenario({
    market: { liquidity: { kind: 'linear' }, depth: { source: 'fixed', depth1PctQuote: 200_000 } },
    protocol: {
      enabled: true,
      population: { kind: 'generated', count: 50, totalNotionalQuote: 50_000 },
      defences: { contagionBond: { trigger: { index: 'drawdown', level: levels }, notionalQuote: 1_000 } },
    },
  });
}

describe('priceBond through the engine, on a Bernoulli path generator', () => {
  it('counts exactly the gap paths as triggers, at the gap bar, and its interval holds c* of the stub', () => {
    const crashes: boolean[] = [];
    const n = 60;
    const priced = priceBond(stubScenario(0.25), process.cwd(), { paths: n, seed: 0, sampler: stubSampler(3, crashes) });
    const f = priced.levels[0];
    const m = crashes.filter(Boolean).length;
    const tau = (SHOCK_BAR * MS_PER_MINUTE) / MS_PER_YEAR;
    const horizon = ((BARS - 1) * MS_PER_MINUTE) / MS_PER_YEAR;
    const info = `m=${m} of ${n}, ĉ=${f.fairCouponPerYear} ± ${f.fairCouponSe}`;
    expect(f.triggerProbability, info).toBe(m / n);
    expect(f.expectedCouponYears, info).toBeCloseTo((m * tau + (n - m) * horizon) / n, 15);
    const stubClosed = P / (P * tau + (1 - P) * horizon);
    expect(f.fairCouponCi95[0], info).toBeLessThanOrEqual(stubClosed);
    expect(f.fairCouponCi95[1], info).toBeGreaterThanOrEqual(stubClosed);
  });

  it('pricing several levels in one pass gives what pricing each alone gives', () => {
    const levels = [0.25, 0.29, 0.5];
    const together = priceBond(stubScenario(0.25), process.cwd(), { paths: 12, seed: 0, levels, sampler: stubSampler(5, []) });
    levels.forEach((level, j) => {
      const alone = priceBond(stubScenario(level), process.cwd(), { paths: 12, seed: 0, sampler: stubSampler(5, []) });
      expect(together.levels[j], `level ${level}`).toEqual(alone.levels[0]);
    });
    // The 0.5 level is never reached by a 30% gap: no trigger, no coupon owed.
    expect(together.levels[2].triggerProbability).toBe(0);
    expect(together.levels[2].fairCouponPerYear).toBe(0);
  });
});
