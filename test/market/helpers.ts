import { createLiquidityModel } from '../../src/market/factory.js';
import type { BookLevelsConfig, LiquidityConfig } from '../../src/market/config.js';
import type { BarMarket, LiquidityModel } from '../../src/market/liquidity.js';

export const MIN = 60_000;

/** One config per model, at the same scale: 1% depth of $20M at $100k (200 BTC), 1 bp half-spread. */
export const DEPTH_1PCT_QUOTE = 20e6;
export const C0 = 100_000;

export interface Overrides {
  permanentFraction?: number;
  transientHalfLifeMs?: number;
  refillHalfLifeMs?: number;
  halfSpreadBps?: number;
  depth1PctQuote?: number;
  profileExponent?: number;
}

export function linearConfig(o: Overrides = {}): LiquidityConfig {
  return {
    kind: 'linear',
    depth1PctQuote: o.depth1PctQuote ?? DEPTH_1PCT_QUOTE,
    halfSpreadBps: o.halfSpreadBps ?? 1,
    permanentFraction: o.permanentFraction ?? 2 / 3,
    transientHalfLifeMs: o.transientHalfLifeMs ?? 15 * MIN,
  };
}

export function sqrtConfig(o: Overrides = {}): LiquidityConfig {
  return {
    kind: 'sqrt',
    dailyVolumeBase: 50_000,
    impactPrefactor: 1,
    halfSpreadBps: o.halfSpreadBps ?? 1,
    slopeFloorFractionOfDailyVolume: 1e-4,
    referenceMetaorderFractionOfDailyVolume: 0.01,
    permanentFraction: o.permanentFraction ?? 2 / 3,
    transientHalfLifeMs: o.transientHalfLifeMs ?? 15 * MIN,
  };
}

export function bookConfig(o: Overrides = {}, levels?: BookLevelsConfig): LiquidityConfig {
  return {
    kind: 'book',
    levels: levels ?? {
      source: 'grid',
      depth1PctQuote: o.depth1PctQuote ?? DEPTH_1PCT_QUOTE,
      levelsPerSide: 150,
      levelSpacingBps: 1,
      halfSpreadBps: o.halfSpreadBps ?? 0.5,
      profileExponent: o.profileExponent ?? 0,
    },
    refillHalfLifeMs: o.refillHalfLifeMs ?? 5 * MIN,
    probeBps: 100,
    permanentFraction: o.permanentFraction ?? 2 / 3,
    transientHalfLifeMs: o.transientHalfLifeMs ?? 15 * MIN,
  };
}

export const MODELS: ReadonlyArray<{ name: 'linear' | 'sqrt' | 'book'; config: (o?: Overrides) => LiquidityConfig }> = [
  { name: 'linear', config: linearConfig },
  { name: 'sqrt', config: sqrtConfig },
  { name: 'book', config: bookConfig },
];

export function bar(refPrice: number, dtMs = MIN, depthScale = 1, volPerSqrtYear = 0.8): BarMarket {
  return { refPrice, dtMs, depthScale, volPerSqrtYear };
}

export function started(cfg: LiquidityConfig, m: BarMarket = bar(C0, 0)): LiquidityModel {
  const model = createLiquidityModel(cfg);
  model.startBar(m);
  return model;
}

/**
 * Largest amount by which a buy's average price may exceed the mid after it,
 * as a fraction: the half-spread for the smooth models; for the grid book the
 * gap between one level and the next (fills are at level prices, the mid is
 * interpolated inside the last level).
 */
export function priceSlack(name: string, o: Overrides = {}): number {
  if (name === 'book') return Math.expm1(Math.max(1, o.halfSpreadBps ?? 0.5) * 1e-4);
  return (o.halfSpreadBps ?? 1) * 1e-4;
}

/** Composite Simpson over [a, b] with n (even) intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Adaptive Simpson to an absolute tolerance; copes with the sqrt kink at Q = 0. */
export function adaptiveSimpson(f: (x: number) => number, a: number, b: number, tol: number, depth = 50): number {
  const m = 0.5 * (a + b);
  const fa = f(a), fb = f(b), fm = f(m);
  const whole = ((b - a) / 6) * (fa + 4 * fm + fb);
  const rec = (a0: number, b0: number, fa0: number, fb0: number, fm0: number, w: number, t: number, d: number): number => {
    const m0 = 0.5 * (a0 + b0);
    const lm = 0.5 * (a0 + m0), rm = 0.5 * (m0 + b0);
    const flm = f(lm), frm = f(rm);
    const left = ((m0 - a0) / 6) * (fa0 + 4 * flm + fm0);
    const right = ((b0 - m0) / 6) * (fm0 + 4 * frm + fb0);
    if (d <= 0 || Math.abs(left + right - w) <= 15 * t) return left + right + (left + right - w) / 15;
    return rec(a0, m0, fa0, fm0, flm, left, t / 2, d - 1) + rec(m0, b0, fm0, fb0, frm, right, t / 2, d - 1);
  };
  return rec(a, b, fa, fb, fm, whole, tol, depth);
}
