/**
 * Engine benchmark: bars per second for 14 days of 1-minute bars with a
 * 200-option dealer book and the L2 book model, hedging every bar (issue
 * target: >= 50,000 bars/s on one core). Measures the bar loop only; the
 * path and the parts are built outside the timed region.
 */
import { validateScenario } from '../src/config/load.js';
import { syntheticPathForCrash } from '../src/data/synthetic/for-crash.js';
import { buildEngineParts } from '../src/engine/build.js';
import { runSimulation } from '../src/engine/run.js';

export async function benchEngine(log: (line: string) => void): Promise<void> {
  const modes = process.env.BENCH_MODE ? [process.env.BENCH_MODE as 'every-bar' | 'when-moved'] : (['every-bar', 'when-moved'] as const);
  for (const mode of modes) benchMode(mode, log);
}

function benchMode(mode: 'every-bar' | 'when-moved', log: (line: string) => void): void {
  const bars = syntheticPathForCrash('btc-2020-03-12', { seed: 1, barMinutes: 1 }).series;
  const scenario = validateScenario({
    name: 'bench-engine',
    data: { bars: { source: 'synthetic', crash: 'btc-2020-03-12', barMinutes: 1 } },
    market: { liquidity: { kind: 'book' } },
    // 40 strikes x 5 tenors = 200 options.
    dealer: { inventory: { kind: 'customer-crash-puts', totalQtyBase: 1500, strikes: 40, tenorsDays: [7, 14, 30, 60, 90] }, hedge: { kind: 'every-bar' }, revaluation: { mode } },
  });
  const data = { bars, dataSha256: 'bench' };
  const runs = 8;
  let best = Infinity;
  let rounds = 0;
  let options = 0;
  let exact = 0;
  for (let k = 0; k < runs + 1; k++) {
    const { parts, report } = buildEngineParts(scenario, data, process.cwd());
    options = report.dealerOptions;
    const t0 = performance.now();
    const r = runSimulation(scenario, data, parts);
    const ms = performance.now() - t0;
    rounds = r.figures.meanCascadeRounds;
    exact = (parts.agents[0] as unknown as { exactValuations: number }).exactValuations;
    if (k > 0) best = Math.min(best, ms); // first run warms the JIT
  }
  const bps = bars.length / (best / 1000);
  log(`engine [revaluation ${mode}]: ${bars.length} 1-minute bars (14 days), ${options} options, L2 book, hedge every bar, mean ${rounds.toFixed(2)} cascade rounds/bar, ${exact} exact book valuations`);
  log(`engine [revaluation ${mode}]: best of ${runs}: ${best.toFixed(1)} ms = ${Math.round(bps).toLocaleString('en-US')} bars/s (${((best * 1e6) / bars.length).toFixed(0)} ns/bar); target >= 50,000 bars/s`);
}

if (process.argv[1] !== undefined && /bench[\\/]engine\.ts$/.test(process.argv[1])) {
  await benchEngine((line) => console.log(line));
}
