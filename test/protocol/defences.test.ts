import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_YEAR } from '../../src/core/time.js';
import { emptyBuffer, fillBuffer, formatBuffer } from '../../src/protocol/defences/buffer.js';
import { solvencyTestSchema } from '../../src/config/protocolSchema.js';
import { withDefaults } from '../config/defaults.js';
import { CircuitBreaker, type CircuitBreakerConfig } from '../../src/protocol/defences/circuitBreaker.js';
import { DynamicThreshold, volThresholdMultiplier } from '../../src/protocol/defences/dynamicThreshold.js';
import { MarginFloor, marginFloorPrice } from '../../src/protocol/defences/marginFloor.js';
import { SolvencyTest, emptyProjection, projectCascade, type SolvencyTestConfig } from '../../src/protocol/defences/solvencyTest.js';
import type { LadderView } from '../../src/metrics/ladderView.js';

const BAR = MS_PER_MINUTE;
const T0 = Date.UTC(2020, 2, 12);

/** Intersection length of [lo, hi) with [a, b). */
function overlap(lo: number, hi: number, a: number, b: number): [number, number] {
  return [Math.max(lo, a), Math.min(hi, b)];
}

/**
 * A continuous uniform ladder: keys spread over [a, b) with `density` base
 * units of collateral per unit key and a common LT, so debt per unit
 * collateral at key k is k·LT (types.ts: key = debt / (collateral · LT)).
 * Range sums are closed-form integrals: the cascade law applies exactly.
 */
function uniformLadder(a: number, b: number, density: number, lt: number): LadderView {
  return {
    openCount: 1,
    collateralWithKeyIn(lo, hi) {
      const [l, h] = overlap(lo, hi, a, b);
      return h > l ? density * (h - l) : 0;
    },
    debtWithKeyIn(lo, hi) {
      const [l, h] = overlap(lo, hi, a, b);
      return h > l ? (density * lt * (h * h - l * l)) / 2 : 0;
    },
    topKey: () => b,
  };
}

/** A discrete ladder of accounts (sorted keys, prefix sums, binary search: O(log n) like the real one). */
function discreteLadder(accounts: ReadonlyArray<{ key: number; collateral: number; debt: number }>): LadderView {
  const s = [...accounts].sort((x, y) => x.key - y.key);
  const keys = s.map((x) => x.key);
  const cc = [0];
  const cd = [0];
  for (const x of s) {
    cc.push(cc[cc.length - 1] + x.collateral);
    cd.push(cd[cd.length - 1] + x.debt);
  }
  const lower = (v: number) => {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    openCount: s.length,
    collateralWithKeyIn: (lo, hi) => cc[lower(hi)] - cc[lower(lo)],
    debtWithKeyIn: (lo, hi) => cd[lower(hi)] - cd[lower(lo)],
    topKey: () => (keys.length ? keys[keys.length - 1] : Number.NEGATIVE_INFINITY),
  };
}

describe('dynamic threshold', () => {
  it('gives the literal multipliers of m = clamp(1 − a·max(σ/σ_calm − 1, 0), mMin, 1)', () => {
    // σ_calm 0.5, a 0.1, mMin 0.8, worked by hand.
    const rows: Array<[number, number]> = [[0.2, 1], [0.5, 1], [1.0, 0.9], [1.5, 0.8], [3, 0.8]];
    for (const [vol, m] of rows) expect(volThresholdMultiplier(vol, 0.5, 0.1, 0.8), `σ=${vol}`).toBeCloseTo(m, 14);
  });

  it('is stricter (never looser) as vol rises, and stays in [mMin, 1]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (v1, v2, calm, slope, mMin) => {
          const lo = Math.min(v1, v2);
          const hi = Math.max(v1, v2);
          const mLo = volThresholdMultiplier(lo, calm, slope, mMin);
          const mHi = volThresholdMultiplier(hi, calm, slope, mMin);
          if (!(mHi <= mLo && mHi >= mMin && mLo <= 1)) throw new Error(`σ ${lo}→${hi} calm ${calm} a ${slope} mMin ${mMin}: m ${mLo}→${mHi}`);
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tightens at most maxTightenPerBar per bar but loosens at once', () => {
    // From m = 1 to the floor 0.8 in steps of 0.05: four bars.
    const d = new DynamicThreshold({ kind: 'vol-scaled', calmVolPerYear: 0.5, slope: 0.1, minMultiplier: 0.8, maxTightenPerBar: 0.05 });
    const path = [3, 3, 3, 3, 3, 0.3].map((v) => d.update(v));
    const want = [0.95, 0.9, 0.85, 0.8, 0.8, 1];
    path.forEach((m, i) => expect(m, `bar ${i}: ${JSON.stringify(path)}`).toBeCloseTo(want[i], 12));
  });

  it('is neutral when off', () => {
    const d = new DynamicThreshold({ kind: 'off' });
    expect(d.update(5)).toBe(1);
  });

  it('refuses a floor outside (0, 1]', () => {
    expect(() => new DynamicThreshold({ kind: 'vol-scaled', calmVolPerYear: 0.5, slope: 0.1, minMultiplier: 1.2 })).toThrow(ConfigError);
  });
});

describe('circuit breaker', () => {
  // 1-minute bars, EWMA half-life one bar (λ = 1/2), limit 100 quote/min, cool-down 3 minutes.
  const BASE = { kind: 'velocity', halfLifeMs: BAR, limitQuotePerMin: 100, cooldownMs: 3 * BAR, marginMultiplier: 0.9 } as const;

  it('trips mid-bar on the literal volumes, pauses for the cool-down, then recovers', () => {
    const cb = new CircuitBreaker({ ...BASE, action: 'pause' }, BAR);
    // Bar 0: 150 liquidated → rate 0.5·0 + 0.5·150 = 75 ≤ 100: not tripped.
    cb.beginBar(T0);
    cb.record(T0, 150);
    expect(cb.isTripped()).toBe(false);
    expect(cb.ratePerMin()).toBe(75);
    cb.endBar();
    // Bar 1: 100 → 0.5·75 + 0.5·100 = 87.5, still fine; another 50 → 112.5 > 100: trips now.
    cb.beginBar(T0 + BAR);
    cb.record(T0 + BAR, 100);
    expect(cb.isTripped()).toBe(false);
    cb.record(T0 + BAR, 50);
    expect(cb.isTripped()).toBe(true);
    expect(cb.allowanceQuote()).toBe(0); // paused for the rest of bar 1
    expect(cb.marginMultiplier()).toBe(0.9);
    expect(cb.cooldownEndsMs()).toBe(T0 + 4 * BAR);
    cb.endBar();
    // Bars 2 and 3: still cooling; the rate decays 112.5 → 56.25 → 28.125.
    for (const [i, rate] of [[2, 56.25], [3, 28.125]] as const) {
      cb.beginBar(T0 + i * BAR);
      expect(cb.allowanceQuote(), `bar ${i}`).toBe(0);
      cb.endBar();
      expect(cb.ratePerMin(), `bar ${i}`).toBe(rate);
    }
    // Bar 4 starts at the end of the cool-down: open again, margin back to normal.
    cb.beginBar(T0 + 4 * BAR);
    expect(cb.isTripped()).toBe(false);
    expect(cb.allowanceQuote()).toBe(Number.POSITIVE_INFINITY);
    expect(cb.marginMultiplier()).toBe(1);
    expect(cb.tripCount()).toBe(1);
  });

  it('throttles to the allowance per bar while cooling down', () => {
    const cb = new CircuitBreaker({ ...BASE, action: 'throttle', throttleQuotePerBar: 40 }, BAR);
    cb.beginBar(T0);
    cb.record(T0, 500); // rate 250 > 100: trips at once
    expect(cb.allowanceQuote()).toBe(40); // liquidations before the trip do not use the allowance
    cb.record(T0, 30);
    expect(cb.allowanceQuote()).toBe(10);
    cb.record(T0, 10);
    expect(cb.allowanceQuote()).toBe(0);
    cb.endBar();
    cb.beginBar(T0 + BAR);
    expect(cb.allowanceQuote()).toBe(40); // a new bar, a new allowance
  });

  it('restores its state exactly', () => {
    const cb = new CircuitBreaker({ ...BASE, action: 'pause' }, BAR);
    cb.beginBar(T0);
    cb.record(T0, 150);
    const buf = new Float64Array(cb.stateSize);
    cb.saveState(buf, 0);
    cb.record(T0, 500);
    expect(cb.isTripped()).toBe(true);
    cb.loadState(buf, 0);
    expect(cb.isTripped()).toBe(false);
    expect(cb.ratePerMin()).toBe(75);
  });

  it('never trips when off', () => {
    const cb = new CircuitBreaker({ kind: 'off' }, BAR);
    cb.beginBar(T0);
    cb.record(T0, 1e12);
    expect(cb.allowanceQuote()).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses throttle without an allowance', () => {
    const cfg = { ...BASE, action: 'throttle' } as CircuitBreakerConfig;
    expect(() => new CircuitBreaker(cfg, BAR)).toThrow(/throttleQuotePerBar/);
  });
});

describe('margin floor', () => {
  // k = 2 implied σ over 1 day, σ = 80%: floor = ref · (1 − 2·0.8·sqrt(1/365.25)) = ref · 0.916280… (hand computed).
  const FACTOR = 1 - 2 * 0.8 * Math.sqrt(MS_PER_DAY / MS_PER_YEAR);

  it('computes the literal floor', () => {
    expect(marginFloorPrice(100, 2, 0.8, MS_PER_DAY)).toBeCloseTo(91.628, 3);
    expect(marginFloorPrice(100, 50, 2, MS_PER_DAY)).toBe(0); // more than 100% below: never blocks
  });

  it('blocks liquidations in a wick below the floor, and releases once the low persists for the horizon', () => {
    // Hourly oracle: 100 for 25 hours, then 85 (15% down, outside the 8.4% band).
    const H = MS_PER_HOUR;
    const flat = (f: MarginFloor) => {
      for (let i = 0; i < 25; i++) f.observe(T0 + i * H, 100);
    };
    // A one-hour wick: blocked at 85, not at 95 (above 91.63).
    const wick = new MarginFloor({ kind: 'implied-vol', k: 2, horizonMs: MS_PER_DAY }, H);
    wick.setImpliedVol(0.8);
    flat(wick);
    wick.observe(T0 + 25 * H, 85);
    expect(wick.floor()).toBeCloseTo(100 * FACTOR, 10);
    expect(wick.blocks(85)).toBe(true);
    expect(wick.blocks(95)).toBe(false);
    // A sustained fall to 85 from hour 25: the reference (the oracle one day
    // back) stays 100 through fall hour 23, so hours 0..23 are blocked and
    // hour 24 releases every queued liquidation at once.
    const fall = new MarginFloor({ kind: 'implied-vol', k: 2, horizonMs: MS_PER_DAY }, H);
    fall.setImpliedVol(0.8);
    flat(fall);
    const blocked: number[] = [];
    for (let j = 0; j <= 30; j++) {
      fall.observe(T0 + (25 + j) * H, 85);
      if (fall.blocks(85)) blocked.push(j);
    }
    expect(blocked).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('has a floor that never rises with implied vol', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), (v1, v2, k) => {
        const a = marginFloorPrice(100, k, Math.min(v1, v2), MS_PER_HOUR);
        const b = marginFloorPrice(100, k, Math.max(v1, v2), MS_PER_HOUR);
        return b <= a && b >= 0;
      }),
      { numRuns: 300 },
    );
  });

  it('never blocks when off', () => {
    const f = new MarginFloor({ kind: 'off' }, BAR);
    f.setImpliedVol(1);
    f.observe(T0, 100);
    expect(f.blocks(1)).toBe(false);
  });
});

describe('solvency test: cascade law on a uniform ladder', () => {
  const S = 100;
  const LT = 0.8;

  it('reproduces δ / (1 − n/D′) below the critical point', () => {
    // docs/model.md#branching-ratios-and-criticality: a uniform ladder of density n just below S
    // against linear depth D′ turns a drop δ into δ / (1 − n/D′). Ladder
    // keys [50, 100), D′ = 10 base per unit price. Tolerance 1e-9 relative
    // (the iteration stops at a 1e-12·S step).
    const cases: Array<[number, number]> = [[0.5, 0.05], [0.8, 0.02], [0.2, 0.1], [0.9, 0.03], [0.95, 0.01]];
    const out = emptyProjection();
    for (const [ratio, delta] of cases) {
      const D = 10;
      const p = projectCascade(uniformLadder(50, S, ratio * D, LT), S, 1, D, delta, LT, 2000, 1e-12, out);
      const want = delta / (1 - ratio);
      const info = `n/D′=${ratio} δ=${delta}: drop ${p.dropFraction} want ${want}, ${p.iterations} iterations`;
      expect(p.converged, info).toBe(true);
      expect(Math.abs(p.dropFraction - want), info).toBeLessThan(1e-9 * want);
      expect(Math.abs(p.effectiveBranching - ratio), info).toBeLessThan(1e-8);
      // Liquidated collateral is n·x: density times the price range crossed.
      expect(Math.abs(p.liquidatedBase - ratio * D * want * S), info).toBeLessThan(1e-7 * ratio * D * want * S);
    }
  });

  it('liquidates the whole ladder at and above the critical point', () => {
    // n/D′ ≥ 1: the cascade runs through all of [50, 100): drop = δS + N/D′
    // with N = n·50 the whole ladder, i.e. 2 + 1.5·50 = 77 and 2 + 50 = 52.
    const out = emptyProjection();
    for (const [ratio, want] of [[1.5, 0.77], [1, 0.52]]) {
      const D = 10;
      const p = projectCascade(uniformLadder(50, S, ratio * D, LT), S, 1, D, 0.02, LT, 1000, 1e-12, out);
      const info = `n/D′=${ratio}: drop ${p.dropFraction} want ${want}`;
      expect(p.converged, info).toBe(true);
      expect(p.dropFraction, info).toBeCloseTo(want, 12);
      expect(p.liquidatedBase, info).toBeCloseTo(ratio * D * 50, 9);
    }
  });

  it('projects the shortfall in closed form and counts none when sales cover the debt', () => {
    const out = emptyProjection();
    // n/D′ = 1.5 → final price 23. All keys in [50, 100) have debt/collateral
    // = 0.8·k > 23: shortfall = ∫_50^100 n (0.8k − 23) dk = n (0.4·(100² − 50²) − 23·50) = 1850 n, n = 15.
    const p = projectCascade(uniformLadder(50, S, 15, LT), S, 1, 10, 0.02, LT, 1000, 1e-12, out);
    expect(p.shortfallQuote).toBeCloseTo(1850 * 15, 6);
    // n/D′ = 0.5, δ = 0.05: final price 90 and debt/collateral ≤ 80 < 90: no shortfall.
    const q = projectCascade(uniformLadder(50, S, 5, LT), S, 1, 10, 0.05, LT, 1000, 1e-12, out);
    expect(q.shortfallQuote).toBe(0);
    // Partly under water: n/D′ = 0.9, δ = 0.04 → drop 0.4, final price 60;
    // keys [60, 100) are liquidated but only those above 60/0.8 = 75 are
    // under water: ∫_75^100 n (0.8k − 60) dk = n (0.4·(100² − 75²) − 60·25)
    // = 250 n, n = 9 (netting over [60, 100) would give 160 n instead).
    const r = projectCascade(uniformLadder(50, S, 9, LT), S, 1, 10, 0.04, LT, 2000, 1e-12, out);
    expect(Math.abs(r.finalPrice - 60), `final price ${r.finalPrice}`).toBeLessThan(1e-8);
    expect(Math.abs(r.shortfallQuote - 2250), `shortfall ${r.shortfallQuote}`).toBeLessThan(1e-6 * 2250);
  });

  it('uses liquidation prices key/m: a stricter threshold (m < 1) liquidates from a higher price', () => {
    // With m = 0.8, keys [40, 80) have liquidation prices [50, 100): the same
    // ladder in price terms as keys [50, 100) with m = 1, so the same drop.
    const out = emptyProjection();
    const a = projectCascade(uniformLadder(40, 80, 5 / 0.8, LT), S, 0.8, 10, 0.05, LT, 2000, 1e-12, out).dropFraction;
    const b = projectCascade(uniformLadder(50, 100, 5, LT), S, 1, 10, 0.05, LT, 2000, 1e-12, out).dropFraction;
    // Density per unit price: 5/0.8 per key unit × 0.8 key units per price unit = 5.
    expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1e-9);
  });

  it('matches a brute-force account-by-account cascade on random discrete ladders', () => {
    // Reference: liquidate every account with key/m ≥ P, move the price by
    // the total liquidated collateral / D′, repeat until nothing new (O(n²)).
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.double({ min: 1, max: 150, noNaN: true }), collateral: fc.double({ min: 0.1, max: 20, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.double({ min: 0.5, max: 100, noNaN: true }),
        fc.double({ min: 0.7, max: 1, noNaN: true }),
        (accts, delta, D, m) => {
          const accounts = accts.map((a) => ({ ...a, debt: a.key * a.collateral * LT }));
          const gone = new Set<number>();
          let P = S * (1 - delta);
          for (;;) {
            let added = false;
            accounts.forEach((a, i) => {
              if (!gone.has(i) && a.key / m >= P) (gone.add(i), (added = true));
            });
            if (!added) break;
            let c = 0;
            gone.forEach((i) => (c += accounts[i].collateral));
            P = S * (1 - delta) - c / D;
            if (P <= 0) {
              P = 0;
              accounts.forEach((_, i) => gone.add(i));
              break;
            }
          }
          const p = projectCascade(discreteLadder(accounts), S, m, D, delta, LT, 5000, 1e-12, emptyProjection());
          const want = 1 - P / S;
          if (!(Math.abs(p.dropFraction - want) <= 1e-9)) throw new Error(`δ ${delta} D′ ${D} m ${m}: ${p.dropFraction} vs brute force ${want}; ${JSON.stringify(accounts)}`);
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses the ladder\'s put strip when it has one: exact shortfall with mixed LTs', () => {
    // Accounts with different LT: the key alone cannot tell who is under
    // water. Reference: Σ max(debt − collateral·P, 0) over liquidated
    // accounts (key/m ≥ P) by a scan; with m ≤ 1 every under-water account is
    // liquidated, so the ladder's put-strip value is exact.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ strike: fc.double({ min: 1, max: 120, noNaN: true }), lt: fc.double({ min: 0.5, max: 1, noNaN: true }), collateral: fc.double({ min: 0.1, max: 20, noNaN: true }) }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        fc.double({ min: 0.7, max: 1, noNaN: true }),
        (accts, delta, m) => {
          const accounts = accts.map((a) => ({ key: a.strike / a.lt, collateral: a.collateral, debt: a.strike * a.collateral }));
          const base = discreteLadder(accounts);
          const ladder = Object.assign(Object.create(null), base, {
            badDebtExposure: (P: number) => accounts.reduce((s, a) => s + Math.max(a.debt - a.collateral * P, 0), 0),
          }) as LadderView;
          const p = projectCascade(ladder, S, m, 20, delta, 1, 5000, 1e-12, emptyProjection());
          const P = p.finalPrice;
          const want = accounts.filter((a) => a.key / m >= P).reduce((s, a) => s + Math.max(a.debt - a.collateral * P, 0), 0);
          if (!(Math.abs(p.shortfallQuote - want) <= 1e-9 * (1 + want))) throw new Error(`δ ${delta} m ${m} P ${P}: ${p.shortfallQuote} vs ${want}; ${JSON.stringify(accounts)}`);
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is monotone: a bigger shock or a thinner book never projects less; a bigger fund never more bad debt', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.double({ min: 1, max: 120, noNaN: true }), collateral: fc.double({ min: 0.1, max: 20, noNaN: true }) }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.001, max: 0.4, noNaN: true }),
        fc.double({ min: 0, max: 0.4, noNaN: true }),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (accts, d1, extra, D, thicker, fund) => {
          const ladder = discreteLadder(accts.map((a) => ({ ...a, debt: a.key * a.collateral * LT })));
          const proj = (delta: number, depth: number) => ({ ...projectCascade(ladder, S, 1, depth, delta, LT, 5000, 1e-12, emptyProjection()) });
          const base = proj(d1, D);
          const bigger = proj(Math.min(d1 + extra, 0.99), D);
          const deeper = proj(d1, D * thicker);
          const info = JSON.stringify({ d1, extra, D, thicker, base, bigger, deeper });
          if (bigger.dropFraction < base.dropFraction || bigger.liquidatedBase < base.liquidatedBase || bigger.shortfallQuote < base.shortfallQuote - 1e-9) throw new Error(`bigger shock: ${info}`);
          if (deeper.dropFraction > base.dropFraction) throw new Error(`deeper book: ${info}`);
          const cfg: SolvencyTestConfig = { ...withDefaults(solvencyTestSchema, { everyBars: 1, shocks: [d1], badDebtLimitQuote: 0, penaltyStepBps: 1, maxPenaltyBps: 10 }), basePenaltyBps: 0, ltForProjection: 1 };
          const b1 = new SolvencyTest(cfg).run(ladder, S, 1, D, fund).worstBadDebtQuote;
          const b2 = new SolvencyTest(cfg).run(ladder, S, 1, D, fund * 2 + 1).worstBadDebtQuote;
          if (b2 > b1) throw new Error(`bigger fund: ${b1} → ${b2}; ${info}`);
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('solvency test: what it does', () => {
  const S = 100;
  // The critical ladder of the closed-form case: shortfall 27,750 under the 2% shock.
  const LADDER = uniformLadder(50, S, 15, 0.8);
  const CFG: SolvencyTestConfig = {
    ...withDefaults(solvencyTestSchema, { everyBars: 60, shocks: [0.01, 0.02], badDebtLimitQuote: 10_000, response: 'penalty', penaltyStepBps: 100, maxPenaltyBps: 700 }),
    basePenaltyBps: 500, ltForProjection: 0.8,
  };

  it('raises the penalty when projected bad debt exceeds the limit, up to the cap', () => {
    const t = new SolvencyTest(CFG);
    // Fund 5,000: bad debt 27,750 − 5,000 = 22,750 > 10,000.
    const actions = [0, 1, 2].map(() => {
      const r = t.run(LADDER, S, 1, 10, 5_000);
      return [r.action, r.penaltyBps, r.worstBadDebtQuote];
    });
    expect(actions.map((a) => a[0])).toEqual(['raised-penalty', 'raised-penalty', 'at-cap']);
    expect(actions.map((a) => a[1])).toEqual([600, 700, 700]);
    expect(actions[0][2] as number).toBeCloseTo(22_750, 6);
    expect(t.lastResult().worstShockIndex).toBe(1);
  });

  it('leaves the penalty alone when the fund covers the projection', () => {
    const t = new SolvencyTest(CFG);
    const r = t.run(LADDER, S, 1, 10, 20_000); // 27,750 − 20,000 = 7,750 ≤ 10,000
    expect(r.action).toBe('none');
    expect(r.penaltyBps).toBe(500);
  });

  it('raises the insurance-fund target instead when so configured', () => {
    const t = new SolvencyTest({ ...CFG, response: 'fund-target', fundTargetMultiple: 1.2 });
    const r = t.run(LADDER, S, 1, 10, 5_000);
    expect(r.action).toBe('raised-fund-target');
    expect(r.fundTargetQuote).toBeCloseTo(1.2 * 27_750, 6);
    expect(r.penaltyBps).toBe(500);
  });

  it('runs only every N bars and restores its state', () => {
    const t = new SolvencyTest(CFG);
    expect(t.maybeRun(59, LADDER, S, 1, 10, 0).ran).toBe(false);
    const buf = new Float64Array(t.stateSize);
    t.saveState(buf, 0);
    expect(t.maybeRun(60, LADDER, S, 1, 10, 0).ran).toBe(true);
    expect(t.penaltyBps()).toBe(600);
    t.loadState(buf, 0);
    expect(t.penaltyBps()).toBe(500);
  });

  it('refuses shocks outside (0, 1) naming the entry', () => {
    expect(() => new SolvencyTest({ ...CFG, shocks: [0.1, 1.5] })).toThrow(/shocks\.1/);
  });
});

describe('systemic volatility buffer', () => {
  it('reports fund, penalty and delay together', () => {
    const b = fillBuffer(emptyBuffer(), T0, 2_000_000, 3_000_000, 750, 90_000, 100_000_000);
    expect(b.fundToDebt).toBe(0.02);
    expect(formatBuffer(b)).toBe(
      'systemic buffer @ 2020-03-12T00:00:00Z: insurance fund 2000000 (2.00% of open debt, target 3000000), penalty 750 bps, delay 90 s',
    );
    expect(formatBuffer(fillBuffer(b, T0, 0, 0, 0, Number.POSITIVE_INFINITY, 0))).toContain('keepers stopped');
  });
});
