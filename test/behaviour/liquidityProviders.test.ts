import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { Rng, SeedTree } from '../../src/core/rng.js';
import { makeStressSignals, type StressSignals } from '../../src/sim/stress.js';
import { LiquidityProviders, normalQuantile, type LiquidityProvidersConfig } from '../../src/behaviour/liquidityProviders.js';
import { expectedFactor, fitStatic, kyleLambda, stressPath, type Cell, type FlowBars } from '../../scripts/calibrate-lp-withdrawal.js';

const HOUR = 3_600_000;

function cfg(over: Partial<LiquidityProvidersConfig> = {}): LiquidityProvidersConfig {
  return {
    enabled: true,
    groupCount: 16,
    mobileDepthShare: 0.68,
    drawdownThreshold: { median: 0.12, logSd: 0.5 },
    volRatioExcessThreshold: { median: 0.25, logSd: 0.5 },
    liquidationQuotePerMinThreshold: { median: 5e6, logSd: 0.7 },
    withdrawalElasticity: 0.22,
    recoveryHalfLifeMs: 8 * HOUR,
    ...over,
  };
}

function signals(drawdown: number, volRatio: number, liquidationQuotePerMin: number): StressSignals {
  return { drawdown, volRatio, liquidationQuotePerMin };
}

describe('LiquidityProviders', () => {
  it('returns 1 with calm signals, whatever the seed and parameters', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        (seed, k, share, e) => {
          const lp = new LiquidityProviders(cfg({ groupCount: k, mobileDepthShare: share, withdrawalElasticity: e }), new Rng(seed));
          const calm = makeStressSignals(); // drawdown 0, volRatio 1, liquidation 0
          for (let i = 0; i < 5; i++) expect(lp.depthFactor(i, 60_000, calm), `seed ${seed} k ${k} share ${share} e ${e} bar ${i}`).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is non-increasing in each signal (fresh state, same seed)', () => {
    const sig = fc.record({
      drawdown: fc.double({ min: 0, max: 0.9, noNaN: true }),
      volRatio: fc.double({ min: 0, max: 20, noNaN: true }),
      liquidationQuotePerMin: fc.double({ min: 0, max: 1e8, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), sig, fc.constantFrom('drawdown', 'volRatio', 'liquidationQuotePerMin'), fc.double({ min: 0, max: 5, noNaN: true }), (seed, s, key, bumpRel) => {
        const more = { ...s, [key]: s[key as keyof StressSignals] * (1 + bumpRel) + bumpRel * 0.01 };
        const a = new LiquidityProviders(cfg(), new Rng(seed)).depthFactor(0, 0, s);
        const b = new LiquidityProviders(cfg(), new Rng(seed)).depthFactor(0, 0, more);
        expect(b, `seed ${seed} signals ${JSON.stringify(s)} raised ${key} -> ${JSON.stringify(more)}`).toBeLessThanOrEqual(a);
        expect(b).toBeGreaterThan(0);
        expect(a).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('on two signal paths ordered bar by bar, the factors are ordered bar by bar (recovery included)', () => {
    const step = fc.record({ dd: fc.double({ min: 0, max: 0.5, noNaN: true }), vr: fc.double({ min: 0, max: 12, noNaN: true }), extra: fc.double({ min: 0, max: 3, noNaN: true }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(step, { minLength: 1, maxLength: 30 }), (seed, path) => {
        const lo = new LiquidityProviders(cfg(), new Rng(seed));
        const hi = new LiquidityProviders(cfg(), new Rng(seed));
        for (let i = 0; i < path.length; i++) {
          const p = path[i];
          const fLo = lo.depthFactor(i, 600_000, signals(p.dd, p.vr, 0));
          const fHi = hi.depthFactor(i, 600_000, signals(p.dd * (1 + p.extra), p.vr * (1 + p.extra), 0));
          expect(fHi, `seed ${seed} bar ${i} path ${JSON.stringify(path)}`).toBeLessThanOrEqual(fLo);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('restores half of the withdrawn depth after one recovery half-life, a quarter more after two (1e-12)', () => {
    // Closed form: out decays as 2^(−dt/h) toward a zero target, so withdrawn depth halves per half-life.
    for (const e of [0.22, 1, Infinity]) {
      const h = 8 * HOUR;
      const lp = new LiquidityProviders(cfg({ withdrawalElasticity: e, recoveryHalfLifeMs: h }), new SeedTree(7).rng('behaviour.liquidityProviders'));
      const f0 = lp.depthFactor(0, 0, signals(0.3, 9, 2e7));
      const w0 = 1 - f0;
      expect(w0, `elasticity ${e}`).toBeGreaterThan(0.1);
      const calm = makeStressSignals();
      const f1 = lp.depthFactor(1, h, calm);
      expect(Math.abs(1 - f1 - w0 / 2), `elasticity ${e}: withdrawn ${w0} then ${1 - f1}`).toBeLessThan(1e-12);
      // Two half-lives in two steps of h/2 each after that: another half of what remained.
      lp.depthFactor(2, h / 2, calm);
      const f3 = lp.depthFactor(3, h / 2, calm);
      expect(Math.abs(1 - f3 - w0 / 4), `elasticity ${e}`).toBeLessThan(1e-12);
    }
  });

  it('withdraws at once when stress rises, whatever the half-life', () => {
    const lp = new LiquidityProviders(cfg({ recoveryHalfLifeMs: 1e12, withdrawalElasticity: Infinity, groupCount: 1, mobileDepthShare: 0.6 }), new Rng(3));
    expect(lp.depthFactor(0, 0, signals(0.95, 1, 0))).toBeCloseTo(0.4, 15);
  });

  it('saves and restores its whole state: a rolled-back bar replays identically', () => {
    const rng = new Rng(11);
    const path: StressSignals[] = [];
    for (let i = 0; i < 200; i++) path.push(signals(0.2 * rng.uniform(), 1 + 8 * rng.uniform(), 1e7 * rng.uniform()));
    const lp = new LiquidityProviders(cfg(), new Rng(5));
    const buf = new Float64Array(lp.stateSize + 3);
    const first: number[] = [];
    for (let i = 0; i < 100; i++) lp.depthFactor(i, 60_000, path[i]);
    lp.saveState(buf, 3);
    for (let i = 100; i < 200; i++) first.push(lp.depthFactor(i, 60_000, path[i]));
    lp.loadState(buf, 3);
    for (let i = 100; i < 200; i++) expect(lp.depthFactor(i, 60_000, path[i]), `bar ${i}`).toBe(first[i - 100]);
    // A fresh instance with the same seed, loaded from the buffer, continues the same way.
    const other = new LiquidityProviders(cfg(), new Rng(5));
    other.loadState(buf, 3);
    for (let i = 100; i < 200; i++) expect(other.depthFactor(i, 60_000, path[i]), `bar ${i}`).toBe(first[i - 100]);
  });

  it('refuses to advance the same bar twice', () => {
    const lp = new LiquidityProviders(cfg(), new Rng(1));
    lp.depthFactor(4, 0, makeStressSignals());
    expect(() => lp.depthFactor(4, 0, makeStressSignals())).toThrow(/bar 4 after bar 4/);
  });

  it('names the field of a bad config', () => {
    expect(() => new LiquidityProviders(cfg({ mobileDepthShare: 1 }), new Rng(1))).toThrow(ConfigError);
    expect(() => new LiquidityProviders(cfg({ mobileDepthShare: 1 }), new Rng(1))).toThrow(/behaviour\.liquidityProviders\.mobileDepthShare/);
    expect(() => new LiquidityProviders(cfg({ groupCount: 0 }), new Rng(1))).toThrow(/groupCount/);
    expect(() => new LiquidityProviders(cfg({ drawdownThreshold: { median: -1, logSd: 0 } }), new Rng(1))).toThrow(/drawdownThreshold\.median/);
    expect(() => new LiquidityProviders(cfg({ recoveryHalfLifeMs: 0 }), new Rng(1))).toThrow(/recoveryHalfLifeMs/);
  });

  it('matches the quadrature expectation with a large population (stratified draws; 0.01)', () => {
    // The calibration fits expectedFactor (midpoint rule over quantiles); a
    // large population of groups must average to it. 0.01 covers the
    // midpoint rule's error with 24 nodes and the sampling of 4096 groups.
    const p = { mobileDepthShare: 0.68, drawdownMedian: 0.12, volRatioExcessMedian: 0.25, withdrawalElasticity: 0.22, logSd: 0.5 };
    const c = cfg({ groupCount: 4096, liquidationQuotePerMinThreshold: { median: Infinity, logSd: 0 } });
    for (const [dd, vr] of [[0.02, 1.5], [0.1, 3], [0.2, 6], [0.05, 10]]) {
      const f = new LiquidityProviders(c, new Rng(9)).depthFactor(0, 0, signals(dd, vr, 0));
      expect(Math.abs(f - expectedFactor(dd, vr, p)), `dd ${dd} vr ${vr}: population ${f} quadrature ${expectedFactor(dd, vr, p)}`).toBeLessThan(0.01);
    }
  });

  it('normalQuantile matches textbook values (Abramowitz & Stegun table 26.5; 1e-8)', () => {
    const table: Array<[number, number]> = [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.01, -2.3263478740408408],
      [1e-6, -4.753424308822899],
    ];
    for (const [p, z] of table) expect(Math.abs(normalQuantile(p) - z), `p ${p}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(z)));
  });
});

describe('calibration estimators', () => {
  function synthetic(n: number, lambda: (i: number) => number, noise: number, seed: number): FlowBars {
    const rng = new Rng(seed);
    const ret = new Float64Array(n);
    const flow = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      flow[i] = 150 * rng.normal() + 20; // BTC of net taker flow per minute, with a drift in flow
      ret[i] = lambda(i) * flow[i] + noise * rng.normal() - 1e-4; // and a drift in price
    }
    return { n, ret, flow, quoteVolume: new Float64Array(n).fill(1), logRange: new Float64Array(n) };
  }

  it("recovers a known Kyle lambda and the calm/stress depth ratio (within 4 standard errors, and 5% of the truth)", () => {
    // Depth 1e5 BTC per unit log-price in calm, 2.5e4 in stress: m = 0.25.
    const LAMBDA_CALM = 1e-5;
    const LAMBDA_STRESS = 4e-5;
    const f = synthetic(4000, (i) => (i < 2000 ? LAMBDA_CALM : LAMBDA_STRESS), 5e-4, 21);
    const calm = kyleLambda(f, 0, 2000);
    const stress = kyleLambda(f, 2000, 4000);
    const msg = `calm ${JSON.stringify(calm)} stress ${JSON.stringify(stress)}`;
    expect(Math.abs(calm.lambda - LAMBDA_CALM), msg).toBeLessThan(4 * calm.se);
    expect(Math.abs(stress.lambda - LAMBDA_STRESS), msg).toBeLessThan(4 * stress.se);
    expect(Math.abs(calm.lambda / stress.lambda - 0.25), msg).toBeLessThan(0.05 * 0.25);
    // The standard error itself is honest: close to noise / (sd(flow)·sqrt(n)).
    expect(calm.se / (5e-4 / (150 * Math.sqrt(2000))), msg).toBeGreaterThan(0.9);
    expect(calm.se / (5e-4 / (150 * Math.sqrt(2000))), msg).toBeLessThan(1.1);
  });

  it('stressPath: drawdown and vol ratio at each bar start use only earlier closes', () => {
    const close = Float64Array.from([100, 110, 99, 99, 121]);
    const s = stressPath(close, 60_000, 3_600_000, 0.5);
    // Bar 3 starts after close 99 with peak 110: drawdown 0.1. Bar 4 starts after the same close.
    expect(s.drawdown[0]).toBe(0);
    expect(s.drawdown[1]).toBe(0);
    expect(s.drawdown[3]).toBeCloseTo(0.1, 14);
    expect(s.drawdown[4]).toBeCloseTo(0.1, 14);
    // No return is known at the start of bars 0 and 1: the vol stands at the calm prior.
    expect(s.volRatio[0]).toBeCloseTo(1, 14);
    expect(s.volRatio[1]).toBeCloseTo(1, 14);
    // At the start of bar 2 only bar 1's return ln(1.1) is known: one EWMA step from the prior.
    const d = Math.pow(0.5, 1 / 60);
    const perYear = (365.25 * 24 * 60);
    const expected = Math.sqrt((d * (0.25 / perYear) + (1 - d) * Math.log(1.1) ** 2) * perYear) / 0.5;
    expect(Math.abs(s.volRatio[2] - expected), `got ${s.volRatio[2]} expected ${expected}`).toBeLessThan(1e-12 * expected);
  });

  it('the fit recovers a depth curve generated by the model itself (0.02 in the factor)', () => {
    const truth = { mobileDepthShare: 0.6, drawdownMedian: 0.08, volRatioExcessMedian: 3, withdrawalElasticity: 1, logSd: 0.5 };
    const cells: Cell[] = [];
    for (const dd of [0, 0.02, 0.05, 0.1, 0.2]) for (const vr of [1, 2, 4, 8]) cells.push({ dd, vr, m: expectedFactor(dd, vr, truth), varLog: 0.01, n: 100 });
    const fit = fitStatic(cells);
    for (const c of cells) {
      const got = expectedFactor(c.dd, c.vr, fit.params);
      expect(Math.abs(got - c.m), `cell ${JSON.stringify(c)} fitted ${JSON.stringify(fit.params)}`).toBeLessThan(0.02);
    }
  });
});
