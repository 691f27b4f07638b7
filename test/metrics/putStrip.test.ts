import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { Ladder } from '../../src/protocol/ladder.js';
import {
  ArrayStrikeBuckets,
  intrinsicExposure,
  makePutStripValue,
  negligibleStrikeBelow,
  PutStripValuer,
  valuePutStrip,
  type StrikeBucketSource,
} from '../../src/metrics/putStrip.js';
import { SsviSurface } from '../../src/surface/surface.js';
import type { VolSurface } from '../../src/sim/volSurface.js';
import { npmBs } from '../pricing/refs.js';

/** A flat surface: one vol everywhere (then sticky-strike and sticky-moneyness agree). */
function flat(vol: number): VolSurface {
  return {
    impliedVol: () => vol,
    impliedVolBatch: (_k, _f, _y, out) => out.fill(vol),
    totalVariance: (_k, years) => vol * vol * Math.max(years, 0),
  };
}

/** Freezes a surface's forward, so the vol of a strike does not move with spot (sticky strike). */
function stickyStrike(s: VolSurface, forward: number): VolSurface {
  return {
    impliedVol: (k, _f, y) => s.impliedVol(k, forward, y),
    impliedVolBatch: (k, _f, y, out) => s.impliedVolBatch(k, forward, y, out),
    totalVariance: (k, y) => s.totalVariance(k, y),
  };
}

/** 400 accounts, strikes K = d/c uniform in [60, 95], collateral 0.5–5.5 base (seeded). */
function population(seed: number): { coll: Float64Array; debt: Float64Array; strike: Float64Array } {
  const rng = new Rng(seed);
  const n = 400;
  const coll = new Float64Array(n);
  const debt = new Float64Array(n);
  const strike = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    coll[i] = 0.5 + 5 * rng.uniform();
    strike[i] = 60 + 35 * rng.uniform();
    debt[i] = coll[i] * strike[i];
  }
  return { coll, debt, strike };
}

function edges(lo: number, hi: number, width: number): Float64Array {
  const n = Math.round((hi - lo) / width);
  return Float64Array.from({ length: n + 1 }, (_, i) => lo + i * width);
}

/** Bucket strikes K̄_b = D_b / C_b, for the tests' own reference formulas. */
function bucketStrikes(b: ArrayStrikeBuckets): Array<{ c: number; k: number }> {
  const out: Array<{ c: number; k: number }> = [];
  for (let i = 0; i < b.bucketCount; i++) if (b.bucketCollateral(i) > 0) out.push({ c: b.bucketCollateral(i), k: b.bucketDebt(i) / b.bucketCollateral(i) });
  return out;
}

const pop = population(7);
const buckets = new ArrayStrikeBuckets(edges(60, 95, 0.5), pop.coll, pop.debt);

describe('put strip at expiry = the intrinsic bad-debt exposure', () => {
  // Spots on bucket edges: no bucket straddles P, so bucketing is exact (module comment).
  for (const spot of [50, 60, 72.5, 80, 95, 120]) {
    it(`spot ${spot}`, () => {
      let brute = 0;
      for (let i = 0; i < pop.coll.length; i++) brute += Math.max(pop.debt[i] - pop.coll[i] * spot, 0);
      const v = valuePutStrip(buckets, spot, 0, flat(0.8));
      expect(Math.abs(v.value - brute), `spot ${spot}: ${v.value} vs ${brute}`).toBeLessThanOrEqual(1e-9 * Math.max(1, brute));
      expect(Math.abs(v.intrinsic - brute)).toBeLessThanOrEqual(1e-9 * Math.max(1, brute));
      expect(Math.abs(intrinsicExposure(buckets, spot) - brute)).toBeLessThanOrEqual(1e-9 * Math.max(1, brute));
    });
  }
});

describe('against a per-account valuation (black-scholes npm package)', () => {
  const cases = [
    { spot: 80, vol: 0.8, years: 1 / 365 },
    { spot: 70, vol: 1.5, years: 7 / 365 },
    { spot: 100, vol: 0.6, years: 30 / 365 },
  ];
  for (const c of cases) {
    it(JSON.stringify(c), () => {
      let brute = 0;
      let kMin = Infinity;
      for (let i = 0; i < pop.coll.length; i++) {
        brute += pop.coll[i] * npmBs.blackScholes(c.spot, pop.strike[i], c.years, c.vol, 0, 'put');
        kMin = Math.min(kMin, pop.strike[i]);
      }
      const v = valuePutStrip(buckets, c.spot, c.years, flat(c.vol));
      // Bucket error (module comment): 0 ≤ brute − V ≤ ½ · max ∂²P/∂K² · Σ c_i (K_i − K̄_b)², with
      // ∂²P/∂K² = lognormal density of S_T at K ≤ 1 / (K_min σ √(2πτ)); plus 1e-9 relative for the reference.
      const kbar = new Map<number, number>();
      for (let b = 0; b < buckets.bucketCount; b++) if (buckets.bucketCollateral(b) > 0) kbar.set(b, buckets.bucketDebt(b) / buckets.bucketCollateral(b));
      let spread = 0;
      for (let i = 0; i < pop.coll.length; i++) {
        const b = Math.min(Math.floor((pop.strike[i] - 60) / 0.5), buckets.bucketCount - 1);
        spread += pop.coll[i] * (pop.strike[i] - (kbar.get(b) ?? 0)) ** 2;
      }
      const bound = (0.5 * spread) / (kMin * c.vol * Math.sqrt(2 * Math.PI * c.years)) + 1e-9 * brute;
      const diff = brute - v.value;
      expect(diff, JSON.stringify({ ...c, brute, value: v.value, bound })).toBeGreaterThanOrEqual(-1e-9 * brute);
      expect(diff, JSON.stringify({ ...c, brute, value: v.value, bound })).toBeLessThanOrEqual(bound);
    });
  }

  it('one account per bucket: equal to the per-account valuation to 1e-9 relative', () => {
    const coll = Float64Array.from([1, 2, 3, 0.5]);
    const strike = [62.3, 77.7, 85.1, 99];
    const debt = Float64Array.from(strike, (k, i) => k * coll[i]);
    const one = new ArrayStrikeBuckets(Float64Array.from([0, 70, 80, 90, 200]), coll, debt);
    const v = valuePutStrip(one, 81, 5 / 365, flat(0.9));
    const brute = strike.reduce((s, k, i) => s + coll[i] * npmBs.blackScholes(81, k, 5 / 365, 0.9, 0, 'put'), 0);
    expect(Math.abs(v.value / brute - 1), `${v.value} vs ${brute}`).toBeLessThan(1e-9);
  });
});

describe('greeks and parity', () => {
  it('put-call parity with a rate: Σ C_b (Put − Call) = Σ C_b (K̄_b e^{−rτ} − P), calls from the npm package', () => {
    const spot = 82;
    const years = 0.25;
    const rate = 0.03;
    const v = valuePutStrip(buckets, spot, years, flat(0.7), { rate });
    let calls = 0;
    let forwardLeg = 0;
    for (const { c, k } of bucketStrikes(buckets)) {
      calls += c * npmBs.blackScholes(spot, k, years, 0.7, rate, 'call');
      forwardLeg += c * (k * Math.exp(-rate * years) - spot);
    }
    expect(Math.abs(v.value - calls - forwardLeg), JSON.stringify({ put: v.value, calls, forwardLeg })).toBeLessThan(1e-8 * v.value);
  });

  const surfaces: Array<[string, VolSurface]> = [
    ['flat 80%', flat(0.8)],
    // SSVI with downside skew, held sticky-strike so its vols do not move with the FD bump.
    ['SSVI sticky-strike', stickyStrike(new SsviSurface({ params: { rho: -0.5, eta: 1.2, gamma: 0.5 }, term: { kind: 'flat' }, atmVol: 0.8 }), 78)],
  ];
  for (const [name, surface] of surfaces) {
    it(`delta and gamma against central finite differences (${name})`, () => {
      const spot = 78;
      const years = 3 / 365;
      const at = (s: number): number => valuePutStrip(buckets, s, years, surface).value;
      const v = valuePutStrip(buckets, spot, years, surface);
      // Delta: h = 1e-4·S, truncation O(h²·V‴/6) and rounding O(ε·V/h) both below 1e-7 relative here; tolerance 1e-6 relative.
      const h1 = 1e-4 * spot;
      const fdDelta = (at(spot + h1) - at(spot - h1)) / (2 * h1);
      expect(Math.abs(v.delta - fdDelta), JSON.stringify({ name, delta: v.delta, fdDelta })).toBeLessThan(1e-6 * Math.abs(v.delta));
      // Gamma: h = 3e-3·S, truncation O(h²·V⁗/12) ≈ 3e-5 relative here; tolerance 2e-4 relative.
      const h2 = 3e-3 * spot;
      const fdGamma = (at(spot + h2) - 2 * at(spot) + at(spot - h2)) / (h2 * h2);
      expect(Math.abs(v.gamma - fdGamma), JSON.stringify({ name, gamma: v.gamma, fdGamma })).toBeLessThan(2e-4 * v.gamma);
      expect(v.delta).toBeLessThan(0);
      expect(v.gamma).toBeGreaterThan(0);
    });
  }

  it('bucket edges must increase; accounts outside the edges go to the end buckets', () => {
    expect(() => new ArrayStrikeBuckets(Float64Array.from([1, 1]), new Float64Array(0), new Float64Array(0))).toThrow(/increase/);
    const b = new ArrayStrikeBuckets(Float64Array.from([10, 20, 30]), Float64Array.from([1, 1, 1, 0]), Float64Array.from([5, 25, 50, 3]));
    expect([b.bucketCollateral(0), b.bucketCollateral(1)]).toEqual([1, 2]);
    expect([b.bucketDebt(0), b.bucketDebt(1)]).toEqual([5, 75]);
  });
});

describe('per-bar use', () => {
  it('the protocol ladder is a StrikeBucketSource (compile-time check)', () => {
    const asSource = (l: Ladder): StrikeBucketSource => l;
    expect(typeof asSource).toBe('function');
  });

  it('a reused valuer gives the same figures; skipping strikes below negligibleStrikeBelow changes nothing to 1e-12', () => {
    const valuer = new PutStripValuer();
    const out = makePutStripValue();
    const surface = flat(0.9);
    const years = 1 / 365;
    const full = valuePutStrip(buckets, 120, years, surface);
    valuer.value(buckets, 70, years, surface, out);
    valuer.value(buckets, 120, years, surface, out);
    expect(out).toEqual(full);
    const cut = negligibleStrikeBelow(120, 0.9, years);
    expect(cut).toBeGreaterThan(70); // the cut does skip buckets here
    const skipped = valuer.value(buckets, 120, years, surface, makePutStripValue(), { minStrike: cut });
    expect(skipped.collateral).toBeLessThan(full.collateral);
    expect(Math.abs(skipped.value - full.value)).toBeLessThanOrEqual(1e-12 * full.value);
    expect(Math.abs(skipped.delta - full.delta)).toBeLessThanOrEqual(1e-12 * Math.abs(full.delta));
  });
});

describe('fast put-strip valuation (per-bar mode)', () => {
  it('agrees with the exact bucket-by-bucket valuation on a real ladder', async () => {
    const { AccountBook } = await import('../../src/protocol/accounts.js');
    const { Ladder, ladderGridAround } = await import('../../src/protocol/ladder.js');
    const { Rng } = await import('../../src/core/rng.js');
    const { SsviSurface } = await import('../../src/surface/surface.js');
    const rng = new Rng(3);
    const P = 30_000;
    const book = new AccountBook(20_000);
    for (let i = 0; i < 20_000; i++) {
      const c = 0.1 + rng.uniform();
      const k = P * Math.exp(0.4 * rng.normal()); // strikes far on both sides
      book.add(c, c * k, 1);
    }
    const ladder = Ladder.fromBook(book, ladderGridAround(P));
    const surface = new SsviSurface({ params: { rho: -0.4, eta: 1, gamma: 0.5 }, term: { kind: 'flat' }, atmVol: 0.8 });
    const v = new PutStripValuer();
    const exact = v.value(ladder, P, 1 / 365, surface, makePutStripValue(), { rate: 0.01, dividend: 0 });
    const exactCopy = { ...exact };
    const fast = v.value(ladder, P, 1 / 365, surface, makePutStripValue(), { rate: 0.01, dividend: 0, fast: { sds: 8, groupSds: 0.01 } });
    const info = JSON.stringify({ exactCopy, fast });
    // Tolerances: value and delta to 1e-6 relative (group Jensen error ~1e-4 of the time value, tails ~1e-15);
    // gamma to 1e-3 (it lives only in the grouped middle band).
    expect(Math.abs(fast.value / exactCopy.value - 1), info).toBeLessThan(1e-6);
    expect(Math.abs(fast.delta / exactCopy.delta - 1), info).toBeLessThan(1e-6);
    expect(Math.abs(fast.gamma / exactCopy.gamma - 1), info).toBeLessThan(1e-3);
    expect(Math.abs(fast.intrinsic / exactCopy.intrinsic - 1), info).toBeLessThan(1e-9);
  });
});
