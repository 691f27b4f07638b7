/**
 * Strategy benchmark: the per-bar cost of running a strategy, against the
 * same run without one. 14 days of 1-minute bars, the L2 book, a
 * 200-option dealer hedging every bar and a 20,000-account perp venue (the
 * forced selling buy-the-fear answers), with and without buy-the-fear
 * (resting bids inside the rounds, market tranches, incremental
 * indicators). The naive twin is timed apart: it is the extra run every
 * strategy run makes.
 */
import { validateScenario } from '../src/config/load.js';
import { syntheticPathForCrash } from '../src/data/synthetic/forCrash.js';
import { buildEngineParts, loadScenarioStrategy, strategyRunConfig } from '../src/runner/build.js';
import { runSimulation } from '../src/engine/run.js';
import { runNaiveTwin } from '../src/strategy/naive.js';
import { MS_PER_MINUTE } from '../src/core/time.js';

export async function benchStrategy(log: (line: string) => void): Promise<void> {
  const bars = syntheticPathForCrash('btc-2020-03-12', { seed: 1, barMinutes: 1 }).series;
  const data = { bars, dataSha256: 'bench' };
  const base = {
    name: 'bench-strategy',
    data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12', barMinutes: 1 }, warmupBars: 0 },
    market: { liquidity: { kind: 'book' }, depth: { source: 'fixed', depth1PctQuote: 5_000_000 } },
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, strikes: 40, tenorsDays: [7, 14, 30, 60, 90] }, hedge: { kind: 'every-bar' } },
    protocol: { enabled: true, population: { kind: 'generated', count: 20_000, totalNotionalQuote: 60_000_000 }, insuranceFundQuote: 1_000_000, liquidation: { mechanism: { kind: 'direct' } } },
  };
  const runs = 4;
  const timed: Record<string, number> = {};
  for (const withStrategy of [false, true]) {
    const scenario = validateScenario(withStrategy ? { ...base, strategy: { path: 'buy-the-fear' } } : base);
    const strategy = await loadScenarioStrategy(scenario, process.cwd());
    let best = Infinity;
    for (let k = 0; k < runs + 1; k++) {
      const { parts } = buildEngineParts(scenario, data, process.cwd(), strategy ? { strategy } : {});
      const t0 = performance.now();
      runSimulation(scenario, data, parts);
      const ms = performance.now() - t0;
      if (k > 0) best = Math.min(best, ms);
    }
    timed[withStrategy ? 'with' : 'without'] = best;
    log(`strategy: ${withStrategy ? 'with buy-the-fear' : 'without a strategy'}: best of ${runs}: ${best.toFixed(1)} ms = ${((best * 1e6) / bars.length).toFixed(0)} ns/bar`);
    if (withStrategy && strategy) {
      let naiveBest = Infinity;
      for (let k = 0; k < runs + 1; k++) {
        const t0 = performance.now();
        runNaiveTwin({ ...strategyRunConfig(scenario, strategy), bars, realisedVolHalfLifeMs: scenario.engine.realisedVolHalfLifeMinutes * MS_PER_MINUTE, initialVolPerYear: scenario.market.initialVolPerYear });
        const ms = performance.now() - t0;
        if (k > 0) naiveBest = Math.min(naiveBest, ms);
      }
      log(`strategy: its naive twin: best of ${runs}: ${naiveBest.toFixed(1)} ms = ${((naiveBest * 1e6) / bars.length).toFixed(0)} ns/bar`);
    }
  }
  log(`strategy: per-bar cost of the strategy inside the rounds: ${(((timed.with - timed.without) * 1e6) / bars.length).toFixed(0)} ns/bar (${((timed.with / timed.without - 1) * 100).toFixed(1)}% over the run without it)`);
}

if (process.argv[1] !== undefined && /bench[\\/]strategy\.ts$/.test(process.argv[1])) {
  await benchStrategy((line) => console.log(line));
}
