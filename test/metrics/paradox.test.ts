import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { paradoxIndex, type ParadoxInputs } from '../../src/metrics/paradox.js';

const f = (xs: number[]): Float64Array => Float64Array.from(xs);

/**
 * A small crash told bar by bar: stress starts at bar 2, the low (80) is at bar 6.
 * Depth within 1% was 1e6 quote at bar 1 (the last calm book, at price 100); at the
 * trough price the same book would be worth 8e5 and 3e5 is left, so 5e5 of depth left.
 * The pool paid out 100 + 200 + 50 between bars 2 and 6; the 77 before the onset and the
 * 1000 after the low are outside [s, t].
 */
const STORY: ParadoxInputs = {
  simulatedClose: f([100, 100, 99, 95, 90, 85, 80, 82, 88, 90]),
  stress: f([0, 0, 1, 1, 1, 1, 1, 0, 0, 0]),
  depthQuote: f([1e6, 1e6, 8e5, 6e5, 5e5, 4e5, 3e5, 5e5, 7e5, 8e5]),
  backstopWithdrawnQuote: f([0, 77, 100, 200, 0, 50, 0, 1000, 0, 0]),
  backstopAvailableQuote: f([5e4, 5e4, 4e4, 3e4, 2e4, 1e4, 5e3, 4e3, 4e3, 4e3]),
  liquidationQuote: f([0, 0, 0, 1e4, 2e4, 5e4, 1e5, 3e4, 0, 0]),
};
const B = 350;
const K = 5e5;

describe('paradoxIndex on literal arrays', () => {
  // Each row: trough window half-width, the liquidation volume in [t − k, t + k] (clipped), the index.
  const rows: Array<[number, number]> = [
    [0, 1e5],
    [1, 5e4 + 1e5 + 3e4],
    [2, 2e4 + 5e4 + 1e5 + 3e4],
    [50, 2.1e5],
  ];
  for (const [k, liq] of rows) {
    it(`trough window ±${k} bars`, () => {
      const r = paradoxIndex(STORY, { troughWindowBars: k });
      const info = JSON.stringify({ k, r });
      expect(r.stressBar, info).toBe(2);
      expect(r.troughBar, info).toBe(6);
      expect(r.depthRefBar, info).toBe(1);
      expect(r.backstopLeftQuote, info).toBe(B);
      // 1e6 · 80 / 100 − 3e5, exact in binary up to one rounding of the product.
      expect(r.depthLeftQuote, info).toBeCloseTo(K, 6);
      expect(r.liquidationNearTroughQuote, info).toBe(liq);
      expect(r.index, info).toBeCloseTo((B + K) / liq, 12);
      expect(r.backstopAvailableAtTroughQuote, info).toBe(5e3);
      expect(r.troughPrice, info).toBe(80);
      expect(r.stressPrice, info).toBe(99);
    });
  }

  it('a book that keeps its base depth while the price falls lost no depth', () => {
    // depth_quote_1pct = D · 0.01 · price with D constant: the quote figure falls with the price only.
    const close = [100, 97, 90, 70, 60, 65];
    const r = paradoxIndex({
      simulatedClose: f(close),
      stress: f([0, 1, 1, 1, 1, 1]),
      depthQuote: f(close.map((p) => 5000 * 0.01 * p)),
      liquidationQuote: f([0, 0, 10, 10, 10, 0]),
    });
    expect(r.troughBar).toBe(4);
    expect(r.depthLeftQuote).toBeLessThan(1e-9);
    expect(r.index).toBeLessThan(1e-9);
  });

  it('depth that grew counts as zero; backstop flight alone makes the index', () => {
    const r = paradoxIndex({
      simulatedClose: f([10, 9, 8]),
      stress: f([0, 1, 1]),
      depthQuote: f([100, 200, 300]),
      backstopWithdrawnQuote: f([0, 5, 5]),
      liquidationQuote: f([0, 20, 20]),
    }, { troughWindowBars: 1 });
    expect(r.depthLeftQuote).toBe(0);
    expect(r.index).toBe(10 / 40);
  });

  it('onset at bar 0 uses bar 0 as the depth reference; ties in the low take the first bar', () => {
    const r = paradoxIndex({
      simulatedClose: f([100, 90, 90, 95]),
      stress: f([1, 1, 0, 0]),
      depthQuote: f([1000, 500, 400, 900]),
      liquidationQuote: f([0, 100, 0, 0]),
    }, { troughWindowBars: 0 });
    expect(r.stressBar).toBe(0);
    expect(r.depthRefBar).toBe(0);
    expect(r.troughBar).toBe(1);
    expect(r.depthLeftQuote).toBeCloseTo(1000 * 0.9 - 500, 9);
    // K = 1000 · 90/100 − 500 = 400 against 100 of liquidations.
    expect(r.index).toBeCloseTo(400 / 100, 12);
  });

  it('the stress level is configurable: a drawdown column with a 5% level', () => {
    const close = [100, 98, 94, 90, 92];
    const drawdown = close.map((p, i) => 1 - p / Math.max(...close.slice(0, i + 1)));
    const r = paradoxIndex({ simulatedClose: f(close), stress: f(drawdown), liquidationQuote: f([0, 0, 1, 1, 0]) }, { stressLevel: 0.05 });
    expect(r.stressBar).toBe(2);
    expect(r.troughBar).toBe(3);
    expect(r.index).toBe(0);
  });

  it('no stress: NaN; no liquidations near the low: Infinity if capital left, NaN if not', () => {
    const calm = paradoxIndex({ simulatedClose: f([1, 2]), stress: f([0, 0]), liquidationQuote: f([5, 5]) });
    expect(calm.stressBar).toBe(-1);
    expect(calm.index).toBeNaN();
    const fled = paradoxIndex({ simulatedClose: f([2, 1]), stress: f([1, 1]), backstopWithdrawnQuote: f([3, 0]), liquidationQuote: f([0, 0]) });
    expect(fled.index).toBe(Infinity);
    const none = paradoxIndex({ simulatedClose: f([2, 1]), stress: f([1, 1]), liquidationQuote: f([0, 0]) });
    expect(none.index).toBeNaN();
  });

  it('NaN cells of optional columns count as zero (a bar without a record)', () => {
    const r = paradoxIndex({
      simulatedClose: f([10, 9, 8]),
      stress: f([0, 1, 1]),
      backstopWithdrawnQuote: f([Number.NaN, Number.NaN, 4]),
      liquidationQuote: f([0, Number.NaN, 8]),
    });
    expect(r.index).toBe(0.5);
  });

  it('bad input names the field', () => {
    const cases: Array<[ParadoxInputs, string]> = [
      [{ simulatedClose: f([1, 2]), stress: f([1]), liquidationQuote: f([0, 0]) }, 'stress'],
      [{ simulatedClose: f([1, 2]), stress: f([1, 1]), liquidationQuote: f([0, 0]), depthQuote: f([1]) }, 'depthQuote'],
      [{ simulatedClose: f([1, 0]), stress: f([1, 1]), liquidationQuote: f([0, 0]) }, 'simulated_close'],
      [{ simulatedClose: f([1, Number.NaN]), stress: f([1, 1]), liquidationQuote: f([0, 0]) }, 'simulated_close'],
    ];
    for (const [input, field] of cases) {
      let err: unknown;
      try {
        paradoxIndex(input);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(DataError);
      expect((err as DataError).location.field, field).toBe(field);
    }
    expect(() => paradoxIndex(STORY, { troughWindowBars: -1 })).toThrow(DataError);
  });

  it('is a pure number (same index when every quote column is rescaled) and rises with flight inside [s, t] only', () => {
    const arb = fc.record({
      close: fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 2, maxLength: 30 }),
      seedCols: fc.array(fc.tuple(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 1, max: 1e4, noNaN: true }), fc.boolean()), {
        minLength: 30,
        maxLength: 30,
      }),
      lambda: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      extra: fc.double({ min: 1, max: 1e4, noNaN: true }),
      k: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(arb, ({ close, seedCols, lambda, extra, k }) => {
        const n = close.length;
        const cols = seedCols.slice(0, n);
        const input: ParadoxInputs = {
          simulatedClose: f(close),
          stress: f(cols.map((c) => (c[3] ? 1 : 0))),
          depthQuote: f(cols.map((c) => c[0])),
          backstopWithdrawnQuote: f(cols.map((c) => c[1])),
          liquidationQuote: f(cols.map((c) => c[2])),
        };
        const base = paradoxIndex(input, { troughWindowBars: k });
        const info = JSON.stringify({ close, cols, lambda, extra, k, base });
        const scale = (a: Float64Array | undefined): Float64Array => Float64Array.from(a!, (x) => x * lambda);
        const scaled = paradoxIndex(
          { ...input, depthQuote: scale(input.depthQuote), backstopWithdrawnQuote: scale(input.backstopWithdrawnQuote), liquidationQuote: scale(input.liquidationQuote) },
          { troughWindowBars: k },
        );
        if (base.stressBar < 0) {
          expect(scaled.index, info).toBeNaN();
          return true;
        }
        expect(scaled.index, info).toBeCloseTo(base.index, 9 - Math.max(0, Math.ceil(Math.log10(base.index + 1))));
        const w = Float64Array.from(input.backstopWithdrawnQuote!);
        w[base.troughBar] += extra;
        expect(paradoxIndex({ ...input, backstopWithdrawnQuote: w }, { troughWindowBars: k }).index, info).toBeGreaterThan(base.index);
        if (base.stressBar > 0) {
          const before = Float64Array.from(input.backstopWithdrawnQuote!);
          before[base.stressBar - 1] += extra;
          expect(paradoxIndex({ ...input, backstopWithdrawnQuote: before }, { troughWindowBars: k }).index, info).toBe(base.index);
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
