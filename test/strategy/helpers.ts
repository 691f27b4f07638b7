import { join } from 'node:path';
import { validateScenario } from '../../src/config/load.js';
import { readFileSync } from 'node:fs';
import { loadScenarioStrategy } from '../../src/runner/build.js';
import { runBacktest, type BacktestResult } from '../../src/runner/backtest.js';
import { prepareRunData } from '../../src/runner/prepareData.js';
import type { RunData, RunHooks } from '../../src/engine/run.js';
import type { Scenario } from '../../src/config/scenario.js';

export const ROOT = join(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/strategies');

/** The bundled default scenario, raw, with its paths resolved from data/scenarios. */
export function defaultScenarioRaw(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'data/scenarios/default.json'), 'utf8')) as Record<string, unknown>;
}

/** Validates `raw`, loads its strategy, runs it; `data` replaces the scenario's bars when given. */
export async function runScenario(raw: Record<string, unknown>, baseDir = join(ROOT, 'data/scenarios'), data?: RunData, hooks: RunHooks = {}): Promise<{ scenario: Scenario; result: BacktestResult; data: RunData }> {
  const scenario = validateScenario(raw);
  const d = data ?? prepareRunData(scenario, baseDir).data;
  const strategy = await loadScenarioStrategy(scenario, baseDir);
  const result = runBacktest(scenario, d, baseDir, hooks, strategy ? { strategy } : {});
  return { scenario, result, data: d };
}

/** Sum of a recorded column, NaN counted 0. */
export function columnSum(result: BacktestResult, name: string): number {
  const col = result.recorder.get(name);
  let s = 0;
  for (const v of col) if (!Number.isNaN(v)) s += v;
  return s;
}
