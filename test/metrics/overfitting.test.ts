import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import {
  binomial,
  deflatedSharpe,
  deflatedSharpeOfReturns,
  EULER_MASCHERONI,
  expectedMaxSharpe,
  pbo,
  probabilisticSharpe,
  returnMoments,
} from '../../src/metrics/overfitting.js';
import { normCdf, normPdf } from '../../src/pricing/normal.js';

describe('returnMoments (hand-computed)', () => {
  it('r = 0.1, −0.2, 0, 0.5, −0.1', () => {
    // mean 0.06; deviations 0.04, −0.26, −0.06, 0.44, −0.16.
    // Σd² = 0.292 → sd = √(0.292/4) = 0.2701851; m2 = 0.292/5 = 0.0584.
    // Σd³ = 0.000064 − 0.017576 − 0.000216 + 0.085184 − 0.004096 = 0.06336 → m3 = 0.012672; skew = 0.012672 / 0.0584^1.5 = 0.8978957.
    // Σd⁴ = 0.00000256 + 0.00456976 + 0.00001296 + 0.03748096 + 0.00065536 = 0.0427216 → m4 = 0.00854432; kurt = m4 / 0.0584² = 2.5052543.
    // (scipy.stats.skew and kurtosis(fisher=False) give 0.8978957037987331 and 2.5052542690936384.)
    const m = returnMoments([0.1, -0.2, Number.NaN, 0, 0.5, -0.1]);
    const info = JSON.stringify(m);
    expect(m.count).toBe(5);
    expect(m.mean, info).toBeCloseTo(0.06, 15);
    expect(m.sd, info).toBeCloseTo(Math.sqrt(0.073), 15);
    expect(m.sharpe, info).toBeCloseTo(0.06 / Math.sqrt(0.073), 14);
    expect(m.skewness, info).toBeCloseTo(0.8978957037987331, 12);
    expect(m.kurtosis, info).toBeCloseTo(2.5052542690936384, 12);
  });
});

describe('expected maximum Sharpe SR₀ of N skill-less trials', () => {
  it('N = 1: nothing was selected, SR₀ = 0', () => {
    expect(expectedMaxSharpe(1, 0.5)).toBe(0);
  });

  it('N = 2, V = 1: Φ⁻¹(1/2) = 0, so SR₀ = γ·Φ⁻¹(1 − 1/(2e)) = 0.5772157 × Φ⁻¹(0.8160603) = 0.5772157 × 0.9004526 = 0.5197553', () => {
    expect(expectedMaxSharpe(2, 1)).toBeCloseTo(0.5197553442805939, 12);
  });

  it('N = 10, V = 0.01: 0.1 × (0.4227843 × Φ⁻¹(0.9) + 0.5772157 × Φ⁻¹(0.9632121)) = 0.1 × (0.4227843 × 1.2815516 + 0.5772157 × 1.7892418) = 0.1574598', () => {
    expect(expectedMaxSharpe(10, 0.01)).toBeCloseTo(0.157459830134575, 12);
  });

  it('scales with √V', () => {
    expect(expectedMaxSharpe(37, 4)).toBeCloseTo(2 * expectedMaxSharpe(37, 1), 14);
  });

  // The formula approximates E[max of N standard normals]; the exact value is
  // ∫ x · N φ(x) Φ(x)^(N−1) dx, integrated here by the trapezoid rule on [−10, 10]
  // (scipy.integrate.quad gives 1.5387527, 2.5075936, 3.2414358). Its error falls with N.
  const exactMax = (n: number): number => {
    const h = 1e-3;
    let s = 0;
    for (let x = -10; x <= 10; x += h) s += x * n * normPdf(x) * normCdf(x) ** (n - 1);
    return s * h;
  };
  const rows: Array<[number, number, number]> = [
    [10, 1.538752730835173, 0.025],
    [100, 2.507593636441685, 0.01],
    [1000, 3.241435769133427, 0.005],
  ];
  for (const [n, exact, tol] of rows) {
    it(`N = ${n}: within ${tol * 100} % of the exact expected maximum ${exact}`, () => {
      expect(exactMax(n)).toBeCloseTo(exact, 6);
      const rel = expectedMaxSharpe(n, 1) / exact - 1;
      expect(rel, `relative error ${rel}`).toBeGreaterThan(0);
      expect(rel, `relative error ${rel}`).toBeLessThan(tol);
    });
  }

  it('bad trial counts and variances are NumericalErrors naming the field', () => {
    expect(() => expectedMaxSharpe(0, 1)).toThrow(NumericalError);
    expect(() => expectedMaxSharpe(2.5, 1)).toThrow(/field 'trials'/);
    expect(() => expectedMaxSharpe(3, -1)).toThrow(/field 'trialSharpeVariance'/);
    expect(() => expectedMaxSharpe(3, Number.NaN)).toThrow(/field 'trialSharpeVariance'/);
  });
});

describe('probabilistic and deflated Sharpe ratios', () => {
  it('normal returns: SR = 0.2 over T = 101 against SR₀(10, 0.01) = 0.1574598', () => {
    // z = (0.2 − 0.1574598)·√100 / √(1 − 0 + (3 − 1)/4 · 0.04) = 0.4254017 / √1.02 = 0.4212104; Φ(z) = 0.6631993.
    const d = deflatedSharpe({ sharpe: 0.2, observations: 101, skewness: 0, kurtosis: 3, trials: 10, trialSharpeVariance: 0.01 });
    expect(d.expectedMaxSharpe).toBeCloseTo(0.157459830134575, 12);
    expect(d.probability).toBeCloseTo(0.6631992916728375, 10);
  });

  it('skewed, fat-tailed returns widen the Sharpe ratio’s error and lower the probability', () => {
    // γ₃ = −1, γ₄ = 6: 1 + 0.2 + (5/4)·0.04 = 1.25; z = 0.4254017 / √1.25 = 0.3804909; Φ(z) = 0.6482095.
    const d = deflatedSharpe({ sharpe: 0.2, observations: 101, skewness: -1, kurtosis: 6, trials: 10, trialSharpeVariance: 0.01 });
    expect(d.probability).toBeCloseTo(0.648209454963541, 10);
  });

  it('the paper’s worked example: annual SR 2.5 over 5 years of 250 days, 100 trials, annual V = 1/2, γ₃ = −3, γ₄ = 10 → SR₀ ≈ 0.1132, DSR ≈ 0.9004', () => {
    // Bailey & López de Prado (2014), numerical example. Per-day SR = 2.5/√250 = 0.1581139, V = 0.5/250.
    // scipy (norm.ppf, norm.cdf) on the same formula: SR₀ = 0.11317200186513214, DSR = 0.9003968344493903.
    const d = deflatedSharpe({ sharpe: 2.5 / Math.sqrt(250), observations: 1250, skewness: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / 250 });
    expect(d.expectedMaxSharpe).toBeCloseTo(0.11317200186513214, 10);
    expect(d.probability).toBeCloseTo(0.9003968344493903, 9);
    expect(Math.abs(d.probability - 0.9004)).toBeLessThan(5e-5);
  });

  it('one trial: DSR is the probabilistic Sharpe ratio against zero', () => {
    const d = deflatedSharpe({ sharpe: 0.1, observations: 50, skewness: 0.3, kurtosis: 4, trials: 1, trialSharpeVariance: 0.02 });
    expect(d.probability).toBe(probabilisticSharpe(0.1, 0, 50, 0.3, 4));
    // z = 0.1·7 / √(1 − 0.03 + 0.75·0.01) = 0.7 / √0.9775.
    expect(d.probability).toBeCloseTo(normCdf(0.7 / Math.sqrt(0.9775)), 14);
  });

  it('from returns: the moments of the selected series and the sample variance of the trial Sharpe ratios', () => {
    const r = [0.1, -0.2, 0, 0.5, -0.1];
    const sharpes = [0.1, 0.05, -0.02, 0.2220699630592816];
    // Variance of the four trial Sharpe ratios, N − 1 = 3 in the denominator.
    const mean = sharpes.reduce((a, b) => a + b) / 4;
    const v = sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
    const m = returnMoments(r);
    const direct = deflatedSharpe({ sharpe: m.sharpe, observations: 5, skewness: m.skewness, kurtosis: m.kurtosis, trials: 4, trialSharpeVariance: v });
    const d = deflatedSharpeOfReturns(r, sharpes);
    expect(d.expectedMaxSharpe).toBeCloseTo(direct.expectedMaxSharpe, 15);
    expect(d.probability).toBeCloseTo(direct.probability, 15);
  });

  it('more trials never raise the probability; a longer sample raises it when SR > SR₀', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 10, max: 2000 }),
        fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
        (sr, n, t, v) => {
          const at = (trials: number, obs: number): ReturnType<typeof deflatedSharpe> =>
            deflatedSharpe({ sharpe: sr, observations: obs, skewness: 0, kurtosis: 3, trials, trialSharpeVariance: v });
          const a = at(n, t);
          const info = JSON.stringify({ sr, n, t, v, a });
          expect(at(n + 1, t).probability, info).toBeLessThanOrEqual(a.probability);
          if (sr > a.expectedMaxSharpe) expect(at(n, t + 10).probability, info).toBeGreaterThanOrEqual(a.probability);
        },
      ),
    );
  });

  it('impossible moments and short samples are NumericalErrors', () => {
    expect(() => probabilisticSharpe(1, 0, 100, 2, 1)).toThrow(/≤ 0/);
    expect(() => probabilisticSharpe(0.1, 0, 1, 0, 3)).toThrow(/field 'observations'/);
    expect(() => probabilisticSharpe(Number.NaN, 0, 10, 0, 3)).toThrow(/field 'sharpe'/);
    expect(() => deflatedSharpeOfReturns([1, 2], [])).toThrow(/field 'trialSharpes'/);
  });
});

/** Row-major T × N matrix from rows. */
const matrix = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());

describe('PBO by CSCV: tiny hand-computed cases', () => {
  it('N = 3 trials, S = 4 blocks of one period, scored by the mean', () => {
    // Periods (rows) × trials A, B, C:
    //   t0: −1,  2,  7
    //   t1: −9,  5, −2
    //   t2: −8, −4, −6
    //   t3:  2,  6, −2
    // Sums over the two in-sample blocks J (the mean's ranking is the sum's), the best, its rank out of sample:
    //   J {0,1}: IS −10, 7, 5 → B; OOS {2,3}: −6, 2, −8 → B ranks 3 → ω = 3/4, λ = ln 3
    //   J {0,2}: IS −9, −2, 1 → C; OOS {1,3}: −7, 11, −4 → C ranks 2 → ω = 1/2, λ = 0
    //   J {0,3}: IS 1, 8, 5 → B;   OOS {1,2}: −17, 1, −8 → B ranks 3 → λ = ln 3
    //   J {1,2}: IS −17, 1, −8 → B; OOS {0,3}: 1, 8, 5 → B ranks 3 → λ = ln 3
    //   J {1,3}: IS −7, 11, −4 → B; OOS {0,2}: −9, −2, 1 → B ranks 2 → λ = 0
    //   J {2,3}: IS −6, 2, −8 → B;  OOS {0,1}: −10, 7, 5 → B ranks 3 → λ = ln 3
    // Two of six logits are ≤ 0: PBO = 1/3. The best is never below zero out of sample except at J {0,2} (C: −4/2) and J {1,3} (B: −2/2).
    const m = matrix([
      [-1, 2, 7],
      [-9, 5, -2],
      [-8, -4, -6],
      [2, 6, -2],
    ]);
    const r = pbo(m, 3, { partitions: 4, metric: 'mean' });
    const info = JSON.stringify({ r, logits: Array.from(r.logits) });
    expect(r.combinations).toBe(6);
    const ln3 = Math.log(3);
    [ln3, 0, ln3, ln3, 0, ln3].forEach((want, c) => expect(r.logits[c], info).toBeCloseTo(want, 15));
    expect(r.pbo, info).toBeCloseTo(1 / 3, 15);
    expect(Array.from(r.oosScoreOfBest), info).toEqual([1, -2, 0.5, 4, -1, 3.5]);
    expect(r.probabilityOfLoss, info).toBeCloseTo(2 / 6, 15);
  });

  it('N = 2, S = 2, scored by Sharpe ratio: a riskless gain outranks, ties take the mid-rank and the lower index', () => {
    // Rows 0–1 are block 0, rows 2–3 block 1.
    //   A: 1, 3 | 2, 2 → block 0: mean 2, sd √2, SR 1.414; block 1: mean 2, sd 0, SR +∞
    //   B: 0, 4 | 1, 5 → block 0: mean 2, sd √8, SR 0.707; block 1: mean 3, sd √8, SR 1.061
    // J {0}: A best (1.414 > 0.707); OOS A = +∞ ranks 2 of 2 → ω = 2/3, λ = ln 2.
    // J {1}: A best (+∞);            OOS A = 1.414 ranks 2  → λ = ln 2.  PBO = 0.
    // Scored by the mean instead: J {0}: tie 2 = 2 → A (lower index); OOS 2 < 3 → rank 1, λ = −ln 2.
    //                             J {1}: B (3 > 2); OOS tie 2 = 2 → mid-rank 1.5, ω = 1/2, λ = 0.  PBO = 1.
    const m = matrix([
      [1, 0],
      [3, 4],
      [2, 1],
      [2, 5],
    ]);
    const sharpe = pbo(m, 2, { partitions: 2 });
    for (const l of sharpe.logits) expect(l).toBeCloseTo(Math.LN2, 15);
    expect(sharpe.pbo).toBe(0);
    expect(sharpe.oosScoreOfBest[0]).toBe(Infinity);
    expect(sharpe.oosScoreOfBest[1]).toBeCloseTo(2 / Math.SQRT2, 14);
    const mean = pbo(m, 2, { partitions: 2, metric: 'mean' });
    expect(mean.logits[0]).toBeCloseTo(-Math.LN2, 15);
    expect(mean.logits[1]).toBe(0);
    expect(mean.pbo).toBe(1);
  });

  it('bad shapes are NumericalErrors naming the field', () => {
    const m = new Float64Array(12);
    expect(() => pbo(m, 1, { partitions: 2 })).toThrow(/field 'trials'/);
    expect(() => pbo(m, 5, { partitions: 2 })).toThrow(/field 'performance'.*multiple/);
    expect(() => pbo(m, 2, { partitions: 3 })).toThrow(/field 'partitions'.*even/);
    expect(() => pbo(m, 2, { partitions: 8 })).toThrow(/field 'partitions'.*exceed/);
    expect(() => pbo(Float64Array.from([1, 2, Number.NaN, 4]), 2, { partitions: 2 })).toThrow(/trial 0 in period 1/);
  });

  it('binomial: C(4, 2) = 6, C(16, 8) = 12 870, C(24, 12) = 2 704 156', () => {
    expect(binomial(4, 2)).toBe(6);
    expect(binomial(16, 8)).toBe(12_870);
    expect(binomial(24, 12)).toBe(2_704_156);
  });
});

/**
 * The definition written the slow way, row by row, as an independent
 * reference for the block-merged version: every combination of S/2 blocks in
 * lexicographic order, scores computed from the raw rows with two passes.
 */
function pboReference(m: Float64Array, N: number, S: number, metric: 'sharpe' | 'mean'): number[] {
  const T = m.length / N;
  const sizes = Array.from({ length: S }, (_, b) => Math.floor(T / S) + (b < T % S ? 1 : 0));
  const blockOf: number[] = [];
  sizes.forEach((k, b) => {
    for (let i = 0; i < k; i++) blockOf.push(b);
  });
  const score = (rows: number[], n: number): number => {
    const xs = rows.map((t) => m[t * N + n]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    if (metric === 'mean') return mean;
    const v = xs.length >= 2 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
    return v === 0 ? (mean > 0 ? Infinity : mean < 0 ? -Infinity : 0) : mean / Math.sqrt(v);
  };
  const combos: number[][] = [];
  const rec = (start: number, acc: number[]): void => {
    if (acc.length === S / 2) {
      combos.push([...acc]);
      return;
    }
    for (let b = start; b < S; b++) rec(b + 1, [...acc, b]);
  };
  rec(0, []);
  return combos.map((J) => {
    const is = blockOf.flatMap((b, t) => (J.includes(b) ? [t] : []));
    const oos = blockOf.flatMap((b, t) => (J.includes(b) ? [] : [t]));
    const isS = Array.from({ length: N }, (_, n) => score(is, n));
    const oosS = Array.from({ length: N }, (_, n) => score(oos, n));
    const best = isS.indexOf(Math.max(...isS));
    const x = oosS[best];
    const rank = oosS.filter((y) => y < x).length + (oosS.filter((y) => y === x).length + 1) / 2;
    const w = rank / (N + 1);
    return Math.log(w / (1 - w));
  });
}

describe('PBO against the row-by-row reference', () => {
  it('random matrices, uneven blocks included, both metrics: same logits to 1e-12', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.constantFrom(2, 4, 6),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom<'sharpe' | 'mean'>('sharpe', 'mean'),
        (N, S, spare, seed, metric) => {
          const T = 2 * S + spare;
          const rng = new Rng(seed);
          // Continuous draws: a tie between two different trials' sums is then a null event; rounded
          // data would make exact ties that the two summation orders break differently by rounding.
          const m = Float64Array.from({ length: T * N }, () => rng.normal());
          const got = pbo(m, N, { partitions: S, metric });
          const want = pboReference(m, N, S, metric);
          const info = JSON.stringify({ N, S, T, metric, m: Array.from(m), got: Array.from(got.logits), want });
          expect(got.logits.length, info).toBe(want.length);
          want.forEach((w, c) => expect(got.logits[c], info).toBeCloseTo(w, 12));
          expect(got.pbo, info).toBe(want.filter((l) => l <= 0).length / want.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PBO limit cases', () => {
  it('one trial better in every period: it is always the in-sample best and the out-of-sample best, PBO = 0', () => {
    // Trial 0 earns 1 more than any noise trial in each period, so it wins every score; λ = ln(N/(N+1) / (1/(N+1))) = ln N.
    const N = 6;
    const T = 48;
    const rng = new Rng(7);
    const m = new Float64Array(T * N);
    for (let t = 0; t < T; t++) {
      let top = -Infinity;
      for (let n = 1; n < N; n++) {
        m[t * N + n] = rng.normal() * 0.01;
        top = Math.max(top, m[t * N + n]);
      }
      m[t * N] = top + 1;
    }
    for (const metric of ['mean', 'sharpe'] as const) {
      const r = pbo(m, N, { partitions: 8, metric });
      expect(r.pbo, metric).toBe(0);
      if (metric === 'mean') for (const l of r.logits) expect(l).toBeCloseTo(Math.log(N), 14);
    }
  });

  it('pure noise: PBO averages about 1/2 over 40 seeds (N = 10, T = 160, S = 8)', () => {
    // Under the null no trial is better, so the in-sample best's out-of-sample rank is uniform on
    // 1 … 10 and P(rank ≤ 5) = 1/2. Each seed's PBO is noisy (its 70 combinations share data);
    // over these 40 seeds they spread with sd 0.21, so their mean (0.499) has a standard error of 0.034
    // and 0.12 is 3.5 of them.
    const N = 10;
    const T = 160;
    let sum = 0;
    const seeds = 40;
    const each: number[] = [];
    for (let s = 0; s < seeds; s++) {
      const rng = new Rng(1000 + s);
      const m = Float64Array.from({ length: T * N }, () => rng.normal());
      const p = pbo(m, N, { partitions: 8 }).pbo;
      each.push(p);
      sum += p;
    }
    const mean = sum / seeds;
    expect(Math.abs(mean - 0.5), JSON.stringify({ mean, each })).toBeLessThan(0.12);
  });

  it('a trial that wins in one half and loses in the other is the in-sample best and out-of-sample worst: PBO = 1', () => {
    // Trial 0 earns +1 in the first half of the periods and −1 in the second; trial 1 earns 0 throughout.
    // With S = 2, J {0}: trial 0 best (mean 1 > 0), OOS −1 < 0 → rank 1 → λ = −ln 2; J {1}: trial 1 best (0 > −1), OOS 0 < 1 → λ = −ln 2.
    const m = matrix([
      [1, 0],
      [1, 0],
      [-1, 0],
      [-1, 0],
    ]);
    const r = pbo(m, 2, { partitions: 2, metric: 'mean' });
    for (const l of r.logits) expect(l).toBeCloseTo(-Math.LN2, 15);
    expect(r.pbo).toBe(1);
    expect(EULER_MASCHERONI).toBeCloseTo(0.5772156649015329, 16);
  });
});
