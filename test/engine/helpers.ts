import { validateScenario } from '../../src/config/load.js';
import type { Scenario, ScenarioInput } from '../../src/config/scenario.js';
import { generateGbm } from '../../src/data/synthetic/gbm.js';
import type { BarSeries } from '../../src/data/bars.js';
import type { RunData } from '../../src/engine/run.js';
import { splitWarmup } from '../../src/runner/prepareData.js';
import type { BarMarket, Fill, LiquidityKind, LiquidityModel } from '../../src/market/liquidity.js';

/** A scenario for engine tests: synthetic placeholder data (tests pass bars directly). */
export function testScenario(over: Partial<ScenarioInput> = {}): Scenario {
  return validateScenario({
    name: 'engine-test',
    data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12' } },
    ...over,
  });
}

/** A GBM path of 1-minute bars, unrounded, starting 2020-01-01. */
export function gbmBars(opts: { bars: number; volPerYear: number; seed: number; startPrice?: number; barMinutes?: number }): BarSeries {
  return generateGbm(
    { startPrice: opts.startPrice ?? 10_000, volPerYear: opts.volPerYear },
    { startMs: Date.UTC(2020, 0, 1), barMinutes: opts.barMinutes ?? 1, bars: opts.bars, stepsPerBar: 4 },
    opts.seed,
  ).series;
}

/** Sample standard deviation of log returns of `x` over [from, to). */
export function logReturnStd(x: Float64Array, from = 1, to = x.length): number {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let i = Math.max(from, 1); i < to; i++) {
    const r = Math.log(x[i] / x[i - 1]);
    s += r;
    s2 += r * r;
    n++;
  }
  const m = s / n;
  return Math.sqrt((s2 - n * m * m) / (n - 1));
}

/**
 * A market without impact for harnesses that script the price: every order
 * fills in full at `price` (set it, or let `startBar` adopt the bar's
 * reference price), so the Venue executes against a path no order moves.
 */
export class ScriptedMid implements LiquidityModel {
  /** It has no kind of its own; 'linear' with zero impact is what it behaves like. */
  readonly kind: LiquidityKind = 'linear';
  price = Number.NaN;
  readonly stateSize = 1;
  startBar(m: BarMarket): void {
    this.price = m.refPrice;
  }
  mid(): number {
    return this.price;
  }
  logImpact(): number {
    return 0;
  }
  transientLogImpact(): number {
    return 0;
  }
  execute(signedSize: number, out: Fill): void {
    out.size = signedSize;
    out.price = this.price;
    out.midBefore = this.price;
    out.midAfter = this.price;
    out.cost = 0;
    out.impactCost = 0;
  }
  depthPerLogPrice(): number {
    return Infinity;
  }
  saveState(buf: Float64Array, offset: number): void {
    buf[offset] = this.price;
  }
  loadState(buf: Float64Array, offset: number): void {
    this.price = buf[offset];
  }
}

/**
 * RunData for bars built in a test, split into warm-up and run by the
 * scenario's rule, as `cascade run` splits a file (src/runner/prepareData.ts).
 */
export function runData(scenario: Scenario, bars: BarSeries): RunData {
  const split = splitWarmup(scenario, bars);
  return { bars: split.bars, dataSha256: 'x', ...(split.warmup ? { warmup: split.warmup, history: split.history } : {}) };
}
