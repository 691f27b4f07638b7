/**
 * Fair coupon of a contagion bond by simulation over the synthetic crash
 * generator's paths (docs/model.md#pricing-the-bond).
 *
 * Per path k: X_k = 1 when the trigger fires (the notional N is paid),
 * Y_k = the coupon-bearing time in years (t_trigger − t_0, or t_last − t_0).
 * With zero rates, the coupon c (per year, fraction of N) at which the
 * sellers' expected coupon income equals their expected payout is
 *   c* = E[X] / E[Y],
 * estimated by the ratio of the sample means, ĉ = X̄ / Ȳ. Its standard error
 * by the delta method: se = sqrt(Σ (X_k − ĉ Y_k)² / (n (n − 1))) / Ȳ, and the
 * 95% interval ĉ ± 1.96 se, so the interval narrows like 1/√n. The trigger
 * probability p̂ = X̄ has se sqrt(p̂(1 − p̂)/(n − 1)).
 *
 * Several trigger levels from one simulation per path: the bond acts only
 * from its trigger bar on, and the index at a bar start is read before the
 * payout, so up to the first crossing of the highest level the path is the
 * one without the bond; every lower level crosses at or before it. Each path
 * runs with the bond at the highest level and stops at its trigger (or the
 * last bar); the crossing bar of each level is read off the recorded index.
 *
 * Paths: path k of seed S is the scenario's generator run with seed S + k
 * (mod 2^32): the catalog crash's generator for `source: synthetic`, the
 * parametric model's for gbm / jump-diffusion / step-shock. Everything else
 * (the accounts, the dealer's book) keeps the scenario's own seed, so the
 * paths differ only in the price history.
 */
import type { Scenario } from '../config/scenario.js';
import { ConfigError, invariant } from '../core/errors.js';
import { MS_PER_YEAR } from '../core/time.js';
import { syntheticPathForCrash } from '../data/synthetic/forCrash.js';
import { Simulation, type RunData } from '../engine/run.js';
import { buildEngineParts } from './build.js';
import { prepareRunData, splitWarmup } from './prepareData.js';

/** z of the two-sided 95% normal interval. */
const Z95 = 1.959963984540054;

export interface FairCoupon {
  /** The trigger level priced. */
  level: number;
  paths: number;
  /** p̂: share of paths on which the bond paid, and its standard error. */
  triggerProbability: number;
  triggerProbabilitySe: number;
  /** E[payout] = N · p̂, quote (zero rates: not discounted), and its standard error. */
  expectedPayoutQuote: number;
  expectedPayoutSeQuote: number;
  /** Ȳ: mean coupon-bearing time, years. */
  expectedCouponYears: number;
  /** ĉ = X̄ / Ȳ, per year (fraction of the notional), its standard error and 95% interval. */
  fairCouponPerYear: number;
  fairCouponSe: number;
  fairCouponCi95: [number, number];
}

/** The header's estimator from per-path outcomes: `paid[k]` 1 or 0, `couponYears[k]` ≥ 0. */
export function fairCouponFromOutcomes(level: number, paid: ArrayLike<number>, couponYears: ArrayLike<number>, notionalQuote: number): FairCoupon {
  const n = paid.length;
  invariant(n === couponYears.length, `fairCouponFromOutcomes: ${n} outcomes but ${couponYears.length} coupon times`);
  invariant(n >= 2, `fairCouponFromOutcomes needs at least 2 paths, got ${n}`);
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    sx += paid[k];
    sy += couponYears[k];
  }
  const xbar = sx / n;
  const ybar = sy / n;
  const c = ybar > 0 ? xbar / ybar : Number.NaN;
  let ss = 0;
  let sp = 0;
  for (let k = 0; k < n; k++) {
    const r = paid[k] - c * couponYears[k];
    ss += r * r;
    sp += (paid[k] - xbar) * (paid[k] - xbar);
  }
  const se = ybar > 0 ? Math.sqrt(ss / (n * (n - 1))) / ybar : Number.NaN;
  const pSe = Math.sqrt(sp / (n * (n - 1)));
  return {
    level,
    paths: n,
    triggerProbability: xbar,
    triggerProbabilitySe: pSe,
    expectedPayoutQuote: notionalQuote * xbar,
    expectedPayoutSeQuote: notionalQuote * pSe,
    expectedCouponYears: ybar,
    fairCouponPerYear: c,
    fairCouponSe: se,
    fairCouponCi95: [c - Z95 * se, c + Z95 * se],
  };
}

/** Run data for path k; the default draws it from the scenario's generator (header). */
export type PathSampler = (k: number) => RunData;

export interface BondPricingOptions {
  paths: number;
  /** Generator seed of path 0 (path k uses seed + k). */
  seed: number;
  /** Trigger levels to price; default the scenario's own. */
  levels?: readonly number[];
  /** Replaces the generator (tests: a path with a known trigger probability). */
  sampler?: PathSampler;
  onPath?: (done: number, total: number) => void;
}

export interface BondPricing {
  notionalQuote: number;
  index: string;
  seed: number;
  method: string;
  /** One per level, in the order given. */
  levels: FairCoupon[];
}

/** Checks the scenario has a bond to price and returns its config. */
function bondOf(scenario: Scenario) {
  const bond = scenario.protocol.defences.contagionBond;
  if (!scenario.protocol.enabled || !bond) {
    throw new ConfigError('the scenario has no contagion bond to price: set protocol.enabled and protocol.defences.contagionBond', { field: 'protocol.defences.contagionBond' });
  }
  return bond;
}

/** Path k of the scenario's own generator (header); refused for real bars. */
export function generatorSampler(scenario: Scenario, baseDir: string, seed: number): PathSampler {
  const spec = scenario.data.bars;
  if (spec.source === 'file') {
    throw new ConfigError('pricing needs a generator to draw paths from: the scenario replays a bar file (use a synthetic crash or a parametric source)', { field: 'data.bars.source' });
  }
  if (spec.source === 'synthetic') {
    if (scenario.data.window !== undefined || scenario.data.resample !== undefined) {
      throw new ConfigError('pricing draws whole generated crash paths: remove data.window and data.resample', { field: 'data.window' });
    }
    return (k) => {
      const pathSeed = (seed + k) >>> 0;
      const bars = syntheticPathForCrash(spec.crash, { seed: pathSeed, barMinutes: spec.barMinutes }).series;
      const split = splitWarmup(scenario, bars);
      return { bars: split.bars, dataSha256: `synthetic:${spec.crash}:seed ${pathSeed}`, ...(split.warmup ? { warmup: split.warmup, history: split.history } : {}) };
    };
  }
  return (k) => prepareRunData({ ...scenario, data: { ...scenario.data, bars: { ...spec, seed: (seed + k) >>> 0 } } }, baseDir).data;
}

/**
 * Runs one path with the bond at `level` until it pays (or the run ends)
 * and returns the recorded index and the bar times up to the last bar run.
 */
export function indexPath(scenario: Scenario, data: RunData, baseDir: string): { index: Float64Array; time: Float64Array; bars: number } {
  const { parts } = buildEngineParts(scenario, data, baseDir);
  const sim = new Simulation(scenario, data, parts);
  const inferred = scenario.history?.mode === 'inferred';
  const pay = sim.recorder.get('bond_payout_quote');
  while (sim.nextBar < sim.barCount) {
    const i = sim.nextBar;
    if (inferred) sim.stepInferred();
    else sim.step();
    if (pay[i] > 0) break;
  }
  return { index: sim.recorder.get('bond_index'), time: data.bars.time, bars: sim.nextBar };
}

/** The header's Monte Carlo over `opts.paths` paths. */
export function priceBond(scenario: Scenario, baseDir: string, opts: BondPricingOptions): BondPricing {
  const bond = bondOf(scenario);
  if (!(Number.isInteger(opts.paths) && opts.paths >= 2)) throw new ConfigError(`--paths must be a whole number >= 2, got ${opts.paths}`, { field: 'paths' });
  const levels = opts.levels ?? [bond.trigger.level];
  levels.forEach((l, i) => {
    if (!(l > 0 && Number.isFinite(l))) throw new ConfigError(`trigger levels must be finite and > 0, got ${l}`, { field: `levels.${i}` });
  });
  const top = Math.max(...levels);
  const run: Scenario = {
    ...scenario,
    protocol: { ...scenario.protocol, defences: { ...scenario.protocol.defences, contagionBond: { ...bond, trigger: { ...bond.trigger, level: top } } } },
  };
  const sampler = opts.sampler ?? generatorSampler(scenario, baseDir, opts.seed);
  const paid = levels.map(() => new Float64Array(opts.paths));
  const years = levels.map(() => new Float64Array(opts.paths));
  for (let k = 0; k < opts.paths; k++) {
    const data = sampler(k);
    const { index, time, bars } = indexPath(run, data, baseDir);
    const t0 = time[0];
    const tLast = time[data.bars.length - 1];
    for (let j = 0; j < levels.length; j++) {
      let hit = -1;
      for (let i = 0; i < bars; i++) {
        if (index[i] >= levels[j]) {
          hit = i;
          break;
        }
      }
      paid[j][k] = hit >= 0 ? 1 : 0;
      years[j][k] = ((hit >= 0 ? time[hit] : tLast) - t0) / MS_PER_YEAR;
    }
    opts.onPath?.(k + 1, opts.paths);
  }
  return {
    notionalQuote: bond.notionalQuote,
    index: bond.trigger.index,
    seed: opts.seed,
    method:
      `Monte Carlo over ${opts.paths} generated paths (seeds ${opts.seed}..${opts.seed + opts.paths - 1}); fair coupon = P(trigger) / E[coupon-bearing years], ` +
      'zero rates (undiscounted); 95% interval by the delta method for a ratio of means',
    levels: levels.map((l, j) => fairCouponFromOutcomes(l, paid[j], years[j], bond.notionalQuote)),
  };
}
