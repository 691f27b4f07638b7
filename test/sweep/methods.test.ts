import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { latinHypercube, randomPoints } from '../../src/sweep/methods.js';
import { minimise, type CubeMethod } from '../../src/sweep/search.js';
import { decodeOne, gridPoints } from '../../src/sweep/space.js';

// Test functions on [-5, 5]^d mapped from the cube, minimum 0.
const toBox = (u: readonly number[]): number[] => u.map((x) => -5 + 10 * x);
/** Sphere shifted off the cube centre, so a method cannot win by sampling the middle: minimum at x = 1.3. */
const sphere = (u: readonly number[]): number => toBox(u).reduce((s, x) => s + (x - 1.3) * (x - 1.3), 0);
/** Rosenbrock: minimum 0 at (1, 1, …), a curved narrow valley. */
const rosenbrock = (u: readonly number[]): number => {
  const x = toBox(u);
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
};

function best(fn: (u: readonly number[]) => number, method: CubeMethod, seed: number, dims: number, trials: number): number {
  return Math.min(...minimise(fn, { method, seed, dims, trials, batch: 8 }).map((o) => o.loss));
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

describe('TPE against random search at equal budget (fixed seeds)', () => {
  // The claim of the method: given the same number of evaluations it finds
  // lower values. Pinned as the median over 8 seeds, and TPE must win on most of them (measured: sphere 7/8, Rosenbrock 5/8:
  // its curved valley is hard for a model of one dimension at a time).
  const cases: Array<[string, (u: readonly number[]) => number, number, number, number]> = [
    // name, function, dimension, budget, factor TPE's median must beat random's by
    ['sphere d=4', sphere, 4, 80, 2],
    ['rosenbrock d=2', rosenbrock, 2, 80, 2],
  ];
  for (const [name, fn, dims, budget, factor] of cases) {
    it(name, () => {
      const tpe = SEEDS.map((s) => best(fn, 'tpe', s, dims, budget));
      const rnd = SEEDS.map((s) => best(fn, 'random', s, dims, budget));
      expect(median(tpe) * factor).toBeLessThan(median(rnd));
      expect(tpe.filter((t, i) => t < rnd[i]).length).toBeGreaterThanOrEqual(5);
    });
  }

  it('is deterministic for a seed and uses exactly the budget', () => {
    const a = minimise(sphere, { method: 'tpe', seed: 9, dims: 3, trials: 37, batch: 5 });
    const b = minimise(sphere, { method: 'tpe', seed: 9, dims: 3, trials: 37, batch: 5 });
    expect(a).toEqual(b);
    expect(a.length).toBe(37);
    expect(a.every((o) => o.u.every((x) => x >= 0 && x < 1))).toBe(true);
  });
});

describe('Latin hypercube and random points', () => {
  it('LHS uses every stratum of every dimension exactly once', () => {
    const pts = latinHypercube(new Rng(4), 10, 3);
    for (let k = 0; k < 3; k++) {
      const strata = pts.map((p) => Math.floor(p[k] * 10)).sort((a, b) => a - b);
      expect(strata).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('random points: uniform mean within 4 standard errors', () => {
    const pts = randomPoints(new Rng(5), 4000, 2);
    const mean = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    // sd of U(0,1) is 1/sqrt(12); standard error over 4000 draws ≈ 0.00456.
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * (1 / Math.sqrt(12)) / Math.sqrt(4000));
  });
});

describe('decoding the cube', () => {
  it('ranges, log scale, integers and lists (hand-computed)', () => {
    const lin = { path: 'a', min: 2, max: 6, scale: 'linear', integer: false } as const;
    const log = { path: 'b', min: 1e3, max: 1e7, scale: 'log', integer: false } as const;
    expect(decodeOne(lin, 0.25)).toBe(3);
    expect(decodeOne(log, 0.5)).toBeCloseTo(1e5, 6);
    expect(decodeOne({ ...lin, integer: true }, 0.3)).toBe(3); // 3.2 rounds to 3
    expect(decodeOne({ path: 'c', values: ['x', 'y', 'z'] }, 0.5)).toBe('y');
    expect(decodeOne({ path: 'c', values: ['x', 'y', 'z'] }, 0.9999)).toBe('z');
  });

  it('the grid: first parameter slowest; log steps include both ends', () => {
    const g = gridPoints([{ path: 'm', values: ['a', 'b'] }, { path: 'k', min: 10, max: 1000, scale: 'log', integer: false, steps: 3 }], 100);
    expect(g.length).toBe(6);
    expect(g[0][0]).toBe('a');
    expect(g[3][0]).toBe('b');
    expect(g.map((p) => p[1] as number).slice(0, 3).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([10, 100, 1000]);
  });
});
