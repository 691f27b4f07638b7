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
  const runs = 5;
  // Interleaved, best of each: on a shared machine the load drifts between runs, and the JIT warms on the first.
  const cases: Array<{ label: string; run: () => number; best: number }> = [];
  // The same strategy with thresholds it never reaches: the cost of hosting it, apart from what its trading does to the cascade.
  const never = { entryMlr: 1e9, entryBranchingRatio: 1e9, entryLiquidationQuotePerMin: 0, entryRiskReversal25: -1e9, entryDrawdown: 1 };
  for (const withStrategy of [null, 'idle', 'trading'] as const) {
    const scenario = validateScenario(withStrategy === null ? base : { ...base, strategy: { path: 'buy-the-fear', params: withStrategy === 'idle' ? never : {} } });
    const strategy = await loadScenarioStrategy(scenario, process.cwd());
    cases.push({
      label: withStrategy === null ? 'without a strategy' : withStrategy === 'idle' ? 'with buy-the-fear never trading' : 'with buy-the-fear trading',
      best: Infinity,
      run: () => {
        const { parts } = buildEngineParts(scenario, data, process.cwd(), strategy ? { strategy } : {});
        const t0 = performance.now();
        runSimulation(scenario, data, parts);
        return performance.now() - t0;
      },
    });
    if (withStrategy === 'trading' && strategy) {
      const cfg = { ...strategyRunConfig(scenario, strategy), bars, realisedVolHalfLifeMs: scenario.engine.realisedVolHalfLifeMinutes * MS_PER_MINUTE, initialVolPerYear: scenario.market.initialVolPerYear };
      cases.push({
        label: 'its naive twin alone',
        best: Infinity,
        run: () => {
          const t0 = performance.now();
          runNaiveTwin(cfg);
          return performance.now() - t0;
        },
      });
    }
  }
  for (let k = 0; k < runs + 1; k++) {
    for (const c of cases) {
      const ms = c.run();
      if (k > 0) c.best = Math.min(c.best, ms);
    }
  }
  for (const c of cases) log(`strategy: ${c.label}: best of ${runs}: ${c.best.toFixed(1)} ms = ${((c.best * 1e6) / bars.length).toFixed(0)} ns/bar`);
  const without = cases[0].best;
  for (const c of cases.slice(1, 3)) {
    log(`strategy: ${c.label} over the run without: ${(((c.best - without) * 1e6) / bars.length).toFixed(0)} ns/bar (${((c.best / without - 1) * 100).toFixed(1)}%)`);
  }
}

if (process.argv[1] !== undefined && /bench[\\/]strategy\.ts$/.test(process.argv[1])) {
  await benchStrategy((line) => console.log(line));
}
