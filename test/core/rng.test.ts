import { describe, expect, it } from 'vitest';
import { Rng, SeedTree } from '../../src/core/rng.js';

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 20 }, () => a.nextU32());
    const xb = Array.from({ length: 20 }, () => b.nextU32());
    const xc = Array.from({ length: 20 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('has uniform moments within 5 standard errors (n = 200k)', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(outside).toBe(0);
    // Uniform(0,1): mean 1/2 (se sqrt(1/12/n)), variance 1/12.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });

  it('draws standard normals: mean 0, variance 1, kurtosis 3 within sampling tolerance (n = 200k)', () => {
    const r = new Rng(11);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('restores a snapshot and repeats the same draws', () => {
    const r = new Rng(5);
    r.normal();
    const snap = r.snapshot();
    const first = [r.uniform(), r.normal(), r.poisson(3)];
    r.restore(snap);
    expect([r.uniform(), r.normal(), r.poisson(3)]).toEqual(first);
  });

  it('refuses seeds outside [0, 2^32)', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(2 ** 32)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
  });
});

describe('SeedTree', () => {
  it('derives a child stream that depends only on the master seed and the label', () => {
    const t1 = new SeedTree(1);
    const t2 = new SeedTree(1);
    t2.rng('other component').nextU32(); // creating other children must not shift this one
    expect(t1.rng('dealer').nextU32()).toBe(t2.rng('dealer').nextU32());
    expect(t1.rng('dealer').nextU32()).not.toBe(t1.rng('protocol').nextU32());
    expect(new SeedTree(2).rng('dealer').nextU32()).not.toBe(t1.rng('dealer').nextU32());
  });
});
