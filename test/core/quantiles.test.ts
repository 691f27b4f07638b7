/**
 * Quantiles by selection equal, bit for bit, the type-7 quantiles read off
 * the sorted array (quantileSorted, the reference), whatever the values:
 * random, with ties, sorted, reversed, all equal, an organ pipe, with NaN
 * and −0 (which make it sort), tiny and large.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { quantileSorted, quantilesBySelection } from '../../src/core/quantiles.js';

const QS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1, 0.5, 0.333];

function reference(values: Float64Array, qs: readonly number[]): number[] {
  const s = Float64Array.from(values).sort();
  return qs.map((q) => quantileSorted(s, q));
}

function check(values: Float64Array): void {
  const want = reference(values, QS);
  const got = quantilesBySelection(Float64Array.from(values), QS);
  expect(got.length).toBe(QS.length);
  got.forEach((g, k) => expect(Object.is(g, want[k]), `q ${QS[k]}: got ${g}, want ${want[k]} (n ${values.length})`).toBe(true));
}

describe('quantilesBySelection', () => {
  it('equals the sorted reference bit for bit on random values of many sizes', () => {
    const rng = new Rng(42);
    for (const n of [1, 2, 3, 5, 16, 17, 18, 33, 100, 1000, 4097, 100_000]) {
      check(Float64Array.from({ length: n }, () => rng.normal() * 1e3));
    }
  });

  it('equals it on ties, sorted, reversed, constant and organ-pipe inputs, and with NaN and -0', () => {
    const rng = new Rng(7);
    const n = 20_000;
    check(Float64Array.from({ length: n }, () => Math.floor(rng.uniform() * 5)));
    check(Float64Array.from({ length: n }, (_, i) => i));
    check(Float64Array.from({ length: n }, (_, i) => n - i));
    check(new Float64Array(n).fill(3.25));
    check(Float64Array.from({ length: n }, (_, i) => Math.min(i, n - i)));
    check(Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : rng.uniform())));
    check(Float64Array.from({ length: 101 }, (_, i) => (i % 2 === 0 ? -0 : 0)));
  });

  it('gives NaN for an empty array', () => {
    expect(Array.from(quantilesBySelection(new Float64Array(0), [0.5, 0.9]))).toEqual([Number.NaN, Number.NaN]);
  });
});
