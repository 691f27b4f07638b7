import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketEdges, keepExtremes, pick } from '../../../src/report/html/downsample.js';

/**
 * The display downsampling must keep every bucket's lowest and highest bar
 * of every series, hence every global extreme, and only real bars.
 * Reference: brute force over each bucket.
 */
describe('keepExtremes: min and max per bucket', () => {
  it('hand example: 12 bars, 2 buckets of 6, one series', () => {
    //                                 bucket 0: min at 2, max at 4     bucket 1: min at 9, max at 7
    const s = Float64Array.from([5, 6, 1, 4, 9, 3, 5, 8, 2, 0, 4, 6]);
    // 2·2·1 + 2 = 6 < 12, so the run is downsampled: bars 0 and 11, plus 2, 4, 7, 9.
    expect(Array.from(keepExtremes([s], 12, 2))).toEqual([0, 2, 4, 7, 9, 11]);
    expect(Array.from(pick(s, keepExtremes([s], 12, 2)))).toEqual([5, 1, 9, 8, 0, 6]);
  });

  it('ties keep the first bar; NaN is ignored; a short run is kept whole', () => {
    const s = Float64Array.from([1, NaN, 7, 7, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(Array.from(keepExtremes([s], 14, 2))).toEqual([0, 2, 7, 13]);
    expect(Array.from(keepExtremes([s], 14, 6)).length).toBe(14); // 2·6·1 + 2 = 14 points would be needed: keep all
  });

  it('bucket edges split [0, n) into near-equal runs', () => {
    expect(Array.from(bucketEdges(10, 3))).toEqual([0, 3, 6, 10]);
    expect(Array.from(bucketEdges(2, 5))).toEqual([0, 1, 2]);
  });

  it('property: per bucket, the kept bars reach each series minimum and maximum; global extremes and the ends are kept', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 400 }),
      k: fc.integer({ min: 1, max: 3 }),
      buckets: fc.integer({ min: 1, max: 40 }),
      seed: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 1200 }),
    });
    fc.assert(
      fc.property(arb, ({ n, k, buckets, seed }) => {
        const series = Array.from({ length: k }, (_, s) => Float64Array.from({ length: n }, (_, i) => seed[(i * 7 + s * 13) % seed.length]));
        const idx = keepExtremes(series, n, buckets);
        const kept = new Set(idx);
        expect(kept.has(0) && kept.has(n - 1)).toBe(true);
        for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
        const edges = bucketEdges(n, buckets);
        for (const s of series) {
          expect(Math.max(...pick(s, idx))).toBe(Math.max(...s));
          expect(Math.min(...pick(s, idx))).toBe(Math.min(...s));
          for (let b = 0; b + 1 < edges.length; b++) {
            const inBucket = Array.from(idx).filter((i) => i >= edges[b] && i < edges[b + 1]);
            const all = Array.from(s.subarray(edges[b], edges[b + 1]));
            if (all.length === 0) continue;
            expect(Math.max(...inBucket.map((i) => s[i]))).toBe(Math.max(...all));
            expect(Math.min(...inBucket.map((i) => s[i]))).toBe(Math.min(...all));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
