/**
 * Inferred-mode benchmark (docs/model.md#reading-history): the bundled
 * default scenario (1,344 bars of 15 minutes, a 1,500 BTC dealer book, 20,000
 * perp accounts, the L2 book) run in overlay and in inferred mode. Reports
 * tries per bar, bars per second, and the time of a try against the time of
 * an overlay bar (a try is a bar plus a restore; the solve must not cost
 * more than its tries). The parts are built outside the timed region.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { validateScenario } from '../src/config/load.js';
import { prepareRunData } from '../src/runner/prepareData.js';
import { buildEngineParts } from '../src/runner/build.js';
import { runSimulation, type RunData } from '../src/engine/run.js';

const SCENARIOS = join(import.meta.dirname, '../data/scenarios');

export async function benchInferred(log: (line: string) => void): Promise<void> {
  const raw = JSON.parse(readFileSync(join(SCENARIOS, 'default.json'), 'utf8')) as Record<string, unknown>;
  const overlay = validateScenario(raw);
  const inferred = validateScenario({ ...raw, history: { mode: 'inferred' } });
  const data = prepareRunData(overlay, SCENARIOS).data;
  const n = data.bars.length;
  const timed = (scenario: typeof overlay, runs: number): { ms: number; figures: Record<string, unknown> } => {
    let best = Infinity;
    let figures: Record<string, unknown> = {};
    for (let k = 0; k < runs + 1; k++) {
      const { parts } = buildEngineParts(scenario, data, SCENARIOS);
      const t0 = performance.now();
      figures = runSimulation(scenario, data, parts).figures;
      const ms = performance.now() - t0;
      if (k > 0) best = Math.min(best, ms); // first run warms the JIT
    }
    return { ms: best, figures };
  };
  const o = timed(overlay, 4);
  const i = timed(inferred, 2);
  const tries = i.figures.inferredMeanTries as number;
  const perTry = i.ms / (tries * n);
  const perBar = o.ms / n;
  log(`inferred [default scenario, ${n} bars]: overlay best ${o.ms.toFixed(0)} ms = ${Math.round(n / (o.ms / 1000)).toLocaleString('en-US')} bars/s`);
  log(
    `inferred [default scenario, ${n} bars]: inferred best ${i.ms.toFixed(0)} ms = ${Math.round(n / (i.ms / 1000)).toLocaleString('en-US')} bars/s, ` +
      `${tries.toFixed(2)} tries/bar, ${String(i.figures.inferredBarsFlagged)} bars flagged (max |gap| ${(i.figures.inferredMaxAbsGap as number).toExponential(2)})`,
  );
  log(`inferred [default scenario]: ${(perTry * 1000).toFixed(0)} µs per try against ${(perBar * 1000).toFixed(0)} µs per overlay bar (${(perTry / perBar).toFixed(1)}x)`);
  benchTryAgainstBar(inferred, overlay, data, log);
}

/**
 * The cost of a try against the cost of the same bar run once: the tries
 * crowd into the crash bars, where a bar liquidates thousands of accounts,
 * so a mean try is dearer than a mean overlay bar even at no overhead. The
 * replay (overlay on the inferred reference prices: `cascade replay`'s first
 * row) runs each bar once in the state its final try ran in; timing each of
 * its bars gives what the inference would cost if a try cost exactly its
 * bar, Σ tries_i · t_i.
 */
function benchTryAgainstBar(inferred: ReturnType<typeof validateScenario>, overlay: ReturnType<typeof validateScenario>, data: RunData, log: (line: string) => void): void {
  const n = data.bars.length;
  let best = Infinity;
  let ref: Float64Array | null = null;
  let tries: Float64Array | null = null;
  for (let k = 0; k < 2; k++) {
    const { parts } = buildEngineParts(inferred, data, SCENARIOS);
    const t0 = performance.now();
    const r = runSimulation(inferred, data, parts);
    best = Math.min(best, performance.now() - t0);
    ref = r.columns.inferred?.inferred_reference ?? null;
    tries = r.columns.inferred?.inferred_tries ?? null;
  }
  if (!ref || !tries) throw new Error('inferred run without its columns');
  const replay: RunData = { ...data, exogenous: ref };
  const barMs = new Float64Array(n);
  let weighted = Infinity;
  let replayMs = Infinity;
  for (let k = 0; k < 3; k++) {
    const { parts } = buildEngineParts(overlay, replay, SCENARIOS);
    let last = performance.now();
    const t0 = last;
    runSimulation(overlay, replay, parts, {
      onBarEnd: (bar) => {
        const now = performance.now();
        barMs[bar] = now - last;
        last = now;
      },
    });
    replayMs = Math.min(replayMs, performance.now() - t0);
    let w = 0;
    for (let i = 0; i < n; i++) w += tries[i] * barMs[i];
    weighted = Math.min(weighted, w);
  }
  let totalTries = 0;
  for (let i = 0; i < n; i++) totalTries += tries[i];
  log(
    `inferred [default scenario]: replay on the inferred shocks ${replayMs.toFixed(0)} ms = ${Math.round(n / (replayMs / 1000)).toLocaleString('en-US')} bars/s; ` +
      `${totalTries} tries at their own bar's cost would take ${weighted.toFixed(0)} ms, the inference took ${best.toFixed(0)} ms: a try costs ${(best / weighted).toFixed(2)}x its bar (the rest: save, restore, the solver)`,
  );
}

if (process.argv[1] !== undefined && /bench[\\/]inferred\.ts$/.test(process.argv[1])) {
  await benchInferred((line) => console.log(line));
}
