import { validateScenario } from '../../src/config/load.js';
import type { Scenario, ScenarioInput } from '../../src/config/scenario.js';
import { generateGbm } from '../../src/data/synthetic/gbm.js';
import type { BarSeries } from '../../src/data/bars.js';

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
